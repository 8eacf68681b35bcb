# Header, home and error pages (issue 13).
nav-menu = Menu
nav-tags = Tags
nav-publish = Publish
nav-my-menu = My menu
nav-my-profile = My profile
home-hello = Hello, { $name }!
home-welcome = Welcome, { $name }!
home-newcomer-lead = To begin, join one or two communities of your field or your region: their publications will show here.
home-member-lead = Here is what moved in your communities since your last visit.
home-publish = Publish
home-my-communities = My communities
home-new = new
home-new-count = { $count ->
    [one] { $count } new
   *[other] { $count } new
}
home-first-unread = go to the first unread reply
home-suggested-lead = You are not a member of any community yet. Here are a few, active lately:
home-feed-pages = Feed pages
error-members-hint = Some pages are for members only: if you have an account, sign in to see it.
community-your-role = Your role: { $name }
community-leave-confirm = Its publications will no longer be in your feed.
community-leave-note-open = You can come back whenever you like.
community-leave-note-request = To come back, you will have to ask to join again.
community-leave-note-invitation = To come back, you will need a new invitation.
community-leave-yes = Yes, leave the community
community-request-send = Send my request
search-filters-active = { $count ->
    [one] { $count } active
   *[other] { $count } active
}
publication-more-actions = More actions (share, pin)
feed-subscribe = Subscribe (Atom feed)
profile-communities = Publishes in
profile-recent = Recent publications
profile-recent-none = No publication you may read.
