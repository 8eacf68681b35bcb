//! The audit log (`/admin/audit`).

use super::*;

pub struct AuditRow {
    pub actor: Option<String>,
    pub action: String,
    pub action_label: String,
    pub target: Option<String>,
    pub detail: String,
    pub created_at: i64,
}

#[derive(Template)]
#[template(path = "admin_audit.html")]
pub(super) struct AuditPage {
    s: Shell,
    nav: Vec<NavItem>,
    rows: Vec<AuditRow>,
}

pub(super) async fn audit_log(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    admin!(ctx);
    let rows = sqlx::query(
        "SELECT a.action, a.detail, a.created_at, actor.username AS actor_name, target.username AS target_name \
         FROM audit_log a LEFT JOIN users actor ON actor.id = a.actor_id \
         LEFT JOIN users target ON target.id = a.target_user_id \
         ORDER BY a.created_at DESC, a.id DESC LIMIT 100",
    )
    .fetch_all(&state.db.pool)
    .await?;
    let rows = rows
        .iter()
        .map(|r| {
            let action: String = r.try_get("action")?;
            let key = format!("admin-audit-{}", action.replace('_', "-"));
            let action_label = if ctx.lang.has(&key) {
                ctx.t(&key)
            } else {
                action.clone()
            };
            Ok(AuditRow {
                actor: r.try_get("actor_name")?,
                action_label,
                action,
                target: r.try_get("target_name")?,
                detail: r.try_get("detail")?,
                created_at: r.try_get("created_at")?,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    let p = AuditPage {
        s: shell(&state, &ctx, "/admin/audit", None),
        nav: admin_nav(ctx.lang, "/admin/audit"),
        rows,
    };
    Ok(page(&ctx, &p))
}
