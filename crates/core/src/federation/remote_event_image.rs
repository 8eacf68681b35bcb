//! A remote event's image (issue 18). Mobilizon gives its banner as an
//! attachment (`Document` with an `image/*` `mediaType`), others as
//! `image`. Pages make no third-party requests, so the image is fetched
//! here, server-side, through the guarded fetcher (public addresses only,
//! [`MAX_BYTES`], [`TIMEOUT`], an `image/*` answer only), made by the same
//! code as an uploaded one (`images::Pool::banner`: sniffed, decoded under
//! limits, re-encoded as JPEG without metadata, two sizes) and stored in
//! `media` like a local event's image (`events::image::write_in`), served
//! through the event as the policy says. Its address is kept
//! (`events.ap_image`, migration 0081): an `Update` naming the same image
//! does not fetch it again; one naming none takes it off. Best effort: an
//! image that cannot be fetched or read leaves the event without one (the
//! event itself is already written).

use std::sync::OnceLock;
use std::time::Duration;

use serde_json::Value;

use crate::events::image::{Change, Edit, check_alt, write_in};
use crate::fetch::{FetchPolicy, Fetcher};
use crate::state::AppState;

/// Largest image fetched (what an upload may be).
pub const MAX_BYTES: usize = crate::images::MAX_UPLOAD_BYTES;
/// Longest wait for it.
pub const TIMEOUT: Duration = Duration::from_secs(10);

fn fetcher(public_url: &str) -> &'static Fetcher {
    static F: OnceLock<Fetcher> = OnceLock::new();
    F.get_or_init(|| Fetcher::new(&crate::fetch::user_agent(public_url)))
}

fn url_of(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.clone()),
        Value::Object(o) => o
            .get("href")
            .and_then(Value::as_str)
            .map(str::to_string)
            .or_else(|| url_of(o.get("url"))),
        Value::Array(a) => a.iter().find_map(|x| url_of(Some(x))),
        _ => None,
    }
}

fn is_image(v: &Value) -> bool {
    v.get("mediaType")
        .and_then(Value::as_str)
        .is_some_and(|m| m.to_ascii_lowercase().starts_with("image/"))
        || v.get("type").and_then(Value::as_str) == Some("Image")
}

/// The image an `Event` names — its `image`, else its first image
/// attachment — with its text alternative (`name` or `summary`; Mobilizon's
/// generic "Banner" is no description: the page then says the event's).
pub fn image_of(obj: &Value) -> Option<(String, String)> {
    let candidate = match obj.get("image") {
        Some(i @ Value::Object(_)) => Some(i.clone()),
        Some(Value::String(s)) => Some(serde_json::json!({ "url": s })),
        Some(Value::Array(a)) => a.first().cloned(),
        _ => None,
    }
    .or_else(|| {
        obj.get("attachment")
            .and_then(Value::as_array)
            .and_then(|a| a.iter().find(|x| is_image(x)).cloned())
    })?;
    let url = url_of(Some(&candidate))?;
    let parsed = url::Url::parse(&url).ok()?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return None;
    }
    let alt = candidate
        .get("name")
        .or_else(|| candidate.get("summary"))
        .and_then(Value::as_str)
        .filter(|n| !n.trim().eq_ignore_ascii_case("banner"))
        .map(|n| check_alt(n).unwrap_or_default())
        .unwrap_or_default();
    Some((url, alt))
}

/// Fetch `url` as an image, through the guarded fetcher.
async fn fetch(state: &AppState, url: &str) -> anyhow::Result<crate::images::Banner> {
    if !super::instances::permitted(&state.db, &super::instances::host(url)).await? {
        anyhow::bail!("{url}: its instance is blocked");
    }
    let policy = FetchPolicy {
        max_bytes: MAX_BYTES,
        timeout: TIMEOUT,
        max_redirects: 3,
        allow_loopback_for_tests: crate::publications::fetch_allow_list(url),
        accept: "image/avif, image/webp, image/png, image/jpeg, image/gif",
    };
    let got = fetcher(&state.config.public_url())
        .get(url, &policy)
        .await
        .map_err(|e| anyhow::anyhow!("fetching {url}: {e}"))?;
    let declared = got
        .content_type
        .as_deref()
        .unwrap_or("")
        .to_ascii_lowercase();
    if !declared.trim_start().starts_with("image/") {
        anyhow::bail!("{url} is not an image ({declared})");
    }
    Ok(state.images.banner(got.body.to_vec()).await?)
}

/// After the remote event `id` (organised by `owner`, its shadow account)
/// was written from `obj`: its image follows the object's.
pub async fn follow(state: &AppState, id: i64, owner: Option<i64>, obj: &Value) {
    let r: anyhow::Result<()> = async {
        let held: Option<String> = sqlx::query_scalar("SELECT ap_image FROM events WHERE id = $1")
            .bind(id)
            .fetch_optional(&state.db.pool)
            .await?
            .flatten();
        let wanted = image_of(obj);
        let edit = match (&wanted, &held) {
            (None, None) => return Ok(()),
            (None, Some(_)) => Edit {
                change: Change::Remove,
                alt: None,
            },
            (Some((url, alt)), Some(h)) if h == url => Edit {
                change: Change::Keep,
                alt: Some(alt.clone()),
            },
            (Some((url, alt)), _) => Edit {
                change: Change::Replace(fetch(state, url).await?),
                alt: Some(alt.clone()),
            },
        };
        let mut tx = state.db.begin().await?;
        write_in(&mut tx, id, owner, &edit).await?;
        sqlx::query("UPDATE events SET ap_image = $1 WHERE id = $2")
            .bind(wanted.map(|(u, _)| u))
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }
    .await;
    if let Err(e) = r {
        tracing::info!(error = %e, event = id, "remote event: image not taken");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mobilizon_banner_and_image_are_found() {
        let mobilizon = serde_json::json!({"attachment": [
            {"type": "Link", "name": "Website", "href": "https://example.org"},
            {"type": "Document", "mediaType": "image/jpeg", "name": "Banner",
             "url": "https://mobilizon.example/media/x.jpg"}]});
        assert_eq!(
            image_of(&mobilizon),
            Some((
                "https://mobilizon.example/media/x.jpg".into(),
                String::new()
            ))
        );
        let image = serde_json::json!({"image": {"type": "Image", "url": "https://a.example/i.png",
            "name": "Des  semis\nau soleil"}});
        assert_eq!(
            image_of(&image),
            Some((
                "https://a.example/i.png".into(),
                "Des semis au soleil".into()
            ))
        );
        for none in [
            serde_json::json!({"attachment": [{"type": "Document", "mediaType": "application/pdf", "url": "https://a.example/f.pdf"}]}),
            serde_json::json!({"image": "javascript:alert(1)"}),
            serde_json::json!({}),
        ] {
            assert_eq!(image_of(&none), None, "{none}");
        }
    }
}
