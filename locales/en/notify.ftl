# Notification preferences, e-mails, digests, unsubscribe (issue 16).
notification-new-publication = { $name } published in { $community }
notification-event = { $name } announced an event in { $community }

notify-settings-title = Notifications
notify-settings-lead = Get what you asked for, at the pace you chose. Everything not set to "never" also stays in your notification centre.
notify-settings-kinds = By kind of notification
notify-settings-kinds-hint = Choose a channel for each kind. Security notices always arrive by e-mail.
notify-settings-kind = Kind
notify-settings-fixed = Always by e-mail, right away (cannot be turned off)
notify-settings-digests = E-mail digests
notify-settings-hour = Hour digests are sent
notify-settings-zone = Time zone
notify-settings-day = Day of the weekly digest
notify-settings-communities = By community
notify-settings-communities-hint = A community's watching level overrides the choices above: "muted" silences everything from it except decisions about you.
notify-settings-no-community = You are not a member of any community.
notify-settings-save = Save my preferences
flash-notify-settings-saved = Your notification preferences are saved.

notify-channel-app = On the site only
notify-channel-email = E-mail right away
notify-channel-daily = Daily digest
notify-channel-weekly = Weekly digest
notify-channel-never = Never

notify-kind-mention = Mention of my name
notify-kind-reply = Reply to my messages
notify-kind-followed-reply = Reply in a thread I follow
notify-kind-new-publication = New publication in a community
notify-kind-event = Event in my communities
notify-kind-moderation = Moderation decision about me
notify-kind-join-request = Request to join my communities
notify-kind-saved-search = New result of a saved search
notify-kind-security = Security notice

notify-level-everything = Everything
notify-level-publications = New publications only
notify-level-mentions = Mentions only
notify-level-muted = Muted

notify-weekday-0 = Monday
notify-weekday-1 = Tuesday
notify-weekday-2 = Wednesday
notify-weekday-3 = Thursday
notify-weekday-4 = Friday
notify-weekday-5 = Saturday
notify-weekday-6 = Sunday

notify-error-channel = Choose one of the channels offered.
notify-error-hour = Choose an hour from 0 to 23.
notify-error-zone = Choose one of the time zones offered.
notify-error-day = Choose a day of the week.
notify-error-level = Choose one of the watching levels offered.

notify-mute-thread = Mute this thread
notify-settings-muted = Muted discussions
notify-settings-muted-hint = Nothing reaches you from these discussions. Unmute one to get its notifications again.
notify-settings-no-muted = No discussion is muted.
notify-unmute-thread = Unmute
flash-notify-thread-muted = This discussion is muted.
flash-notify-thread-unmuted = You will get this discussion's notifications again.

notify-mail-open = Open
notify-mail-settings = My notification preferences
notify-mail-stop-kind = Stop these e-mails
notify-mail-stop-digest = Stop this digest
notify-mail-mute-community = Mute { $community }
notify-mail-why-now = You receive this e-mail from { $instance } because "{ $name }" is set to "e-mail right away".
notify-mail-why-digest = You receive this { $name } from { $instance } because you chose it in your preferences.

notify-digest-daily = daily digest
notify-digest-weekly = weekly digest
notify-digest-subject = Your { $name } — { $instance }: { $count ->
    [one] 1 new item
   *[other] { $count } new items
}
notify-digest-intro = { $count ->
    [one] Here is what is new for you, by community, newest first.
   *[other] Here are the { $count } new items for you, by community, newest first.
}
notify-digest-elsewhere = Elsewhere

notify-unsubscribe-title = Unsubscribe
notify-unsubscribe-invalid = This unsubscribe link is not valid or has expired. You can change your preferences after signing in.
notify-unsubscribe-confirm = Confirm
notify-unsubscribe-done = Done:
notify-unsubscribe-kind = no more e-mails for "{ $name }" (notifications stay on the site).
notify-unsubscribe-community = nothing more from the community { $community } (muted).
notify-unsubscribe-daily = no more daily digest (notifications stay on the site).
notify-unsubscribe-weekly = no more weekly digest (notifications stay on the site).

## Reply by e-mail
notify-mail-reply-hint = Reply to this e-mail to answer in the thread (quoted text and signature are removed).
mail-in-bounce-subject = Reply not published
mail-in-bounce-intro = Your e-mail was not published as a reply on { $instance }.
mail-in-refused-too-large = The message is too large.
mail-in-refused-unparsable = The message could not be read.
mail-in-refused-unknown = The reply address is unknown, altered or no longer valid.
mail-in-refused-forged = The sender is not the person this reply address was given to. Reply from your account's address.
mail-in-refused-automatic = Automatic messages are not accepted.
mail-in-refused-empty = The reply is empty once quoted text and signature are removed.
mail-in-refused-invalid = The reply text was refused (too long?).
mail-in-refused-locked = The thread is locked.
mail-in-refused-not-allowed = You may no longer reply in this thread (you no longer have access to it).

## Web Push
notify-channel-push = Push notification
push-title = Notifications on this device
push-lead = Receive the notifications set to “Push notification” in the grid above on this browser, even when the site is closed, through your browser’s own push service. No other relay.
push-count = { $count ->
    [0] No browser is subscribed.
    [one] One browser is subscribed.
   *[other] { $count } browsers are subscribed.
}
push-needs-js = Push notifications need JavaScript: turn it on to subscribe this browser. Everything else on this page works without it.
push-unsupported = This browser does not support push notifications (or the page is not served over HTTPS).
push-enable = Turn on in this browser
push-disable = Turn off in this browser
push-state-on = This browser receives push notifications.
push-state-off = This browser does not receive push notifications.
push-state-denied = The browser refused permission to show notifications.
push-state-error = The subscription could not be saved. Try again later.
push-error-endpoint = The push service address is not valid.
push-error-key = The subscription key is not valid.
push-error-too-many = Too many browsers are subscribed: unsubscribe one first.
