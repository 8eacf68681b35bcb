//! ActivityPub entry point (issue 18): discovery (WebFinger, NodeInfo),
//! actors and their collections, and `Accept` negotiation on the pages' own
//! URLs. It parses, asks `passerelles_core::federation` for the document,
//! and answers; it writes nothing but the actors' keys, made on first use
//! by the domain. Nothing beneath it names it (the layering check).

use axum::Router;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use passerelles_core::error::{AppError, AppResult};
use passerelles_core::federation::actors::{self, Collection};
use passerelles_core::federation::inbox::{self, InboxError, Received};
use passerelles_core::federation::{self as ap, discovery};
use passerelles_core::state::AppState;
use serde_json::Value;

/// The inbound checks the fuzz target `ap_inbox` runs (the domain's).
pub use passerelles_core::federation::fuzz;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/.well-known/webfinger", get(webfinger))
        .route("/.well-known/nodeinfo", get(nodeinfo_links))
        .route("/nodeinfo/2.1", get(nodeinfo))
        .route("/actor", get(instance))
        .route("/u/{username}/outbox", get(person_collection))
        .route("/u/{username}/followers", get(person_collection))
        .route("/u/{username}/following", get(person_collection))
        .route("/u/{username}/featured", get(person_collection))
        .route("/c/{slug}/outbox", get(group_collection))
        .route("/c/{slug}/followers", get(group_collection))
        .route("/c/{slug}/featured", get(group_collection))
        .route("/c/{slug}/moderators", get(group_collection))
        // Inboxes: one handler (the shared inbox and each actor's own);
        // what an activity is about is in the activity.
        .route("/inbox", post(inbox))
        .route("/actor/inbox", post(inbox))
        .route("/u/{username}/inbox", post(inbox))
        .route("/c/{slug}/inbox", post(inbox))
}

fn json_with(content_type: &'static str, doc: &Value) -> Response {
    let mut res = (StatusCode::OK, doc.to_string()).into_response();
    res.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    res
}

/// An ActivityPub document (`application/activity+json`).
fn activity(doc: &Value) -> Response {
    json_with("application/activity+json; charset=utf-8", doc)
}

fn found(doc: Option<Value>) -> AppResult<Response> {
    doc.map(|d| activity(&d)).ok_or(AppError::NotFound)
}

#[derive(serde::Deserialize)]
struct WebfingerQuery {
    resource: Option<String>,
}

async fn webfinger(
    State(state): State<AppState>,
    Query(q): Query<WebfingerQuery>,
) -> AppResult<Response> {
    let resource = q
        .resource
        .filter(|r| !r.is_empty())
        .ok_or(AppError::BadRequest {
            code: "resource_required",
            message_key: "error-400-text",
        })?;
    let doc = discovery::webfinger(&state, &resource)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut res = json_with("application/jrd+json; charset=utf-8", &doc);
    res.headers_mut().insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    Ok(res)
}

async fn nodeinfo_links(State(state): State<AppState>) -> Response {
    json_with(
        "application/json; charset=utf-8",
        &discovery::nodeinfo_links(&state),
    )
}

async fn nodeinfo(State(state): State<AppState>) -> AppResult<Response> {
    Ok(json_with(
        "application/json; profile=\"http://nodeinfo.diaspora.software/ns/schema/2.1#\"",
        &discovery::nodeinfo(&state).await?,
    ))
}

async fn instance(State(state): State<AppState>) -> AppResult<Response> {
    Ok(activity(&actors::instance(&state).await?))
}

/// The last segment of the path names the collection.
fn collection_of(req_path: &str) -> Option<Collection> {
    Collection::parse(req_path.rsplit('/').next()?)
}

async fn person_collection(
    State(state): State<AppState>,
    Path(username): Path<String>,
    uri: axum::http::Uri,
) -> AppResult<Response> {
    let which = collection_of(uri.path()).ok_or(AppError::NotFound)?;
    found(actors::person_collection(&state, &username, which).await?)
}

async fn group_collection(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    uri: axum::http::Uri,
) -> AppResult<Response> {
    let which = collection_of(uri.path()).ok_or(AppError::NotFound)?;
    found(actors::group_collection(&state, &slug, which).await?)
}

/// What an actor or object URL names: `/u/{name}`, `/c/{slug}`, `/p/{id}`,
/// `/p/{id}/replies/{rid}` (a `Note`), `/e/{id}` (a Mobilizon-style `Event`).
enum Object {
    Person(String),
    Group(String),
    Page(i64),
    Reply(i64, i64),
    Event(i64),
}

fn object_of(path: &str) -> Option<Object> {
    if let Some(rest) = path.strip_prefix("/p/")
        && let Some((pid, rid)) = rest.split_once("/replies/")
    {
        return match (pid.parse(), rid.parse()) {
            (Ok(p), Ok(r)) => Some(Object::Reply(p, r)),
            _ => None,
        };
    }
    let mut parts = path.split('/');
    let (Some(""), Some(kind), Some(name), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    let name = percent_encoding::percent_decode_str(name)
        .decode_utf8()
        .ok()?
        .to_string();
    match kind {
        "u" => Some(Object::Person(name)),
        "c" => Some(Object::Group(name)),
        "p" => name.parse().ok().map(Object::Page),
        "e" => name.parse().ok().map(Object::Event),
        _ => None,
    }
}

/// `Accept` negotiation on the pages' URLs: an ActivityPub client asking
/// `/u/{name}`, `/c/{slug}` or `/p/{id}` gets the JSON-LD document (or a
/// 404 exactly where the fediverse may not see it); a browser gets the
/// page, marked `Vary: Accept` for caches.
pub async fn negotiate(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let Some(object) = object_of(req.uri().path()) else {
        return next.run(req).await;
    };
    let wants_json = matches!(*req.method(), Method::GET | Method::HEAD)
        && req
            .headers()
            .get_all(header::ACCEPT)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .any(ap::wants_activity_json);
    if let Object::Reply(pid, rid) = object
        && !wants_json
        && matches!(*req.method(), Method::GET | Method::HEAD)
    {
        // A reply's id, opened in a browser: its place on the page.
        let to = format!(
            "{}?reply={rid}#r-{rid}",
            passerelles_core::urls::publication(pid)
        );
        let mut res = axum::response::Redirect::to(&to).into_response();
        res.headers_mut()
            .append(header::VARY, HeaderValue::from_static("Accept"));
        return res;
    }
    let mut res = if wants_json {
        if let Object::Person(name) = &object
            && let Some(gone) = gone_person(&state, name).await
        {
            let mut res = gone;
            res.headers_mut()
                .append(header::VARY, HeaderValue::from_static("Accept"));
            return res;
        }
        let doc = match object {
            Object::Person(name) => actors::person(&state, &name).await,
            Object::Group(slug) => actors::group(&state, &slug).await,
            Object::Page(id) => actors::page(&state, id).await,
            Object::Reply(pid, rid) => actors::note(&state, pid, rid)
                .await
                .map(|n| n.map(|(doc, _)| doc)),
            Object::Event(id) => ap::events::event(&state, id)
                .await
                .map(|d| d.map(|(doc, _)| doc)),
        };
        match doc.and_then(found) {
            Ok(r) => r,
            Err(e) => e.into_response(),
        }
    } else {
        next.run(req).await
    };
    res.headers_mut()
        .append(header::VARY, HeaderValue::from_static("Accept"));
    res
}

/// A deleted person's actor URL: 410 Gone with a `Tombstone` (Mastodon
/// then drops its copy of the account), where nobody has the name now.
async fn gone_person(state: &AppState, name: &str) -> Option<Response> {
    let at = ap::gone_since(&state.db, name).await.ok()??;
    let id = state.url(&passerelles_core::urls::user(name));
    let doc = serde_json::json!({
        "@context": ap::AS_CONTEXT,
        "id": id,
        "type": "Tombstone",
        "formerType": "Person",
        "deleted": ap::rfc3339(at),
    });
    let mut res = activity(&doc);
    *res.status_mut() = StatusCode::GONE;
    Some(res)
}

/// An inbox POST: verified (HTTP signature by the actor's own key, digest,
/// date), then handled once. 202 when taken (handled, a duplicate, or
/// nothing we act on), 401 when it cannot be authenticated, 400 when it is
/// not an activity.
async fn inbox(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    uri: axum::http::Uri,
    body: axum::body::Bytes,
) -> Response {
    let header = |name: &str| -> Option<String> {
        let values: Vec<&str> = headers
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        (!values.is_empty()).then(|| values.join(", "))
    };
    let path = uri
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| uri.path().to_string());
    let post = inbox::Post {
        path_and_query: &path,
        header: &header,
        body: &body,
    };
    match inbox::receive(&state, &post).await {
        Ok(Received::Handled(_) | Received::Duplicate | Received::Ignored(_)) => {
            StatusCode::ACCEPTED.into_response()
        }
        Err(InboxError::Signature(e)) => {
            tracing::info!(error = %e, path, "inbox: signature refused");
            (StatusCode::UNAUTHORIZED, e.to_string()).into_response()
        }
        Err(InboxError::Unauthenticated(e)) => {
            tracing::info!(error = %e, path, "inbox: actor not authenticated");
            (StatusCode::UNAUTHORIZED, "not authenticated").into_response()
        }
        Err(InboxError::Invalid(e)) => (StatusCode::BAD_REQUEST, e).into_response(),
        Err(InboxError::Blocked) => (StatusCode::FORBIDDEN, "instance blocked").into_response(),
        Err(InboxError::TooMany(retry)) => {
            let mut res = (StatusCode::TOO_MANY_REQUESTS, "too many activities").into_response();
            if let Ok(v) = HeaderValue::from_str(&retry.max(1).to_string()) {
                res.headers_mut().insert(header::RETRY_AFTER, v);
            }
            res
        }
        Err(InboxError::Internal(e)) => AppError::Internal(e).into_response(),
    }
}
