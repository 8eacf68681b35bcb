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
