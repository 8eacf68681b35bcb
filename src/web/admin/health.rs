//! The instance view of community health (issue 20, C25): communities
//! that never took off, and communities whose animators left — for
//! administrators (`Administer`). Read from the summary tables (two
//! statements); aggregates only, small counts as "< 5".

use super::*;
use crate::health::{self, Flagged, svg};

pub(super) struct Row {
    name: String,
    path: String,
    created_at: i64,
    members: String,
    first_60d: String,
    animators: String,
    animators_active: String,
    active_90d: String,
}

#[derive(Template)]
#[template(path = "admin_health.html")]
pub(super) struct HealthPage {
    s: Shell,
    nav: Vec<NavItem>,
    never: Vec<Row>,
    orphaned: Vec<Row>,
}

fn row(f: Flagged) -> Row {
    Row {
        path: crate::urls::community(&f.slug),
        name: f.name,
        created_at: f.created_at,
        members: svg::shown(f.h.members),
        first_60d: svg::shown(f.h.first_60d_contributions),
        animators: svg::shown(f.h.animators),
        animators_active: svg::shown(f.h.animators_active_90d),
        active_90d: svg::shown(f.h.active_90d),
    }
}

pub(super) async fn health_page(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    admin!(ctx);
    let (never, orphaned) = health::instance(&state.db, crate::db::now(), 200).await?;
    let p = HealthPage {
        s: shell(&state, &ctx, "/admin/health", None),
        nav: admin_nav(ctx.lang, "/admin/health"),
        never: never.into_iter().map(row).collect(),
        orphaned: orphaned.into_iter().map(row).collect(),
    };
    Ok(page(&ctx, &p))
}
