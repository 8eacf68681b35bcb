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
pub mod events;
pub mod exports;
pub mod extract;
pub mod federation;
pub mod instance;
pub mod library;
pub mod me;
pub mod moderation;
pub mod news;
pub mod notify;
pub mod organisations;
pub mod place_news;
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
        .merge(notify::router())
        .merge(users::router())
        .merge(sessions::router())
        .merge(tokens::router())
        .merge(moderation::router())
        .merge(publications::router())
        .merge(search::router())
        .merge(organisations::router())
        .merge(events::router())
        .merge(library::router())
        .merge(federation::router())
        .merge(news::router())
        .merge(place_news::router())
        .merge(exports::router())
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
        notify::show_preferences,
        notify::update_preferences,
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
        organisations::list, organisations::show, organisations::create, organisations::update, organisations::organisations_geojson, organisations::initiatives_geojson, organisations::list_initiatives, organisations::show_initiative, organisations::propose, organisations::decide,
        events::list, events::show, events::create, events::update, events::set_status, events::remove_remote, events::set_occurrence, events::answer, events::participants, events::put_image, events::delete_image, events::import_ics,
        library::list, library::show, library::create, library::update, library::add_files, library::download, library::citation, library::list_terms, library::show_term, library::propose_term, library::decide_term,
        search::run, search::tags, search::list_saved, search::create_saved, search::delete_saved,
        federation::list, federation::follow,
        news::list_feeds, news::add_feed, news::remove_feed, news::fetch_feeds,
        place_news::territory_list, place_news::territory_add, place_news::territory_remove, place_news::territory_fetch,
        place_news::organisation_list, place_news::organisation_add, place_news::organisation_remove, place_news::organisation_fetch,
        exports::list, exports::create, exports::show, exports::download,
        openapi,
    ),
    components(schemas(wire::ErrorBody, wire::ErrorDetail)),
    modifiers(&BearerAuth, &OperationIds, &CommonErrors),
    tags(
        (name = "instance", description = "This instance"),
        (name = "me", description = "My account"),
        (name = "users", description = "Public profiles"),
        (name = "sessions", description = "My browser sessions"),
        (name = "tokens", description = "My personal access tokens"),
        (name = "moderation", description = "Reports, review queues, moderators' actions and logs"),
        (name = "organisations", description = "Organisations, initiatives and their GeoJSON"),
        (name = "territories", description = "Territories: the news feeds they follow"),
        (name = "events", description = "Events, their occurrences and registrations"),
        (name = "library", description = "The common library, citations and the lexicon"),
        (name = "search", description = "Search, tag suggestions and saved searches"),
        (name = "federation", description = "Communities of other instances I follow"),
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

/// Operation ids in the form `resource_action`, unique and derived from the
/// path and method alone, so they stay stable when a handler is renamed and
/// new endpoints get one without thinking about it (client generators such
/// as openapi-generator and orval name methods after them). The resource is
/// the path's fixed segments (`/communities/{slug}/members` →
/// `communities_members`); the action is the last segment when it is a verb
/// (`…/approve` → `approve`), else the method's: `list` (GET on a
/// collection), `show` (GET on one item or a singleton), `create` (POST),
/// `set` (PUT), `update` (PATCH), `delete` (DELETE on one item or a
/// singleton), `delete_all` (DELETE on a collection).
struct OperationIds;

/// Last path segments that name an action rather than a resource.
const VERBS: &[&str] = &[
    "approve", "archive", "join", "leave", "redeem", "refuse", "reopen", "transfer", "read",
    "read-all",
];
/// Fixed segments that name one thing rather than a collection.
const SINGLETONS: &[&str] = &[
    "me",
    "instance",
    "avatar",
    "pin",
    "follow",
    "role",
    "accepted-answer",
    "openapi.json",
    "search",
];

pub fn operation_id(method: &str, path: &str) -> String {
    let segments: Vec<&str> = path
        .trim_start_matches("/api/v1/")
        .split('/')
        .filter(|s| !s.is_empty())
        .collect();
    let ends_with_param = segments.last().is_some_and(|s| s.starts_with('{'));
    let mut statics: Vec<&str> = segments
        .iter()
        .copied()
        .filter(|s| !s.starts_with('{'))
        .collect();
    let last = statics.last().copied().unwrap_or("");
    let action = if !ends_with_param && VERBS.contains(&last) {
        statics.pop();
        last.to_string()
    } else {
        let one = ends_with_param || SINGLETONS.contains(&last);
        match (method, one) {
            ("get", false) => "list",
            ("get", true) => "show",
            ("post", _) => "create",
            ("put", _) => "set",
            ("patch", _) => "update",
            ("delete", true) => "delete",
            ("delete", false) => "delete_all",
            _ => method,
        }
        .to_string()
    };
    let resource = statics
        .iter()
        .map(|s| s.replace(['-', '.'], "_"))
        .collect::<Vec<_>>()
        .join("_");
    format!("{resource}_{}", action.replace('-', "_"))
}

impl Modify for OperationIds {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for (path, item) in openapi.paths.paths.iter_mut() {
            for (method, op) in [
                ("get", item.get.as_mut()),
                ("post", item.post.as_mut()),
                ("put", item.put.as_mut()),
                ("patch", item.patch.as_mut()),
                ("delete", item.delete.as_mut()),
            ] {
                if let Some(op) = op {
                    op.operation_id = Some(operation_id(method, path));
                }
            }
        }
    }
}

/// The error statuses every operation of a given shape can answer, added
/// where the handler's annotation does not already say more: the document
/// then lists every status the server really sends (schemathesis' status
/// conformance), each with the `ErrorBody` shape. `400 bad_request`: a path
/// or query value of the wrong type; `401 unauthorized`: no or a bad token
/// where one is needed; `404 not_found`: an address with an id or name that
/// matches nothing the caller may see; `413 payload_too_large`,
/// `415 unsupported_media_type`, `422 invalid_body`: a request body too
/// large, not JSON, or of the wrong shape; `429 rate_limited`: too many
/// things made (a `201` operation) in a short time; `403`: an inactive
/// account or a token whose scope does not cover the method; `500 internal`/`503 unavailable`:
/// a fault on our side or a database out of reach, always with a request id.
struct CommonErrors;

fn error_response(description: &str) -> utoipa::openapi::RefOr<utoipa::openapi::Response> {
    use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("ErrorBody")))
                .build(),
        )
        .build()
        .into()
}

impl Modify for CommonErrors {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::path::ParameterIn;
        for (path, item) in openapi.paths.paths.iter_mut() {
            let in_path = path.contains('{');
            for op in [
                item.get.as_mut(),
                item.post.as_mut(),
                item.put.as_mut(),
                item.patch.as_mut(),
                item.delete.as_mut(),
            ]
            .into_iter()
            .flatten()
            {
                let query = op
                    .parameters
                    .iter()
                    .flatten()
                    .any(|p| p.parameter_in == ParameterIn::Query);
                let secured = op.security.as_ref().is_some_and(|s| !s.is_empty());
                let body = op.request_body.is_some();
                let creates = op.responses.responses.contains_key("201");
                let mut add = |status: &str, description: &str| {
                    op.responses
                        .responses
                        .entry(status.to_string())
                        .or_insert_with(|| error_response(description));
                };
                if in_path || query || body {
                    add(
                        "400",
                        "A path or query value of the wrong type or out of range (`bad_request`)",
                    );
                }
                if secured {
                    add("401", "Missing or invalid token (`unauthorized`)");
                    add(
                        "403",
                        "The token's account is suspended or not yet active (`account_inactive`), \
                         a `read` token on a method that changes something \
                         (`insufficient_scope`), or the caller may not do this (`forbidden`)",
                    );
                }
                if in_path {
                    add(
                        "404",
                        "Nothing at this address that the caller may see (`not_found`)",
                    );
                }
                if in_path || query || body {
                    add(
                        "422",
                        "A value is refused (`invalid`, with `fields` naming it), such as text \
                         holding a NUL character (U+0000); for a body, also a body that does not \
                         have the documented shape (`invalid_body`)",
                    );
                }
                // What makes something (201) is limited per account by the
                // instance: publications, replies, reports, communities,
                // invitations, events, organisations, initiatives, terms,
                // resources.
                if creates {
                    add(
                        "429",
                        "Too many made in a short time (`rate_limited`, with `Retry-After`); \
                         the limit is per account, set by the instance",
                    );
                }
                if body {
                    add("413", "The request body is too large (`payload_too_large`)");
                    add(
                        "415",
                        "The request body is not of the declared media type (`unsupported_media_type`)",
                    );
                }
                add(
                    "500",
                    "A fault on the server (`internal`); the body carries the request id",
                );
                add(
                    "503",
                    "The database is out of reach for a moment (`unavailable`, with `Retry-After`)",
                );
            }
        }
    }
}

/// The document, serialised once.
pub fn openapi_document() -> Result<&'static str, AppError> {
    static DOC: OnceLock<String> = OnceLock::new();
    if let Some(d) = DOC.get() {
        return Ok(d.as_str());
    }
    let mut value = serde_json::to_value(ApiDoc::openapi())
        .map_err(|e| AppError::Internal(anyhow::anyhow!("OpenAPI serialisation: {e}")))?;
    flatten_all_of(&mut value);
    field_rules(&mut value);
    close_objects(&mut value);
    no_nul_strings(&mut value);
    let json = serde_json::to_string(&value)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("OpenAPI serialisation: {e}")))?;
    Ok(DOC.get_or_init(|| json).as_str())
}

/// `allOf` of objects (what `#[serde(flatten)]` and wrapper types make)
/// merged into one object with every property and requirement: a closed
/// object (`additionalProperties: false`) cannot be a member of an `allOf`,
/// since each member would refuse the others' properties.
fn flatten_all_of(doc: &mut serde_json::Value) {
    let components = doc["components"]["schemas"].clone();
    flatten_all_of_in(doc, &components);
}

/// An object schema's properties and required names, after following `$ref`
/// and single-member `oneOf` (utoipa's way of describing a flattened field).
fn object_parts(
    v: &serde_json::Value,
    components: &serde_json::Value,
    depth: usize,
) -> Option<(
    serde_json::Map<String, serde_json::Value>,
    Vec<serde_json::Value>,
)> {
    if depth > 8 {
        return None;
    }
    if let Some(r) = v.get("$ref").and_then(|r| r.as_str()) {
        let name = r.strip_prefix("#/components/schemas/")?;
        return object_parts(&components[name], components, depth + 1);
    }
    if let Some(one) = v.get("oneOf").and_then(|o| o.as_array())
        && one.len() == 1
    {
        return object_parts(&one[0], components, depth + 1);
    }
    if let Some(all) = v.get("allOf").and_then(|a| a.as_array()) {
        let mut props = serde_json::Map::new();
        let mut required = Vec::new();
        for member in all {
            let (p, r) = object_parts(member, components, depth + 1)?;
            props.extend(p);
            required.extend(r);
        }
        return Some((props, required));
    }
    let props = v.get("properties")?.as_object()?.clone();
    let required = v
        .get("required")
        .and_then(|r| r.as_array())
        .cloned()
        .unwrap_or_default();
    Some((props, required))
}

fn flatten_all_of_in(v: &mut serde_json::Value, components: &serde_json::Value) {
    use serde_json::Value;
    match v {
        Value::Object(map) => {
            if map.contains_key("allOf")
                && let Some((props, required)) =
                    object_parts(&Value::Object(map.clone()), components, 0)
            {
                map.remove("allOf");
                map.insert("type".into(), Value::String("object".into()));
                map.insert("properties".into(), Value::Object(props));
                if !required.is_empty() {
                    map.insert("required".into(), Value::Array(required));
                }
            }
            map.values_mut()
                .for_each(|c| flatten_all_of_in(c, components));
        }
        Value::Array(items) => items
            .iter_mut()
            .for_each(|c| flatten_all_of_in(c, components)),
        _ => {}
    }
}

/// Text with something besides white space (and no NUL).
const HAS_TEXT: &str = "^[^\\u0000]*[^\\s\\u0000][^\\u0000]*$";
/// An http(s) link with a host name.
const LINK_PATTERN: &str = "^[Hh][Tt][Tt][Pp][Ss]?://[A-Za-z][A-Za-z0-9-]{0,62}(\\.[A-Za-z][A-Za-z0-9-]{0,62})*(:[0-9]{1,4})?(/[A-Za-z0-9._~/-]*)?$";

/// Rules between fields, which a struct's derive cannot say: the server
/// checks them, so the document states them too (JSON Schema 2020-12).
fn field_rules(doc: &mut serde_json::Value) {
    use serde_json::json;
    let schemas = &mut doc["components"]["schemas"];
    let mut add = |name: &str, key: &str, rule: serde_json::Value| {
        if let Some(s) = schemas.get_mut(name).and_then(|s| s.as_object_mut()) {
            s.insert(key.into(), rule);
        }
    };
    // Exactly one target (the others absent or null).
    let present = |f: &str| json!({"required": [f], "properties": {f: {"not": {"type": "null"}}}});
    add(
        "NewReport",
        "oneOf",
        json!([
            present("publication_id"),
            present("reply_id"),
            present("username")
        ]),
    );
    // A watch item has its link; a discussion or a question has its text.
    add(
        "PublicationCreate",
        "allOf",
        json!([
            {
                "if": {"properties": {"kind": {"const": "watch"}}, "required": ["kind"]},
                "then": {"required": ["link_url"], "properties": {"link_url": {"type": "string", "minLength": 1}}}
            },
            {
                "if": {"properties": {"kind": {"enum": ["discussion", "question"]}}, "required": ["kind"]},
                "then": {
                    "required": ["title", "body"],
                    "properties": {
                        "title": {"type": "string", "pattern": "^[^\\u0000]*[^\\s\\u0000][^\\u0000]*$"},
                        "body": {"type": "string", "pattern": "^[^\\u0000]*[^\\s\\u0000][^\\u0000]*$"}
                    }
                }
            }
        ]),
    );
    // A moderator's action names one target (publication, reply or
    // person), or none beside the report it answers; most actions need a
    // reason (not restore, unlock, unban, dismiss), of at most 500
    // characters.
    let absent = |f: &str| json!({"properties": {f: {"type": "null"}}});
    let only = |f: &str, others: [&str; 2]| json!({"allOf": [present(f), absent(others[0]), absent(others[1])]});
    add(
        "ActBody",
        "oneOf",
        json!([
            only("publication_id", ["reply_id", "username"]),
            only("reply_id", ["publication_id", "username"]),
            only("username", ["publication_id", "reply_id"]),
            {"allOf": [absent("publication_id"), absent("reply_id"), absent("username"), present("report_id")]}
        ]),
    );
    add(
        "ActBody",
        "if",
        json!({"properties": {"action": {"enum": ["hide", "remove", "lock", "ban", "suspend"]}}, "required": ["action"]}),
    );
    add(
        "ActBody",
        "then",
        json!({"required": ["reason"], "properties": {"reason": {"type": "string", "pattern": HAS_TEXT, "maxLength": 500}}}),
    );
    // Making a community private closes it to whoever asks: the join
    // policy is then given, and not `open` (the server compares with the
    // current policy, so this is what always passes).
    add(
        "CommunityUpdate",
        "if",
        json!({"properties": {"visibility": {"const": "private"}}, "required": ["visibility"]}),
    );
    add(
        "CommunityUpdate",
        "then",
        json!({"required": ["join_policy"], "properties": {"join_policy": {"enum": ["request", "invitation"]}}}),
    );
    // Per-field rules of types defined in the core crate.
    let mut prop = |name: &str, field: &str, rule: serde_json::Value| {
        if let Some(p) = schemas
            .get_mut(name)
            .and_then(|s| s.get_mut("properties"))
            .and_then(|p| p.get_mut(field))
            .and_then(|p| p.as_object_mut())
            && let serde_json::Value::Object(rule) = rule
        {
            p.extend(rule);
        }
    };
    // A preferred label holds a letter or digit (what the lexicon folds).
    prop(
        "LexiconTermValues",
        "pref_fr",
        json!({"pattern": "^[^\\u0000]*[A-Za-z0-9][^\\u0000]*$", "maxLength": 200}),
    );
    // A watch item's link: an http(s) address with a host (what
    // `preview::normalize_url` accepts; the host begins with a letter, as
    // a numeric last label is read as an IPv4 address).
    prop(
        "PublicationCreate",
        "link_url",
        json!({"pattern": LINK_PATTERN, "maxLength": 2000}),
    );
    // An organisation's or initiative's website: empty or an http(s)
    // link (`organisations::check_link`); an e-mail address: empty or
    // something@a.dotted.domain without spaces (`check_email`).
    let optional_link = format!("^(|{})$", &LINK_PATTERN[1..LINK_PATTERN.len() - 1]);
    for name in ["OrganisationValues", "InitiativeValues"] {
        prop(
            name,
            "website",
            json!({"pattern": optional_link, "maxLength": 2000}),
        );
    }
    prop(
        "OrganisationValues",
        "email",
        json!({"pattern": "^(|[^@\\s\\u0000]+@[^@\\s\\u0000]*\\.[^@\\s\\u0000]*)$", "maxLength": 254}),
    );
    let mut add = |name: &str, key: &str, rule: serde_json::Value| {
        if let Some(s) = schemas.get_mut(name).and_then(|s| s.as_object_mut()) {
            s.insert(key.into(), rule);
        }
    };
    // A private community is not open to anyone who asks.
    add(
        "NewCommunityBody",
        "not",
        json!({
            "properties": {"visibility": {"const": "private"}, "join_policy": {"const": "open"}},
            "required": ["visibility", "join_policy"]
        }),
    );
}

/// Objects are closed unless they say otherwise: every object schema with
/// properties and no `additionalProperties` of its own (a map says what its
/// values are) gets `additionalProperties: false`, in request bodies (the
/// server refuses unknown fields: `#[serde(deny_unknown_fields)]`, checked
/// for every operation by `tests/it/api.rs`) and in responses (the wire types
/// are exactly what is sent).
fn close_objects(v: &mut serde_json::Value) {
    use serde_json::Value;
    match v {
        Value::Object(map) => {
            let is_object = match map.get("type") {
                Some(Value::String(t)) => t == "object",
                Some(Value::Array(ts)) => ts.iter().any(|t| t == "object"),
                _ => false,
            };
            if is_object
                && map.get("properties").is_some_and(|p| p.is_object())
                && !map.contains_key("additionalProperties")
            {
                map.insert("additionalProperties".into(), Value::Bool(false));
            }
            // A required field has no default (`#[serde(default)]` on a
            // struct gives every field one, which may not even fit the
            // field's own pattern).
            if let Some(Value::Array(required)) = map.get("required").cloned()
                && let Some(Value::Object(props)) = map.get_mut("properties")
            {
                for name in required.iter().filter_map(|r| r.as_str()) {
                    if let Some(Value::Object(p)) = props.get_mut(name) {
                        p.remove("default");
                    }
                }
            }
            for (k, child) in map.iter_mut() {
                if k != "example" && k != "examples" && k != "default" {
                    close_objects(child);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(close_objects),
        _ => {}
    }
}

/// The document, parsed once (for the edge's check of request bodies).
fn document_value() -> Option<&'static serde_json::Value> {
    static VALUE: OnceLock<Option<serde_json::Value>> = OnceLock::new();
    VALUE
        .get_or_init(|| {
            openapi_document()
                .ok()
                .and_then(|d| serde_json::from_str(d).ok())
        })
        .as_ref()
}

/// The first field of a JSON request body that the operation's documented
/// body schema does not have (closed objects, [`close_objects`]), named by
/// its path (`a`, `a.b`, `a[2].c`); `None` when every field is known or the
/// route has no documented JSON body. Called by the edge guard
/// (`edge::input`) for every API request, so the server refuses what the
/// document refuses, for every operation present and future.
pub fn unknown_field(method: &str, route: &str, body: &serde_json::Value) -> Option<String> {
    let doc = document_value()?;
    let op = doc["paths"].get(route)?.get(method.to_ascii_lowercase())?;
    let schema = op["requestBody"]["content"]
        .get("application/json")?
        .get("schema")?;
    unknown_in(doc, schema, body, String::new(), 0)
}

fn resolve<'a>(doc: &'a serde_json::Value, schema: &'a serde_json::Value) -> &'a serde_json::Value {
    match schema
        .get("$ref")
        .and_then(|r| r.as_str())
        .and_then(|r| r.strip_prefix("#/components/schemas/"))
    {
        Some(name) => &doc["components"]["schemas"][name],
        None => schema,
    }
}

fn unknown_in(
    doc: &serde_json::Value,
    schema: &serde_json::Value,
    value: &serde_json::Value,
    at: String,
    depth: usize,
) -> Option<String> {
    use serde_json::Value;
    if depth > 16 {
        return None;
    }
    let schema = resolve(doc, schema);
    // A nullable reference (`oneOf: [null, $ref]`) or a choice: the
    // members that describe objects or arrays are followed; a field is
    // unknown only when no member knows it.
    // (An object's own `oneOf` of rules between its fields, with its
    // `properties` beside it, does not count: its properties do.)
    if schema.get("properties").is_none()
        && let Some(members) = schema.get("oneOf").and_then(|m| m.as_array())
    {
        let found: Vec<Option<String>> = members
            .iter()
            .filter(|m| {
                let m = resolve(doc, m);
                m.get("properties").is_some()
                    || m.get("items").is_some()
                    || m.get("oneOf").is_some()
            })
            .map(|m| unknown_in(doc, m, value, at.clone(), depth + 1))
            .collect();
        return if !found.is_empty() && found.iter().all(|f| f.is_some()) {
            found.into_iter().flatten().next()
        } else {
            None
        };
    }
    let name = |k: &str| {
        if at.is_empty() {
            k.to_string()
        } else {
            format!("{at}.{k}")
        }
    };
    match value {
        Value::Object(map) => {
            let props = schema.get("properties").and_then(|p| p.as_object());
            let closed = schema.get("additionalProperties") == Some(&Value::Bool(false));
            for (k, v) in map {
                match props.and_then(|p| p.get(k)) {
                    Some(s) => {
                        if let Some(f) = unknown_in(doc, s, v, name(k), depth + 1) {
                            return Some(f);
                        }
                    }
                    None if closed => return Some(name(k)),
                    None => {
                        if let Some(extra) = schema.get("additionalProperties")
                            && extra.is_object()
                            && let Some(f) = unknown_in(doc, extra, v, name(k), depth + 1)
                        {
                            return Some(f);
                        }
                    }
                }
            }
            None
        }
        Value::Array(items) => {
            let item_schema = schema.get("items")?;
            items
                .iter()
                .enumerate()
                .find_map(|(i, v)| unknown_in(doc, item_schema, v, format!("{at}[{i}]"), depth + 1))
        }
        _ => None,
    }
}

/// What the edge guard refuses everywhere (`edge::input`: U+0000 in any
/// string, key or value), said in the document: every plain string schema
/// (no enum, format or pattern of its own) gets a pattern excluding it, and
/// every object with properties a `propertyNames` rule.
pub const NO_NUL_PATTERN: &str = "^[^\\u0000]*$";

fn no_nul_strings(v: &mut serde_json::Value) {
    use serde_json::Value;
    match v {
        Value::Object(map) => {
            let is_string = match map.get("type") {
                Some(Value::String(t)) => t == "string",
                Some(Value::Array(ts)) => ts.iter().any(|t| t == "string"),
                _ => false,
            };
            if is_string
                && !map.contains_key("enum")
                && !map.contains_key("format")
                && !map.contains_key("pattern")
                && !map.contains_key("const")
                && !map.contains_key("contentMediaType")
            {
                map.insert("pattern".into(), Value::String(NO_NUL_PATTERN.into()));
            }
            if map.contains_key("properties") && !map.contains_key("propertyNames") {
                map.insert(
                    "propertyNames".into(),
                    serde_json::json!({ "pattern": NO_NUL_PATTERN }),
                );
            }
            for (k, child) in map.iter_mut() {
                // Example values are data, not schemas.
                if k != "example" && k != "examples" {
                    no_nul_strings(child);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(no_nul_strings),
        _ => {}
    }
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

    /// The document as committed in `docs/api/openapi.json`: every change of
    /// the contract shows in review. After an intended change, rewrite it
    /// with `PASSERELLES_UPDATE_SNAPSHOTS=1 cargo nextest run --lib openapi_snapshot`.
    #[test]
    fn openapi_snapshot() {
        let doc: serde_json::Value =
            serde_json::from_str(openapi_document().expect("doc")).expect("json");
        let pretty = serde_json::to_string_pretty(&doc).expect("json") + "\n";
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/api/openapi.json");
        if std::env::var("PASSERELLES_UPDATE_SNAPSHOTS").is_ok_and(|v| v == "1") {
            std::fs::write(path, &pretty).expect("write the snapshot");
        }
        let committed = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            committed == pretty,
            "the API contract changed: review the difference with docs/api/openapi.json, then \
             rewrite it with PASSERELLES_UPDATE_SNAPSHOTS=1 cargo nextest run --lib openapi_snapshot"
        );
    }

    #[test]
    fn operation_ids_are_unique_and_resource_action() {
        let doc: serde_json::Value =
            serde_json::from_str(openapi_document().expect("doc")).expect("json");
        let mut seen = std::collections::BTreeMap::new();
        for (path, item) in doc["paths"].as_object().expect("paths") {
            for (method, op) in item.as_object().expect("item") {
                let Some(id) = op["operationId"].as_str() else {
                    continue;
                };
                assert!(
                    id.contains('_')
                        && id
                            .chars()
                            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
                    "{method} {path}: {id}"
                );
                if let Some(other) = seen.insert(id.to_string(), format!("{method} {path}")) {
                    panic!("{id} is used by {other} and {method} {path}");
                }
            }
        }
        assert!(seen.len() >= 60, "{} operations", seen.len());
        assert_eq!(
            operation_id("get", "/api/v1/communities/{slug}/members"),
            "communities_members_list"
        );
        assert_eq!(
            operation_id(
                "post",
                "/api/v1/communities/{slug}/requests/{user_id}/approve"
            ),
            "communities_requests_approve"
        );
        assert_eq!(
            operation_id("delete", "/api/v1/me/sessions"),
            "me_sessions_delete_all"
        );
        assert_eq!(
            operation_id("delete", "/api/v1/me/sessions/{handle}"),
            "me_sessions_delete"
        );
        assert_eq!(operation_id("get", "/api/v1/me"), "me_show");
        assert_eq!(operation_id("put", "/api/v1/me/avatar"), "me_avatar_set");
    }
}
