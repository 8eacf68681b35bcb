//! Blocks from a community (`/c/{slug}/moderation/federation`): its
//! moderators (and administrators) see the remote people and the instances
//! blocked from it, block one more — a person by handle (`name@host`) or
//! actor URL, or a whole instance by its domain — with a reason, and lift
//! an instance's block. A blocked person is a banned member: they are
//! unblocked like any ban, from the moderation page's form. Every change
//! goes through `federation::blocks` (which asks the policy). Only a
//! federated community (open; see `FederateCommunity`) has this page: for
//! any other it answers as an unknown address.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::Response;
use serde::Deserialize;

use super::community_shell;
use crate::actor::Actor;
use crate::communities::Community;
use crate::error::{AppError, AppResult};
use crate::moderation as m;
use crate::state::AppState;
use crate::urls;
use crate::web::ctx::Ctx;
use crate::web::templates::{FieldErrors, invalid, page};
use passerelles_core::federation::blocks::{self, Blockee};

pub struct BlockedPerson {
    pub username: String,
    pub reason: String,
    pub date: String,
}

pub struct BlockedInstance {
    pub host: String,
    pub reason: String,
}

#[derive(Template)]
#[template(path = "moderation_federation.html")]
struct BlocksPage {
    s: crate::web::templates::Shell,
    community_name: String,
    community_path: String,
    moderation_path: String,
    action_url: String,
    act_url: String,
    people: Vec<BlockedPerson>,
    instances: Vec<BlockedInstance>,
    who: String,
    reason: String,
    errors: FieldErrors,
    reason_max: usize,
}

/// The moderated community, federated; 404 when it is not (private and
/// unlisted communities are not on the fediverse).
async fn federated(
    state: &AppState,
    ctx: &Ctx,
    slug: &str,
) -> AppResult<Result<(Community, crate::accounts::User), Response>> {
    let back = format!("{}/moderation/federation", urls::community(slug));
    let r = super::moderated_community(state, ctx, slug, &back).await?;
    if let Ok((c, _)) = &r
        && !passerelles_core::federation::community_federated(c)
    {
        return Err(AppError::NotFound);
    }
    Ok(r)
}

async fn render(
    state: &AppState,
    ctx: &Ctx,
    c: &Community,
    user: &crate::accounts::User,
    who: String,
    reason: String,
    errors: FieldErrors,
) -> AppResult<BlocksPage> {
    let people = m::banned_members(&state.db, c.id)
        .await?
        .into_iter()
        .filter(|(_, username, _, _)| username.contains('@'))
        .map(|(_, username, reason, at)| BlockedPerson {
            username,
            reason,
            date: crate::i18n::format_datetime(ctx.lang, at),
        })
        .collect();
    let instances = blocks::instance_blocks(state, &Actor::person(user), c)
        .await?
        .into_iter()
        .map(|(host, reason)| BlockedInstance { host, reason })
        .collect();
    let title = ctx.t("federation-blocks-title");
    let base = format!("{}/moderation/federation", c.path());
    Ok(BlocksPage {
        s: community_shell(state, ctx, c, &title, &base),
        community_name: c.name.clone(),
        community_path: c.path(),
        moderation_path: format!("{}/moderation", c.path()),
        act_url: format!("{}/moderation/act", c.path()),
        action_url: base,
        people,
        instances,
        who,
        reason,
        errors,
        reason_max: m::REASON_MAX,
    })
}

pub(super) async fn page_get(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    let (c, user) = match federated(&state, &ctx, &slug).await? {
        Ok(v) => v,
        Err(r) => return Ok(r),
    };
    let p = render(
        &state,
        &ctx,
        &c,
        &user,
        String::new(),
        String::new(),
        FieldErrors::default(),
    )
    .await?;
    Ok(page(&ctx, &p))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct BlockForm {
    csrf: String,
    /// `name@host`, an actor URL, or a domain.
    who: String,
    reason: String,
}

pub(super) async fn block_submit(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Path(slug): Path<String>,
    Form(f): Form<BlockForm>,
) -> AppResult<Response> {
    ctx.verify_csrf(&f.csrf)?;
    let (c, user) = match federated(&state, &ctx, &slug).await? {
        Ok(v) => v,
        Err(r) => return Ok(r),
    };
    let mut errors = FieldErrors::default();
    let who = Blockee::parse(&f.who);
    if f.who.trim().is_empty() {
        errors.add(ctx.lang, "who", "field-required");
    } else if who.is_none() {
        errors.add(ctx.lang, "who", "federation-block-who-invalid");
    }
    if f.reason.trim().is_empty() || f.reason.trim().chars().count() > m::REASON_MAX {
        errors.add(ctx.lang, "reason", "federation-block-reason-required");
    }
    if let (true, Some(who)) = (errors.is_empty(), &who) {
        match blocks::block(&state, &Actor::person(&user), &c, who, &f.reason).await {
            Ok(()) => {
                ctx.flash(match who {
                    Blockee::Person(_) => "flash-federation-person-blocked",
                    Blockee::Instance(_) => "flash-federation-instance-blocked",
                });
                return Ok(ctx.redirect(&format!("{}/moderation/federation", c.path())));
            }
            Err(AppError::NotFound) => {
                errors.add(ctx.lang, "who", "federation-block-not-found");
            }
            Err(AppError::Invalid { fields }) => {
                for (field, _) in fields {
                    errors.add(ctx.lang, &field, "federation-block-reason-required");
                }
            }
            Err(e) => return Err(e),
        }
    }
    let p = render(&state, &ctx, &c, &user, f.who, f.reason, errors).await?;
    Ok(invalid(&ctx, &p))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct UnblockForm {
    csrf: String,
    host: String,
}

pub(super) async fn unblock_submit(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Path(slug): Path<String>,
    Form(f): Form<UnblockForm>,
) -> AppResult<Response> {
    ctx.verify_csrf(&f.csrf)?;
    let (c, user) = match federated(&state, &ctx, &slug).await? {
        Ok(v) => v,
        Err(r) => return Ok(r),
    };
    blocks::unblock_instance(&state, &Actor::person(&user), &c, &f.host).await?;
    ctx.flash("flash-federation-instance-unblocked");
    Ok(ctx.redirect(&format!("{}/moderation/federation", c.path())))
}
