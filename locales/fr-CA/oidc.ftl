# Fournisseur OpenID Connect : consentement, déconnexion, outils connectés.

oidc-error-client = Cet outil n’est pas enregistré auprès de cette instance. Vérifiez le lien ou contactez l’équipe d’administration.
oidc-error-redirect = L’adresse de retour demandée n’est pas enregistrée pour cet outil. Par prudence, nous ne vous y renvoyons pas.
oidc-error-request = La demande de connexion est mal formée.
oidc-error-hint = La preuve de session fournie par l’outil est invalide.
oidc-error-logout-redirect = L’adresse de retour après déconnexion n’est pas enregistrée pour cet outil. Par prudence, nous ne vous y renvoyons pas.

oidc-scope-openid = Votre identifiant unique sur cette instance
oidc-scope-profile = Votre nom d’utilisateur, votre nom affiché, votre avatar et votre langue
oidc-scope-email = Votre adresse courriel
oidc-scope-groups = Les communautés dont vous êtes membre et vos rôles
oidc-consent-title = Se connecter à { $name }
oidc-consent-lead = { $name } demande à utiliser votre compte. L’outil recevra :
oidc-consent-offline = L’outil pourra garder l’accès même en dehors de vos sessions, jusqu’à ce que vous le retiriez.
oidc-consent-revoke-hint = Vous pourrez retirer cet accès à tout moment dans vos paramètres, section « Outils autorisés ».
oidc-consent-allow = Autoriser
oidc-consent-deny = Refuser

oidc-continue-title = Retour vers l’outil…
oidc-continue-link = Continuer vers l’outil

oidc-logout-title = Se déconnecter?
oidc-logout-from = La demande vient de { $name }.
oidc-logout-question = Voulez-vous fermer votre session sur cette instance?
oidc-logout-stay = Garder ma session ouverte
oidc-logout-done = Votre session est fermée
oidc-logout-done-text = Votre session est fermée sur cette instance.

oidc-admin-nav = Outils connectés
oidc-admin-lead = Les outils (Nextcloud, Matrix, Forgejo…) qui utilisent cette instance pour la connexion de leurs membres (OpenID Connect).
oidc-admin-discovery = Adresse de découverte à donner aux outils :
oidc-admin-endpoints = Adresses pour les outils sans découverte (Wiki.js, HedgeDoc, Outline, Mobilizon…)
oidc-admin-issuer = Émetteur (issuer)
oidc-admin-claims = Attributs fournis
oidc-admin-created = Outil « { $name } » enregistré.
oidc-admin-client-id = Identifiant client :
oidc-admin-secret-once = Secret client : copiez-le maintenant, il ne sera plus affiché.
oidc-admin-list = Outils enregistrés
oidc-admin-none = Aucun outil n’est encore enregistré.
oidc-admin-new-secret = Nouveau secret
oidc-admin-remove = Retirer
oidc-admin-new = Enregistrer un outil
oidc-admin-add = Enregistrer l’outil
oidc-client-name = Nom
oidc-client-description = Description
oidc-client-home-url = Adresse de l’outil
oidc-client-home-url-hint = Montrée dans « Mes outils ».
oidc-client-redirect-uris = Adresses de retour
oidc-client-redirect-uris-hint = Une par ligne, comparées à l’identique (https, ou http sur la machine locale).
oidc-client-logout-uris = Adresses de retour après déconnexion
oidc-client-logout-uris-hint = Une par ligne, facultatif.
oidc-client-backchannel-uri = Adresse de déconnexion en arrière-plan
oidc-client-backchannel-uri-hint = Facultatif : l’outil y reçoit un jeton signé quand la session se termine ici (OpenID Connect Back-Channel Logout).
oidc-client-kind = Type de client
oidc-client-confidential = Confidentiel (un serveur qui garde un secret)
oidc-client-public = Public (application sans secret : PKCE obligatoire)
oidc-client-scopes = Portées permises
oidc-client-first-party = Outil de l’instance (pas d’écran de consentement)
oidc-client-require-pkce = Exiger PKCE (S256) même pour ce client confidentiel
oidc-client-first-party-badge = de l’instance
oidc-client-public-badge = public
oidc-client-error-name = Donnez un nom de 1 à 80 caractères.
oidc-client-error-description = La description est trop longue (500 caractères au plus).
oidc-client-error-redirect = Chaque adresse doit être complète, sans fragment ni joker, en https (http seulement sur la machine locale).
oidc-client-error-url = Cette adresse n’est pas valide.
oidc-client-error-scopes = Choisissez des portées connues, dont openid.
flash-oidc-client-removed = L’outil a été retiré.
flash-oidc-tool-revoked = L’accès de cet outil a été retiré.

settings-tools = Outils autorisés
settings-tools-lead = Les outils où vous avez ouvert une session avec ce compte. Retirer un outil ferme ses accès ; il redemandera votre accord.
settings-tools-none = Vous n’avez autorisé aucun outil.
settings-tools-scopes = Accès
settings-tools-since = Depuis
settings-tools-revoke = Retirer l’accès

oidc-portal-title = Mes outils
oidc-portal-lead = Les outils connectés à cette instance. Un clic les ouvre, sans avoir à vous reconnecter.
oidc-portal-none = Aucun outil n’est encore connecté à cette instance.

# Issue 5, continued: signing algorithm, communities, icons, second factor for administrators.
oidc-client-icon = Icône
oidc-client-icon-hint = PNG, JPEG, WebP ou GIF, carrée si possible; conservée ici en PNG de 96 × 96 (aucune adresse externe). Choisissez de nouveau le fichier si le formulaire revient avec une erreur.
oidc-client-alg = Signature du jeton d’identité
oidc-client-alg-hint = RS256 fonctionne avec tous les outils; choisissez ES256 ou EdDSA seulement si l’outil les prend en charge (son id_token_signed_response_alg).
oidc-client-audience = Qui le voit dans « Mes outils »
oidc-client-audience-instance = Tous les membres de l’instance
oidc-client-audience-communities = Seulement les membres de ces communautés
oidc-client-communities = Communautés
oidc-client-communities-hint = Leurs noms courts (comme dans /c/nom-court), séparés par des espaces ou des virgules.
oidc-client-error-alg = Choisissez RS256, ES256 ou EdDSA.
oidc-client-error-communities-none = Nommez au moins une communauté, ou montrez l’outil à tous les membres.
oidc-client-error-communities-unknown = Aucune communauté n’a ce nom court : { $name }.
oidc-community-tools-title = Outils connectés
oidc-community-tools-lead = Les outils connectés à cette communauté, montrés à ses membres. Un clic les ouvre, sans avoir à vous reconnecter.
admin-require-second-factor = Exiger un deuxième facteur des administrateurs
admin-require-second-factor-hint = Un administrateur sans deuxième facteur est invité à en activer un dès sa connexion et ne peut utiliser ni l’espace d’administration ni les actions d’administration de l’API avant de l’avoir fait.
admin-require-second-factor-self = Activez d’abord votre propre deuxième facteur (Paramètres → Sécurité) : sinon vous vous priveriez vous-même de l’administration.
flash-admin-second-factor-required = Cette instance exige un deuxième facteur des administrateurs. Activez-le ci-dessous pour retrouver l’accès à l’administration.
oidc-admin-edit = Modifier
oidc-admin-edit-title = Outil « { $name } »
oidc-admin-edit-lead = Comment l’outil est présenté et à qui, et comment ses jetons d’identité sont signés. Ses adresses et son secret ne changent pas ici.
oidc-admin-edit-back = Retour aux outils
oidc-client-icon-current = Icône actuelle
oidc-client-icon-remove = Retirer l’icône (la première lettre du nom s’affiche à la place)
flash-oidc-client-saved = L’outil a été mis à jour.
