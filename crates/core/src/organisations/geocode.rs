//! Optional geocoding. Off by default: sending addresses to a third party
//! would leak them. An administrator may configure the search address of a
//! Nominatim-compatible service (`/search?format=jsonv2&q=…` answering
//! `[{"lat": "…", "lon": "…"}]`); it is then called through the guarded
//! fetcher (`crate::fetch`) and every answer — found or not — is cached in
//! `geocode_cache`, so one address is asked once.

use std::time::Duration;

use sqlx::Row;

use crate::actor::Actor;
use crate::error::{AppError, AppResult};
use crate::fetch::{FetchPolicy, Fetcher};
use crate::policy::Action;
use crate::state::AppState;

/// Instance setting: the geocoder's search URL ('' or absent: off).
pub const SETTING: &str = "geocoder_url";

fn fetcher(user_agent: &str) -> &'static Fetcher {
    static F: std::sync::OnceLock<Fetcher> = std::sync::OnceLock::new();
    F.get_or_init(|| Fetcher::new(user_agent))
}

/// The cache key of a query: lowercased, whitespace collapsed.
pub fn normalise(query: &str) -> String {
    query
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// The configured geocoder, if any.
pub async fn configured(state: &AppState) -> Result<Option<String>, sqlx::Error> {
    Ok(crate::settings::get_raw(&state.db, SETTING)
        .await?
        .filter(|u| !u.trim().is_empty()))
}

/// Turn geocoding on (an http(s) search URL) or off (empty). Administrators
/// and the instance. Audited.
pub async fn configure(state: &AppState, actor: &Actor, url: &str) -> AppResult<()> {
    if !actor.may(Action::VerifyOrganisations) {
        return Err(AppError::Forbidden);
    }
    let url = url.trim();
    let value = if url.is_empty() {
        String::new()
    } else {
        super::check_link(url).ok_or_else(|| AppError::Invalid {
            fields: vec![("geocoder_url".into(), "org-link-invalid".into())],
        })?
    };
    let mut tx = state.db.begin().await?;
    sqlx::query(
        "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )
    .bind(SETTING)
    .bind(&value)
    .execute(&mut *tx)
    .await?;
    crate::accounts::ops::audit_in(&mut tx, actor, "geocoder_configured", None, &value).await?;
    tx.commit().await?;
    Ok(())
}

/// The point of an address, when a geocoder is configured: from the cache,
/// else asked once through the guarded fetcher. Network or format errors
/// are logged and give `None` (the centroid rule then applies); they are
/// not cached, so a later save tries again.
pub async fn lookup(state: &AppState, query: &str) -> Result<Option<(f64, f64)>, sqlx::Error> {
    let Some(base) = configured(state).await? else {
        return Ok(None);
    };
    let key = normalise(query);
    if key.is_empty() {
        return Ok(None);
    }
    if let Some(r) = sqlx::query("SELECT lat, lon, found FROM geocode_cache WHERE query = $1")
        .bind(&key)
        .fetch_optional(&state.db.pool)
        .await?
    {
        let found: i64 = r.try_get("found")?;
        return Ok(if found == 1 {
            Some((r.try_get("lat")?, r.try_get("lon")?))
        } else {
            None
        });
    }
    let Ok(mut url) = url::Url::parse(&base) else {
        return Ok(None);
    };
    url.query_pairs_mut()
        .append_pair("format", "jsonv2")
        .append_pair("limit", "1")
        .append_pair("q", query);
    let policy = FetchPolicy {
        max_bytes: 256 * 1024,
        timeout: Duration::from_secs(8),
        max_redirects: 2,
        allow_loopback_for_tests: crate::publications::fetch_allow_list(url.as_str()),
        accept: "application/json",
    };
    let ua = crate::fetch::user_agent(&state.config.public_url());
    let answer = match fetcher(&ua).get(url.as_str(), &policy).await {
        Ok(f) => parse_answer(&f.body),
        Err(e) => {
            tracing::warn!(error = %e, "geocoder request failed");
            return Ok(None);
        }
    };
    let Some(found) = answer else {
        tracing::warn!("geocoder answer unreadable");
        return Ok(None);
    };
    sqlx::query(
        "INSERT INTO geocode_cache (query, lat, lon, found, created_at) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (query) DO NOTHING",
    )
    .bind(&key)
    .bind(found.map(|p| p.0))
    .bind(found.map(|p| p.1))
    .bind(i64::from(found.is_some()))
    .bind(crate::db::now())
    .execute(&state.db.pool)
    .await?;
    Ok(found)
}

/// A Nominatim `jsonv2` answer: `Some(None)` for an empty list (not
/// found), `Some(Some(point))` for a first result, `None` if unreadable.
pub fn parse_answer(body: &[u8]) -> Option<Option<(f64, f64)>> {
    let v: serde_json::Value = serde_json::from_slice(body).ok()?;
    let list = v.as_array()?;
    let Some(first) = list.first() else {
        return Some(None);
    };
    let num = |k: &str| -> Option<f64> {
        match &first[k] {
            serde_json::Value::String(s) => s.parse().ok(),
            serde_json::Value::Number(n) => n.as_f64(),
            _ => None,
        }
    };
    let (lat, lon) = (num("lat")?, num("lon")?);
    ((-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon)).then_some(Some((lat, lon)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers() {
        assert_eq!(
            parse_answer(br#"[{"lat":"46.8139","lon":"-71.2080","display_name":"Quebec"}]"#),
            Some(Some((46.8139, -71.208)))
        );
        assert_eq!(parse_answer(b"[]"), Some(None));
        assert_eq!(parse_answer(b"{}"), None);
        assert_eq!(parse_answer(br#"[{"lat":"x","lon":"1"}]"#), None);
        assert_eq!(normalise("  12 rue  Principale "), "12 rue principale");
    }
}
