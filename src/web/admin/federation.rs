//! Federation for the administrator (`/admin/federation`): the instances
//! known, their state (allowed, blocked, failing, dead), the deliveries
//! waiting for each and those that failed, the last error; and the
//! decision to allow, block (defederate) or forget one
//! (`federation::ops::decide_instance`).

use super::*;
use passerelles_core::federation::instances::Instance;

#[derive(Template)]
#[template(path = "admin_federation.html")]
pub(super) struct InstancesPage {
    s: Shell,
    nav: Vec<NavItem>,
    rows: Vec<Instance>,
    now: i64,
    allow_list: bool,
    errors: FieldErrors,
}

pub(super) async fn instances_page(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let me = admin!(ctx);
    show(&state, &ctx, &me, FieldErrors::default()).await
}

async fn show(state: &AppState, ctx: &Ctx, me: &User, errors: FieldErrors) -> AppResult<Response> {
    let rows = passerelles_core::federation::ops::instances(state, &Actor::person(me)).await?;
    let p = InstancesPage {
        s: shell(state, ctx, "/admin/federation", None),
        nav: admin_nav(ctx.lang, "/admin/federation"),
        allow_list: rows.iter().any(|r| r.state == "allowed"),
        rows,
        now: crate::db::now(),
        errors,
    };
    Ok(page(ctx, &p))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct DecideForm {
    csrf: String,
    host: String,
    decision: String,
    reason: String,
}

pub(super) async fn decide(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Form(f): Form<DecideForm>,
) -> AppResult<Response> {
    let me = admin!(ctx, "/admin/federation");
    ctx.verify_csrf(&f.csrf)?;
    match passerelles_core::federation::ops::decide_instance(
        &state,
        &Actor::person(&me),
        &f.host,
        &f.decision,
        &f.reason,
    )
    .await
    {
        Ok(()) => {
            ctx.flash("flash-federation-instance-saved");
            Ok(ctx.redirect("/admin/federation"))
        }
        Err(AppError::Invalid { fields }) => {
            let mut errors = FieldErrors::default();
            for (field, key) in &fields {
                errors.add(ctx.lang, field, key);
            }
            let mut res = show(&state, &ctx, &me, errors).await?;
            *res.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(res)
        }
        Err(e) => Err(e),
    }
}
