# Passerelles — English interface.

## Shell
skip-to-content = Skip to content
nav-main-label = Main navigation
nav-home = Home
nav-about = About
nav-settings = My settings
nav-admin = Administration
action-login = Log in
action-logout = Log out
action-signup = Sign up
action-save = Save
action-cancel = Cancel
lang-label = Language
lang-apply = OK
breadcrumbs-label = Breadcrumb
footer-tagline = Passerelles, the digital commons of collective action in Québec.
footer-api = Open API
footer-license = Free software (AGPL-3.0)
comment-count = { $count ->
    [one] { $count } comment
   *[other] { $count } comments
}
form-error-count = { $count ->
    [one] The form has { $count } error
   *[other] The form has { $count } errors
}
field-too-long = This text is too long.
field-invisible-characters = This text contains invisible or control characters: remove them.

## Errors
error-400-title = Invalid request
error-400-text = The request could not be understood. Check what was entered and try again.
error-401-title = Please log in
error-401-text = Log in to see this page.
error-403-title = Access denied
error-403-text = You do not have permission to see this page or do this.
error-404-title = Page not found
error-404-text = This page does not exist or is no longer available. The link may be incomplete.
error-405-title = Not possible here
error-405-text = This action is not possible at this address.
error-413-title = Too large
error-413-text = What you sent is larger than allowed.
error-415-text = This type of content is not accepted here.
error-429-title = Too many attempts
error-429-text = You made too many attempts in a short time. Wait a little, then try again.
error-500-title = Something went wrong
error-500-text = An unexpected error happened on our side. It has been logged; you can try again in a moment.
error-503-title = Temporarily unavailable
error-503-text = The service is temporarily unavailable. Try again in a few seconds.
error-csrf-title = Form expired
error-csrf-text = This form has expired or did not come from this site. Go back, reload the page and try again.
error-invalid-text = Some values are invalid.
error-retry-after = { $count ->
    [one] Try again in { $count } second.
   *[other] Try again in { $count } seconds.
}
error-request-id = Request id, to give to the team:
error-back-home = Back to home

## Fields
field-username = Username
field-email = E-mail address
field-password = Password
field-new-password = New password
field-current-password = Current password
field-confirm-password = Confirm the password
field-login = Username or e-mail
field-invite = Invitation code
field-signup-note = Why would you like to join?
field-display-name = Display name
field-bio = Short bio
field-avatar = Profile picture
field-locale = Preferred language
hint-username = 3 to 30 characters: letters, digits, “_”, “-” or “.”.
hint-email = Used to confirm your account and reach you; never shown publicly.
hint-password = At least 10 characters. An easy-to-remember sentence makes an excellent password.
hint-invite = The code is in the invitation e-mail or link you received.
hint-signup-note = A few words for the administrators who approve sign-ups.
hint-display-name = Your name as others will see it (at most 80 characters).
hint-bio = At most 500 characters.
hint-avatar = JPEG, PNG, WebP or GIF image, at most 5 MB. It will be cropped to a square.

## Validation
username-too-short = The username must have at least 3 characters.
username-too-long = The username must have at most 30 characters.
username-invalid-chars = Use only letters, digits, “_”, “-” or “.”.
username-bad-start = The username must start with a letter or a digit.
username-reserved = This name is reserved. Choose another one.
username-mixed-script = This name mixes alphabets in a confusing way. Use a single alphabet.
username-taken = This username is already taken.
username-lookalike = This name looks too much like another member’s. Choose a more distinct name.
email-invalid = This e-mail address is not valid.
email-taken = This e-mail address is already used by another account.
email-same = This is already your current address.
password-too-short = The password must have at least 10 characters.
password-too-long = The password must have at most 256 characters.
password-common = This password is too common and easy to guess. Choose another one.
password-contains-username = The password must not contain your username or e-mail.
password-mismatch = The two passwords do not match.
password-wrong = The current password is wrong.
image-not-an-image = This file is not an image.
image-unsupported = This image format is not accepted (JPEG, PNG, WebP or GIF).
image-too-large = The image is larger than 5 MB.
image-dimensions-too-large = The image is too large (at most 8000 pixels per side and 33 million pixels).
image-corrupt = The image is damaged or incomplete.

## Home and public pages
home-default-description = A common space for communities of practice, collaborative watch, events and territories of collective action in Québec.
home-join = Join the community
home-complete-profile = Complete my profile
home-card-communities-title = Communities of practice
home-card-communities-text = Exchange with peers in social economy, community groups, local development and transition.
home-card-watch-title = Shared watch
home-card-watch-text = Share links, tools and funding programs, with comments, sorted by theme.
home-card-territories-title = Rooted in territories
home-card-territories-text = From regions to neighbourhoods, find what is happening near you.
home-member-count = { $count ->
    [0] No members yet.
    [one] { $count } registered member.
   *[other] { $count } registered members.
}
setup-needed-title = This instance has no administrator yet
setup-needed-text = Open the one-time setup link shown on the console when the server started, or create the first administrator from a terminal:
setup-cli-username = NAME
setup-cli-email = EMAIL
setup-title = Create the first administrator
setup-lead = This account will configure the instance, approve sign-ups and appoint other administrators.
setup-submit = Create the administrator account
about-title = About
about-charter = Charter and code of ethics
about-no-charter = The administrators have not published a charter yet.
about-contact = Contact
about-software = The software
about-software-text = This instance runs Passerelles, free software (AGPL-3.0) that is sober, accessible and respectful of privacy: no trackers, no requests to third parties.
profile-member-since = member since { $date }
profile-no-bio = This member has not written a bio yet.
profile-edit = Edit my profile
status-pending = Sign-up awaiting approval
status-suspended = Suspended account
status-active = Active

## Sign-up and log-in
signup-title = Create an account
signup-lead = Welcome! All it takes is a username, an e-mail address and a password.
signup-mode-approval = Sign-ups are approved by the administrators. You will get an e-mail as soon as your account is active.
signup-mode-invitation = Sign-up is by invitation. Enter the code you received.
signup-invite-invalid = This invitation code is invalid, expired or already used.
signup-charter-accept = I have read the charter and agree to follow it
signup-charter-required = You must accept the charter to sign up.
signup-submit = Create my account
signup-have-account = Already have an account?
signup-closed-title = Sign-ups closed
signup-closed-text = This instance does not accept new sign-ups at the moment.
signup-done-title = Almost done!
signup-done-check-email = We sent a confirmation link to { $email }. Open it to activate your account (check your spam folder too).
signup-done-pending = Your request will be reviewed by the administrators. You will get an e-mail once it is approved.
signup-done-ready = Your account is ready: you can log in.
link-invalid-title = Invalid or expired link
link-invalid-text = This link is no longer valid: it may have been used already or have expired. You can ask for a new one.
verify-title = Confirm your e-mail address
verify-text = Confirm that { $email } is your address.
verify-submit = Confirm my address
verify-done-title = Address confirmed
verify-done-pending = Thank you! Your address is confirmed. Your sign-up now awaits the administrators’ approval.
resend-done-title = E-mail sent
resend-done-text = If an unconfirmed account matches, a new confirmation link has just been sent.
login-title = Log in
login-failed = Wrong username, e-mail or password.
login-unverified = First confirm your e-mail address with the link you received.
login-pending = Your sign-up is still awaiting the administrators’ approval.
login-suspended = This account is suspended.
login-resend = Send the confirmation link again
login-forgot = Forgot your password?
login-no-account = No account yet?
forgot-title = Forgotten password
forgot-lead = Enter your account’s e-mail address: we will send you a link to choose a new password.
forgot-submit = Send the link
forgot-done-title = Check your e-mail
forgot-done-text = If an account is linked to { $email }, a reset link has just been sent there. It is valid for one hour.
reset-title = Choose a new password
reset-submit = Save the new password

## Flash messages
flash-logged-out = You are logged out. See you soon!
flash-email-verified = Your e-mail address is confirmed.
flash-password-reset = Your password was changed. Log in with the new one.
flash-setup-done = Welcome! Your administrator account is ready. Start by configuring the instance.
flash-profile-saved = Profile saved.
flash-password-changed = Password changed. Your other sessions were closed.
flash-email-change-sent = A confirmation link was sent to the new address. It will replace the current one once confirmed.
flash-sessions-revoked = Your other sessions were closed.
flash-session-revoked = The session was closed.
flash-token-revoked = The token was revoked.
flash-avatar-removed = Profile picture removed.

## E-mails
mail-signature = The { $instance } team
mail-verify-subject = Confirm your e-mail address
mail-verify-body = Hello { $name },

    To confirm your e-mail address on { $instance }, open this link:
    { $link }

    This link is valid for three days. If you did not ask for anything, ignore this message.
mail-reset-subject = Reset your password
mail-reset-body = Hello { $name },

    To choose a new password on { $instance }, open this link:
    { $link }

    This link is valid for one hour. If you did not ask for anything, ignore this message: your password stays the same.
mail-change-email-subject = Confirm your new e-mail address
mail-change-email-body = Hello { $name },

    You asked to use this address for your account on { $instance }. To confirm, open this link:
    { $link }

    If you did not ask for anything, ignore this message.
mail-email-changed-subject = Your e-mail address is about to change
mail-email-changed-body = Hello { $name },

    A change of e-mail address was requested for your account on { $instance }. If this was not you, change your password and write to the administrators.
mail-approved-subject = Your sign-up is approved
mail-approved-body = Hello { $name },

    Good news: your sign-up on { $instance } was approved. You can now log in:
    { $link }
mail-refused-subject = Your sign-up request
mail-refused-body = Hello { $name },

    Your sign-up request on { $instance } was not accepted.
mail-invite-subject = Invitation to join { $instance }
mail-invite-body = Hello,

    You are invited to join { $instance }. To create your account, open this link:
    { $link }

    This invitation is valid for { $days } days.

## Personal settings
settings-nav-label = Settings sections
settings-profile = Profile
settings-account = E-mail and password
settings-sessions = Sessions
settings-tokens = API tokens
settings-profile-lead = What other members see of you.
settings-profile-view = See my public profile
settings-current-avatar = Current profile picture
settings-remove-avatar = Remove the profile picture
settings-email-title = E-mail address
settings-email-current = Current address:
settings-email-verified = confirmed
settings-email-unverified = not confirmed
settings-new-email = New e-mail address
settings-new-email-hint = A confirmation link will be sent there; the current address stays until then.
settings-email-submit = Change address
settings-password-title = Password
settings-password-submit = Change password
settings-sessions-lead = Devices and browsers signed in to your account. Close any session you do not recognise.
settings-session-device = Device
settings-session-ip = IP address
settings-session-started = Started
settings-session-last = Last active
settings-session-actions = Actions
settings-session-unknown = Unknown device
settings-session-current = this session
settings-session-revoke = Close
settings-sessions-revoke-others = Close all other sessions
settings-logout-everywhere = Log out everywhere
settings-tokens-lead = Personal access tokens let a program use the API on your behalf. Treat them like passwords.
settings-tokens-doc = API documentation (OpenAPI)
settings-token-created = Token created
settings-token-copy-now = Copy it now: it will never be shown again.
settings-token-new = New token
settings-token-name = Name
settings-token-name-hint = To remember what it is for (at most 80 characters).
settings-token-days = Validity (days)
settings-token-days-hint = From 1 to 3650 days; leave empty for a token that never expires.
settings-token-days-invalid = Enter a number of days between 1 and 3650.
settings-token-create = Create the token
settings-token-list = My tokens
settings-token-none = You have no active token.
settings-token-prefix = Token start
settings-token-created-at = Created
settings-token-last-used = Last used
settings-token-expires = Expires
settings-token-never = never
settings-token-no-expiry = no expiry
settings-token-revoke = Revoke
field-required = This field is required.
field-invalid = This value is not valid.
field-invalid-choice = This choice is not valid.
field-out-of-range = This value is out of the allowed range.
fetch-invalid-url = This web address is not valid.
fetch-forbidden-scheme = Only http and https addresses are accepted.
fetch-forbidden-address = This address points to a private or forbidden network.
fetch-dns-failed = This site cannot be found (unknown domain name).
fetch-too-many-redirects = This link redirects too many times.
fetch-timeout = The site took too long to answer.
fetch-too-large = The page is too large to preview.
fetch-http-error = The site answered with an error.
fetch-network = The site could not be reached.
nav-unread = unread
home-feed-title = What’s new in my communities
home-feed-order = Most recently active publications first (new publication or new reply), with no popularity ranking.
home-feed-empty = Nothing new for now. Join communities to follow their conversations.
home-explore = Explore communities
home-prev = ← Newer
home-next = Older →

settings-findable = Members can find me in search
settings-findable-hint = Your name, username and bio appear in the search results of signed-in people.

## Search
search-title = Search
search-title-for = Search: { $name }
search-within = Search in { $name }
search-placeholder = Search…
search-action = Search
search-field-q = Search
# The header's search box: its label and its landmark's name.
search-site-label = Search this site
search-hint-q = All words are searched. "In quotes" for an exact phrase, -word to exclude.
search-field-sort = Sort by
search-sort-relevance = Relevance
search-sort-date = Date (newest first)
search-filters = Filters
search-field-kind = Type
search-kind-any = All types
search-kind-publication = Publications (all types)
search-kind-discussion = Discussion
search-kind-question = Question
search-kind-watch = Watch item
search-kind-reply = Reply
search-kind-community = Community
search-kind-member = Member
search-kind-resource = Library resource
search-field-community = Community
search-hint-community = Its name (yours are suggested) or the short name in its address.
search-field-tag = Tag
search-field-author = Author (name or username)
search-field-from = From
search-field-to = Until
search-date-invalid = Invalid date: use the YYYY-MM-DD format.
search-facets = Refine the results
search-form-label = Detailed search
search-facet-remove = (remove this filter)
search-facet-count = { $count ->
    [one] { $count } result
   *[other] { $count } results
}
search-count = { $count ->
    [0] No results
    [one] { $count } result
   *[other] { $count } results
}
search-ordering-relevance = Sorted by relevance: titles and tags count more than the text.
search-ordering-date = Sorted by date, newest first.
search-empty = Try fewer words, another type or no filter.
search-did-you-mean = Did you mean
search-did-you-mean-end = {"?"}
search-note-empty = Enter at least one word to search for.
search-note-stopwords = Your search only has very common words (the, of, and…). Add a more specific word.
search-note-exclusions = A search cannot have only exclusions (-word). Add a word to search for.
search-note-truncated = Your search was very long: only its first words were used.
search-save-name = Name of the search
search-save = Save this search
search-saved-title = My saved searches
search-saved-lead = You are told in your notifications when new content matches a saved search.
search-saved-empty = No saved searches yet.
search-saved-delete = Delete
search-saved-done = Search saved. You will be told of new results.
search-saved-deleted = Search deleted.
search-saved-too-many = You have reached the maximum number of saved searches. Delete one first.
search-saved-full = You already have { $count } saved searches, the maximum. Delete one from your saved searches, then save this one again: the name you typed is kept below.
notification-saved-search = { $count ->
    [one] One new result for your search "{ $name }"
   *[other] { $count } new results for your search "{ $name }"
}
tags-title = Tags
tags-field = Tags starting with
tags-ordering = Most used first, among the publications you can read.
tags-empty = No tag matches.
community-search-label = Search this community
search-count-capped = More than { $count } results: refine your search or add a filter
