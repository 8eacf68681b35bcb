//! The agenda's upcoming and past lists, the part of `/events` kept in the
//! page cache (`web::cached`).

use askama::Template;

use chrono::Datelike;

use super::{AgendaQuery, Cell, Row, by_day, rows_of};
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

/// The month grid's rows (see `month`): the occurrences from Monday
/// before the 1st to Sunday after the last day, by Québec's days.
pub(super) async fn month_rows(
    state: &AppState,
    ctx: &Ctx,
    q: &AgendaQuery,
    first: chrono::NaiveDate,
    grid_start: chrono::NaiveDate,
    grid_end: chrono::NaiveDate,
) -> AppResult<CachedPage> {
    let viewer = ctx.user.as_ref();
    let tz = chrono_tz::America::Toronto;
    let from = time::day_start(tz, grid_start);
    let to = time::day_start(tz, grid_end + chrono::Duration::days(1));
    let dated = match q.filter(state).await? {
        Some(f) => {
            let evs = listing::between(&state.db, viewer, &f, from, to, 500).await?;
            listing::occurrences(&state.db, evs, from, to, 1000).await?
        }
        None => Vec::new(),
    };
    let n_days = (grid_end - grid_start).num_days() + 1;
    let mut buckets = by_day(ctx.lang, tz, &dated, grid_start, n_days).into_iter();
    let mut weeks = Vec::new();
    let mut d = grid_start;
    while d <= grid_end {
        let mut week = Vec::new();
        for _ in 0..7 {
            week.push(Cell {
                day: d.day(),
                in_month: d.month() == first.month(),
                items: buckets.next().unwrap_or_default(),
            });
            d += chrono::Duration::days(1);
        }
        weeks.push(week);
    }
    let body = MonthRows {
        s: Shell::new(state, ctx, "", "events"),
        weeks,
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
#[template(path = "events/month_rows.html")]
struct MonthRows {
    s: Shell,
    weeks: Vec<Vec<Cell>>,
}
