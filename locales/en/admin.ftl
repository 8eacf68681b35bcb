# Passerelles — administration area (English).

## Navigation
admin-title = Administration
admin-nav-label = Administration sections
admin-nav-dashboard = Dashboard
admin-nav-users = Members
admin-nav-registrations = Pending registrations
admin-nav-invitations = Invitations
admin-nav-settings = Instance settings
admin-nav-audit = Audit log

## Dashboard
admin-dashboard-lead = The instance at a glance: members, registrations to review and e-mail delivery.
admin-mail-smtp = E-mail configured
admin-mail-smtp-text = E-mails are sent through the configured SMTP server.
admin-mail-outbox = No SMTP server
admin-mail-outbox-text = No SMTP server is configured: e-mails are not sent, they are written as files into this folder on the server.
admin-count-users = Local accounts
admin-count-admins = Active administrators
admin-count-suspended = Suspended accounts
admin-count-pending = Pending registrations
admin-registration-mode = Registration mode
admin-jobs-title = Background jobs
admin-count-jobs-pending = Pending jobs
admin-count-jobs-failed = Failed jobs
admin-sections-title = Sections
admin-section-users = find a member, suspend an account, appoint an administrator.
admin-section-registrations = approve or refuse registration requests.
admin-section-invitations = create invitation links and revoke those no longer needed.
admin-section-settings = name, description, charter, contact e-mail and registration mode.
admin-section-audit = the latest sensitive actions, and who took them.

## Registration modes
admin-mode-open = Open
admin-mode-open-hint = Anyone can create an account after confirming their e-mail address.
admin-mode-approval = By approval
admin-mode-approval-hint = Each request waits for an administrator's approval before the account is activated.
admin-mode-invitation = By invitation
admin-mode-invitation-hint = Only people who received an invitation code can sign up.
admin-mode-closed = Closed
admin-mode-closed-hint = Nobody can sign up; existing accounts keep working.

## Members
admin-status-active = Active
admin-status-pending = Pending
admin-status-suspended = Suspended
admin-badge-admin = Admin
admin-filter-all = All accounts
admin-filter-active = Active
admin-filter-pending = Pending
admin-filter-suspended = Suspended
admin-filter-admins = Administrators
admin-users-search = Search
admin-users-search-hint = Part of the username, display name or e-mail address.
admin-users-status = Status
admin-users-search-submit = Search
admin-users-none = No account matches this search.
admin-users-page = Page { $count }
admin-users-manage = Manage
admin-col-created = Created
admin-col-last-login = Last login
admin-col-actions = Actions
admin-col-expires = Expires
admin-col-date = Date
admin-col-actor = By
admin-col-action = Action
admin-col-target = Account
admin-col-detail = Detail
admin-never = Never
admin-pagination-label = Result pages
admin-page-prev = ← Previous page
admin-page-next = Next page →
admin-back-to-users = ← Back to the member list

## One member
admin-email-verified = Confirmed
admin-email-unverified = Not confirmed
admin-registration-note = Registration message
admin-user-sessions = Open sessions
admin-user-tokens = Active API tokens
admin-user-actions = Actions
admin-user-is-self = This is your own account: another administrator has to handle it.
admin-user-is-pending = This registration is awaiting a decision.
admin-user-last-admin = Not possible: this is the last active administrator of the instance. Appoint another administrator first.
admin-user-not-self = You cannot do this to your own account. Ask another administrator.
admin-user-promote-inactive = Only an active local account can become an administrator.
admin-suspend-title = Suspend the account
admin-suspend-text = The person will be logged out everywhere, their API tokens revoked, and they will no longer be able to log in. The reason is shown to them if they try.
admin-suspend-reason = Reason for the suspension
admin-suspend-reason-hint = Required, 500 characters at most. The person will see it.
admin-suspend-reason-required = Give the reason for the suspension.
admin-suspend-submit = Suspend the account
admin-unsuspend-text = Lifting the suspension restores access to the account. The person will have to log in again.
admin-unsuspend-submit = Lift the suspension
admin-promote-text = An administrator can manage everything on the instance, including other accounts.
admin-promote-submit = Make administrator
admin-demote-text = The account will lose access to the administration area.
admin-demote-submit = Remove the administrator role

## Pending registrations
admin-registrations-lead = These people asked to join the instance. Approve or refuse each request; an e-mail tells them the decision.
admin-registrations-none = No pending registrations.
admin-registrations-count = { $count ->
    [one] { $count } pending request
   *[other] { $count } pending requests
}
admin-registration-no-note = No message.
admin-approve-submit = Approve
admin-refuse-reason = Reason for refusing (optional)
admin-refuse-reason-hint = If given, it is included in the e-mail sent. The request will be deleted.
admin-refuse-submit = Refuse the request
admin-refused-mail-reason = A word from the administrators:

## Instance settings
admin-settings-name = Instance name
admin-settings-name-hint = Shown at the top of every page and in e-mails (80 characters at most).
admin-settings-name-required = Give the instance a name.
admin-settings-description = Description
admin-settings-description-hint = A few sentences for the home and "About" pages (2,000 characters at most).
admin-settings-charter = Charter and code of ethics
admin-settings-charter-hint = The community's ground rules. When this text is not empty, people must accept it to sign up.
admin-settings-contact = Contact e-mail
admin-settings-contact-hint = Optional. Shown on the "About" page so people can reach the team.
admin-settings-mode-required = Choose a registration mode.

## Invitations
admin-invitations-lead = An invitation is a single-use link that lets someone sign up, even when registration is by invitation only.
admin-invite-new = New invitation
admin-invite-email = E-mail address
admin-invite-email-hint = Optional. If given, the invitation is sent there by e-mail.
admin-invite-days = Valid for (days)
admin-invite-days-hint = From 1 to 90 days.
admin-invite-days-invalid = Enter a number of days between 1 and 90.
admin-invite-submit = Create the invitation
admin-invite-created = Invitation created.
admin-invite-once = Copy this link now: for security reasons, it will never be shown again.
admin-invite-sent = The link was also sent to { $email }.
admin-invitations-recent = Recent invitations
admin-invitations-none = No invitations yet.
admin-invite-no-email = Link only
admin-invite-state-active = Valid
admin-invite-state-used = Used
admin-invite-state-expired = Expired or revoked
admin-invite-revoke = Revoke

## Audit log
admin-audit-lead = The latest 100 sensitive actions, newest first.
admin-audit-none = The log is empty.
admin-audit-signup = Sign-up
admin-audit-setup-first-admin = First administrator created
admin-audit-cli-create-user = Account created from the command line
admin-audit-email-change-requested = E-mail change requested
admin-audit-email-changed = E-mail changed
admin-audit-password-changed = Password changed
admin-audit-password-reset = Password reset
admin-audit-sessions-revoked = Sessions closed
admin-audit-api-token-created = API token created
admin-audit-api-token-revoked = API token revoked
admin-audit-user-suspended = Account suspended
admin-audit-user-unsuspended = Suspension lifted
admin-audit-user-promoted = Made administrator
admin-audit-user-demoted = Administrator role removed
admin-audit-registration-approved = Registration approved
admin-audit-registration-refused = Registration refused
admin-audit-settings-changed = Settings changed
admin-audit-invitation-created = Invitation created
admin-audit-invitation-revoked = Invitation revoked

## Flash messages
flash-admin-user-suspended = The account is suspended: its sessions are closed and its tokens revoked.
flash-admin-user-unsuspended = The suspension is lifted.
flash-admin-user-promoted = The account is now an administrator.
flash-admin-user-demoted = The administrator role was removed.
flash-admin-registration-approved = Registration approved. The person was notified by e-mail.
flash-admin-registration-refused = Request refused. The person was notified by e-mail.
flash-admin-registration-gone = This request was already handled.
flash-admin-settings-saved = Instance settings saved.
flash-admin-invitation-revoked = The invitation was revoked.
