//! Public URLs, built in one place beneath every channel.
//!
//! Pages, e-mails, feeds, search results and the API (and, later,
//! ActivityPub ids) all link to the same stable addresses: people at
//! `/u/{username}`, communities at `/c/{slug}`, tags at `/tags/{name}`,
//! publications at `/p/{id}` (replies anchored in them). These functions
//! return local paths; `AppState::url` (or `absolute`) makes them absolute
//! with the instance's public URL. Nothing here touches the database or
//! HTTP, so every layer may use it.

use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};

/// Percent-encode one path segment (usernames and tags may hold accents).
pub fn encode_path(segment: &str) -> String {
    utf8_percent_encode(segment, NON_ALPHANUMERIC).to_string()
}

/// A person's public profile.
pub fn user(username: &str) -> String {
    format!("/u/{}", encode_path(username))
}

/// A community's page. Slugs are validated to `[a-z0-9-]`, so they are
/// used as they are.
pub fn community(slug: &str) -> String {
    format!("/c/{slug}")
}

/// A tag's page.
pub fn tag(name: &str) -> String {
    format!("/tags/{}", encode_path(name))
}

/// A publication's page.
pub fn publication(id: i64) -> String {
    format!("/p/{id}")
}

/// A publication's link: its page with its key, which lets someone who is
/// not a member of the unlisted community it is shared in read it (what
/// "unlisted: readable by link" means for one publication). `/p/{id}`
/// alone finds nothing there, so sequential ids enumerate nothing.
pub fn publication_link(id: i64, key: &str) -> String {
    format!("/p/{id}?k={key}")
}

/// A reply, anchored in its publication's page (`?reply=` opens the page of
/// replies that holds it).
pub fn reply(publication_id: i64, reply_id: i64) -> String {
    format!("/p/{publication_id}?reply={reply_id}#r-{reply_id}")
}

/// A reply, with the publication's key when the reader needs its link.
pub fn reply_link(publication_id: i64, reply_id: i64, key: Option<&str>) -> String {
    match key {
        Some(k) => format!("/p/{publication_id}?k={k}&reply={reply_id}#r-{reply_id}"),
        None => reply(publication_id, reply_id),
    }
}

/// A file attached to a publication (served through the publication's
/// permission check).
pub fn attachment(publication_id: i64, attachment_id: i64) -> String {
    format!("/p/{publication_id}/attachments/{attachment_id}")
}

// Stored images are addressed through their owner, never by their own id
// (`/media/{id}` is gone: every such address answers 404): the owner's
// page decides who sees them (`policy::MediaSight`). `v` is the image's
// version (its row), so the address changes when the image does and may
// be cached for long.

/// A person's avatar (served while their profile is visible).
pub fn avatar(username: &str, media_id: i64) -> String {
    format!("/u/{}/avatar?v={media_id}", encode_path(username))
}

/// The image of a watch item's link preview (served with the publication;
/// `key` when the reader holds its link).
pub fn publication_preview(publication_id: i64, media_id: i64, key: Option<&str>) -> String {
    match key {
        Some(k) => format!("/p/{publication_id}/preview?v={media_id}&k={k}"),
        None => format!("/p/{publication_id}/preview?v={media_id}"),
    }
}

/// A connected tool's icon (signed-in people and administrators).
pub fn tool_icon(client_id: &str, media_id: i64) -> String {
    format!("/tools/{}/icon?v={media_id}", encode_path(client_id))
}

/// An organisation's logo (served through the organisation: `media`).
pub fn organisation_logo(slug: &str, media_id: i64) -> String {
    format!("/o/{}/logo?v={media_id}", encode_path(slug))
}

/// An organisation's page. Slugs are `[a-z0-9-]`.
pub fn organisation(slug: &str) -> String {
    format!("/o/{slug}")
}

/// The directory of organisations.
pub fn organisations() -> String {
    "/organisations".to_string()
}

/// An initiative's page (its slug; `/i/{id}` also answers).
pub fn initiative(slug: &str) -> String {
    format!("/i/{slug}")
}

/// The list of initiatives (the map's accessible listing).
pub fn initiatives() -> String {
    "/initiatives".to_string()
}

/// An absolute URL: the instance's public URL (no trailing slash) and a path.
pub fn absolute(public_url: &str, path: &str) -> String {
    format!("{}{}", public_url.trim_end_matches('/'), path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_are_encoded() {
        assert_eq!(user("éloïse.b"), "/u/%C3%A9lo%C3%AFse%2Eb");
        assert_eq!(tag("économie sociale"), "/tags/%C3%A9conomie%20sociale");
        assert_eq!(community("frigos-qc"), "/c/frigos-qc");
        assert_eq!(reply(3, 9), "/p/3?reply=9#r-9");
        assert_eq!(publication(42), "/p/42");
        assert_eq!(publication_link(42, "ab12"), "/p/42?k=ab12");
        assert_eq!(reply_link(3, 9, Some("ab")), "/p/3?k=ab&reply=9#r-9");
        assert_eq!(avatar("éloïse", 7), "/u/%C3%A9lo%C3%AFse/avatar?v=7");
        assert_eq!(publication_preview(4, 8, None), "/p/4/preview?v=8");
        assert_eq!(
            absolute("https://x.example/", "/p/1"),
            "https://x.example/p/1"
        );
    }
}

/// A territory's page (slugs are `[a-z0-9-]`).
pub fn territory(slug: &str) -> String {
    format!("/t/{slug}")
}

/// The map of a territory (the whole province at `/t/quebec/map`).
pub fn territory_map(slug: &str) -> String {
    format!("/t/{slug}/map")
}

/// A newsletter's page (subscription, archive).
pub fn newsletter(slug: &str) -> String {
    format!("/newsletters/{}", encode_path(slug))
}

/// The aggregate click counter's redirect for one item of an issue
/// (only when the instance counts clicks).
pub fn newsletter_click(slug: &str, issue_id: i64, item_id: i64) -> String {
    format!(
        "/newsletters/{}/issues/{issue_id}/go/{item_id}",
        encode_path(slug)
    )
}

/// One issue of a newsletter (its archive page once sent).
pub fn newsletter_issue(slug: &str, issue_id: i64) -> String {
    format!("/newsletters/{}/issues/{issue_id}", encode_path(slug))
}

/// The one-click unsubscribe address of a subscriber (RFC 8058).
pub fn newsletter_unsubscribe(token: &str) -> String {
    format!("/newsletters/unsubscribe/{token}")
}

/// The double opt-in confirmation address.
pub fn newsletter_confirm(token: &str) -> String {
    format!("/newsletters/confirm/{token}")
}

/// An event's page (`/e/{id}`).
pub fn event(id: i64) -> String {
    format!("/e/{id}")
}

/// An event's image (`version`: its large or small `media` row), served
/// through the event.
pub fn event_image(id: i64, version: i64) -> String {
    format!("/e/{id}/image?v={version}")
}

/// The agenda of events.
pub fn events() -> String {
    "/events".to_string()
}

/// A calendar feed's path (`/events/ical/…`) turned into its `webcal://`
/// address, for calendar applications that subscribe.
pub fn webcal(public_url: &str, path: &str) -> String {
    let abs = absolute(public_url, path);
    match abs.split_once("://") {
        Some((_, rest)) => format!("webcal://{rest}"),
        None => abs,
    }
}

/// A resource's permanent page (its id: the title may change).
pub fn resource(id: i64) -> String {
    format!("/r/{id}")
}

/// One stored version of a resource's file.
pub fn resource_file(resource_id: i64, file_id: i64) -> String {
    format!("/r/{resource_id}/files/{file_id}")
}

/// The instance library.
pub fn library() -> String {
    "/library".to_string()
}

/// A community's library.
pub fn community_library(slug: &str) -> String {
    format!("{}/library", community(slug))
}

/// A thematic dossier.
pub fn dossier(id: i64) -> String {
    format!("/dossiers/{id}")
}

/// The lexicon (also its SKOS concept scheme's IRI).
pub fn lexicon() -> String {
    "/lexicon".to_string()
}

/// A lexicon term (also its SKOS concept's IRI; slugs are `[a-z0-9-]`).
pub fn term(slug: &str) -> String {
    format!("/lexicon/{slug}")
}

/// The notification settings page.
pub const NOTIFICATION_SETTINGS: &str = "/settings/notifications";

/// A one-click unsubscribe link (tokens are URL-safe base64 and a dot).
pub fn notifications_unsubscribe(token: &str) -> String {
    format!("/notifications/unsubscribe/{token}")
}

/// A community's wiki (its pages' outline).
pub fn wiki(slug: &str) -> String {
    format!("{}/wiki", community(slug))
}

/// A wiki page.
pub fn wiki_page(slug: &str, page: &str) -> String {
    format!("{}/{page}", wiki(slug))
}

/// The form creating a wiki page.
pub fn wiki_new(slug: &str) -> String {
    format!("{}/new", wiki(slug))
}

/// A community's file space (a folder of it when `folder` is not 0).
pub fn space(slug: &str, folder: i64) -> String {
    match folder {
        0 => format!("{}/files", community(slug)),
        f => format!("{}/files?folder={f}", community(slug)),
    }
}

/// A file of a community's file space (one version).
pub fn space_file(slug: &str, file_id: i64) -> String {
    format!("{}/files/{file_id}", community(slug))
}
