//! Community health (issue 20, C25): `/c/{slug}/health`, for the
//! community's animators and owners (and administrators) — the policy's
//! `ManageCommunity`. Aggregates read from the summary tables the hourly
//! job writes (`crate::health`): two statements whatever the size of the
//! community. Each chart is server-side SVG with a table alternative;
//! counts under 5 read "< 5".

use super::*;
use crate::health::{self, Snapshot, Week, svg};

pub struct Chart {
    pub id: &'static str,
    pub title: String,
    pub svg: String,
    /// (week, value as shown)
    pub rows: Vec<(String, String)>,
}

pub struct Indicator {
    pub label: String,
    pub value: String,
}

#[derive(Template)]
#[template(path = "community_health.html")]
pub(super) struct HealthPage {
    s: Shell,
    head: Head,
    computed: Option<i64>,
    indicators: Vec<Indicator>,
    charts: Vec<Chart>,
    tags: Vec<(String, String)>,
}

fn week_label(w: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(health::week_start(w))
        .map(|d| format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day()))
        .unwrap_or_default()
}

/// Weeks drawn on the page (a quarter); the table page gives all of them.
const DRAWN: usize = 13;

fn chart(lang: Lang, id: &'static str, key: &str, weeks: &[Week], f: fn(&Week) -> i64) -> Chart {
    let labels: Vec<String> = weeks.iter().map(|w| week_label(w.week)).collect();
    let values: Vec<i64> = weeks.iter().map(f).collect();
    let from = values.len().saturating_sub(DRAWN);
    let title = lang.t(key);
    Chart {
        id,
        svg: svg::bars(
            id,
            &title,
            &lang.t("health-chart-desc"),
            &labels[from..],
            &values[from..],
        ),
        rows: labels
            .into_iter()
            .zip(values.iter().map(|v| svg::shown(*v)))
            .collect(),
        title,
    }
}

fn charts(lang: Lang, weeks: &[Week]) -> Vec<Chart> {
    vec![
        chart(lang, "ch-new", "health-chart-new-members", weeks, |w| {
            w.new_members
        }),
        chart(lang, "ch-active", "health-chart-active", weeks, |w| {
            w.active_members
        }),
        chart(lang, "ch-pubs", "health-chart-publications", weeks, |w| {
            w.publications
        }),
        chart(lang, "ch-replies", "health-chart-replies", weeks, |w| {
            w.replies
        }),
        chart(
            lang,
            "ch-questions",
            "health-chart-unanswered",
            weeks,
            |w| w.unanswered,
        ),
        chart(lang, "ch-events", "health-chart-events", weeks, |w| {
            w.events_held
        }),
    ]
}

#[derive(Template)]
#[template(path = "community_health_table.html")]
pub(super) struct HealthTablePage {
    s: Shell,
    head: Head,
    titles: Vec<String>,
    /// (week, one value per chart, as shown)
    rows: Vec<(String, Vec<String>)>,
}

/// The table alternative of every chart: one row per week, one column
/// per series, all 26 weeks.
pub(super) async fn health_table(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    let l = managed!(state, ctx, slug);
    let href = format!("{}/health", l.c.path());
    let (_, weeks) = health::for_community(&state.db, l.c.id).await?;
    let charts = charts(ctx.lang, &weeks);
    let rows = weeks
        .iter()
        .enumerate()
        .map(|(i, w)| {
            (
                week_label(w.week),
                charts.iter().map(|c| c.rows[i].1.clone()).collect(),
            )
        })
        .collect();
    let p = HealthTablePage {
        s: shell(
            &state,
            &ctx,
            &l.c,
            Some(("community-tab-health", href.clone())),
        ),
        head: head(&state, &ctx, &l, &href).await?,
        titles: charts.into_iter().map(|c| c.title).collect(),
        rows,
    };
    Ok(page(&ctx, &p))
}

fn duration(lang: Lang, secs: i64) -> String {
    if secs < 3600 {
        lang.ta("health-minutes", &[("count", Arg::Num((secs / 60).max(1)))])
    } else if secs < 2 * 86400 {
        lang.ta("health-hours", &[("count", Arg::Num(secs / 3600))])
    } else {
        lang.ta("health-days", &[("count", Arg::Num(secs / 86400))])
    }
}

fn indicators(lang: Lang, h: &Snapshot) -> Vec<Indicator> {
    let ind = |key: &str, value: String| Indicator {
        label: lang.t(key),
        value,
    };
    let newcomers = if h.newcomers < health::SMALL {
        lang.ta(
            "health-too-few",
            &[("count", Arg::Str(svg::shown(h.newcomers)))],
        )
    } else {
        format!("{} %", h.newcomers_posted * 100 / h.newcomers)
    };
    let median = match h.median_first_reply_secs {
        Some(s) if h.answered_90d >= health::SMALL => duration(lang, s),
        _ => lang.ta(
            "health-too-few",
            &[("count", Arg::Str(svg::shown(h.answered_90d)))],
        ),
    };
    vec![
        ind("health-members", svg::shown(h.members)),
        ind("health-active-90d", svg::shown(h.active_90d)),
        ind("health-gone-quiet", svg::shown(h.gone_quiet)),
        ind("health-newcomers-posted", newcomers),
        ind("health-unanswered", svg::shown(h.unanswered_open)),
        ind("health-median-first-reply", median),
    ]
}

pub(super) async fn health_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    let l = managed!(state, ctx, slug);
    let href = format!("{}/health", l.c.path());
    let (snap, weeks) = health::for_community(&state.db, l.c.id).await?;
    let lang = ctx.lang;
    let charts = charts(lang, &weeks);
    let p = HealthPage {
        s: shell(
            &state,
            &ctx,
            &l.c,
            Some(("community-tab-health", href.clone())),
        ),
        head: head(&state, &ctx, &l, &href).await?,
        computed: snap.as_ref().map(|h| h.computed_at),
        indicators: snap
            .as_ref()
            .map(|h| indicators(lang, h))
            .unwrap_or_default(),
        tags: snap
            .map(|h| {
                h.top_tags
                    .into_iter()
                    .map(|(t, n)| (t, svg::shown(n)))
                    .collect()
            })
            .unwrap_or_default(),
        charts,
    };
    Ok(page(&ctx, &p))
}
