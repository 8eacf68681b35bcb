//! What editors pick from: the "suggested since the last issue" list, and
//! members' proposals for the next issue.
//!
//! The list gathers publications since the last sent issue (30 days when
//! there is none), from the list's community for a community's list, from
//! the territory (and below) for a territory's, from the organisation's
//! events and territories for an organisation's ([`Scope`]), in this
//! order, which the page states:
//! 1. proposed by members (oldest proposal first);
//! 2. curated: pinned by a community's animators, or watch items (links
//!    someone chose to share), most recent activity first;
//! 3. the most replied, most replies first;
//! 4. events coming up in the next 60 days (of the list's community for
//!    a community's list), soonest first;
//! 5. resources added to the library (or to the community) since then,
//!    newest first.
//!
//! An item appears once, under its first reason; those already in the
//! draft, and those the list's audience could not read
//! (`super::items::may_carry`), are left out.

use sqlx::Row;

use super::Access;
use super::items::{self, ItemRef};
use crate::accounts::User;
use crate::actor::Actor;
use crate::db::now;
use crate::error::{AppError, AppResult};
use crate::policy::Sight;
use crate::publications;
use crate::state::AppState;

/// How far back when the list never sent an issue.
const DEFAULT_WINDOW: i64 = 30 * 86400;
/// Suggestions shown, at most.
pub const MAX: usize = 30;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// Proposed by this member, with their note.
    Proposed { by: String, note: String },
    /// Pinned by a community's animators.
    Pinned,
    /// A watch item (a shared link).
    Watch,
    /// Most replied: this many replies.
    Replies(i64),
    /// An event coming up.
    Upcoming,
    /// A resource added since the last issue.
    NewResource,
}

#[derive(Debug, Clone)]
pub struct Suggestion {
    /// What the "add" form sends (`super::items::ItemRef::value`).
    pub reference: String,
    pub r: ItemRef,
    pub title: String,
    pub path: String,
    pub created_at: i64,
    pub reason: Reason,
}

/// Where a list's suggestions come from, as SQL conditions on one
/// parameter (the owner's id, bound whatever the scope so the statements
/// keep their shape):
/// - the instance's list: everything;
/// - a community's list: what is placed in that community;
/// - a territory's list: what is placed in the territory or below it
///   (publications through `publication_territory_rollup`, events by their
///   place, library resources by the territories they cover, through
///   `territory_closure`);
/// - an organisation's list: the events it organises, and what is placed
///   in the territories it works in (`organisation_territories`, and the
///   place of its address) or below them.
///
/// The audience rule (`items::may_carry`) is asked afterwards for each.
#[derive(Debug, Clone, Copy)]
enum Scope {
    Instance,
    Community(i64),
    Territory(i64),
    Organisation(i64),
}

impl Scope {
    fn of(a: &Access) -> Scope {
        match (&a.community, &a.place) {
            (Some(l), _) => Scope::Community(l.c.id),
            (None, Some(super::Place::Territory { id, .. })) => Scope::Territory(*id),
            (None, Some(super::Place::Organisation { id, .. })) => Scope::Organisation(*id),
            (None, None) => Scope::Instance,
        }
    }

    fn id(self) -> i64 {
        match self {
            Scope::Instance => 0,
            Scope::Community(id) | Scope::Territory(id) | Scope::Organisation(id) => id,
        }
    }

    /// The territories whose subtrees are the list's place (`ph`: the
    /// owner's id), for territory and organisation lists: what goes
    /// inside `IN (…)`.
    fn roots(self, ph: &str) -> String {
        match self {
            Scope::Organisation(_) => format!(
                "SELECT ot.territory_id FROM organisation_territories ot WHERE ot.organisation_id = {ph} \
                 UNION SELECT o.place_id FROM organisations o WHERE o.id = {ph} AND o.place_id IS NOT NULL"
            ),
            _ => ph.to_string(),
        }
    }

    /// Condition on publications `p`.
    fn publications(self, ph: &str) -> String {
        match self {
            Scope::Instance => format!("({ph} = {ph})"),
            Scope::Community(_) => format!(
                "EXISTS (SELECT 1 FROM publication_communities c WHERE c.publication_id = p.id AND c.community_id = {ph})"
            ),
            Scope::Territory(_) | Scope::Organisation(_) => format!(
                "EXISTS (SELECT 1 FROM publication_territory_rollup ptr WHERE ptr.publication_id = p.id \
                 AND ptr.ancestor_id IN ({}))",
                self.roots(ph)
            ),
        }
    }

    /// Condition on events `e`.
    fn events(self, ph: &str) -> String {
        let placed = || {
            format!(
                "e.territory_id IN (SELECT tc.descendant_id FROM territory_closure tc WHERE tc.ancestor_id IN ({}))",
                self.roots(ph)
            )
        };
        match self {
            Scope::Instance => format!("({ph} = {ph})"),
            Scope::Community(_) => format!(
                "EXISTS (SELECT 1 FROM event_communities x WHERE x.event_id = e.id AND x.community_id = {ph})"
            ),
            Scope::Territory(_) => placed(),
            Scope::Organisation(_) => format!("(e.organisation_id = {ph} OR {})", placed()),
        }
    }

    /// Condition on resources `r`.
    fn resources(self, ph: &str) -> String {
        match self {
            Scope::Instance => format!("r.in_library = 1 AND ({ph} = {ph})"),
            Scope::Community(_) => format!(
                "EXISTS (SELECT 1 FROM resource_communities x WHERE x.resource_id = r.id AND x.community_id = {ph})"
            ),
            Scope::Territory(_) | Scope::Organisation(_) => format!(
                "r.in_library = 1 AND EXISTS (SELECT 1 FROM resource_territories rt JOIN territory_closure tc \
                 ON tc.descendant_id = rt.territory_id WHERE rt.resource_id = r.id AND tc.ancestor_id IN ({}))",
                self.roots(ph)
            ),
        }
    }
}

/// Since when: the last sent issue, or `DEFAULT_WINDOW` ago.
pub async fn since(state: &AppState, list_id: i64) -> AppResult<i64> {
    let last: Option<i64> =
        sqlx::query_scalar("SELECT MAX(sent_at) FROM newsletter_issues WHERE list_id = $1")
            .bind(list_id)
            .fetch_one(&state.db.pool)
            .await?;
    Ok(last.unwrap_or_else(|| now() - DEFAULT_WINDOW))
}

/// The suggestions for `a`'s next issue as `editor` sees them, leaving
/// out the items in `exclude` (the draft's).
pub async fn suggestions(
    state: &AppState,
    editor: Option<&User>,
    a: &Access,
    exclude: &[ItemRef],
) -> AppResult<Vec<Suggestion>> {
    let since = since(state, a.list.id).await?;
    let db = &state.db;
    let mut candidates: Vec<(ItemRef, Reason)> = Vec::new();
    let proposals = sqlx::query(
        "SELECT np.publication_id, np.note, COALESCE(u.username, '') AS username FROM newsletter_proposals np \
         LEFT JOIN users u ON u.id = np.proposed_by WHERE np.list_id = $1 AND np.created_at >= $2 \
         ORDER BY np.created_at, np.id LIMIT 100",
    )
    .bind(a.list.id)
    .bind(since)
    .fetch_all(&db.pool)
    .await?;
    for r in proposals {
        candidates.push((
            ItemRef::Publication(r.try_get("publication_id")?),
            Reason::Proposed {
                by: r.try_get("username")?,
                note: r.try_get("note")?,
            },
        ));
    }
    let scope = Scope::of(a);
    let cid = scope.id();
    let scope_p = scope.publications("$2");
    let curated = format!(
        "SELECT p.id, p.kind, EXISTS (SELECT 1 FROM publication_communities pc WHERE pc.publication_id = p.id \
         AND pc.pinned <> 0) AS pinned FROM publications p WHERE p.last_activity_at >= $1 AND {scope_p} \
         AND (p.kind = 'watch' OR EXISTS (SELECT 1 FROM publication_communities pc WHERE pc.publication_id = p.id \
         AND pc.pinned <> 0)) ORDER BY p.last_activity_at DESC, p.id DESC LIMIT 60"
    );
    for r in sqlx::query(sqlx::AssertSqlSafe(curated))
        .bind(since)
        .bind(cid)
        .fetch_all(&db.pool)
        .await?
    {
        let pinned: bool = match r.try_get::<bool, _>("pinned") {
            Ok(b) => b,
            Err(_) => r.try_get::<i64, _>("pinned")? != 0,
        };
        candidates.push((
            ItemRef::Publication(r.try_get("id")?),
            if pinned {
                Reason::Pinned
            } else {
                Reason::Watch
            },
        ));
    }
    let replied = format!(
        "SELECT p.id, p.reply_count FROM publications p WHERE p.created_at >= $1 AND {scope_p} \
         AND p.reply_count > 0 ORDER BY p.reply_count DESC, p.id DESC LIMIT 60"
    );
    for r in sqlx::query(sqlx::AssertSqlSafe(replied))
        .bind(since)
        .bind(cid)
        .fetch_all(&db.pool)
        .await?
    {
        candidates.push((
            ItemRef::Publication(r.try_get("id")?),
            Reason::Replies(r.try_get("reply_count")?),
        ));
    }
    let t = now();
    let (escope, rscope) = (scope.events("$3"), scope.resources("$2"));
    let upcoming = format!(
        "SELECT e.id FROM events e WHERE e.starts_at >= $1 AND e.starts_at < $2 AND e.status <> 'cancelled' AND {escope} \
         ORDER BY e.starts_at, e.id LIMIT 30"
    );
    for id in sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(upcoming))
        .bind(t)
        .bind(t + 60 * 86400)
        .bind(cid)
        .fetch_all(&db.pool)
        .await?
    {
        candidates.push((ItemRef::Event(id), Reason::Upcoming));
    }
    let added = format!(
        "SELECT r.id FROM resources r WHERE r.created_at >= $1 AND r.status = 'visible' AND {rscope} \
         ORDER BY r.created_at DESC, r.id DESC LIMIT 30"
    );
    for id in sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(added))
        .bind(since)
        .bind(cid)
        .fetch_all(&db.pool)
        .await?
    {
        candidates.push((ItemRef::Resource(id), Reason::NewResource));
    }
    let mut out: Vec<Suggestion> = Vec::new();
    let mut seen: Vec<ItemRef> = exclude.to_vec();
    for (r, reason) in candidates {
        if out.len() >= MAX {
            break;
        }
        if seen.contains(&r) {
            continue;
        }
        seen.push(r);
        let Some(c) = items::resolve(db, editor, r).await? else {
            continue;
        };
        if items::may_carry(db, a, r).await?.is_err() {
            continue;
        }
        let created_at = match r {
            ItemRef::Publication(id) => publications::by_id(db, id, editor)
                .await?
                .map(|p| p.created_at)
                .unwrap_or_default(),
            ItemRef::Event(id) => crate::events::by_id(db, id)
                .await?
                .map(|e| e.starts_at)
                .unwrap_or_default(),
            ItemRef::Resource(id) => crate::library::by_id(db, id)
                .await?
                .map(|x| x.created_at)
                .unwrap_or_default(),
        };
        out.push(Suggestion {
            reference: r.value(),
            r,
            title: c.title,
            path: c.path,
            created_at,
            reason,
        });
    }
    Ok(out)
}

/// A member proposes a publication for the list's next issue: they must
/// be signed in, read the list and the publication, and the list's
/// audience must be able to read it (the reason otherwise). Proposing it
/// again is a no-op.
pub async fn propose(
    state: &AppState,
    actor: &Actor,
    a: &Access,
    reference: &str,
    note: &str,
) -> AppResult<()> {
    let u = actor.user().ok_or(AppError::Unauthorized)?;
    if u.status != crate::accounts::Status::Active {
        return Err(AppError::Forbidden);
    }
    let invalid = |k: &str| AppError::Invalid {
        fields: vec![("reference".to_string(), k.to_string())],
    };
    let found = match super::ops::publication_ref(reference) {
        Some(id) => publications::by_id(&state.db, id, Some(u)).await?,
        None => None,
    };
    let Some(p) = found else {
        return Err(invalid("newsletter-error-item-not-found"));
    };
    let links = publications::links_of(&state.db, Some(u), &[p.id])
        .await?
        .remove(&p.id)
        .unwrap_or_default();
    if publications::sight(Some(u), &p, &links) != Sight::Full {
        return Err(invalid("newsletter-error-item-not-found"));
    }
    if let Err(reason) = super::may_carry(&state.db, a, &p).await? {
        return Err(invalid(reason));
    }
    let note = note.trim();
    if note.chars().count() > 500 {
        return Err(AppError::Invalid {
            fields: vec![("note".into(), "newsletter-error-note".into())],
        });
    }
    sqlx::query(
        "INSERT INTO newsletter_proposals (list_id, publication_id, proposed_by, note, created_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (list_id, publication_id) DO NOTHING",
    )
    .bind(a.list.id)
    .bind(p.id)
    .bind(u.id)
    .bind(note)
    .bind(now())
    .execute(&state.db.pool)
    .await?;
    Ok(())
}
