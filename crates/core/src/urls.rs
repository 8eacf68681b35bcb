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

/// A reply, anchored in its publication's page (`?reply=` opens the page of
/// replies that holds it).
pub fn reply(publication_id: i64, reply_id: i64) -> String {
    format!("/p/{publication_id}?reply={reply_id}#r-{reply_id}")
}

/// A file attached to a publication (served through the publication's
/// permission check).
pub fn attachment(publication_id: i64, attachment_id: i64) -> String {
    format!("/p/{publication_id}/attachments/{attachment_id}")
}

/// A stored image (avatars, tool icons, preview thumbnails).
pub fn media(id: i64) -> String {
    format!("/media/{id}")
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
