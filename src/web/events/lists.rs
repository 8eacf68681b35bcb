//! The agenda's upcoming and past lists, the part of `/events` kept in the
//! page cache (`web::cached`).

use askama::Template;

use super::{AgendaQuery, Row, rows_of};
use crate::cache::CachedPage;
use crate::error::{AppError, AppResult};
use crate::events::listing::{self, Dated};
use crate::events::{Status, time};
use crate::web::AppState;
use crate::web::ctx::Ctx;
use crate::web::templates::Shell;

/// The agenda's upcoming and past lists, rendered (see `agenda`).
pub(super) async fn agenda_lists(
    state: &AppState,
    ctx: &Ctx,
    q: &AgendaQuery,
) -> AppResult<CachedPage> {
    let viewer = ctx.user.as_ref();
    let now = crate::db::now();
    let (upcoming, past) = match q.filter(state).await? {
        Some(f) => {
            let soon = listing::between(&state.db, viewer, &f, now, now + 366 * 86400, 200).await?;
            let up = listing::occurrences(&state.db, soon, now, now + 366 * 86400, 200).await?;
            let past = listing::past(&state.db, viewer, &f, now, 30).await?;
            let past: Vec<Dated> = past
                .into_iter()
                .map(|e| Dated {
                    occ: time::Occurrence {
                        start_local: e.start(),
                        start: e.starts_at,
                        end: e.ends_at,
                    },
                    cancelled: e.status == Status::Cancelled,
                    event: std::sync::Arc::new(e),
                })
                .collect();
            (up, past)
        }
        None => (Vec::new(), Vec::new()),
    };
    let body = AgendaLists {
        s: Shell::new(state, ctx, "", "events"),
        upcoming: rows_of(ctx.lang, &upcoming),
        past: rows_of(ctx.lang, &past),
    }
    .render()
    .map_err(|e| AppError::Internal(e.into()))?;
    Ok(CachedPage {
        title: String::new(),
        crumbs: Vec::new(),
        body,
    })
}

#[derive(Template)]
#[template(path = "events/agenda_lists.html")]
struct AgendaLists {
    s: Shell,
    upcoming: Vec<Row>,
    past: Vec<Row>,
}
