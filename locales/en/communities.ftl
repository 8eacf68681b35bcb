# Communities of practice: directory, community page, membership, members,
# invitations, settings and approval by administrators.

## Navigation
community-nav = Communities
community-sections-label = Community sections
community-tab-feed = Publications
community-tab-about = About
community-tab-members = Members
community-tab-requests = Requests
community-tab-requests-count = { $count ->
    [0] Requests
   *[other] Requests ({ $count })
}
community-tab-moderation = Moderation
community-tab-invitations = Invitations
community-tab-settings = Settings
community-back = Back
community-go = Go to the community
community-pagination-label = Pages
community-page-prev = ← Previous page
community-page-next = Next page →
community-page-number = Page { $count }

## Directory
community-directory-title = Communities
community-directory-lead = The communities of practice on this instance: talk with peers, share what you watch, learn from other regions.
community-directory-all = All communities
community-mine-title = My communities
community-directory-order = Most recently active first.
community-directory-empty = No community yet. Start the first one!
community-directory-no-match = No community matches these filters.
community-create = Create a community
community-login-to-create = Log in to create a community
community-filter-legend = Filter
community-filter-query = Keywords
community-filter-any-theme = All themes
community-filter-any-territory = All regions
community-filter-any-visibility = Open and private
community-filter-mine = Only my communities
community-filter-apply = Filter
community-filter-clear = Clear filters
community-member-count = { $count ->
    [0] No members
    [one] { $count } member
   *[other] { $count } members
}
community-badge-requested = Request sent

## Choices
community-visibility-open = Open
community-visibility-open-hint = Anyone can read; members publish.
community-visibility-private = Private
community-visibility-private-hint = Only members see the publications and the list of members. Others see its card in the directory and can ask to join, or come in by invitation.
community-visibility-unlisted = Unlisted
community-visibility-unlisted-hint = Anyone with the link can read, but it appears neither in the directory nor in search for non-members.
community-join-open = Open membership
community-join-open-hint = Anyone with an account can join in one click.
community-join-request = On request
community-join-request-hint = People ask to join with a message; the animation team accepts or refuses.
community-join-invitation = By invitation
community-join-invitation-hint = Only invited people (by link or e-mail) can join.
community-status-archived = Archived
community-status-pending = Awaiting approval
community-status-refused = Refused
community-role-owner = Owner
community-role-animator = Animator
community-role-moderator = Moderator
community-role-member = Member
community-theme-economie-sociale = Social economy
community-theme-action-communautaire = Community action
community-theme-developpement-local = Local development
community-theme-transition = Social and ecological transition
community-theme-culture = Culture
community-theme-recherche = Research
community-theme-philanthropie = Philanthropy
community-theme-municipal = Municipal
community-theme-autre = Other
community-kind-discussion = Discussion
community-kind-question = Question
community-kind-watch = Watch

## Creation
community-new-title = Create a community
community-new-title-approval = Ask for a community
community-new-lead = You will be its owner: you can invite people, name an animation team and change these settings at any time.
community-new-lead-approval = On this instance, new communities are approved by the administrators. You will get an e-mail once your request has been reviewed.
community-new-submit = Create the community
community-new-submit-approval = Send the request
community-field-name = Name
community-field-name-hint = At most 100 characters.
community-field-slug = Address
community-field-slug-hint = The end of the community's address (/c/…). Leave empty to derive it from the name. It cannot change later.
community-field-description = Description
community-field-description-hint = A few sentences on why the community exists and what people find there (at most 2000 characters).
community-field-theme = Theme
community-field-territory = Region
community-field-territory-hint = The administrative region of Québec where the community is mostly active.
community-no-theme = No particular theme
community-no-territory = All of Québec or no particular region
community-field-visibility = Visibility
community-field-join = Membership
community-field-request-note = Why this community?
community-field-request-note-hint = For the administrators: who it is for, what already exists (at most 1000 characters).
community-field-charter = Charter
community-field-charter-hint = The community's rules, shown to every newcomer. Markdown formatting allowed.
community-field-welcome = Welcome message
community-field-welcome-hint = Shown once to every newcomer, with the charter. Markdown formatting allowed.
community-slug-invalid = Choose an address of at least two letters or digits.
community-slug-taken = This address is already taken. Choose another one.
community-private-open = A private community cannot have open membership: choose on request or by invitation.

## Community page
community-you-are-member = You are a member
community-join = Join the community
community-leave = Leave the community
community-request = Ask to join
community-request-message = Message to the animation team
community-request-message-hint = Optional: introduce yourself in a few words (at most 1000 characters).
community-request-pending = Your membership request is awaiting an answer.
community-request-withdraw = Withdraw my request
community-login-to-join = Log in to join
community-login-to-request = Log in to ask to join
community-invitation-only = This community welcomes new people by invitation only.
community-banned = You can no longer take part in this community.
community-archived-closed = This community is archived: it no longer welcomes new people.
community-archived-title = Archived community
community-archived-text = It can still be read, but nobody can publish, reply or join any more.
community-pending-title = Awaiting approval
community-pending-text = The administrators must approve this community before it opens. You will get an e-mail once they have.
community-pending-note = Your message:
community-refused-title = Request refused
community-refused-text = The administrators did not accept this community request.
community-refused-reason = Reason:
community-welcome-title = Welcome to the community!
community-welcome-message = Welcome message
community-charter = Charter
community-publish = Publish in this community
community-feed-title = Publications
community-private-card-notice = This community is private: only its members see its publications and its members.
community-feed-order = Pinned publications first, then the most recently active.
community-feed-empty = Nothing has been published here yet.
community-feed-empty-member = Start the conversation: share a question, a resource or some news.
community-pinned = Pinned
community-reply-count = { $count ->
    [0] no replies
    [one] { $count } reply
   *[other] { $count } replies
}
community-no-description = This community has no description yet.
community-no-charter = This community has no charter yet; the instance's charter applies.
community-created-on = Created on { $date }
community-team = Animation team
community-team-none = Nobody has a particular role yet.

## Members and requests
community-members-active = Active members
community-members-banned = Banned people
community-members-none = No members yet.
community-members-banned-none = Nobody has been banned from this community.
community-col-member = Person
community-col-role = Role
community-col-reason = Reason
community-col-since = Since
community-col-actions = Actions
community-col-created = Created
community-col-expires = Expires
community-col-uses = Uses
community-col-state = State
community-role-change = Change role
community-member-remove = Remove
community-requests-title = Membership requests
community-requests-none = No pending requests.
community-requests-more = More requests are waiting: handle these to see the next ones.
community-requested-on = Request sent on { $date }
community-request-no-message = No message.
community-request-approve = Accept
community-request-refuse = Refuse
community-refuse-reason = Reason for refusing
community-refuse-reason-hint = Optional; the person will see it.

## Settings
community-archive-title = Archive the community
community-archive-text = An archived community stays readable, but nobody can publish or join any more. You can reopen it at any time.
community-archive = Archive
community-reopen-text = The community is archived. Once reopened, its members can publish again.
community-reopen = Reopen the community
community-transfer-title = Transfer ownership
community-transfer-text = The chosen person becomes the owner; you stay on the animation team.
community-transfer-nobody = No other active member can receive ownership yet.
community-transfer-to = New owner
community-transfer-submit = Transfer ownership

## Invitations
community-invitations-lead = Invite people by link or e-mail. An invitation lets people join even a private or invitation-only community.
community-invite-new = New invitation
community-invite-email = E-mail
community-invite-email-hint = Optional: we will send the link there. Unless told otherwise, an e-mail invitation works once.
community-invite-days = Valid for (days)
community-invite-days-hint = From 1 to 90 days.
community-invite-max-uses = Number of uses allowed
community-invite-max-uses-hint = Optional: leave empty for a link without a use limit.
community-invite-submit = Create the invitation
community-invite-created = Invitation created
community-invite-once = Copy this link now: it will never be shown again.
community-invite-sent = The link was sent to { $email }.
community-invite-days-invalid = Enter a number of days between 1 and 90.
community-invite-uses-invalid = Enter a number of uses between 1 and 10,000, or leave empty.
community-invitations-list = Recent invitations
community-invitations-none = No invitations yet.
community-invite-link-only = link only
community-invite-revoke = Revoke
community-invite-state-active = Valid
community-invite-state-expired = Expired
community-invite-state-revoked = Revoked
community-invite-state-used = Used up
community-invite-landing-title = You are invited to join a community
community-invite-already-member = You are already a member of this community.
community-invite-login-first = Log in to accept the invitation. No account yet? Create one: once you have confirmed your address and logged in, you will come back here.
community-invite-signup-hint = The link stays valid until it expires.
community-invite-invalid-title = Invalid invitation
community-invite-invalid = This invitation link is invalid, expired, revoked or already used. Ask the animation team for a new one.

## Refusals and errors
community-refusal-title = Not possible
community-error-archived = This community is archived: nobody can join it or be invited any more.
community-error-request-pending = Your membership request is already pending.
community-error-last-owner = You are the only owner: first transfer ownership to another member (in the settings) before leaving the community.
community-error-last-owner-role = A community always keeps at least one owner: transfer ownership first.
community-error-no-request = This request is no longer pending: someone may have handled it already.
community-error-not-member = Choose an active member of the community.
community-error-not-active = Only an active community can be archived, and only an archived one can be reopened.
community-error-not-pending = This community request has already been handled.
community-error-invalid-role = This role does not exist.

## Administration
community-admin-nav = Communities
community-admin-lead = Requests to create communities, and whether they need approval.
community-admin-approval = Approve new communities
community-admin-approval-hint = When checked, a community created by a member waits for the administrators' approval before it opens.
community-admin-pending = Pending requests
community-admin-none = No community requests pending.
community-admin-approve = Approve
community-admin-refuse = Refuse
community-admin-refuse-hint = Optional; sent by e-mail to the person who asked.
admin-audit-community-approved = Community approved
admin-audit-community-refused = Community refused
admin-audit-community-approval-changed = Community approval changed

## Flash messages
flash-community-created = Your community is created. Invite people and complete its charter!
flash-community-requested = Your community request was sent to the administrators.
flash-community-joined = You are now a member of the community.
flash-community-left = You left the community.
flash-community-requested-join = Your membership request was sent to the animation team.
flash-community-request-withdrawn = Your membership request was withdrawn.
flash-community-request-approved = Request accepted: the person is now a member.
flash-community-request-refused = Request refused; the person will be told.
flash-community-role-changed = Role changed.
flash-community-member-removed = The person was removed from the community.
flash-community-transferred = Ownership of the community was transferred.
flash-community-archived = The community is archived.
flash-community-reopened = The community is reopened.
flash-community-settings-saved = Settings saved.
flash-community-invite-revoked = The invitation is revoked.
flash-community-approval-saved = Setting saved.
flash-community-approved = The community is approved; the person who asked was told by e-mail.
flash-community-refused = The request is refused; the person who asked was told by e-mail.

## E-mails
community-mail-reason = Reason:
mail-community-invite-subject = Invitation to the community “{ $name }”
mail-community-invite-body = Hello,

    You are invited to join the community “{ $name }” on { $instance }. To accept, open this link:
    { $link }

    This invitation is valid for { $days } days. If you do not have an account yet, you can create one, then open this link again.
mail-community-approved-subject = Your community “{ $name }” is approved
mail-community-approved-body = Hello,

    Good news: the administrators of { $instance } approved the community “{ $name }”. It is now open:
    { $link }

    Remember to complete its charter and welcome message, then invite people.
mail-community-refused-subject = Your community request “{ $name }”
mail-community-refused-body = Hello,

    The administrators of { $instance } did not accept your request for the community “{ $name }”.
rate-limited-invitations = You have sent many invitations in a short time. You can send more in { $count ->
    [one] { $count } minute
   *[other] { $count } minutes
}. The address you typed is kept below.

community-export-title = Export the community
community-export-text = A zip archive of the community to move it to another Passerelles instance: its settings, members with their consents (never their e-mail addresses), publications and replies, events, wiki and files. Its format is documented (docs/community-export).
community-export = Download the archive
