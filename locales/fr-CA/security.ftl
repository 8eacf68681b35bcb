# Connexion renforcée : second facteur (TOTP) et codes de récupération.

settings-security = Sécurité
totp-settings-lead = Un second facteur protège votre compte même si votre mot de passe fuit : après le mot de passe, un code à six chiffres de votre application d’authentification (Aegis, FreeOTP, Google Authenticator…) est demandé.
totp-off = Second facteur désactivé
totp-enable = Activer le second facteur
totp-setup-title = Ajoutez ce compte à votre application
totp-setup-lead = Dans votre application d’authentification, ajoutez un compte en scannant ce code QR (ou avec la clé ci-dessous), puis saisissez le code qu’elle affiche.
totp-setup-qr-alt = Code QR de l’adresse ci-dessous, à scanner avec votre application
totp-setup-secret = Clé :
totp-setup-uri = Adresse :
totp-confirm = Confirmer et activer
totp-on = Second facteur activé
totp-codes-left = { $count ->
    [0] Il ne vous reste aucun code de récupération : créez-en de nouveaux.
    [one] Il vous reste { $count } code de récupération.
   *[other] Il vous reste { $count } codes de récupération.
}
totp-new-codes = Nouveaux codes de récupération
totp-disable = Désactiver le second facteur
totp-codes-title = Vos codes de récupération
totp-codes-once = Gardez-les en lieu sûr : chacun permet une connexion sans votre application. Ils ne seront plus affichés.
totp-login-title = Code de vérification
totp-login-lead = Saisissez le code à six chiffres de votre application d’authentification.
totp-field-code = Code
totp-field-code-hint = Ou l’un de vos codes de récupération.
totp-login-submit = Vérifier
totp-login-wrong = Ce code n’est pas valide (ou a déjà servi). Réessayez avec le code affiché maintenant.
flash-totp-disabled = Le second facteur est désactivé.
