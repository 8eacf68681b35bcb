//! Joining (at once, or with an invitation link and its landing page),
//! asking to join, leaving or withdrawing a request.

use super::show::render_show;
use super::*;

// ---- joining, requests, leaving ----------------------------------------------------------------

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct JoinForm {
    csrf: String,
    code: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct CodeQuery {
    code: String,
}

#[derive(Template)]
#[template(path = "community_join.html")]
pub(super) struct JoinPage {
    s: Shell,
    name: String,
    path: String,
    description: Vec<String>,
    badges: Vec<(&'static str, String)>,
    members: String,
    code: String,
    /// anon | join | member | banned | archived
    kind: &'static str,
    /// Log in, or create an account, then come back to this invitation.
    login: String,
    signup: String,
}

fn invite_invalid(state: &AppState, ctx: &Ctx) -> Response {
    refusal(
        state,
        ctx,
        StatusCode::NOT_FOUND,
        "community-invite-invalid-title",
        "community-invite-invalid",
        (ctx.t("community-directory-title"), "/c".into()),
    )
}

/// Landing page of an invitation link: the community and a join button.
pub(super) async fn join_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
    Query(q): Query<CodeQuery>,
) -> AppResult<Response> {
    let Some(c) = communities::invitations::invited_community(&state, &slug, q.code.trim()).await?
    else {
        return Ok(invite_invalid(&state, &ctx));
    };
    let viewer = ctx.user.as_ref();
    let m = communities::membership(&state.db, c.id, viewer).await?;
    let kind = match (viewer, m.map(|m| m.state), c.status) {
        (_, Some(MemberState::Banned), _) => "banned",
        (Some(_), Some(MemberState::Active), _) => "member",
        (_, _, CommunityStatus::Archived) => "archived",
        (None, _, _) => "anon",
        _ => "join",
    };
    let back = format!("{}/join?code={}", c.path(), encode(q.code.trim()));
    let title = ctx.t("community-invite-landing-title");
    let p = JoinPage {
        s: Shell::new(&state, &ctx, &title, "communities")
            .crumb(ctx.t("community-nav"), "/c")
            .crumb(c.name.clone(), back.clone()),
        name: c.name.clone(),
        path: c.path(),
        description: paragraphs(&c.description),
        badges: badges(ctx.lang, &c),
        members: ctx.lang.ta(
            "community-member-count",
            &[("count", Arg::Num(c.member_count))],
        ),
        code: q.code.trim().to_string(),
        kind,
        login: login_link(&back),
        signup: format!("/signup?next={}", encode(&back)),
    };
    Ok(page(&ctx, &p))
}

/// Join: with an invitation code (any community), or at once (open ones).
pub(super) async fn join_submit(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Path(slug): Path<String>,
    Form(f): Form<JoinForm>,
) -> AppResult<Response> {
    let code = f.code.trim().to_string();
    let back = if code.is_empty() {
        community_path(&slug)
    } else {
        format!("{}/join?code={}", community_path(&slug), encode(&code))
    };
    let user = signed_in!(ctx, &back);
    ctx.verify_csrf(&f.csrf)?;
    if !code.is_empty() {
        return match ops::redeem(&state, &Actor::person(&user), &slug, &code).await {
            Ok(c) => {
                ctx.flash("flash-community-joined");
                Ok(ctx.redirect(&c.path()))
            }
            Err(AppError::NotFound) => Ok(invite_invalid(&state, &ctx)),
            Err(AppError::Conflict { message_key, .. }) => Ok(refusal(
                &state,
                &ctx,
                StatusCode::CONFLICT,
                "community-refusal-title",
                message_key,
                (ctx.t("community-back"), back),
            )),
            Err(e) => Err(e),
        };
    }
    let l = load_card(&state, Some(&user), &slug).await?;
    let res = ops::join(&state, &Actor::person(&user), &l).await;
    after(&state, &mut ctx, res, "flash-community-joined", &l.c.path())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct RequestForm {
    csrf: String,
    message: String,
}

pub(super) async fn request_submit(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Path(slug): Path<String>,
    Form(f): Form<RequestForm>,
) -> AppResult<Response> {
    let user = signed_in!(ctx, &community_path(&slug));
    ctx.verify_csrf(&f.csrf)?;
    // Asked from the card of a private community too.
    let l = load_card(&state, Some(&user), &slug).await?;
    let message = f.message.replace("\r\n", "\n");
    match ops::request(&state, &Actor::person(&user), &l, &message).await {
        Err(AppError::Invalid { fields }) => {
            let errors = field_errors(ctx.lang, &fields);
            render_show(
                &state,
                &ctx,
                &l,
                None,
                1,
                message,
                errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        res => after(
            &state,
            &mut ctx,
            res,
            "flash-community-requested-join",
            &l.c.path(),
        ),
    }
}

pub(super) async fn leave_submit(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Path(slug): Path<String>,
    Form(f): Form<CsrfForm>,
) -> AppResult<Response> {
    let user = signed_in!(ctx, &community_path(&slug));
    ctx.verify_csrf(&f.csrf)?;
    let c = communities::by_slug(&state.db, &slug)
        .await?
        .ok_or(AppError::NotFound)?;
    // Withdrawing a request must work even where the requester cannot read.
    let m = communities::membership(&state.db, c.id, Some(&user)).await?;
    let l = Loaded::new(c, m);
    if m.is_none() && !l.card(Some(&user)) {
        return Err(AppError::NotFound);
    }
    let was_request = l.state() == Some(MemberState::Requested);
    let res = ops::leave(&state, &Actor::person(&user), &l).await;
    // Back to the community: its page, or its card once a private one is left.
    let to = l.c.path();
    match res {
        Err(AppError::Conflict { message_key, .. }) => Ok(refusal(
            &state,
            &ctx,
            StatusCode::CONFLICT,
            "community-refusal-title",
            message_key,
            (
                ctx.t("community-transfer-title"),
                format!("{}/settings", l.c.path()),
            ),
        )),
        res => after(
            &state,
            &mut ctx,
            res,
            if was_request {
                "flash-community-request-withdrawn"
            } else {
                "flash-community-left"
            },
            &to,
        ),
    }
}
