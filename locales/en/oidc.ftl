# OpenID Connect provider: consent, logout, connected tools.

oidc-error-client = This tool is not registered with this instance. Check the link or contact the administrators.
oidc-error-redirect = The return address requested is not registered for this tool. To be safe, we do not send you there.
oidc-error-request = The sign-in request is malformed.
oidc-error-hint = The session proof sent by the tool is invalid.
oidc-error-logout-redirect = The return address after logging out is not registered for this tool. To be safe, we do not send you there.

oidc-scope-openid = Your unique identifier on this instance
oidc-scope-profile = Your username, display name, avatar and language
oidc-scope-email = Your e-mail address
oidc-scope-groups = The communities you belong to and your roles
oidc-consent-title = Sign in to { $name }
oidc-consent-lead = { $name } asks to use your account. The tool will receive:
oidc-consent-offline = The tool will keep access while you are signed out, until you withdraw it.
oidc-consent-revoke-hint = You can withdraw this access at any time in your settings, under “Allowed tools”.
oidc-consent-allow = Allow
oidc-consent-deny = Decline

oidc-continue-title = Back to the tool…
oidc-continue-link = Continue to the tool

oidc-logout-title = Log out?
oidc-logout-from = The request comes from { $name }.
oidc-logout-question = Do you want to end your session on this instance?
oidc-logout-stay = Stay signed in
oidc-logout-done = You are logged out
oidc-logout-done-text = Your session on this instance has ended.

oidc-admin-nav = Connected tools
oidc-admin-lead = The tools (Nextcloud, Matrix, Forgejo…) that use this instance to sign their members in (OpenID Connect).
oidc-admin-discovery = Discovery address to give the tools:
oidc-admin-endpoints = Addresses for tools without discovery (Wiki.js, HedgeDoc, Outline, Mobilizon…)
oidc-admin-issuer = Issuer
oidc-admin-claims = Claims provided
oidc-admin-created = Tool “{ $name }” registered.
oidc-admin-client-id = Client ID:
oidc-admin-secret-once = Client secret: copy it now, it will not be shown again.
oidc-admin-list = Registered tools
oidc-admin-none = No tool is registered yet.
oidc-admin-new-secret = New secret
oidc-admin-remove = Remove
oidc-admin-new = Register a tool
oidc-admin-add = Register the tool
oidc-client-name = Name
oidc-client-description = Description
oidc-client-home-url = Tool address
oidc-client-home-url-hint = Shown in “My tools”.
oidc-client-redirect-uris = Redirect addresses
oidc-client-redirect-uris-hint = One per line, compared exactly (https, or http on the local machine).
oidc-client-logout-uris = Addresses after logout
oidc-client-logout-uris-hint = One per line, optional.
oidc-client-backchannel-uri = Back-channel logout address
oidc-client-backchannel-uri-hint = Optional: the tool receives a signed token there when the session ends here (OpenID Connect Back-Channel Logout).
oidc-client-kind = Client type
oidc-client-confidential = Confidential (a server that keeps a secret)
oidc-client-public = Public (an app without a secret: PKCE required)
oidc-client-scopes = Allowed scopes
oidc-client-first-party = The instance’s own tool (no consent screen)
oidc-client-require-pkce = Require PKCE (S256) even for this confidential client
oidc-client-first-party-badge = instance’s own
oidc-client-public-badge = public
oidc-client-error-name = Give a name of 1 to 80 characters.
oidc-client-error-description = The description is too long (500 characters at most).
oidc-client-error-redirect = Each address must be complete, without fragment or wildcard, in https (http only on the local machine).
oidc-client-error-url = This address is not valid.
oidc-client-error-scopes = Choose known scopes, including openid.
flash-oidc-client-removed = The tool was removed.
flash-oidc-tool-revoked = This tool’s access was withdrawn.

settings-tools = Allowed tools
settings-tools-lead = The tools you signed in to with this account. Withdrawing a tool ends its access; it will ask for your agreement again.
settings-tools-none = You have not allowed any tool.
settings-tools-scopes = Access
settings-tools-since = Since
settings-tools-revoke = Withdraw access

oidc-portal-title = My tools
oidc-portal-lead = The tools connected to this instance. One click opens them, already signed in.
oidc-portal-none = No tool is connected to this instance yet.

# Issue 5, continued: signing algorithm, communities, icons, second factor for administrators.
oidc-client-icon = Icon
oidc-client-icon-hint = PNG, JPEG, WebP or GIF, square if possible; stored here as a 96 × 96 PNG (no third-party address). Choose the file again if the form comes back with an error.
oidc-client-alg = ID token signature
oidc-client-alg-hint = RS256 works with every tool; choose ES256 or EdDSA only if the tool supports it (its id_token_signed_response_alg).
oidc-client-audience = Who sees it in “My tools”
oidc-client-audience-instance = Every member of the instance
oidc-client-audience-communities = Only the members of these communities
oidc-client-communities = Communities
oidc-client-communities-hint = Their short names (as in /c/short-name), separated by spaces or commas.
oidc-client-error-alg = Choose RS256, ES256 or EdDSA.
oidc-client-error-communities-none = Name at least one community, or show the tool to every member.
oidc-client-error-communities-unknown = No community has this short name: { $name }.
oidc-community-tools-title = Connected tools
oidc-community-tools-lead = Tools connected to this community, shown to its members. One click opens them, already signed in.
admin-require-second-factor = Require a second factor for administrators
admin-require-second-factor-hint = An administrator without a second factor is sent to set one up when signing in, and cannot use the administration area or the administrators’ API actions until it is on.
admin-require-second-factor-self = Turn on your own second factor first (Settings → Security): otherwise you would lock yourself out of administration.
flash-admin-second-factor-required = This instance requires administrators to use a second factor. Turn it on below to use the administration area again.
oidc-admin-edit = Edit
oidc-admin-edit-title = Tool “{ $name }”
oidc-admin-edit-lead = How the tool is shown and to whom, and how its ID tokens are signed. Its addresses and secret do not change here.
oidc-admin-edit-back = Back to the tools
oidc-client-icon-current = Current icon
oidc-client-icon-remove = Remove the icon (the first letter of the name is shown instead)
flash-oidc-client-saved = The tool was updated.
