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
