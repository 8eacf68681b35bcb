//! Pages around the OpenID Connect provider: the administrators' client
//! registry (`/admin/oidc`), the tools a person allowed
//! (`/settings/tools`), and the "my tools" portal (`/tools`).

use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::response::Response;
use axum::routing::{get, post};

use super::AppState;
use super::admin::{NavItem, admin_nav};
use super::ctx::Ctx;
use super::templates::{FieldErrors, Shell, invalid, page};
use crate::accounts::{self, User};
use crate::error::{AppError, AppResult};
use crate::oidc::clients::{self, Client, NewClient};
use crate::oidc::{SUPPORTED_SCOPES, flow};
use crate::policy::{self, Action};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/oidc", get(admin_page).post(admin_create))
        .route("/admin/oidc/remove", post(admin_remove))
        .route("/admin/oidc/secret", post(admin_secret))
        .route("/settings/tools", get(tools_settings))
        .route("/settings/tools/revoke", post(tools_revoke))
        .route("/tools", get(portal))
}

type Fields = Vec<(String, String)>;

fn parse(body: &[u8]) -> AppResult<Fields> {
    serde_urlencoded::from_bytes(body).map_err(|_| AppError::BadRequest {
        code: "bad_form",
        message_key: "error-400-text",
    })
}

fn one(f: &Fields, name: &str) -> String {
    f.iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

fn all(f: &Fields, name: &str) -> Vec<String> {
    f.iter()
        .filter(|(k, _)| k == name)
        .map(|(_, v)| v.clone())
        .collect()
}

fn admin_gate(ctx: &Ctx) -> AppResult<Result<User, Response>> {
    let user = match ctx.require_login() {
        Ok(u) => u,
        Err(r) => return Ok(Err(r)),
    };
    if !policy::can(Some(user), Action::Administer) {
        return Err(AppError::Forbidden);
    }
    Ok(Ok(user.clone()))
}

// ---- administration ---------------------------------------------------------------

/// The registration form as typed (kept on a failed validation).
#[derive(Default)]
struct ClientValues {
    name: String,
    description: String,
    icon_url: String,
    home_url: String,
    redirect_uris: String,
    post_logout_redirect_uris: String,
    backchannel_logout_uri: String,
    is_public: bool,
    scopes: Vec<String>,
    first_party: bool,
    require_pkce: bool,
}

impl ClientValues {
    fn has_scope(&self, s: &&str) -> bool {
        self.scopes.iter().any(|x| x == s)
    }
}

struct Created {
    name: String,
    client_id: String,
    secret: Option<String>,
}

#[derive(Template)]
#[template(path = "admin_oidc.html")]
struct AdminPage {
    s: Shell,
    nav: Vec<NavItem>,
    clients: Vec<Client>,
    v: ClientValues,
    errors: FieldErrors,
    created: Option<Created>,
    scopes: Vec<&'static str>,
    issuer: String,
}

fn admin_view(
    state: &AppState,
    ctx: &Ctx,
    clients: Vec<Client>,
    v: ClientValues,
    errors: FieldErrors,
    created: Option<Created>,
) -> AdminPage {
    let title = ctx.t("oidc-admin-nav");
    AdminPage {
        s: Shell::new(state, ctx, &title, "admin")
            .crumb(ctx.t("admin-title"), "/admin")
            .crumb(title, "/admin/oidc"),
        nav: admin_nav(ctx.lang, "/admin/oidc"),
        clients,
        v,
        errors,
        created,
        scopes: SUPPORTED_SCOPES.to_vec(),
        issuer: state.config.public_url(),
    }
}

async fn admin_page(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    if let Err(r) = admin_gate(&ctx)? {
        return Ok(r);
    }
    let list = clients::list(&state.db).await?;
    let v = ClientValues {
        scopes: vec!["openid".into(), "profile".into(), "email".into()],
        ..Default::default()
    };
    Ok(page(
        &ctx,
        &admin_view(&state, &ctx, list, v, FieldErrors::default(), None),
    ))
}

fn uri_lines(s: &str) -> Vec<String> {
    s.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

async fn admin_create(State(state): State<AppState>, ctx: Ctx, body: Bytes) -> AppResult<Response> {
    let f = parse(&body)?;
    ctx.verify_csrf(&one(&f, "csrf"))?;
    let me = match admin_gate(&ctx)? {
        Ok(u) => u,
        Err(r) => return Ok(r),
    };
    let mut scopes = all(&f, "scopes");
    if !scopes.iter().any(|s| s == "openid") {
        scopes.insert(0, "openid".into());
    }
    let v = ClientValues {
        name: one(&f, "name"),
        description: one(&f, "description"),
        icon_url: one(&f, "icon_url").trim().to_string(),
        home_url: one(&f, "home_url").trim().to_string(),
        redirect_uris: one(&f, "redirect_uris"),
        post_logout_redirect_uris: one(&f, "post_logout_redirect_uris"),
        backchannel_logout_uri: one(&f, "backchannel_logout_uri").trim().to_string(),
        is_public: one(&f, "kind") == "public",
        scopes,
        first_party: one(&f, "first_party") == "1",
        require_pkce: one(&f, "require_pkce") == "1",
    };
    let new = NewClient {
        name: v.name.clone(),
        description: v.description.clone(),
        icon_url: v.icon_url.clone(),
        home_url: v.home_url.clone(),
        redirect_uris: uri_lines(&v.redirect_uris),
        post_logout_redirect_uris: uri_lines(&v.post_logout_redirect_uris),
        backchannel_logout_uri: v.backchannel_logout_uri.clone(),
        is_public: v.is_public,
        scopes: v.scopes.clone(),
        first_party: v.first_party,
        require_pkce: v.require_pkce,
    };
    match clients::create(&state.db, &new, Some(me.id)).await? {
        Ok((client, secret)) => {
            accounts::audit(
                &state.db,
                Some(me.id),
                "oidc_client_add",
                None,
                &client.client_id,
            )
            .await?;
            let list = clients::list(&state.db).await?;
            let created = Created {
                name: client.name.clone(),
                client_id: client.client_id.clone(),
                secret,
            };
            let mut res = page(
                &ctx,
                &admin_view(
                    &state,
                    &ctx,
                    list,
                    ClientValues {
                        scopes: vec!["openid".into(), "profile".into(), "email".into()],
                        ..Default::default()
                    },
                    FieldErrors::default(),
                    Some(created),
                ),
            );
            *res.status_mut() = axum::http::StatusCode::CREATED;
            Ok(res)
        }
        Err(problems) => {
            let mut errors = FieldErrors::default();
            for (field, key) in problems {
                errors.add(ctx.lang, field, key);
            }
            let list = clients::list(&state.db).await?;
            Ok(invalid(
                &ctx,
                &admin_view(&state, &ctx, list, v, errors, None),
            ))
        }
    }
}

async fn admin_remove(
    State(state): State<AppState>,
    mut ctx: Ctx,
    body: Bytes,
) -> AppResult<Response> {
    let f = parse(&body)?;
    ctx.verify_csrf(&one(&f, "csrf"))?;
    let me = match admin_gate(&ctx)? {
        Ok(u) => u,
        Err(r) => return Ok(r),
    };
    let client_id = one(&f, "client_id");
    if !clients::remove(&state.db, &client_id).await? {
        return Err(AppError::NotFound);
    }
    accounts::audit(
        &state.db,
        Some(me.id),
        "oidc_client_remove",
        None,
        &client_id,
    )
    .await?;
    ctx.flash("flash-oidc-client-removed");
    Ok(ctx.redirect("/admin/oidc"))
}

async fn admin_secret(State(state): State<AppState>, ctx: Ctx, body: Bytes) -> AppResult<Response> {
    let f = parse(&body)?;
    ctx.verify_csrf(&one(&f, "csrf"))?;
    let me = match admin_gate(&ctx)? {
        Ok(u) => u,
        Err(r) => return Ok(r),
    };
    let client_id = one(&f, "client_id");
    let Some(client) = clients::by_client_id(&state.db, &client_id).await? else {
        return Err(AppError::NotFound);
    };
    let Some(secret) = clients::new_secret(&state.db, &client_id).await? else {
        return Err(AppError::NotFound);
    };
    accounts::audit(
        &state.db,
        Some(me.id),
        "oidc_client_secret",
        None,
        &client_id,
    )
    .await?;
    let list = clients::list(&state.db).await?;
    Ok(page(
        &ctx,
        &admin_view(
            &state,
            &ctx,
            list,
            ClientValues::default(),
            FieldErrors::default(),
            Some(Created {
                name: client.name,
                client_id,
                secret: Some(secret),
            }),
        ),
    ))
}

// ---- the person's allowed tools ------------------------------------------------------

#[derive(Template)]
#[template(path = "settings_tools.html")]
struct ToolsSettingsPage {
    s: Shell,
    nav: Vec<(String, &'static str, bool)>,
    tools: Vec<flow::AllowedTool>,
}

async fn tools_settings(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let user = match ctx.require_login() {
        Ok(u) => u.clone(),
        Err(r) => return Ok(r),
    };
    if !policy::can(Some(&user), Action::EditAccount { target: &user }) {
        return Err(AppError::Forbidden);
    }
    let title = ctx.t("settings-tools");
    Ok(page(
        &ctx,
        &ToolsSettingsPage {
            s: Shell::new(&state, &ctx, &title, "settings")
                .crumb(ctx.t("nav-settings"), "/settings/profile")
                .crumb(title, "/settings/tools"),
            nav: super::settings::sections(ctx.lang, "/settings/tools"),
            tools: flow::allowed_tools(&state.db, user.id).await?,
        },
    ))
}

async fn tools_revoke(
    State(state): State<AppState>,
    mut ctx: Ctx,
    body: Bytes,
) -> AppResult<Response> {
    let f = parse(&body)?;
    ctx.verify_csrf(&one(&f, "csrf"))?;
    let user = ctx.user()?.clone();
    if !policy::can(Some(&user), Action::EditAccount { target: &user }) {
        return Err(AppError::Forbidden);
    }
    let Some(client) = clients::by_client_id(&state.db, &one(&f, "client_id")).await? else {
        return Err(AppError::NotFound);
    };
    flow::revoke_tool(&state.db, user.id, &client).await?;
    ctx.flash("flash-oidc-tool-revoked");
    Ok(ctx.redirect("/settings/tools"))
}

// ---- portal ---------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "tools.html")]
struct PortalPage {
    s: Shell,
    tools: Vec<Client>,
}

/// "Mes outils": the instance's connected tools that have a home page.
async fn portal(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    if let Err(r) = ctx.require_login() {
        return Ok(r);
    }
    let tools = clients::list(&state.db)
        .await?
        .into_iter()
        .filter(|c| !c.home_url.is_empty())
        .collect();
    let title = ctx.t("oidc-portal-title");
    Ok(page(
        &ctx,
        &PortalPage {
            s: Shell::new(&state, &ctx, &title, "tools").crumb(title.clone(), "/tools"),
            tools,
        },
    ))
}
