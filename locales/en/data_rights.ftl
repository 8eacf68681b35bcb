# My data (issue 20): download one's data.

settings-data = My data
settings-data-lead = Download a copy of everything you wrote or set here, and of what { $instance } keeps about your account: a ZIP archive readable by programs (documented JSON, ActivityStreams) and by you (an HTML page that opens offline).
settings-data-what = The archive holds your profile, settings, memberships, sessions, publications (with their earlier versions and files), replies, follows, saved searches, notifications, API tokens (without their value), passkeys and second factor (without their secrets), your account's security events, the tools you allowed, and the organisations and initiatives you created. Other people's replies are not in it.
settings-data-how-n = The archive is prepared in the background. We write to you when it is ready; the link stays valid for 7 days. At most { $count } archives per 24 hours.
settings-data-kib = { $count } KiB
settings-data-request = Prepare my archive
flash-data-export-requested = Your archive is being prepared. We will write to you when it is ready.
settings-data-list = My archives
settings-data-none = You have not asked for an archive.
settings-data-requested-at = Requested on
settings-data-status = Status
settings-data-size = Size
settings-data-download = Download
settings-data-expires = Valid until { $date }
data-export-status-queued = Waiting
data-export-status-building = Being prepared
data-export-status-ready = Ready
data-export-status-failed = Failed: ask for another one
data-export-status-expired = Expired
data-export-in-progress = An archive is already being prepared. We will write to you when it is ready.
data-export-too-many = You asked for { $count } archives in the last 24 hours. Try again later.

mail-data-export-ready-subject = Your data archive is ready
mail-data-export-ready-body = Hello { $name },

    The archive of your data on { $instance } is ready. Download it here (sign-in required):
    { $link }

    This link is valid until { $date }. If you did not ask for this archive, change your password.

# The archive's HTML index (offline).
data-archive-title = Data of { $name } on { $instance }
data-archive-generated = Archive made on { $date }.
data-archive-intro = This page opens offline. The JSON files beside it hold the same data for programs; their format is described by manifest.json and the published schema.
data-archive-files = Files of the archive
data-archive-file = File
data-archive-count = Items
data-archive-profile = Profile
data-archive-username = Username
data-archive-display-name = Display name
data-archive-bio = About
data-archive-publications = My publications
data-archive-replies = My replies
data-archive-none = None.
data-archive-reply-meta = Reply to publication no. { $count }, on { $date }
data-archive-kind-discussion = Discussion
data-archive-kind-question = Question
data-archive-kind-watch = Watch item

# Consents.
settings-consents = Consents
settings-consents-lead = Every agreement you gave here, and the way to withdraw it. Withdrawing takes effect at once.
settings-consents-none = You have not given any consent yet.
settings-consents-later = Newsletters and sharing your profile with other instances will be added here when they exist.
consent-findable = Being findable in search
consent-findable-what = Other members can find your profile in the people search.
consent-withdraw-findable = Stop being findable
consent-tool = Tool: { $name }
consent-tool-what = This tool receives your identity when you sign in to it. Access:
consent-since = Since { $date }.
consent-withdraw-tool = Withdraw { $name }'s access
flash-consent-withdrawn = Consent withdrawn.

# Delete my account.
settings-delete = Delete my account
account-delete-lead = You can delete your account on { $instance }. Choose what becomes of your contributions.
account-delete-export-first = Before you go, you can download a copy of your data:
account-delete-choose = What becomes of your contributions?
account-delete-anonymise = Anonymise
account-delete-everything = Delete everything
account-delete-mode-anonymise = Your publications and replies stay in their threads, signed "Former member". Your profile, settings, memberships and mentions of your name are removed.
account-delete-mode-everything = Your publications and replies are replaced by "deleted" in their threads; your attached files and the events you organise are removed, as are your profile, settings and mentions of your name.
account-delete-both = Either way, the deletion happens after 14 days: until then you can cancel it by signing in. Then your sessions and connected tools are signed out, you leave search, and the administration log keeps no personal data.
account-delete-confirm = I understand the deletion is final after 14 days.
account-delete-submit = Delete my account in 14 days
account-delete-confirm-required = Tick the box to confirm.
account-delete-choose-mode = Choose "Anonymise" or "Delete everything".
account-delete-already-pending = A deletion of this account is already scheduled.
account-delete-reason-required = Give the reason (the person's request).
account-delete-pending-title = Deletion scheduled
account-delete-pending-text = This account will be deleted on { $date }.
account-delete-pending-by-admin = An administrator asked for this deletion on your request.
account-delete-cancel = Cancel the deletion
flash-account-deletion-scheduled = The deletion is scheduled in 14 days. It can be cancelled until then.
flash-account-deletion-cancelled = The deletion is cancelled: the account is kept.
flash-account-deletion-pending = Your account is scheduled for deletion. You can cancel it in Settings › Delete my account.
mail-account-deletion-scheduled-subject = Your account is scheduled for deletion
mail-account-deletion-scheduled-body = Hello { $name },

    Your account on { $instance } is scheduled for deletion on { $date }.

    To cancel, sign in before then:
    { $link }
mail-account-deleted-subject = Your account was deleted
mail-account-deleted-body = Hello { $name },

    Your account on { $instance } was deleted, as asked. This address is no longer kept.
admin-delete-title = Delete the account
admin-delete-legend = Delete this account on the person's request
admin-delete-text = The deletion happens in 14 days; the person or an administrator can cancel it until then. The reason is kept in the administration log.
admin-delete-reason = Reason
admin-delete-reason-hint = For example: "request received by e-mail on December 3". Put no personal data in it.
admin-delete-submit = Schedule the deletion

# Community health.
community-tab-health = Health
health-lead = The community's life, week after week, in overall figures only.
health-what-title = What is measured, and what is not
health-measured = Measured: memberships, publications and replies (how many, and how many different people contributed), questions and the time before a first reply by someone else, events held, publication tags.
health-not-measured = Not measured: reading (nobody knows who read what), time spent, and nothing per person — no ranking of members.
health-small = Numbers from 1 to 4 read "< 5", so that nobody can be singled out.
health-computed = Computed on { $date } (updated every hour).
health-not-yet = The indicators have not been computed yet. They will be within the hour.
health-now = Right now
health-members = Members
health-active-90d = Active members (last 90 days)
health-gone-quiet = Members gone quiet
health-newcomers-posted = Newcomers who posted within their first 30 days
health-unanswered = Unanswered questions
health-median-first-reply = Median time to a first reply (last 90 days)
health-too-few = Too few cases to tell ({ $count })
health-minutes = { $count } min
health-hours = { $count } h
health-days = { $count } days
health-chart-desc = Bar chart, one bar per week over the last 13, oldest on the left. The table page gives the same values.
health-chart-new-members = New members per week
health-chart-active = Members who contributed, per week
health-chart-publications = Publications per week
health-chart-replies = Replies per week
health-chart-unanswered = Questions left unanswered, by the week they were asked
health-chart-events = Events held per week
health-table = All values, as a table (26 weeks)
health-week-of = Week of
health-count = Count
health-tags = Most-discussed tags (last 90 days)
health-tags-none = No tags in the last 90 days.
health-tag = Tag
health-tag-weight = Publications and replies
health-admin-nav = Community health
health-admin-lead = Communities that may need a hand, according to the indicators computed every hour.
health-admin-never = Communities that never took off
health-admin-never-what = Created more than 60 days ago, with fewer than 5 publications and replies in their first 60 days.
health-admin-orphaned = Communities whose animators left
health-admin-orphaned-what = Created more than 60 days ago, with no animator or owner left, or none who contributed in 90 days.
health-admin-none = None.
health-admin-community = Community
health-admin-first-60d = Contributions in the first 60 days
health-admin-animators = Animators and owners
health-admin-animators-active = Of whom active (90 days)
health-table-title = Community health, as a table
health-back = Back to the charts

## Imports (administration, issue 20)
admin-nav-imports = Imports
admin-import-lead = Community imports and migrations (Discourse, HumHub): running ones, past ones and their report. A Passerelles community archive is imported here; Discourse and HumHub folders are imported with the command line (passerelles admin import). The old addresses of imported items lead to their new pages.
admin-import-file = Community archive (.zip)
admin-import-file-hint = The archive an owner downloaded from their community's settings, or the one from passerelles admin community-export.
admin-import-file-missing = Choose an archive.
admin-import-file-unreadable = This file is not a readable Passerelles community archive.
admin-import-dry-run = Dry run: produce the report without writing anything
admin-import-submit = Start
admin-import-runs = Past and running imports
admin-import-none = No imports yet.
admin-import-col-what = What
admin-import-col-status = Status
admin-import-col-counts = Imported / unchanged / skipped
admin-import-counts-hint = An "unchanged" item had already been imported: running an import again creates no duplicates.
admin-import-dry-badge = dry run
admin-import-dry-note = dry run, nothing was written
admin-import-status-queued = queued
admin-import-status-running = running
admin-import-status-done = done
admin-import-status-failed = failed
admin-import-status-interrupted = interrupted
admin-import-interrupted-hint = This import stopped on the way (the server restarted). Start it again: it resumes where it stopped.
admin-import-run-title = Import no. { $id }
admin-import-origin = Old address
admin-import-progress = Progress
admin-import-totals = Report
admin-import-imported = Imported
admin-import-unchanged = Unchanged
admin-import-skipped = Skipped
admin-import-skipped-caption = Items skipped and why
admin-import-col-kind = Kind
admin-import-col-id = Origin id
admin-import-col-label = Item
admin-import-col-why = Reason
admin-import-back = All imports
