# Events and calendars (C15)
nav-events = Events
event-agenda-title = Events
event-month-title = Month calendar
event-month-nav = Month
event-month-prev = Previous month
event-month-next = Next month
event-new-title = Create an event
event-edit-title = Edit the event
event-mine-title = My events
event-mine-empty = You are not registered for any upcoming event.
event-create = Create the event
event-upcoming = Upcoming
event-past = Past
event-none-upcoming = No upcoming event.
event-none-past = No past event.
event-subscribe = Subscribe in my calendar
event-download-ics = iCalendar file
event-add-to-calendar = Add to my calendar (.ics)
event-filter-legend = Filter events
event-filter-community = Community (identifier)
event-filter-territory = Territory (identifier)
event-filter-tag = Tag
event-filter-online = Format
event-filter-any = All
event-filter-inperson = In person
event-filter-apply = Filter
event-status-cancelled = Cancelled
event-status-postponed = Postponed
event-status-title = Event status
event-cancel = Cancel the event
event-postpone = Postpone
event-reschedule = Back as planned
event-repeats = Recurring
event-occurrences = Next dates
event-occurrence-cancel = Cancel this date
event-occurrence-restore = Restore this date
event-occurrence-unknown = This date is not part of the series.
event-organiser = Organised by
event-online-for-participants = The link is given to registered people.
event-rsvp-title = Registration
event-rsvp-going = I’ll be there
event-rsvp-maybe = Maybe
event-rsvp-no = I won’t be there
event-rsvp-waiting = On the waiting list
event-rsvp-login = Log in to register.
event-count-going = { $count ->
    [0] Nobody registered
    [one] { $count } person registered
   *[other] { $count } people registered
}
event-count-maybe = { $count ->
    [one] { $count } maybe
   *[other] { $count } maybe
}
event-count-waiting = { $count ->
    [one] { $count } waiting
   *[other] { $count } waiting
}
event-participants-title = Participants
event-participants-csv = Export (CSV)
event-participants-empty = Nobody has registered yet.
event-participant-name = Person
event-participant-answer = Answer
event-private-feeds = My private calendars
event-private-feeds-lead = A secret address lets your calendar application follow your events and your communities’ events, private ones included. Do not share it; you can revoke it at any time.
event-private-feeds-once = Here are your addresses. They will not be shown again: copy them now.
event-private-feeds-count = { $count ->
    [0] No active private address.
    [one] { $count } active private address.
   *[other] { $count } active private addresses.
}
event-private-feeds-create = Create a private address
event-private-feeds-revoke = Revoke all my private addresses
event-feed-mine = My events
event-feed-communities = My communities’ events
event-field-title = Title
event-field-description = Description
event-field-markdown-hint = You can use Markdown.
event-field-communities = Communities
event-no-community = You must be a member of a community to create an event in it.
event-field-start = Start
event-field-start-hint = Local date and time (for a whole day, only the date counts).
event-field-end = End
event-field-all-day = All day
event-field-tz = Time zone
event-tz-america-toronto = Eastern time (Montréal, Québec City)
event-tz-america-halifax = Atlantic time (Magdalen Islands)
event-tz-america-blanc-sablon = Atlantic time without daylight saving (Lower North Shore)
event-tz-utc = Coordinated Universal Time (UTC)
event-repeat-legend = Recurrence
event-field-repeat = Repeats
event-repeat-none = No
event-repeat-weekly = Every week, on the same day
event-repeat-monthly = Every month, on the same weekday (e.g. 2nd Tuesday)
event-repeat-rule = Advanced RRULE
event-field-interval = Interval
event-field-interval-hint = Every N weeks or N months (1 by default).
event-field-until = Until
event-field-count = Number of times
event-field-count-hint = At most 500; otherwise give an end date.
event-field-rrule = RRULE
event-field-rrule-hint = For example FREQ=WEEKLY;BYDAY=TU;COUNT=10 (choose “Advanced RRULE”).
event-field-exdates = Excluded dates
event-field-exdates-hint = One date per line (YYYY-MM-DD).
event-place-legend = Place
event-field-place-kind = Format
event-place-address = In person
event-place-online = Online
event-place-hybrid = Hybrid
event-field-address = Address
event-field-online-url = Online meeting link
event-field-online-private = Show the link to registered people only
event-field-territory = Territory
event-field-territory-hint = The territory’s identifier, e.g. montreal.
event-field-organisation = Organisation
event-field-organisation-hint = The identifier of an organisation you are a member of.
event-field-contact = Contact
event-field-capacity = Places
event-field-capacity-hint = Leave empty for no limit; beyond it, people are put on a waiting list.
event-field-tags = Tags
event-field-tags-hint = Separated by commas.
event-title-required = Give the event a title.
event-field-too-long = This field is too long.
event-tz-invalid = Choose a time zone from the list.
event-start-invalid = Give the start date and time.
event-end-invalid = The end is not a valid date.
event-end-before-start = The end must come after the start.
event-too-long = An event lasts at most 31 days.
event-rrule-invalid = This recurrence rule is not accepted.
event-rrule-freq = Only daily, weekly and monthly recurrences are accepted.
event-rrule-count = The number of times must be between 1 and 500.
event-rrule-empty = This recurrence gives no date.
event-repeat-needs-end = Give an end date or a number of times.
event-until-invalid = The series’ end date must follow its start.
event-exdate-invalid = An excluded date is not valid (YYYY-MM-DD, at most 200).
event-place-invalid = Choose a format from the list.
event-online-url-required = Give the online meeting link.
event-online-url-invalid = The link must start with https:// or http://.
event-capacity-invalid = Places must be a whole number between 1 and 100,000.
event-territory-unknown = This territory does not exist.
event-organisation-not-member = You must be a member of this organisation.
event-communities-required = Choose at least one community.
event-communities-too-many = At most 10 communities.
event-community-refused = You cannot create an event in one of these communities.
event-token-too-many = You already have 10 private addresses; revoke them first.
flash-event-created = Event created.
flash-event-saved = Event saved.
flash-event-going = You are registered.
flash-event-waitlisted = The event is full: you are on the waiting list.
flash-event-answered = Answer saved.
flash-event-tokens-revoked = Your private addresses are revoked.
event-status-invalid = Unknown status: scheduled, cancelled or postponed.
event-answer-invalid = Unknown answer: going, maybe or no.
