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

## Appareils (lus dans l’en-tête User-Agent du navigateur)
device-browser-on-os = { $browser } sur { $os }
device-on-os = Navigateur sur { $os }
device-unknown = Appareil inconnu
device-other = Appareil non reconnu
device-raw = Détails techniques (en-tête User-Agent)

## Avis de sécurité par courriel : un moyen de connexion a changé
mail-security-passkey-added-subject = Une clé d’accès a été ajoutée à votre compte
mail-security-passkey-added-body = Bonjour { $name },

    Une clé d’accès, « { $passkey } », vient d’être ajoutée à votre compte sur { $instance }. Elle permet de se connecter sans mot de passe.
    Quand : { $date } (heure de l’Est)
    Appareil : { $device }

    C’était vous? Vous n’avez rien d’autre à faire.

    Ce n’était pas vous? Quelqu’un a peut-être accès à votre compte. Retirez cette clé, changez votre mot de passe et fermez vos autres sessions à partir de vos paramètres de sécurité :
    { $link }
mail-security-passkey-removed-subject = Une clé d’accès a été retirée de votre compte
mail-security-passkey-removed-body = Bonjour { $name },

    La clé d’accès « { $passkey } » vient d’être retirée de votre compte sur { $instance }. Elle ne permet plus de se connecter.
    Quand : { $date } (heure de l’Est)
    Appareil : { $device }

    C’était vous? Vous n’avez rien d’autre à faire.

    Ce n’était pas vous? Quelqu’un connaît peut-être votre mot de passe. Changez-le, vérifiez vos clés d’accès et fermez vos autres sessions à partir de vos paramètres de sécurité :
    { $link }
mail-security-totp-enabled-subject = Le second facteur est activé sur votre compte
mail-security-totp-enabled-body = Bonjour { $name },

    Le second facteur (code d’une application d’authentification) vient d’être activé sur votre compte sur { $instance }. Ce code sera demandé après votre mot de passe.
    Quand : { $date } (heure de l’Est)
    Appareil : { $device }

    C’était vous? Vous n’avez rien d’autre à faire. Gardez vos codes de récupération en lieu sûr.

    Ce n’était pas vous? Quelqu’un a peut-être accès à votre compte. Changez votre mot de passe, fermez vos autres sessions et écrivez à l’équipe d’administration. Vos paramètres de sécurité :
    { $link }
mail-security-totp-disabled-subject = Le second facteur est désactivé sur votre compte
mail-security-totp-disabled-body = Bonjour { $name },

    Le second facteur (code d’une application d’authentification) vient d’être désactivé sur votre compte sur { $instance }. Le code n’est plus demandé après votre mot de passe.
    Quand : { $date } (heure de l’Est)
    Appareil : { $device }

    C’était vous? Vous n’avez rien d’autre à faire.

    Ce n’était pas vous? Quelqu’un a peut-être accès à votre compte. Changez votre mot de passe, fermez vos autres sessions et réactivez le second facteur à partir de vos paramètres de sécurité :
    { $link }
mail-security-recovery-codes-subject = Nouveaux codes de récupération pour votre compte
mail-security-recovery-codes-body = Bonjour { $name },

    De nouveaux codes de récupération viennent d’être créés pour votre compte sur { $instance }. Les anciens ne fonctionnent plus.
    Quand : { $date } (heure de l’Est)
    Appareil : { $device }

    C’était vous? Vous n’avez rien d’autre à faire. Gardez les nouveaux codes en lieu sûr.

    Ce n’était pas vous? Quelqu’un a peut-être accès à votre compte. Changez votre mot de passe, fermez vos autres sessions et créez d’autres codes à partir de vos paramètres de sécurité :
    { $link }
mail-security-password-changed-subject = Votre mot de passe a été changé
mail-security-password-changed-body = Bonjour { $name },

    Le mot de passe de votre compte sur { $instance } vient d’être changé. Les autres sessions ouvertes ont été fermées.
    Quand : { $date } (heure de l’Est)
    Appareil : { $device }

    C’était vous? Vous n’avez rien d’autre à faire.

    Ce n’était pas vous? Choisissez un nouveau mot de passe avec ce lien, puis vérifiez vos paramètres de sécurité et écrivez à l’équipe d’administration :
    { $reset }
    Vos paramètres de sécurité : { $link }
totp-continue-next = Continuer vers la page demandée
