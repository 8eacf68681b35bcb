# Mes données (issue 20) : télécharger ses données.

settings-data = Mes données
settings-data-lead = Téléchargez une copie de tout ce que vous avez écrit ou réglé ici, et de ce que { $instance } garde sur votre compte : une archive ZIP lisible par des programmes (JSON documenté, ActivityStreams) et par vous (une page HTML qui s’ouvre hors ligne).
settings-data-what = L’archive contient votre profil, vos réglages, vos adhésions, vos sessions, vos publications (avec leurs versions précédentes et leurs fichiers), vos réponses, vos suivis, vos recherches enregistrées, vos notifications, vos jetons d’API (sans leur valeur), vos clés d’accès et votre second facteur (sans leurs secrets), les événements de sécurité de votre compte, les outils autorisés, les organisations et initiatives que vous avez créées. Les réponses des autres personnes n’y sont pas.
settings-data-how-n = L’archive est préparée en arrière-plan. Nous vous écrivons quand elle est prête ; le lien reste valide 7 jours. Au plus { $count } archives par 24 heures.
settings-data-kib = { $count } Kio
settings-data-request = Préparer mon archive
flash-data-export-requested = Votre archive est en préparation. Nous vous écrirons quand elle sera prête.
settings-data-list = Mes archives
settings-data-none = Vous n’avez demandé aucune archive.
settings-data-requested-at = Demandée le
settings-data-status = État
settings-data-size = Taille
settings-data-download = Télécharger
settings-data-expires = Valide jusqu’au { $date }
data-export-status-queued = En attente
data-export-status-building = En préparation
data-export-status-ready = Prête
data-export-status-failed = Échec : demandez-en une autre
data-export-status-expired = Expirée
data-export-in-progress = Une archive est déjà en préparation. Nous vous écrirons quand elle sera prête.
data-export-too-many = Vous avez demandé { $count } archives dans les dernières 24 heures. Réessayez plus tard.

mail-data-export-ready-subject = Votre archive de données est prête
mail-data-export-ready-body = Bonjour { $name },

    L’archive de vos données sur { $instance } est prête. Téléchargez-la ici (connexion requise) :
    { $link }

    Ce lien est valide jusqu’au { $date }. Si vous n’avez pas demandé cette archive, changez votre mot de passe.

# L’index HTML de l’archive (hors ligne).
data-archive-title = Données de { $name } sur { $instance }
data-archive-generated = Archive produite le { $date }.
data-archive-intro = Cette page s’ouvre sans connexion. Les fichiers JSON à côté d’elle contiennent les mêmes données pour les programmes ; leur format est décrit par le fichier manifest.json et le schéma publié.
data-archive-files = Fichiers de l’archive
data-archive-file = Fichier
data-archive-count = Éléments
data-archive-profile = Profil
data-archive-username = Nom d’utilisateur
data-archive-display-name = Nom affiché
data-archive-bio = Présentation
data-archive-publications = Mes publications
data-archive-replies = Mes réponses
data-archive-none = Aucune.
data-archive-reply-meta = Réponse à la publication n° { $count }, le { $date }
data-archive-kind-discussion = Discussion
data-archive-kind-question = Question
data-archive-kind-watch = Veille

# Consentements.
settings-consents = Consentements
settings-consents-lead = Chaque accord que vous avez donné ici, et le moyen de le retirer. Retirer un accord prend effet tout de suite.
settings-consents-none = Vous n’avez donné aucun consentement pour l’instant.
settings-consents-later = Les infolettres et la diffusion de votre profil vers d’autres instances s’ajouteront ici quand elles existeront.
consent-findable = Être trouvable dans la recherche
consent-findable-what = Les autres membres peuvent trouver votre profil dans la recherche de personnes.
consent-withdraw-findable = Ne plus être trouvable
consent-tool = Outil : { $name }
consent-tool-what = Cet outil reçoit votre identité quand vous vous y connectez. Accès :
consent-since = Depuis le { $date }.
consent-withdraw-tool = Retirer l’accès de { $name }
flash-consent-withdrawn = Consentement retiré.

# Supprimer mon compte.
settings-delete = Supprimer mon compte
account-delete-lead = Vous pouvez supprimer votre compte sur { $instance }. Choisissez ce que deviennent vos contributions.
account-delete-export-first = Avant de partir, vous pouvez télécharger une copie de vos données :
account-delete-choose = Que deviennent vos contributions ?
account-delete-anonymise = Anonymiser
account-delete-everything = Tout supprimer
account-delete-mode-anonymise = Vos publications et réponses restent dans leurs fils, signées « Ancien membre ». Votre profil, vos réglages, vos adhésions et les mentions de votre nom sont supprimés.
account-delete-mode-everything = Vos publications et réponses sont remplacées par « supprimé » dans leurs fils, vos fichiers joints et les événements que vous organisez sont supprimés, comme votre profil, vos réglages et les mentions de votre nom.
account-delete-both = Dans les deux cas, la suppression a lieu après 14 jours : d’ici là, vous pouvez l’annuler en vous connectant. Ensuite, vos sessions et les outils connectés sont déconnectés, vous disparaissez de la recherche, et le journal d’administration ne garde aucune donnée personnelle.
account-delete-confirm = Je comprends que la suppression sera définitive après 14 jours.
account-delete-submit = Supprimer mon compte dans 14 jours
account-delete-confirm-required = Cochez la case pour confirmer.
account-delete-choose-mode = Choisissez « Anonymiser » ou « Tout supprimer ».
account-delete-already-pending = Une suppression de ce compte est déjà prévue.
account-delete-reason-required = Indiquez la raison (la demande de la personne).
account-delete-pending-title = Suppression prévue
account-delete-pending-text = Ce compte sera supprimé le { $date }.
account-delete-pending-by-admin = Un administrateur a demandé cette suppression à votre demande.
account-delete-cancel = Annuler la suppression
flash-account-deletion-scheduled = La suppression est prévue dans 14 jours. Elle peut être annulée d’ici là.
flash-account-deletion-cancelled = La suppression est annulée : le compte est conservé.
flash-account-deletion-pending = La suppression de votre compte est prévue. Vous pouvez l’annuler dans Réglages › Supprimer mon compte.
mail-account-deletion-scheduled-subject = Suppression de votre compte prévue
mail-account-deletion-scheduled-body = Bonjour { $name },

    La suppression de votre compte sur { $instance } est prévue le { $date }.

    Pour l’annuler, connectez-vous avant cette date :
    { $link }
mail-account-deleted-subject = Votre compte a été supprimé
mail-account-deleted-body = Bonjour { $name },

    Votre compte sur { $instance } a été supprimé, comme demandé. Cette adresse n’est plus conservée.
admin-delete-title = Supprimer le compte
admin-delete-legend = Supprimer ce compte à la demande de la personne
admin-delete-text = La suppression aura lieu dans 14 jours ; la personne ou un administrateur peut l’annuler d’ici là. La raison est gardée dans le journal d’administration.
admin-delete-reason = Raison
admin-delete-reason-hint = Par exemple : « demande reçue par courriel le 3 décembre ». N’y mettez pas de données personnelles.
admin-delete-submit = Prévoir la suppression

# Santé des communautés.
community-tab-health = Santé
health-lead = La vie de la communauté, semaine après semaine, en chiffres globaux seulement.
health-what-title = Ce qui est mesuré, et ce qui ne l’est pas
health-measured = Mesuré : les adhésions, les publications et les réponses (combien, et combien de personnes différentes y ont contribué), les questions et le délai avant une première réponse d’une autre personne, les événements tenus, les étiquettes des publications.
health-not-measured = Pas mesuré : la lecture (personne ne sait qui a lu quoi), le temps passé, et rien par personne — aucun classement des membres.
health-small = Les nombres de 1 à 4 s’affichent « < 5 », pour qu’aucune personne ne puisse être reconnue.
health-computed = Calculé le { $date } (mis à jour chaque heure).
health-not-yet = Les indicateurs n’ont pas encore été calculés. Ils le seront dans l’heure.
health-now = En ce moment
health-members = Membres
health-active-90d = Membres actifs (90 derniers jours)
health-gone-quiet = Membres devenus silencieux
health-newcomers-posted = Nouveaux membres ayant publié dans leurs 30 premiers jours
health-unanswered = Questions sans réponse
health-median-first-reply = Délai médian avant une première réponse (90 derniers jours)
health-too-few = Trop peu de cas pour le dire ({ $count })
health-minutes = { $count } min
health-hours = { $count } h
health-days = { $count } jours
health-chart-desc = Diagramme en barres, une barre par semaine sur les 13 dernières, la plus ancienne à gauche. La page en tableau donne les mêmes valeurs.
health-chart-new-members = Nouveaux membres par semaine
health-chart-active = Membres ayant contribué, par semaine
health-chart-publications = Publications par semaine
health-chart-replies = Réponses par semaine
health-chart-unanswered = Questions restées sans réponse, par semaine où elles ont été posées
health-chart-events = Événements tenus par semaine
health-table = Toutes les valeurs, en tableau (26 semaines)
health-week-of = Semaine du
health-count = Nombre
health-tags = Étiquettes les plus discutées (90 derniers jours)
health-tags-none = Aucune étiquette ces 90 derniers jours.
health-tag = Étiquette
health-tag-weight = Publications et réponses
health-admin-nav = Santé des communautés
health-admin-lead = Les communautés qui pourraient avoir besoin d’un coup de main, d’après les indicateurs calculés chaque heure.
health-admin-never = Communautés qui n’ont jamais démarré
health-admin-never-what = Créées il y a plus de 60 jours, avec moins de 5 publications et réponses pendant leurs 60 premiers jours.
health-admin-orphaned = Communautés dont les animateurs sont partis
health-admin-orphaned-what = Créées il y a plus de 60 jours, sans animateur ni propriétaire, ou dont aucun n’a contribué depuis 90 jours.
health-admin-none = Aucune.
health-admin-community = Communauté
health-admin-first-60d = Contributions des 60 premiers jours
health-admin-animators = Animateurs et propriétaires
health-admin-animators-active = Dont actifs (90 jours)
health-table-title = Santé de la communauté, en tableau
health-back = Retour aux diagrammes

## Imports (administration, issue 20)
admin-nav-imports = Importations
admin-import-lead = Les importations de communautés et les migrations (Discourse, HumHub) : celles en cours, les passées et leur rapport. Une archive de communauté Passerelles s’importe ici ; les dossiers Discourse et HumHub s’importent en ligne de commande (passerelles admin import). Les anciennes adresses des éléments importés mènent à leurs nouvelles pages.
admin-import-file = Archive de communauté (.zip)
admin-import-file-hint = L’archive qu’un propriétaire a téléchargée depuis les paramètres de sa communauté, ou celle de passerelles admin community-export.
admin-import-file-missing = Choisissez une archive.
admin-import-file-unreadable = Ce fichier n’est pas une archive de communauté Passerelles lisible.
admin-import-dry-run = Essai à blanc : produire le rapport sans rien écrire
admin-import-submit = Lancer
admin-import-runs = Importations passées et en cours
admin-import-none = Aucune importation pour l’instant.
admin-import-col-what = Quoi
admin-import-col-status = État
admin-import-col-counts = Importés / inchangés / écartés
admin-import-counts-hint = Un élément « inchangé » avait déjà été importé : relancer une importation ne crée rien en double.
admin-import-dry-badge = essai
admin-import-dry-note = essai à blanc, rien n’a été écrit
admin-import-status-queued = en attente
admin-import-status-running = en cours
admin-import-status-done = terminée
admin-import-status-failed = échouée
admin-import-status-interrupted = interrompue
admin-import-interrupted-hint = Cette importation s’est arrêtée en chemin (le serveur a redémarré). Relancez-la : elle reprend où elle s’était arrêtée.
admin-import-run-title = Importation no { $id }
admin-import-origin = Ancienne adresse
admin-import-progress = Avancement
admin-import-totals = Rapport
admin-import-imported = Importés
admin-import-unchanged = Inchangés
admin-import-skipped = Écartés
admin-import-skipped-caption = Éléments écartés et pourquoi
admin-import-col-kind = Type
admin-import-col-id = Identifiant d’origine
admin-import-col-label = Élément
admin-import-col-why = Raison
admin-import-back = Toutes les importations
