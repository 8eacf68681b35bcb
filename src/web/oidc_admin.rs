//! Pages around the OpenID Connect provider: the administrators' client
//! registry (`/admin/oidc`), the tools a person allowed
//! (`/settings/tools`), and the "my tools" portal (`/tools`).

use askama::Template;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Multipart, Path, State};
use axum::response::Response;
use axum::routing::{get, post};

use super::AppState;
use super::admin::{NavItem, admin_nav};
use super::ctx::Ctx;
use super::templates::{FieldErrors, Shell, invalid, page};
use crate::accounts::{self, User};
use crate::actor::Actor;
use crate::communities;
use crate::error::{AppError, AppResult};
use crate::images;
use crate::oidc::clients::{self, Client, NewClient};
use crate::oidc::jws::Alg;
use crate::oidc::{SUPPORTED_SCOPES, flow, ops};
use crate::policy::{self, Action, CommunityFacts, Membership};

/// Moved beneath the entry points with the registry's operations.
pub use crate::oidc::ops::ICON_SIZE;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/oidc", get(admin_page).post(admin_create))
        .route("/admin/oidc/remove", post(admin_remove))
        .route("/admin/oidc/secret", post(admin_secret))
        .route(
            "/admin/oidc/tool/{client_id}",
            get(edit_page).post(edit_submit),
        )
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
    home_url: String,
    redirect_uris: String,
    post_logout_redirect_uris: String,
    backchannel_logout_uri: String,
    is_public: bool,
    scopes: Vec<String>,
    first_party: bool,
    require_pkce: bool,
    /// A numeric `id` in userinfo (Mattermost's GitLab route).
    gitlab_compat: bool,
    alg: String,
    /// Shown to the members of these communities only (else instance-wide).
    some_communities: bool,
    /// Community slugs, as typed (spaces, commas or lines between them).
    communities: String,
}

impl ClientValues {
    fn has_scope(&self, s: &&str) -> bool {
        self.scopes.iter().any(|x| x == s)
    }
    fn fresh() -> ClientValues {
        ClientValues {
            scopes: vec!["openid".into(), "profile".into(), "email".into()],
            alg: Alg::Rs256.as_str().into(),
            ..Default::default()
        }
    }
}

/// A registered tool as the registry lists it.
struct ClientRow {
    c: Client,
    /// Community slugs it is connected to (empty: instance-wide).
    communities: Vec<String>,
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
    clients: Vec<ClientRow>,
    v: ClientValues,
    errors: FieldErrors,
    created: Option<Created>,
    scopes: Vec<&'static str>,
    algs: [&'static str; 3],
    issuer: String,
}

/// The registry with each tool's communities.
async fn client_rows(state: &AppState) -> AppResult<Vec<ClientRow>> {
    let links = clients::all_communities(&state.db).await?;
    Ok(clients::list(&state.db)
        .await?
        .into_iter()
        .map(|c| ClientRow {
            communities: links
                .iter()
                .filter(|(pk, _)| *pk == c.id)
                .map(|(_, k)| k.slug.clone())
                .collect(),
            c,
        })
        .collect())
}

fn admin_view(
    state: &AppState,
    ctx: &Ctx,
    clients: Vec<ClientRow>,
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
        algs: Alg::ALL.map(Alg::as_str),
        issuer: state.config.public_url(),
    }
}

async fn admin_page(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    if let Err(r) = admin_gate(&ctx)? {
        return Ok(r);
    }
    let list = client_rows(&state).await?;
    Ok(page(
        &ctx,
        &admin_view(
            &state,
            &ctx,
            list,
            ClientValues::fresh(),
            FieldErrors::default(),
            None,
        ),
    ))
}

fn uri_lines(s: &str) -> Vec<String> {
    s.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

/// Community slugs typed in the form, in order, without duplicates.
fn slugs(s: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for w in s.split(|c: char| c.is_whitespace() || c == ',') {
        let w = w.trim().trim_start_matches("/c/").to_lowercase();
        if !w.is_empty() && !out.contains(&w) {
            out.push(w);
        }
    }
    out
}

/// A posted registry form: its text fields, and the icon file if one was chosen.
struct Posted {
    f: Fields,
    icon: Option<Vec<u8>>,
    icon_too_large: bool,
}

async fn read_posted(mut mp: Multipart) -> AppResult<Posted> {
    let bad = |_| AppError::BadRequest {
        code: "bad_multipart",
        message_key: "error-400-text",
    };
    let mut p = Posted {
        f: Vec::new(),
        icon: None,
        icon_too_large: false,
    };
    while let Some(mut field) = mp.next_field().await.map_err(bad)? {
        let name = field.name().unwrap_or("").to_string();
        if name == "icon" {
            let mut bytes = Vec::new();
            while let Some(chunk) = field.chunk().await.map_err(|_| AppError::TooLarge)? {
                if bytes.len() + chunk.len() > images::MAX_UPLOAD_BYTES {
                    p.icon_too_large = true;
                    bytes.clear();
                } else if !p.icon_too_large {
                    bytes.extend_from_slice(&chunk);
                }
            }
            if !bytes.is_empty() {
                p.icon = Some(bytes);
            }
        } else {
            let text = crate::edge::input::text_field(&name, field.text().await.map_err(bad)?)?;
            p.f.push((name, text));
        }
    }
    Ok(p)
}

/// The audience and icon of a posted form, checked: the community ids
/// (empty for instance-wide) and the processed icon, or field errors.
async fn audience_and_icon(
    state: &AppState,
    ctx: &Ctx,
    v: &ClientValues,
    posted: Posted,
    errors: &mut FieldErrors,
) -> AppResult<(Vec<i64>, Option<Vec<u8>>)> {
    // Which communities: named ones must exist; "these communities" needs one.
    let mut community_list = Vec::new();
    if v.some_communities {
        let wanted = slugs(&v.communities);
        match ops::community_ids(state, &wanted).await? {
            Ok(ids) if ids.is_empty() => errors.add(
                ctx.lang,
                "communities",
                "oidc-client-error-communities-none",
            ),
            Ok(ids) => community_list = ids,
            Err(unknown) => errors.add_text(
                "communities",
                ctx.lang.ta(
                    "oidc-client-error-communities-unknown",
                    &[("name", crate::i18n::Arg::Str(unknown.join(", ")))],
                ),
            ),
        }
    }
    // The icon: processed like an avatar, stored locally as a small PNG.
    let mut icon_png = None;
    if posted.icon_too_large {
        errors.add(ctx.lang, "icon", images::ImageError::TooLarge.message_key());
    } else if let Some(bytes) = posted.icon {
        match state.images.icon(bytes, ICON_SIZE).await {
            Ok(png) => icon_png = Some(png),
            Err(images::ImageError::Busy) => return Err(AppError::Unavailable),
            Err(e) => errors.add(ctx.lang, "icon", e.message_key()),
        }
    }
    Ok((community_list, icon_png))
}

fn values_of(f: &Fields) -> ClientValues {
    let mut scopes = all(f, "scopes");
    if !scopes.iter().any(|s| s == "openid") {
        scopes.insert(0, "openid".into());
    }
    ClientValues {
        name: one(f, "name"),
        description: one(f, "description"),
        home_url: one(f, "home_url").trim().to_string(),
        redirect_uris: one(f, "redirect_uris"),
        post_logout_redirect_uris: one(f, "post_logout_redirect_uris"),
        backchannel_logout_uri: one(f, "backchannel_logout_uri").trim().to_string(),
        is_public: one(f, "kind") == "public",
        scopes,
        first_party: one(f, "first_party") == "1",
        require_pkce: one(f, "require_pkce") == "1",
        gitlab_compat: one(f, "gitlab_compat") == "1",
        alg: one(f, "alg").trim().to_string(),
        some_communities: one(f, "audience") == "communities",
        communities: one(f, "communities"),
    }
}

async fn admin_create(
    State(state): State<AppState>,
    ctx: Ctx,
    mp: Multipart,
) -> AppResult<Response> {
    let posted = read_posted(mp).await?;
    ctx.verify_csrf(&one(&posted.f, "csrf"))?;
    let me = match admin_gate(&ctx)? {
        Ok(u) => u,
        Err(r) => return Ok(r),
    };
    let v = values_of(&posted.f);
    let mut errors = FieldErrors::default();
    let (community_list, icon_png) =
        audience_and_icon(&state, &ctx, &v, posted, &mut errors).await?;
    let new = NewClient {
        name: v.name.clone(),
        description: v.description.clone(),
        home_url: v.home_url.clone(),
        redirect_uris: uri_lines(&v.redirect_uris),
        post_logout_redirect_uris: uri_lines(&v.post_logout_redirect_uris),
        backchannel_logout_uri: v.backchannel_logout_uri.clone(),
        is_public: v.is_public,
        scopes: v.scopes.clone(),
        first_party: v.first_party,
        require_pkce: v.require_pkce,
        alg: v.alg.clone(),
        communities: community_list,
        icon_png,
        gitlab_compat: v.gitlab_compat,
    };
    // The registry's own refusals are shown with the form's (audience, icon).
    let mut problems: Vec<(String, String)> = clients::validate(&new)
        .into_iter()
        .map(|(f, k)| (f.to_string(), k.to_string()))
        .collect();
    let mut registered = None;
    if problems.is_empty() && errors.is_empty() {
        match ops::register(&state, &Actor::person(&me), &new).await {
            Ok(made) => registered = Some(made),
            Err(AppError::Invalid { fields }) => problems = fields,
            Err(e) => return Err(e),
        }
    }
    if let Some((client, secret)) = registered {
        let list = client_rows(&state).await?;
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
                ClientValues::fresh(),
                FieldErrors::default(),
                Some(created),
            ),
        );
        *res.status_mut() = axum::http::StatusCode::CREATED;
        return Ok(res);
    }
    for (field, key) in problems {
        errors.add(ctx.lang, &field, &key);
    }
    let list = client_rows(&state).await?;
    Ok(invalid(
        &ctx,
        &admin_view(&state, &ctx, list, v, errors, None),
    ))
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
    ops::remove(&state, &Actor::person(&me), &client_id).await?;
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
    let secret = ops::new_secret(&state, &Actor::person(&me), &client_id).await?;
    let list = client_rows(&state).await?;
    Ok(page(
        &ctx,
        &admin_view(
            &state,
            &ctx,
            list,
            ClientValues::fresh(),
            FieldErrors::default(),
            Some(Created {
                name: client.name,
                client_id,
                secret: Some(secret),
            }),
        ),
    ))
}

// ---- editing a tool's presentation and audience ----------------------------------------

#[derive(Template)]
#[template(path = "admin_oidc_edit.html")]
struct EditPage {
    s: Shell,
    nav: Vec<NavItem>,
    client: Client,
    v: ClientValues,
    errors: FieldErrors,
    algs: [&'static str; 3],
}

fn edit_view(
    state: &AppState,
    ctx: &Ctx,
    client: Client,
    v: ClientValues,
    errors: FieldErrors,
) -> EditPage {
    let title = ctx.lang.ta(
        "oidc-admin-edit-title",
        &[("name", crate::i18n::Arg::from(client.name.as_str()))],
    );
    let href = format!("/admin/oidc/tool/{}", client.client_id);
    EditPage {
        s: Shell::new(state, ctx, &title, "admin")
            .crumb(ctx.t("admin-title"), "/admin")
            .crumb(ctx.t("oidc-admin-nav"), "/admin/oidc")
            .crumb(title, &href),
        nav: admin_nav(ctx.lang, "/admin/oidc"),
        client,
        v,
        errors,
        algs: Alg::ALL.map(Alg::as_str),
    }
}

async fn edit_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(client_id): Path<String>,
) -> AppResult<Response> {
    if let Err(r) = admin_gate(&ctx)? {
        return Ok(r);
    }
    let Some(client) = clients::by_client_id(&state.db, &client_id).await? else {
        return Err(AppError::NotFound);
    };
    let slugs: Vec<String> = clients::all_communities(&state.db)
        .await?
        .into_iter()
        .filter(|(pk, _)| *pk == client.id)
        .map(|(_, c)| c.slug)
        .collect();
    let v = ClientValues {
        name: client.name.clone(),
        description: client.description.clone(),
        home_url: client.home_url.clone(),
        alg: client.alg.as_str().into(),
        gitlab_compat: client.gitlab_compat,
        some_communities: !client.instance_wide,
        communities: slugs.join(" "),
        ..Default::default()
    };
    Ok(page(
        &ctx,
        &edit_view(&state, &ctx, client, v, FieldErrors::default()),
    ))
}

async fn edit_submit(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Path(client_id): Path<String>,
    mp: Multipart,
) -> AppResult<Response> {
    let posted = read_posted(mp).await?;
    ctx.verify_csrf(&one(&posted.f, "csrf"))?;
    let me = match admin_gate(&ctx)? {
        Ok(u) => u,
        Err(r) => return Ok(r),
    };
    let Some(client) = clients::by_client_id(&state.db, &client_id).await? else {
        return Err(AppError::NotFound);
    };
    let remove_icon = one(&posted.f, "remove_icon") == "1";
    let v = values_of(&posted.f);
    let mut errors = FieldErrors::default();
    let (communities, icon_png) = audience_and_icon(&state, &ctx, &v, posted, &mut errors).await?;
    let change = clients::Presentation {
        name: v.name.clone(),
        description: v.description.clone(),
        home_url: v.home_url.clone(),
        alg: v.alg.clone(),
        communities,
        icon: match icon_png {
            Some(png) => clients::IconChange::Replace(png),
            None if remove_icon => clients::IconChange::Remove,
            None => clients::IconChange::Keep,
        },
        gitlab_compat: v.gitlab_compat,
    };
    if errors.is_empty() {
        match ops::update(&state, &Actor::person(&me), &client, &change).await {
            Ok(()) => {
                ctx.flash("flash-oidc-client-saved");
                return Ok(ctx.redirect("/admin/oidc"));
            }
            Err(AppError::Invalid { fields }) => {
                for (field, key) in fields {
                    errors.add(ctx.lang, &field, &key);
                }
            }
            Err(e) => return Err(e),
        }
    }
    Ok(invalid(&ctx, &edit_view(&state, &ctx, client, v, errors)))
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
    let actor = Actor::person(&user);
    // Refused before the tool is looked up: nobody learns which exist.
    accounts::own(&actor)?;
    let Some(client) = clients::by_client_id(&state.db, &one(&f, "client_id")).await? else {
        return Err(AppError::NotFound);
    };
    ops::withdraw_consent(&state, &actor, &client).await?;
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

/// The tools `viewer` may see in their portal (`policy::Action::SeeTool`):
/// instance-wide ones and those of communities they are a member of.
pub async fn visible_tools(state: &AppState, viewer: &User) -> AppResult<Vec<Client>> {
    let links = clients::all_communities(&state.db).await?;
    let mut ids: Vec<i64> = links.iter().map(|(_, c)| c.id).collect();
    ids.sort_unstable();
    ids.dedup();
    let mine = communities::memberships(&state.db, Some(viewer), &ids).await?;
    Ok(clients::list(&state.db)
        .await?
        .into_iter()
        .filter(|c| {
            let via: Vec<(CommunityFacts, Option<Membership>)> = links
                .iter()
                .filter(|(pk, _)| *pk == c.id)
                .map(|(_, k)| (k.facts(), mine.get(&k.id).copied()))
                .collect();
            policy::can(
                Some(viewer),
                Action::SeeTool {
                    instance_wide: c.instance_wide,
                    via: &via,
                },
            )
        })
        .collect())
}

/// The tools connected to one community that `viewer` may see on its page
/// (`policy::Action::SeeCommunityTools`: its active members only).
pub async fn community_tools(
    state: &AppState,
    viewer: Option<&User>,
    c: &CommunityFacts,
    m: Option<Membership>,
) -> AppResult<Vec<Client>> {
    if !policy::can(viewer, Action::SeeCommunityTools { c, m }) {
        return Ok(Vec::new());
    }
    Ok(clients::of_community(&state.db, c.id)
        .await?
        .into_iter()
        .filter(|t| !t.home_url.is_empty())
        .collect())
}

/// "Mes outils": the connected tools (with a home page) this person may see.
async fn portal(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let user = match ctx.require_login() {
        Ok(u) => u.clone(),
        Err(r) => return Ok(r),
    };
    let tools = visible_tools(&state, &user)
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
