# Limits and input (issue 12, items 5 to 11)

field-nul-character = This field contains a null character (U+0000), which is not accepted.
field-unknown = This field is not part of the request (see the API description).
error-fields-title = Refused fields:
image-busy = Too many images are being processed. Try again in a few seconds.

api-insufficient-scope = This token's scope does not allow this action (a "write" token is needed).
api-tokens-cannot-create-tokens = A token cannot create other tokens. Create them in your settings, signed in.

token-scope = Scope
token-scope-read = Read
token-scope-read-hint = Read what you may read (GET requests only). The safest choice.
token-scope-write = Write
token-scope-write-hint = Read, and also publish, reply and edit on your behalf.
token-scope-admin = Administration
token-scope-admin-hint = All of the above, with your powers as an administrator of the instance.
token-scope-admin-only = Only administrators can create an administration token.

password-keep-tokens = { $count ->
    [one] Keep my API token working
   *[other] Keep my { $count } API tokens working
}
password-keep-tokens-hint = Otherwise they are revoked with the password change: whoever knew the old one could have created some.
