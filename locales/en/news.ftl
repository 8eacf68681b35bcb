# Local news feeds (aggregation, issue 17 C14)
community-tab-news = News feeds
news-lead = The community follows the RSS, Atom or JSON Feed feeds of local media and organisations. Their new articles appear in its feed as watch items from an external source, which members can discuss. Feeds are read every 30 minutes; a failing feed is retried later and later, and its error stays shown here.
news-add-title = Follow a feed
news-field-url = Feed address
news-field-url-hint = The RSS, Atom or JSON Feed address (for example https://example.org/feed/), not the home page's.
news-field-tags = Tags
news-field-tags-hint = Given to every article of this feed, separated by commas (at most 5).
news-add = Follow this feed
news-list-title = Feeds followed
news-none = The community follows no feed yet.
news-fetch-now = Read the feeds now
news-health-ok = Healthy
news-health-failing = Failing
news-health-waiting = Not read yet
news-last-success = Last successful read
news-never = Never
news-last-error = Last error
news-failures = Failures in a row
news-next-try = Next read
news-items = Articles
news-items-count = { $count ->
    [one] { $count } article added
   *[other] { $count } articles added
}
news-duplicates-count = { $count ->
    [one] { $count } duplicate skipped
   *[other] { $count } duplicates skipped
}
news-remove = Stop following
news-source = External source: { $name }
news-source-badge = External source
news-error-entities = The document declares XML entities: refused (protection against "billion laughs").
news-error-html = The address gives a web page, not a feed. Look for the site's RSS or Atom link.
news-error-invalid = This is not a valid feed.
news-error-too-large = The feed is over 5 MB: refused without reading it all.
news-error-empty = The answer is empty.
news-error-url = Enter a complete http or https address.
news-error-already = The community already follows this feed.
news-error-too-many = The community already follows the most feeds allowed.
flash-news-subscribed = Feed added: it will be read in a moment.
flash-news-fetching = The feeds will be read in a moment.
flash-news-removed = The community no longer follows this feed. The articles already taken stay.

# Territories and organisations
news-local-title = Local news
news-local-source = Source:
news-local-manage = News feeds followed
news-place-lead = This territory or organisation follows the RSS, Atom or JSON Feed of local media and organisations. Their new articles appear on its page with their source. Feeds are read every 30 minutes; a failing feed is retried later and later and its error stays shown here.
news-error-place-already = This feed is already followed here.
news-error-place-too-many = The most feeds allowed are already followed.
