## Newsletters (C10)

newsletter-index-title = Newsletters
newsletter-index-lead = Selections of publications chosen by people, sent by e-mail at each newsletter's rhythm.
newsletter-index-empty = No newsletter yet.
newsletter-new-title = Create a newsletter
newsletter-new-lead = A newsletter of the instance (administrators), of a community you manage, of a territory (administrators) or of an organisation you administer.
newsletter-create = Create the newsletter
newsletter-field-community = Community (short address)
newsletter-field-community-hint = Leave empty for an instance-wide newsletter.
newsletter-field-name = Name
newsletter-field-slug = Short address
newsletter-field-slug-hint = Lowercase letters, digits and hyphens (2 to 60).
newsletter-field-description = Description
newsletter-field-rhythm = Rhythm
newsletter-field-rhythm-hint = For example: every two weeks.
newsletter-field-categories = Categories
newsletter-field-categories-hint = One per line, in the order they will appear.
newsletter-of-community = Newsletter of the community
newsletter-no-tracking = No tracking pixel and no personal tracking link: we do not know who opens or reads the newsletter.
newsletter-subscribe-title = Subscribe
newsletter-field-email = E-mail address
newsletter-field-email-hint = You will get a link to confirm your subscription.
newsletter-consent-label = I agree to receive the newsletter “{ $name }” by e-mail. I can unsubscribe at any time through the link in every issue.
newsletter-subscribe-button = Subscribe
newsletter-member-subscribe = Subscribe with my account's address
newsletter-member-subscribed = You are subscribed to this newsletter.
newsletter-member-unsubscribe = Unsubscribe
newsletter-members-only = This newsletter is for the community's members: sign in to subscribe.
newsletter-archive-title = Issues
newsletter-archive-empty = No issue yet.
newsletter-draft = Draft
newsletter-draft-preview = Preview of the issue as it will appear.
newsletter-editors-title = Editing
newsletter-count-active = Active subscriptions
newsletter-count-pending = Waiting for confirmation
newsletter-count-gone = Unsubscribed
newsletter-new-issue = Prepare an issue
newsletter-field-subject = Issue title
newsletter-field-intro = Editorial introduction
newsletter-add-editor = Add an editor
newsletter-field-username = Username
newsletter-sent-on = Sent on
newsletter-recipients = Recipients
newsletter-add-item = Add a publication
newsletter-field-reference = Publication (address or number)
newsletter-field-reference-hint = The address of a publication, watch item, event or resource found through search.
newsletter-field-category = Category
newsletter-field-title = Title shown
newsletter-field-title-hint = Leave empty to use the publication's title.
newsletter-field-blurb = Blurb
newsletter-field-blurb-hint = Leave empty to use the start of the publication.
newsletter-find-in-search = Find a publication
newsletter-preview-email = Preview the e-mail
newsletter-test-send = Send me a test
newsletter-test-prefix = Test
newsletter-send = Send to subscribers
newsletter-confirm-title = Confirm the subscription
newsletter-confirm-text = Do you confirm your subscription to this newsletter?
newsletter-confirm-button = Confirm my subscription
newsletter-confirmed-title = Subscription confirmed
newsletter-confirmed-text = You will now receive the newsletter “{ $name }”.
newsletter-confirm-invalid-title = Invalid link
newsletter-confirm-invalid-text = This confirmation link is unknown, already used or expired. Subscribe again to get another one.
newsletter-unsubscribe-title = Unsubscribe
newsletter-unsubscribe-text = Stop receiving this newsletter?
newsletter-unsubscribe-button = Unsubscribe
newsletter-unsubscribed-title = Unsubscribed
newsletter-unsubscribed-text = You will no longer receive the newsletter “{ $name }”.
newsletter-unsubscribe-invalid-title = Invalid link
newsletter-unsubscribe-invalid-text = This unsubscribe link is not valid.
newsletter-mail-footer = You receive this newsletter from { $instance } because you subscribed to it. All issues:
newsletter-mail-no-tracking = This e-mail contains no tracking pixel or tracking link.
newsletter-mail-unsubscribe = Unsubscribe:
newsletter-error-name = Give a name (at most 120 characters).
newsletter-error-slug = Short address: 2 to 60 lowercase letters, digits or hyphens.
newsletter-error-slug-taken = This short address is already taken.
newsletter-error-description = The description is too long.
newsletter-error-rhythm = The rhythm is too long.
newsletter-error-categories = At most 20 categories of 80 characters.
newsletter-error-editor = Unknown person.
newsletter-error-email = Enter a valid e-mail address.
newsletter-error-consent = Tick the box to give your consent.
newsletter-error-no-email = Your account has no confirmed e-mail address.
newsletter-error-subject = Give a title (at most 200 characters).
newsletter-error-intro = The introduction is too long.
newsletter-error-sent = This issue has already been sent.
newsletter-error-item-not-found = Publication, event or resource not found.
newsletter-error-item-gone = An item of the issue can no longer be read by the newsletter's whole audience: remove it before sending.
newsletter-item-refused-audience = This item cannot be read by the newsletter's whole audience (it comes from a private or unlisted community): it cannot appear in it.
newsletter-error-category = Choose one of the newsletter's categories.
newsletter-error-blurb = Title (200) or blurb (1000 characters) too long.
flash-newsletter-check-inbox = Check your inbox: a confirmation link was sent to you.
flash-newsletter-subscribed = You are subscribed.
flash-newsletter-unsubscribed = You are unsubscribed.
flash-newsletter-editor-added = Editor added.
flash-newsletter-test-sent = Test sent to your address.
flash-newsletter-sent = Issue sent: the e-mails go out in batches.

mail-newsletter-confirm-subject = Confirm your subscription to “{ $name }”
mail-newsletter-confirm-body = Hello,

    Someone (you, no doubt) asked to receive the newsletter “{ $name }” from { $instance } at this address. To confirm, open this link:
    { $link }

    Without confirmation you will receive nothing. The link expires in 7 days.

## Subscriptions in the member's settings
newsletter-settings-title = Newsletters
newsletter-settings-lead = The newsletters you may receive at your account's address. You can unsubscribe at any time, here or through the link in every issue.
newsletter-settings-subscribed = Subscribed
newsletter-settings-subscribe = Subscribe

## Import of subscribers
newsletter-import-title = Import subscribers
newsletter-import-lead = A CSV file: one address per line in the first column, the language (fr-CA or en) in the second if you know it. Each address gets an e-mail to confirm its subscription, unless you attest these people consented already. Someone who unsubscribed is never subscribed again by an import.
newsletter-import-report = { $count ->
    [one] { $count } address added
   *[other] { $count } addresses added
}
newsletter-import-file = CSV file
newsletter-import-file-hint = 5,000 lines and 1 MB at most. Separator: comma or semicolon.
newsletter-import-content = Or paste the lines here
newsletter-import-consent = Prior consent
newsletter-import-consent-hint = If these people already agreed to receive this newsletter, you can attest it: they are subscribed without confirmation, and your attestation is kept as the record of their consent (Québec's Law 25): the date, how it was obtained, the wording agreed to and your name.
newsletter-import-attest = I attest these people consented to receive this newsletter
newsletter-import-date = Date of consent
newsletter-import-source = How consent was obtained
newsletter-import-source-hint = For example: paper form at the neighbourhood fair's booth.
newsletter-import-wording = Wording the people agreed to
newsletter-import-wording-hint = The exact sentence they consented to.
newsletter-import-submit = Import
newsletter-import-added = Subscribed (consent attested)
newsletter-import-confirm-sent = Confirmation e-mail sent
newsletter-import-already = Already subscribed or pending
newsletter-import-unsubscribed = Unsubscribed before: not subscribed again
newsletter-import-invalid = Invalid address
newsletter-import-duplicate = Duplicate in the file
newsletter-import-too-many = 5,000-line limit reached: the rest is not read
newsletter-import-error-size = The file is larger than 1 MB.
newsletter-import-error-empty = The file has no lines.
newsletter-import-error-source = Say how consent was obtained (500 characters at most).
newsletter-import-error-wording = Give the wording agreed to (2,000 characters at most).
newsletter-import-error-date = Give the date of consent (YYYY-MM-DD).

## Delivery report of an issue
newsletter-report-title = Delivery report
newsletter-report-sent = Sent
newsletter-report-pending = In progress
newsletter-report-failed = Failed
newsletter-report-skipped = Unsubscribed before sending
newsletter-report-unsubscribed = Unsubscribes since this issue
newsletter-report-reason = Reason (server's reply)

## Finding items: search, suggestions, proposals
newsletter-find-title = Search publications
newsletter-find-label = Words to search for
newsletter-find-button = Search
newsletter-find-none = No publication found.
newsletter-add-this = Add to the issue
newsletter-suggest-title = Suggested since the last issue
newsletter-suggest-order = In this order: first what members proposed, then what people chose (publications pinned by animators, watch links), then the most replied publications. What is already in the issue and what the newsletter's audience could not read are left out.
newsletter-suggest-none = No suggestions since the last issue.
newsletter-suggest-proposed = Proposed by { $name }
newsletter-suggest-pinned = Pinned by the animators
newsletter-suggest-watch = Watch link
newsletter-suggest-replies = { $count ->
    [one] { $count } reply
   *[other] { $count } replies
}
newsletter-send-title = Preview and send
newsletter-propose-title = Propose a publication for the next issue
newsletter-propose-hint = The address of a publication you found. The editors will see it among their suggestions.
newsletter-propose-note = A word for the editors (optional)
newsletter-propose-button = Propose
newsletter-error-note = The note is too long (500 characters at most).
flash-newsletter-proposed = Thank you! Your proposal has been passed on to the editors.

## Issue items of every kind, scheduling, aggregate clicks
newsletter-field-editorial = Editorial introduction (optional)
newsletter-field-editorial-hint = A few words of yours shown before the item.
newsletter-edit-item = Edit
newsletter-save-item = Save the item
newsletter-remove-item = Remove from the issue
newsletter-error-item-title = Give the item a title (at most 200 characters).
newsletter-error-editorial = The introduction is too long (at most 1000 characters).
newsletter-suggest-upcoming = Upcoming event
newsletter-suggest-resource = New in the library
newsletter-scheduled = Scheduled for
newsletter-schedule = Schedule the send
newsletter-reschedule = Change the time
newsletter-unschedule = Cancel the schedule
newsletter-field-schedule = Send on (date and time, { $zone } time zone)
newsletter-field-schedule-hint = The job queue sends it then. You can change or cancel it until it starts.
newsletter-error-schedule-time = Give a date and a time.
newsletter-error-schedule-past = Choose a time in the future.
newsletter-error-not-scheduled = This issue is not scheduled.
newsletter-schedule-failed = The scheduled send did not start:
newsletter-click-count = No tracking pixel and no personal tracking link. This instance counts clicks on each link, in total only: we never know who clicked.
newsletter-mail-click-count = This e-mail contains no tracking pixel. Its links count clicks in total, never who clicked.
newsletter-clicks = Clicks
flash-newsletter-scheduled = The send is scheduled.
flash-newsletter-unscheduled = The schedule is cancelled; the issue is a draft again.

# Territories and organisations, settings, time zone
newsletter-of-territory = Newsletter of the territory
newsletter-of-organisation = Newsletter of the organisation
newsletter-list-settings-title = Newsletter settings
newsletter-field-time-zone = Time zone
newsletter-field-time-zone-hint = Scheduled sending times are read and shown in this time zone.
newsletter-error-time-zone = Choose one of the time zones offered.
flash-newsletter-settings-saved = Newsletter settings saved.
newsletter-owner-lists = Newsletters
newsletter-owner-new = Create a newsletter
