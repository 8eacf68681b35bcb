# Strong sign-in: second factor (TOTP) and recovery codes.

settings-security = Security
totp-settings-lead = A second factor protects your account even if your password leaks: after the password, a six-digit code from your authenticator app (Aegis, FreeOTP, Google Authenticator…) is asked.
totp-off = Second factor off
totp-enable = Turn on the second factor
totp-setup-title = Add this account to your app
totp-setup-lead = In your authenticator app, add an account by scanning this QR code (or with the key below), then type the code it shows.
totp-setup-qr-alt = QR code of the address below, to scan with your app
totp-setup-secret = Key:
totp-setup-uri = Address:
totp-confirm = Confirm and turn on
totp-on = Second factor on
totp-codes-left = { $count ->
    [0] You have no recovery codes left: make new ones.
    [one] You have { $count } recovery code left.
   *[other] You have { $count } recovery codes left.
}
totp-new-codes = New recovery codes
totp-disable = Turn off the second factor
totp-codes-title = Your recovery codes
totp-codes-once = Keep them somewhere safe: each one lets you sign in once without your app. They will not be shown again.
totp-login-title = Verification code
totp-login-lead = Type the six-digit code from your authenticator app.
totp-field-code = Code
totp-field-code-hint = Or one of your recovery codes.
totp-login-submit = Verify
totp-login-wrong = This code is not valid (or was already used). Try again with the code shown now.
flash-totp-disabled = The second factor is off.

## Devices (read from the browser's User-Agent header)
device-browser-on-os = { $browser } on { $os }
device-on-os = Browser on { $os }
device-unknown = Unknown device
device-other = Unrecognised device
device-raw = Technical details (User-Agent header)

## Security notices by e-mail: a way to sign in changed
mail-security-passkey-added-subject = A passkey was added to your account
mail-security-passkey-added-body = Hello { $name },

    A passkey, “{ $passkey }”, was just added to your account on { $instance }. It can sign in without a password.
    When: { $date } (Eastern time)
    Device: { $device }

    Was it you? There is nothing else to do.

    Was it not you? Someone may have access to your account. Remove this passkey, change your password and close your other sessions from your security settings:
    { $link }
mail-security-passkey-removed-subject = A passkey was removed from your account
mail-security-passkey-removed-body = Hello { $name },

    The passkey “{ $passkey }” was just removed from your account on { $instance }. It no longer signs in.
    When: { $date } (Eastern time)
    Device: { $device }

    Was it you? There is nothing else to do.

    Was it not you? Someone may know your password. Change it, check your passkeys and close your other sessions from your security settings:
    { $link }
mail-security-totp-enabled-subject = The second factor is on for your account
mail-security-totp-enabled-body = Hello { $name },

    The second factor (a code from an authenticator app) was just turned on for your account on { $instance }. The code will be asked after your password.
    When: { $date } (Eastern time)
    Device: { $device }

    Was it you? There is nothing else to do. Keep your recovery codes somewhere safe.

    Was it not you? Someone may have access to your account. Change your password, close your other sessions and write to the administrators. Your security settings:
    { $link }
mail-security-totp-disabled-subject = The second factor is off for your account
mail-security-totp-disabled-body = Hello { $name },

    The second factor (a code from an authenticator app) was just turned off for your account on { $instance }. The code is no longer asked after your password.
    When: { $date } (Eastern time)
    Device: { $device }

    Was it you? There is nothing else to do.

    Was it not you? Someone may have access to your account. Change your password, close your other sessions and turn the second factor back on from your security settings:
    { $link }
mail-security-recovery-codes-subject = New recovery codes for your account
mail-security-recovery-codes-body = Hello { $name },

    New recovery codes were just made for your account on { $instance }. The old ones no longer work.
    When: { $date } (Eastern time)
    Device: { $device }

    Was it you? There is nothing else to do. Keep the new codes somewhere safe.

    Was it not you? Someone may have access to your account. Change your password, close your other sessions and make other codes from your security settings:
    { $link }
mail-security-password-changed-subject = Your password was changed
mail-security-password-changed-body = Hello { $name },

    The password of your account on { $instance } was just changed. Other open sessions were closed.
    When: { $date } (Eastern time)
    Device: { $device }

    Was it you? There is nothing else to do.

    Was it not you? Choose a new password with this link, then check your security settings and write to the administrators:
    { $reset }
    Your security settings: { $link }
totp-continue-next = Continue to the page you asked for
