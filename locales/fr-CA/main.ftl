# Passerelles — interface en français (Canada). Langue par défaut.

## Coquille
skip-to-content = Aller au contenu
nav-main-label = Navigation principale
nav-home = Accueil
nav-about = À propos
nav-settings = Mes paramètres
nav-admin = Administration
action-login = Se connecter
action-logout = Se déconnecter
action-signup = S’inscrire
action-save = Enregistrer
action-cancel = Annuler
lang-label = Langue
lang-apply = OK
breadcrumbs-label = Fil d’Ariane
footer-tagline = Passerelles, le commun numérique de l’action collective au Québec.
footer-api = API ouverte
footer-license = Logiciel libre (AGPL-3.0)
comment-count = { $count ->
    [one] { $count } commentaire
   *[other] { $count } commentaires
}
form-error-count = { $count ->
    [one] Le formulaire contient { $count } erreur
   *[other] Le formulaire contient { $count } erreurs
}
field-too-long = Ce texte est trop long.
field-invisible-characters = Ce texte contient des caractères invisibles ou de contrôle : retirez-les.

## Erreurs
error-400-title = Demande invalide
error-400-text = La demande n’a pas pu être comprise. Vérifiez ce qui a été saisi et réessayez.
error-401-title = Connexion requise
error-401-text = Connectez-vous pour accéder à cette page.
error-403-title = Accès refusé
error-403-text = Vous n’avez pas la permission de voir cette page ou de faire cette action.
error-404-title = Page introuvable
error-404-text = Cette page n’existe pas ou n’est plus disponible. Le lien est peut-être incomplet.
error-405-title = Action impossible
error-405-text = Cette action n’est pas possible à cette adresse.
error-413-title = Envoi trop volumineux
error-413-text = Ce que vous avez envoyé dépasse la taille permise.
error-415-text = Ce type de contenu n’est pas accepté ici.
error-429-title = Trop de tentatives
error-429-text = Vous avez fait trop de tentatives en peu de temps. Patientez un peu, puis réessayez.
error-500-title = Un problème est survenu
error-500-text = Une erreur inattendue s’est produite de notre côté. Elle a été consignée; vous pouvez réessayer dans un moment.
error-503-title = Service momentanément indisponible
error-503-text = Le service est momentanément indisponible. Réessayez dans quelques secondes.
error-csrf-title = Formulaire expiré
error-csrf-text = Ce formulaire a expiré ou ne provient pas de ce site. Revenez à la page précédente, rechargez-la et réessayez.
error-invalid-text = Certaines valeurs sont invalides.
error-retry-after = { $count ->
    [one] Réessayez dans { $count } seconde.
   *[other] Réessayez dans { $count } secondes.
}
error-request-id = Identifiant de la requête, à communiquer à l’équipe :
error-back-home = Retour à l’accueil

## Champs
field-username = Nom d’utilisateur
field-email = Adresse courriel
field-password = Mot de passe
field-new-password = Nouveau mot de passe
field-current-password = Mot de passe actuel
field-confirm-password = Confirmez le mot de passe
field-login = Nom d’utilisateur ou courriel
field-invite = Code d’invitation
field-signup-note = Pourquoi souhaitez-vous vous joindre à nous?
field-display-name = Nom affiché
field-bio = Courte présentation
field-avatar = Photo de profil
field-locale = Langue préférée
hint-username = De 3 à 30 caractères : lettres, chiffres, « _ », « - » ou « . ».
hint-email = Nous l’utilisons pour confirmer votre compte et vous joindre; elle n’est jamais affichée publiquement.
hint-password = Au moins 10 caractères. Une phrase facile à retenir fait un excellent mot de passe.
hint-invite = Le code figure dans le courriel ou le lien d’invitation reçu.
hint-signup-note = Quelques mots pour l’équipe d’administration qui approuve les inscriptions.
hint-display-name = Votre nom tel que les autres le verront (80 caractères au plus).
hint-bio = 500 caractères au plus.
hint-avatar = Image JPEG, PNG, WebP ou GIF, 5 Mo au plus. Elle sera recadrée en carré.

## Validation
username-too-short = Le nom d’utilisateur doit compter au moins 3 caractères.
username-too-long = Le nom d’utilisateur doit compter au plus 30 caractères.
username-invalid-chars = Utilisez seulement des lettres, des chiffres, « _ », « - » ou « . ».
username-bad-start = Le nom d’utilisateur doit commencer par une lettre ou un chiffre.
username-reserved = Ce nom est réservé. Choisissez-en un autre.
username-mixed-script = Ce nom mélange des alphabets qui prêtent à confusion. Utilisez un seul alphabet.
username-taken = Ce nom d’utilisateur est déjà pris.
username-lookalike = Ce nom ressemble trop à celui d’un autre membre. Choisissez un nom plus distinct.
email-invalid = Cette adresse courriel n’est pas valide.
email-taken = Cette adresse courriel est déjà utilisée par un autre compte.
email-same = C’est déjà votre adresse actuelle.
password-too-short = Le mot de passe doit compter au moins 10 caractères.
password-too-long = Le mot de passe doit compter au plus 256 caractères.
password-common = Ce mot de passe est trop courant et facile à deviner. Choisissez-en un autre.
password-contains-username = Le mot de passe ne doit pas contenir votre nom d’utilisateur ni votre courriel.
password-mismatch = Les deux mots de passe ne correspondent pas.
password-wrong = Le mot de passe actuel est incorrect.
image-not-an-image = Ce fichier n’est pas une image.
image-unsupported = Ce format d’image n’est pas accepté (JPEG, PNG, WebP ou GIF).
image-too-large = L’image dépasse 5 Mo.
image-dimensions-too-large = L’image est trop grande (8000 pixels de côté et 33 millions de pixels au plus).
image-corrupt = L’image est endommagée ou incomplète.

## Accueil et pages publiques
home-default-description = Un espace commun pour les communautés de pratique, la veille collaborative, les événements et les territoires de l’action collective au Québec.
home-join = Rejoindre la communauté
home-complete-profile = Compléter mon profil
home-card-communities-title = Des communautés de pratique
home-card-communities-text = Échangez entre pairs de l’économie sociale, du milieu communautaire, du développement local et de la transition.
home-card-watch-title = Une veille partagée
home-card-watch-text = Partagez des liens, des outils et des programmes de financement, commentés et classés par thème.
home-card-territories-title = Ancrée dans les territoires
home-card-territories-text = Des régions aux quartiers, retrouvez ce qui se passe près de chez vous.
home-member-count = { $count ->
    [0] Aucun membre pour l’instant.
    [one] { $count } membre inscrit.
   *[other] { $count } membres inscrits.
}
setup-needed-title = Cette instance n’a pas encore d’administrateur
setup-needed-text = Ouvrez le lien de configuration unique affiché dans la console au démarrage du serveur, ou créez le premier compte administrateur depuis un terminal :
setup-cli-username = NOM
setup-cli-email = COURRIEL
setup-title = Créer le premier compte administrateur
setup-lead = Ce compte pourra configurer l’instance, approuver les inscriptions et nommer d’autres administrateurs.
setup-submit = Créer le compte administrateur
about-title = À propos
about-charter = Charte et code d’éthique
about-no-charter = L’équipe d’administration n’a pas encore publié de charte.
about-contact = Nous joindre
about-software = Le logiciel
about-software-text = Cette instance fonctionne avec Passerelles, un logiciel libre (AGPL-3.0) sobre, accessible et respectueux de la vie privée : aucun pisteur, aucune requête vers des tiers.
profile-member-since = membre depuis le { $date }
profile-no-bio = Ce membre n’a pas encore écrit de présentation.
profile-edit = Modifier mon profil
status-pending = Inscription en attente d’approbation
status-suspended = Compte suspendu
status-active = Actif

## Inscription et connexion
signup-title = Créer un compte
signup-lead = Bienvenue! Il suffit d’un nom d’utilisateur, d’une adresse courriel et d’un mot de passe.
signup-mode-approval = Les inscriptions sont approuvées par l’équipe d’administration. Vous recevrez un courriel dès que votre compte sera activé.
signup-mode-invitation = Les inscriptions se font sur invitation. Entrez le code reçu.
signup-invite-invalid = Ce code d’invitation est invalide, expiré ou déjà utilisé.
signup-charter-accept = J’ai lu la charte et je m’engage à la respecter
signup-charter-required = Vous devez accepter la charte pour vous inscrire.
signup-submit = Créer mon compte
signup-have-account = Vous avez déjà un compte?
signup-closed-title = Inscriptions fermées
signup-closed-text = Cette instance n’accepte pas de nouvelles inscriptions pour le moment.
signup-done-title = Presque terminé!
signup-done-check-email = Nous avons envoyé un lien de confirmation à { $email }. Ouvrez-le pour activer votre compte (pensez à vérifier vos indésirables).
signup-done-pending = Votre demande sera examinée par l’équipe d’administration. Vous recevrez un courriel dès son approbation.
signup-done-ready = Votre compte est prêt : vous pouvez vous connecter.
link-invalid-title = Lien invalide ou expiré
link-invalid-text = Ce lien n’est plus valide : il a peut-être déjà servi ou expiré. Vous pouvez en demander un nouveau.
verify-title = Confirmer votre adresse courriel
verify-text = Confirmez que { $email } est bien votre adresse.
verify-submit = Confirmer mon adresse
verify-done-title = Adresse confirmée
verify-done-pending = Merci! Votre adresse est confirmée. Votre inscription attend maintenant l’approbation de l’équipe d’administration.
resend-done-title = Courriel envoyé
resend-done-text = Si un compte non confirmé correspond, un nouveau lien de confirmation vient d’être envoyé.
login-title = Se connecter
login-failed = Nom d’utilisateur, courriel ou mot de passe incorrect.
login-unverified = Confirmez d’abord votre adresse courriel à l’aide du lien reçu.
login-pending = Votre inscription attend encore l’approbation de l’équipe d’administration.
login-suspended = Ce compte est suspendu.
login-resend = Renvoyer le lien de confirmation
login-forgot = Mot de passe oublié?
login-no-account = Pas encore de compte?
forgot-title = Mot de passe oublié
forgot-lead = Entrez l’adresse courriel de votre compte : nous vous enverrons un lien pour choisir un nouveau mot de passe.
forgot-submit = Envoyer le lien
forgot-done-title = Vérifiez vos courriels
forgot-done-text = Si un compte est associé à { $email }, un lien de réinitialisation vient d’y être envoyé. Il est valide pendant une heure.
reset-title = Choisir un nouveau mot de passe
reset-submit = Enregistrer le nouveau mot de passe

## Messages éphémères
flash-logged-out = Vous êtes déconnecté. À bientôt!
flash-email-verified = Votre adresse courriel est confirmée.
flash-password-reset = Votre mot de passe a été changé. Connectez-vous avec le nouveau.
flash-setup-done = Bienvenue! Votre compte administrateur est prêt. Commencez par configurer l’instance.
flash-profile-saved = Profil enregistré.
flash-password-changed = Mot de passe changé. Vos autres sessions ont été fermées.
flash-email-change-sent = Un lien de confirmation a été envoyé à la nouvelle adresse. Elle remplacera l’actuelle une fois confirmée.
flash-sessions-revoked = Vos autres sessions ont été fermées.
flash-session-revoked = La session a été fermée.
flash-token-revoked = Le jeton a été révoqué.
flash-avatar-removed = Photo de profil retirée.

## Courriels
mail-signature = L’équipe de { $instance }
mail-verify-subject = Confirmez votre adresse courriel
mail-verify-body = Bonjour { $name },

    Pour confirmer votre adresse courriel sur { $instance }, ouvrez ce lien :
    { $link }

    Ce lien est valide pendant trois jours. Si vous n’avez rien demandé, ignorez ce message.
mail-reset-subject = Réinitialisation de votre mot de passe
mail-reset-body = Bonjour { $name },

    Pour choisir un nouveau mot de passe sur { $instance }, ouvrez ce lien :
    { $link }

    Ce lien est valide pendant une heure. Si vous n’avez rien demandé, ignorez ce message : votre mot de passe reste inchangé.
mail-change-email-subject = Confirmez votre nouvelle adresse courriel
mail-change-email-body = Bonjour { $name },

    Vous avez demandé à utiliser cette adresse pour votre compte sur { $instance }. Pour confirmer, ouvrez ce lien :
    { $link }

    Si vous n’avez rien demandé, ignorez ce message.
mail-email-changed-subject = Votre adresse courriel va changer
mail-email-changed-body = Bonjour { $name },

    Une demande de changement d’adresse courriel a été faite pour votre compte sur { $instance }. Si ce n’est pas vous, changez votre mot de passe et écrivez à l’équipe d’administration.
mail-approved-subject = Votre inscription est approuvée
mail-approved-body = Bonjour { $name },

    Bonne nouvelle : votre inscription sur { $instance } a été approuvée. Vous pouvez maintenant vous connecter :
    { $link }
mail-refused-subject = Votre demande d’inscription
mail-refused-body = Bonjour { $name },

    Votre demande d’inscription sur { $instance } n’a pas été retenue.
mail-invite-subject = Invitation à rejoindre { $instance }
mail-invite-body = Bonjour,

    Vous êtes invité à rejoindre { $instance }. Pour créer votre compte, ouvrez ce lien :
    { $link }

    Cette invitation est valide pendant { $days } jours.

## Paramètres personnels
settings-nav-label = Sections des paramètres
settings-profile = Profil
settings-account = Courriel et mot de passe
settings-sessions = Sessions
settings-tokens = Jetons d’API
settings-profile-lead = Ce que les autres membres voient de vous.
settings-profile-view = Voir mon profil public
settings-current-avatar = Photo de profil actuelle
settings-remove-avatar = Retirer la photo de profil
settings-email-title = Adresse courriel
settings-email-current = Adresse actuelle :
settings-email-verified = confirmée
settings-email-unverified = non confirmée
settings-new-email = Nouvelle adresse courriel
settings-new-email-hint = Un lien de confirmation y sera envoyé; l’adresse actuelle reste en place d’ici là.
settings-email-submit = Changer d’adresse
settings-password-title = Mot de passe
settings-password-submit = Changer le mot de passe
settings-sessions-lead = Les appareils et navigateurs connectés à votre compte. Fermez toute session que vous ne reconnaissez pas.
settings-session-device = Appareil
settings-session-ip = Adresse IP
settings-session-started = Ouverte le
settings-session-last = Dernière activité
settings-session-actions = Actions
settings-session-unknown = Appareil inconnu
settings-session-current = cette session
settings-session-revoke = Fermer
settings-sessions-revoke-others = Fermer toutes les autres sessions
settings-logout-everywhere = Me déconnecter partout
settings-tokens-lead = Les jetons d’accès personnels permettent à un programme d’utiliser l’API en votre nom. Traitez-les comme des mots de passe.
settings-tokens-doc = Documentation de l’API (OpenAPI)
settings-token-created = Jeton créé
settings-token-copy-now = Copiez-le maintenant : il ne sera plus jamais affiché.
settings-token-new = Nouveau jeton
settings-token-name = Nom
settings-token-name-hint = Pour vous rappeler à quoi il sert (80 caractères au plus).
settings-token-days = Validité (jours)
settings-token-days-hint = De 1 à 3650 jours; laissez vide pour un jeton sans expiration.
settings-token-days-invalid = Entrez un nombre de jours entre 1 et 3650.
settings-token-create = Créer le jeton
settings-token-list = Mes jetons
settings-token-none = Vous n’avez aucun jeton actif.
settings-token-prefix = Début du jeton
settings-token-created-at = Créé le
settings-token-last-used = Dernière utilisation
settings-token-expires = Expire le
settings-token-never = jamais
settings-token-no-expiry = sans expiration
settings-token-revoke = Révoquer
field-required = Ce champ est obligatoire.
field-invalid = Cette valeur n’est pas valide.
field-invalid-choice = Ce choix n’est pas valide.
field-out-of-range = Cette valeur est hors des limites permises.
fetch-invalid-url = Cette adresse web n’est pas valide.
fetch-forbidden-scheme = Seules les adresses http et https sont acceptées.
fetch-forbidden-address = Cette adresse pointe vers un réseau privé ou interdit.
fetch-dns-failed = Ce site est introuvable (nom de domaine inconnu).
fetch-too-many-redirects = Ce lien redirige trop de fois.
fetch-timeout = Le site a mis trop de temps à répondre.
fetch-too-large = La page est trop volumineuse pour en faire un aperçu.
fetch-http-error = Le site a répondu par une erreur.
fetch-network = Le site n’a pas pu être joint.
nav-unread = non lues
home-feed-title = Quoi de neuf dans mes communautés
home-feed-order = Les publications les plus récemment actives d’abord (nouvelle publication ou nouvelle réponse), sans classement par popularité.
home-feed-empty = Rien de nouveau pour l’instant. Rejoignez des communautés pour suivre leurs échanges.
home-explore = Explorer les communautés
home-prev = ← Plus récentes
home-next = Plus anciennes →

settings-findable = Les membres peuvent me trouver dans la recherche
settings-findable-hint = Votre nom, votre identifiant et votre présentation apparaissent dans les résultats de recherche des personnes connectées.

## Search
search-title = Recherche
search-title-for = Recherche : { $name }
search-within = Rechercher dans { $name }
search-placeholder = Rechercher…
search-action = Rechercher
search-field-q = Rechercher
# The header's search box: its label and its landmark's name.
search-site-label = Rechercher dans le site
search-hint-q = Tous les mots sont cherchés. « Entre guillemets » pour une expression exacte, -mot pour exclure.
search-field-sort = Trier par
search-sort-relevance = Pertinence
search-sort-date = Date (plus récent d’abord)
search-filters = Filtres
search-field-kind = Type
search-kind-any = Tous les types
search-kind-publication = Publications (tous types)
search-kind-discussion = Discussion
search-kind-question = Question
search-kind-watch = Veille
search-kind-reply = Réponse
search-kind-community = Communauté
search-kind-member = Membre
search-kind-resource = Ressource de la bibliothèque
search-field-community = Communauté
search-hint-community = Son nom (vos communautés sont proposées) ou le nom court de son adresse.
search-field-tag = Étiquette
search-field-author = Auteur ou autrice (nom ou identifiant)
search-field-from = Depuis le
search-field-to = Jusqu’au
search-date-invalid = Date invalide : utilisez le format AAAA-MM-JJ.
search-facets = Affiner les résultats
search-form-label = Recherche détaillée
search-facet-remove = (retirer ce filtre)
search-facet-count = { $count ->
    [one] { $count } résultat
   *[other] { $count } résultats
}
search-count = { $count ->
    [0] Aucun résultat
    [one] { $count } résultat
   *[other] { $count } résultats
}
search-ordering-relevance = Triés par pertinence : les titres et les étiquettes comptent plus que le texte.
search-ordering-date = Triés par date, du plus récent au plus ancien.
search-empty = Essayez moins de mots, un autre type ou sans filtre.
search-did-you-mean = Vouliez-vous dire
search-did-you-mean-end = {" ?"}
search-note-empty = Entrez au moins un mot à chercher.
search-note-stopwords = Votre recherche ne contient que des mots trop courants (le, la, de…). Ajoutez un mot plus précis.
search-note-exclusions = Une recherche ne peut pas contenir seulement des exclusions (-mot). Ajoutez un mot à chercher.
search-note-truncated = Votre recherche était très longue : seuls ses premiers mots ont été utilisés.
search-save-name = Nom de la recherche
search-save = Enregistrer cette recherche
search-saved-title = Mes recherches enregistrées
search-saved-lead = Vos notifications vous signalent les nouveaux contenus qui correspondent à une recherche enregistrée.
search-saved-empty = Aucune recherche enregistrée pour l’instant.
search-saved-delete = Supprimer
search-saved-done = Recherche enregistrée. Ses nouveaux résultats vous seront signalés.
search-saved-deleted = Recherche supprimée.
search-saved-too-many = Vous avez atteint le nombre maximal de recherches enregistrées. Supprimez-en une d’abord.
search-saved-full = Vous avez déjà { $count } recherches enregistrées, le maximum. Supprimez-en une dans vos recherches enregistrées, puis enregistrez celle-ci de nouveau : le nom saisi est conservé ci-dessous.
notification-saved-search = { $count ->
    [one] Un nouveau résultat pour votre recherche « { $name } »
   *[other] { $count } nouveaux résultats pour votre recherche « { $name } »
}
tags-title = Étiquettes
tags-field = Étiquettes commençant par
tags-ordering = Les plus utilisées d’abord, parmi les publications que vous pouvez lire.
tags-empty = Aucune étiquette ne correspond.
community-search-label = Rechercher dans cette communauté
search-count-capped = Plus de { $count } résultats : précisez votre recherche ou ajoutez un filtre
