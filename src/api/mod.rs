//! JSON API v1, nested at `/api/v1` by `web::router`.
//!
//! One file per resource group, each with its router; handlers stay thin:
//! extract (`extract::ApiUser`, JSON) → authorize (`crate::policy`) → domain
//! → wire type (`wire`). Authentication is by personal access token only
//! (`Authorization: Bearer pat_…`), never cookies, so no CSRF is involved.
//! Errors are `AppError`s (or `extract::error` for other codes), rendered
//! as `{"error": {code, message, request_id, fields?}}` by
//! `web::finish_errors`, which also turns axum's rejections (malformed JSON,
//! wrong content type, oversized body) into that shape.
//!
//! The OpenAPI 3.1 document at `/api/v1/openapi.json` is generated from the
//! `#[utoipa::path]` annotations of the handlers listed in [`ApiDoc`].

pub mod communities;
pub mod extract;
pub mod instance;
pub mod me;
pub mod moderation;
pub mod publications;
pub mod search;
pub mod sessions;
pub mod tokens;
pub mod users;
pub mod wire;

use std::sync::OnceLock;

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::error::AppError;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(instance::router())
        .merge(communities::router())
        .merge(me::router())
        .merge(users::router())
        .merge(sessions::router())
        .merge(tokens::router())
        .merge(moderation::router())
        .merge(publications::router())
        .merge(search::router())
        .route("/openapi.json", get(openapi))
        // Responses carry personal data: never stored by caches unless a
        // handler says otherwise.
        .layer(
            tower_http::set_header::SetResponseHeaderLayer::if_not_present(
                header::CACHE_CONTROL,
                HeaderValue::from_static("no-store"),
            ),
        )
}

/// The OpenAPI description of API v1.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Passerelles API",
        description = "JSON API of a Passerelles instance. Authenticate with a personal access \
                       token: `Authorization: Bearer pat_…` (made on the settings page, never \
                       with a token). A token's scope is `read` (safe methods \
                       only: other methods answer 403 `insufficient_scope`), `write`, or `admin` (an \
                       administrator's powers). Every error has the body `ErrorBody`.",
        license(name = "AGPL-3.0-or-later", identifier = "AGPL-3.0-or-later"),
    ),
    paths(
        instance::show,
        me::show,
        me::update,
        me::put_avatar,
        me::delete_avatar,
        users::show,
        sessions::list,
        sessions::revoke_all,
        sessions::revoke,
        tokens::list,
        tokens::create,
        tokens::revoke,
        moderation::create_report, moderation::instance_queue, moderation::community_queue, moderation::community_act, moderation::instance_act, moderation::modlog,
        communities::list, communities::show, communities::create, communities::update, communities::join, communities::leave, communities::ask, communities::requests, communities::approve_request, communities::refuse_request, communities::members, communities::set_role, communities::remove_member, communities::transfer, communities::archive, communities::reopen, communities::invitations, communities::create_invitation, communities::revoke_invitation, communities::redeem, communities::pending, communities::approve_community, communities::refuse_community,
        publications::create, publications::show, publications::update, publications::remove, publications::share, publications::add_attachments, publications::download, publications::replies, publications::create_reply, publications::update_reply, publications::delete_reply, publications::accept, publications::follow, publications::unfollow, publications::list_notifications, publications::read_notification, publications::read_all, publications::tag_publications, publications::community_publications, publications::pin, publications::unpin,
        search::run, search::tags, search::list_saved, search::create_saved, search::delete_saved,
        openapi,
    ),
    components(schemas(wire::ErrorBody, wire::ErrorDetail)),
    modifiers(&BearerAuth),
    tags(
        (name = "instance", description = "This instance"),
        (name = "me", description = "My account"),
        (name = "users", description = "Public profiles"),
        (name = "sessions", description = "My browser sessions"),
        (name = "tokens", description = "My personal access tokens"),
        (name = "moderation", description = "Reports, review queues, moderators' actions and logs"),
        (name = "search", description = "Search, tag suggestions and saved searches"),
        (name = "meta", description = "This description"),
    )
)]
pub struct ApiDoc;

/// Declares the `bearer` security scheme used by the paths.
struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi
            .components
            .get_or_insert_with(utoipa::openapi::Components::new);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("pat_…")
                    .description(Some(
                        "A personal access token: `pat_` followed by 43 URL-safe characters.",
                    ))
                    .build(),
            ),
        );
    }
}

/// The document, serialised once.
pub fn openapi_document() -> Result<&'static str, AppError> {
    static DOC: OnceLock<String> = OnceLock::new();
    if let Some(d) = DOC.get() {
        return Ok(d.as_str());
    }
    let json = ApiDoc::openapi()
        .to_json()
        .map_err(|e| AppError::Internal(anyhow::anyhow!("OpenAPI serialisation: {e}")))?;
    Ok(DOC.get_or_init(|| json).as_str())
}

/// This OpenAPI 3.1 document.
#[utoipa::path(
    get,
    path = "/api/v1/openapi.json",
    tag = "meta",
    responses((status = 200, description = "The OpenAPI 3.1 description of this API", content_type = "application/json")),
)]
pub async fn openapi() -> Result<Response, AppError> {
    let doc = openapi_document()?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=300"),
            ),
        ],
        doc,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn document_is_openapi_31() {
        let doc: serde_json::Value =
            serde_json::from_str(openapi_document().expect("doc")).expect("json");
        assert!(
            doc["openapi"]
                .as_str()
                .is_some_and(|v| v.starts_with("3.1"))
        );
        assert_eq!(
            doc["components"]["securitySchemes"]["bearer"]["scheme"],
            "bearer"
        );
        assert!(doc["components"]["schemas"]["ErrorBody"].is_object());
    }
}
