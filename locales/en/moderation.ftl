# Passerelles — moderation: reports, review queues, log (English).

## Report
moderation-report-publication = Report a publication
moderation-report-reply = Report a reply
moderation-report-user = Report a person
moderation-report-to-communities = Your report will be reviewed by the moderators of:
moderation-report-to-instance = Your report will be reviewed by the instance’s administrators.
moderation-report-private = The person reported will not know who reported them.
moderation-category = Reason for the report
moderation-category-required = Choose the reason that best describes the problem.
moderation-category-spam = Spam
moderation-category-spam-hint = Unsolicited advertising, repeated links, automated content.
moderation-category-harassment = Harassment
moderation-category-harassment-hint = Personal attacks, intimidation, hounding someone.
moderation-category-hate = Hate speech
moderation-category-hate-hint = Content attacking people for who they are: origin, religion, gender, orientation, disability…
moderation-category-misinformation = Misinformation
moderation-category-misinformation-hint = False or misleading information presented as true.
moderation-category-off-topic = Off topic
moderation-category-off-topic-hint = Does not belong in this community or breaks its charter.
moderation-category-illegal = Illegal content
moderation-category-illegal-hint = Content that seems to break the law (personal data, copyright, threats…).
moderation-category-other = Other
moderation-category-other-hint = Another problem: explain it in the comment.
moderation-report-comment = Comment
moderation-report-comment-hint = Optional. What the moderators should know (at most { $count } characters).
moderation-report-submit = Send the report
moderation-report-already-title = Already reported
moderation-report-already-text = You have already reported this and your report is being reviewed. Thank you!
moderation-report-back = Back to the content
moderation-report-own-account = You cannot report your own account.
moderation-report-sent-title = Thank you for your report
moderation-report-sent-text = Your report was sent to the moderators. It stays confidential.
moderation-report-sent-next = The moderators will review it and decide whether to act. There is nothing else for you to do.
moderation-report-sent-home = Back to the home page
moderation-target-one = Give exactly one target: a publication, a reply or a person.
moderation-already-reported = You already have an open report on this.

## Review queues
moderation-admin-nav = Reports
moderation-admin-lead = Every open report: people reported, and content reported in each community. Oldest first.
moderation-queue-title = Moderation
moderation-queue-lead = This community’s open reports, oldest first. Every decision goes into the moderation log with its reason, and the author is told.
moderation-open-reports = Open reports
moderation-queue-empty = No reports waiting.
moderation-back-to-community = Back to the community
moderation-back-to-queue = Back to the reports
moderation-back-to-reports = Back to the reports
moderation-reported-by = Reported by
moderation-comment = Comment
moderation-author = Author
moderation-author-banned = Banned from the community
moderation-author-suspended = Account suspended
moderation-account-page = Account page
moderation-community = Community
moderation-state = State
moderation-locked = Thread locked
moderation-more-options = All actions
moderation-age = { $count ->
    [0] today
    [one] { $count } day ago
   *[other] { $count } days ago
}
moderation-kind-publication = Publication
moderation-kind-reply = Reply
moderation-kind-user = Person
moderation-status-visible = Visible
moderation-status-hidden = Hidden
moderation-status-removed = Removed
moderation-status-deleted = Deleted by its author
moderation-reason = Reason
moderation-reason-hint = Shown to the author and written in the moderation log (at most 500 characters). Required, except to restore, unlock, lift a ban or dismiss a report.
moderation-reason-required = Give the reason: the author will see it.
moderation-banned-title = Banned members
moderation-banned-none = Nobody is banned from this community.
moderation-col-member = Member
moderation-col-reason = Reason
moderation-col-date = Date
moderation-col-actions = Actions
moderation-col-action = Action
moderation-col-target = Target
moderation-col-moderator = Moderator
moderation-pagination-label = Pages
moderation-page = Page { $count }
moderation-page-prev = Previous page
moderation-page-next = Next page

## Actions
moderation-act-title = Moderate
moderation-act-for-report = In answer to the report:
moderation-act-nothing = No action is possible on this target.
moderation-act-not-applicable = This action does not apply here.
moderation-act-hide = Hide
moderation-act-remove = Remove
moderation-act-restore = Restore
moderation-act-lock = Lock the thread
moderation-act-unlock = Unlock the thread
moderation-act-ban = Ban from the community
moderation-act-unban = Lift the ban
moderation-act-ban-author = Ban the author
moderation-act-unban-author = Lift the author’s ban
moderation-act-dismiss = Dismiss the report
moderation-act-suspend = Suspend the account
moderation-act-suspend-author = Suspend the author’s account
moderation-act-remove-everywhere = Remove from the whole instance
moderation-act-restore-everywhere = Restore on the whole instance
flash-moderation-done = Done: the action is in the moderation log.
flash-moderation-dismissed = The report was dismissed.

## Moderation log
moderation-log-title = Moderation log
moderation-log-lead = What the moderators did in this community, and why. Removed content is not reproduced here. Newest first.
moderation-log-empty = No moderation actions yet.
moderation-log-reply-in = Reply in “{ $name }”
moderation-log-hide-publication = Publication hidden
moderation-log-remove-publication = Publication removed
moderation-log-restore-publication = Publication restored
moderation-log-hide-reply = Reply hidden
moderation-log-remove-reply = Reply removed
moderation-log-restore-reply = Reply restored
moderation-log-lock = Thread locked
moderation-log-unlock = Thread unlocked
moderation-log-ban = Member banned
moderation-log-unban = Ban lifted
moderation-log-remove-everywhere = Removed from the whole instance
moderation-log-restore-everywhere = Restored on the whole instance
moderation-log-suspend = Account suspended
moderation-log-dismiss = Report dismissed
moderation-log-block-instance = Instance blocked in the community
moderation-log-unblock-instance = Instance unblocked in the community
moderation-log-remove-remote-event = Event from another instance removed
rate-limited-reports = You have made many reports in a short time. You can report again in { $count ->
    [one] { $count } minute
   *[other] { $count } minutes
}. Your comment is kept below.
