# Publications, replies, watch, tags and notifications.

nav-notifications = Notifications

publication-kind-discussion = Discussion
publication-kind-question = Question
publication-kind-watch = Watch
publication-new-title = New publication
publication-field-kind = Kind of publication
publication-field-link = Link to share (watch)
publication-hint-link = For a watch item only: the page’s address. A preview (title, description, image) will be kept here.
publication-field-title = Title
publication-hint-title = At most 200 characters. For a watch item, leave empty to use the page’s title.
publication-field-body = Text
publication-hint-body = Markdown accepted: **bold**, *italics*, lists, links, @name to mention someone, #word to tag.
publication-field-tags = Tags
publication-hint-tags = Separated by commas, for example: social economy, housing. The text’s #words are added on their own.
publication-hint-tags-suggest = Tags already in use are suggested as you type.
publication-suggest-tags = Suggest tags
publication-suggest-tags-hint = The “Suggest tags” button offers the tags starting with what you last typed, without publishing anything or losing what you wrote.
publication-browse-tags = Browse all tags (new tab)
publication-tags-suggestions-found = Existing tags are suggested in the field’s list.
publication-tags-suggestions-none = No existing tag starts like this: it will be created.
publication-tag-added = Tag added: { $name }.
publication-tags-most-used = Most used tags (choose one to add it):
publication-tags-starting-with = Tags starting with “{ $name }” (choose one to add it):
publication-tags-no-match = No existing tag starts like this: it will be created when you publish.
publication-field-communities = Communities
publication-hint-communities = Tick at least one community where you may post. The publication and its replies will be the same everywhere.
publication-field-files = Attachments
publication-hint-files = Up to 5 files of at most 10 MB: PDF, ODT, ODS, ODP, DOCX, XLSX, PPTX, TXT, CSV, PNG, JPEG, WebP or GIF.
publication-hint-files-room = { $count ->
    [0] This publication already has 5 attachments: remove some to add others.
    [one] You may still add { $count } file of at most 10 MB.
   *[other] You may still add { $count } files of at most 10 MB.
}
publication-files-again = The chosen files were not kept: choose them again before sending.
publication-publish = Publish
publication-no-community = To publish, you need to be a member of at least one active community.
publication-find-communities = Find communities
publication-kind-invalid = Choose a kind of publication.
publication-title-too-long = The title must be at most 200 characters.
publication-body-too-long = This text is too long (at most 100,000 bytes).
publication-tag-invalid = A tag may only hold letters, digits, spaces, “-” or “_” (at most 100 characters).
publication-tags-too-many = Choose at most 10 tags.
publication-community-required = Choose at least one community.
publication-community-forbidden = You may not post in one of the chosen communities.
publication-already-shared-title = This link was already shared
publication-already-shared-in = Already shared in
publication-add-to-community = Add to another community
publication-open-existing = See the publication
publication-locked = This discussion is locked: it no longer accepts replies.
publication-locked-badge = Locked
publication-edited-on = edited on { $date }
publication-link-label = Shared link
publication-preview-failed = Preview not fetched:
publication-attachments = Attachments
publication-tags = Tags
publication-shared-in = Shared in
publication-share-label = Also share in
publication-share-button = Add
publication-follow = Follow
publication-unfollow = Unfollow
publication-edit = Edit
publication-delete = Delete
publication-delete-confirm = Delete for good
publication-delete-title = Delete the publication
publication-delete-text = “{ $name }” will be deleted for everyone, with its text, earlier versions and attachments.
publication-edit-title = Edit the publication
publication-remove-attachment = Remove “{ $name }”
publication-history-title = Edit history
publication-back = Back to the publication
publication-reply-count = { $count ->
    [0] No replies
    [one] { $count } reply
   *[other] { $count } replies
}
publication-see-accepted = See the accepted answer
publication-former-member = Former member
publication-status-hidden = Hidden by moderators
publication-status-removed = Removed by moderators
publication-status-deleted = Deleted
publication-removed-title = Publication removed
publication-removed-text = Your publication was removed by the moderators.
publication-removed-reason = Reason:
publication-removed-no-reason = No reason was given.
publication-last-activity = activity:
publication-pagination-label = Pages
publication-previous = Previous page
publication-next = Next page
publication-page = Page { $count }

reply-field-body = Your reply
reply-send = Reply
reply-answer = Reply
reply-to-label = Reply to { $name }
reply-by = Reply by { $name }
reply-in-reply-to = in reply to { $name }
reply-edited = edited
reply-edit = Edit
reply-delete = Delete
reply-edit-title = Edit the reply
reply-delete-title = Delete the reply
reply-delete-text = The reply will be replaced by “reply deleted”; the replies that follow it stay in place.
reply-history-title = Reply history
reply-deleted = Reply deleted.
reply-moderated = Reply removed by the moderators.
reply-accepted = Accepted answer
reply-accept = Mark as the accepted answer
reply-unaccept = Clear the accepted answer
reply-login = Log in to reply.
reply-not-member = Only members of the communities where it is shared may reply.
reply-parent-gone = The reply you answer is no longer available.

history-current = Current version
history-earlier = Earlier version
history-by = by { $name }

attachment-refused = “{ $name }”:
attachment-unnamed = unnamed file
attachment-too-large = this file is larger than 10 MB.
attachment-empty = this file is empty.
attachment-too-many = Attach at most 5 files.
attachment-type-refused = this type of file is not accepted (PDF, ODT, ODS, ODP, DOCX, XLSX, PPTX, TXT, CSV, PNG, JPEG, WebP or GIF; the type is recognised from the file’s content).

tag-title = Tag #{ $name }
tag-ordering = Publications ordered by activity, most recent first (a new reply or publication). Only those you may read are shown.
tag-empty = No publication you may read has this tag.

notifications-title = Notifications
notifications-unread = { $count ->
    [0] No unread notifications.
    [one] { $count } unread notification.
   *[other] { $count } unread notifications.
}
notifications-ordering = Grouped by publication, unread first, then the most recent.
notifications-unread-badge = { $count ->
    [one] { $count } unread
   *[other] { $count } unread
}
notifications-mark-all = Mark all as read
notifications-mark-one = mark as read
notifications-empty = Nothing new for now.
notification-mention = { $name } mentioned you
notification-reply = { $name } replied to you
notification-followed-reply = { $name } replied in a publication you follow
notification-join-request = { $name } asks to join a community you lead
notification-join-approved = Your request to join was accepted
notification-join-refused = Your request to join was refused
notification-moderation = A moderation decision concerns you
notification-community-approved = Your community was approved
notification-community-request = { $name } asks for a new community
notification-community-refused = Your community request was refused
notification-other = New activity
notification-untitled = Untitled

flash-publication-created = Publication sent.
flash-publication-created-no-preview = Publication sent, without a preview of the link.
flash-publication-saved = Publication saved. The previous version is kept in the history.
flash-publication-deleted = Publication deleted.
flash-publication-shared = Publication added to the community.
flash-publication-already-there = The publication was already there.
flash-reply-saved = Reply saved.
flash-reply-deleted = Reply deleted.
flash-answer-accepted = Answer accepted.
flash-answer-cleared = Accepted answer cleared.
publication-report = Report
rate-limited-publications = You have published a lot in a short time. You can publish again in { $count ->
    [one] { $count } minute
   *[other] { $count } minutes
}. What you wrote is kept below.
rate-limited-replies = You have sent many replies in a short time. You can reply again in { $count ->
    [one] { $count } minute
   *[other] { $count } minutes
}. Your reply is kept below.
reply-order = Oldest threads first, each with all its replies, { $count } threads per page, with no ranking by popularity.
reply-page-of = Page { $page } of { $pages }.
reply-pages-label = Pages of replies
reply-page-prev = ← Earlier replies
reply-page-next = Later replies →
publication-pin = Pin in { $name }
publication-unpin = Unpin from { $name }
flash-publication-pinned = Publication pinned: it shows first on the community page.
flash-publication-unpinned = Publication unpinned.
reply-quote = Quote
reply-quote-wrote = { $name } wrote:
reply-quote-publication = Quote the publication
compose-preview = Preview
compose-preview-title = Preview
compose-preview-hint = This is your publication as it will be shown. Nothing is published yet.
compose-preview-no-title = (no title)
compose-draft-save = Save draft
compose-draft-discard = Discard draft
compose-draft-saved = Draft saved on
compose-draft-autosaved = Draft saved automatically at
compose-mention-suggestions = Mention:
flash-draft-discarded = Draft discarded.
