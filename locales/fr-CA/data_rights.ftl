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
