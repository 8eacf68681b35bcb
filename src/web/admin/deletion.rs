//! Deleting an account on the person's request (issue 20): an
//! administrator chooses the mode and gives a reason, kept in the audit
//! log (`data_rights::deletion::request`); the same 14 days of grace, which
//! the administrator or the person can cancel.

use super::*;
use crate::data_rights::deletion::{self, Mode};

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct AdminDeleteForm {
    csrf: String,
    mode: String,
    reason: String,
}

pub(super) async fn delete_user(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Path(id): Path<i64>,
    Form(f): Form<AdminDeleteForm>,
) -> AppResult<Response> {
    let back = format!("/admin/users/{id}");
    let me = admin!(ctx, &back);
    ctx.verify_csrf(&f.csrf)?;
    let target = load_target(&state, id).await?;
    let Some(mode) = Mode::parse(&f.mode) else {
        return refused(
            &state,
            &ctx,
            &me,
            &target,
            f.reason,
            AppError::Invalid {
                fields: vec![("mode".into(), "account-delete-choose-mode".into())],
            },
        )
        .await;
    };
    match deletion::request(&state, &Actor::person(&me), &target, mode, &f.reason).await {
        Ok(_) => {
            ctx.flash("flash-account-deletion-scheduled");
            Ok(ctx.redirect(&back))
        }
        Err(e) => refused(&state, &ctx, &me, &target, f.reason, e).await,
    }
}

pub(super) async fn cancel_delete_user(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Path(id): Path<i64>,
    Form(f): Form<ReasonForm>,
) -> AppResult<Response> {
    let back = format!("/admin/users/{id}");
    let me = admin!(ctx, &back);
    ctx.verify_csrf(&f.csrf)?;
    let target = load_target(&state, id).await?;
    match deletion::cancel(&state, &Actor::person(&me), &target).await {
        Ok(true) => {
            ctx.flash("flash-account-deletion-cancelled");
            Ok(ctx.redirect(&back))
        }
        Ok(false) => Ok(ctx.redirect(&back)),
        Err(e) => refused(&state, &ctx, &me, &target, String::new(), e).await,
    }
}
