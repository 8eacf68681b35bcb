//! The notification centre: one record per recipient and event (a mention,
//! a reply to my publication or my reply, a new reply on a publication I
//! follow, and the kinds other modules add: join requests, moderation
//! outcomes…). Records keep what later e-mail digests need: kind, actor,
//! community / publication / reply ids, `created_at`, `read_at`,
//! `emailed_at`.
//!
//! Whether the recipient may see the publication is checked when the record
//! is made (by the caller, through the policy) and again when it is listed
//! or mailed: a publication removed since, or a community left, drops it.
//!
//! Where a record goes (centre, e-mail now, digest, nowhere) is the
//! person's choice (`prefs`), applied when it is shown or sent (`route`).
//! `email` composes and queues the e-mails (immediate and digests, with
//! their list and threading headers), `digest` schedules the digests,
//! `unsubscribe` signs the one-click links, `ops` changes preferences,
//! `inbound` turns e-mails sent to a reply address into replies.

pub mod digest;
pub mod email;
pub mod inbound;
pub mod ops;
pub mod prefs;
pub mod push;
pub mod unsubscribe;

use std::collections::HashMap;

use sqlx::Row;

use crate::accounts::User;
use crate::db::{Db, now};
use crate::policy::Sight;
use crate::publications::{self, Author, tick};

/// Someone mentioned me (publication or reply).
pub const MENTION: &str = "mention";
/// Someone replied to my publication or to my reply.
pub const REPLY: &str = "reply";
/// A new reply on a publication I follow.
pub const FOLLOWED_REPLY: &str = "followed_reply";
/// A new publication in a community I watch (level "publications" or
/// "everything").
pub const NEW_PUBLICATION: &str = "new_publication";
/// A moderators' decision about my content (made by `crate::moderation`).
pub const MODERATION: &str = "moderation";
/// A moderator shared my publication into a wider community
/// (`policy::ShareRule::NotifyAuthor`; `community_id` says where).
pub const SHARED: &str = "shared";
/// A new event in a community I watch (level "publications" or
/// "everything"; `event_id` says which).
pub const EVENT: &str = "event";

/// A record to insert.
#[derive(Debug, Clone)]
pub struct NewNotification {
    pub user_id: i64,
    pub kind: &'static str,
    pub actor_id: Option<i64>,
    pub community_id: Option<i64>,
    pub publication_id: Option<i64>,
    pub reply_id: Option<i64>,
    /// Free-form details (JSON) for kinds that need more than ids.
    pub data: String,
    /// The event it is about (kind `event`).
    pub event_id: Option<i64>,
}

impl NewNotification {
    /// About a publication (and a reply of it).
    pub fn about(
        user_id: i64,
        kind: &'static str,
        actor: i64,
        publication_id: i64,
        reply_id: Option<i64>,
    ) -> Self {
        NewNotification {
            user_id,
            kind,
            actor_id: Some(actor),
            community_id: None,
            publication_id: Some(publication_id),
            reply_id,
            data: String::new(),
            event_id: None,
        }
    }
    /// About a community (join requests, decisions…), for other modules.
    pub fn community(
        user_id: i64,
        kind: &'static str,
        actor: Option<i64>,
        community_id: i64,
        data: String,
    ) -> Self {
        NewNotification {
            user_id,
            kind,
            actor_id: actor,
            community_id: Some(community_id),
            publication_id: None,
            reply_id: None,
            data,
            event_id: None,
        }
    }
    /// A new event in a community the person watches.
    pub fn event(user_id: i64, actor: Option<i64>, event_id: i64) -> Self {
        NewNotification {
            user_id,
            kind: EVENT,
            actor_id: actor,
            community_id: None,
            publication_id: None,
            reply_id: None,
            data: String::new(),
            event_id: Some(event_id),
        }
    }
}

/// Rows per multi-row `INSERT` (9 parameters each: 900, far below either
/// engine's limit).
const INSERT_CHUNK: usize = 100;

/// Insert records: one multi-row statement per hundred (a fan-out to a
/// community's members is a few statements, not one per member).
pub async fn insert(db: &Db, items: &[NewNotification]) -> Result<(), sqlx::Error> {
    let t = now();
    for chunk in items.chunks(INSERT_CHUNK) {
        let rows: Vec<String> = (0..chunk.len())
            .map(|i| {
                let b = i * 9;
                format!(
                    "(${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${})",
                    b + 1,
                    b + 2,
                    b + 3,
                    b + 4,
                    b + 5,
                    b + 6,
                    b + 7,
                    b + 8,
                    b + 9
                )
            })
            .collect();
        let sql = format!(
            "INSERT INTO notifications (user_id, kind, actor_id, community_id, publication_id, reply_id, data, event_id, created_at) VALUES {}",
            rows.join(", ")
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for n in chunk {
            q = q
                .bind(n.user_id)
                .bind(n.kind)
                .bind(n.actor_id)
                .bind(n.community_id)
                .bind(n.publication_id)
                .bind(n.reply_id)
                .bind(n.data.clone())
                .bind(n.event_id)
                .bind(t);
        }
        tick();
        q.execute(&db.pool).await?;
    }
    Ok(())
}

/// Records the notification centre lists at most (the most recent, unread
/// first); the header counts within the same window.
pub const SHOWN: i64 = 200;

/// Unread records the person may still see: exactly what the notification
/// centre counts (the same `fetch`, so the same policy check). The header
/// shows it.
pub async fn unread_count(db: &Db, user: &User) -> Result<i64, sqlx::Error> {
    Ok(fetch(db, user, SHOWN, true)
        .await?
        .iter()
        .filter(|(i, _)| i.unread())
        .count() as i64)
}

#[derive(Debug, Clone)]
pub struct Item {
    pub id: i64,
    pub kind: String,
    pub actor: Option<Author>,
    pub community: Option<(String, String)>,
    pub publication_id: Option<i64>,
    pub reply_id: Option<i64>,
    /// The event it is about (kind `event`).
    pub event_id: Option<i64>,
    pub data: String,
    pub created_at: i64,
    pub read_at: Option<i64>,
    pub emailed_at: Option<i64>,
    /// The publication's key, when the recipient reads it only by its
    /// link (shared in an unlisted community they are not a member of).
    pub key: Option<String>,
    /// Where it goes, by the person's preferences (`prefs::route`).
    pub channel: prefs::Channel,
    /// The community it is about: its own, or the first of the
    /// publication's that the person belongs to (id, slug, name).
    pub place: Option<(i64, String, String)>,
    /// The first words of the publication or reply (filled for e-mails).
    pub excerpt: String,
}

impl Item {
    pub fn unread(&self) -> bool {
        self.read_at.is_none()
    }
    /// Where the record leads.
    pub fn link(&self) -> String {
        if self.kind == crate::search::saved::KIND
            && let Ok(d) = serde_json::from_str::<crate::search::saved::Data>(&self.data)
            && d.link.starts_with("/search?")
        {
            return d.link;
        }
        if let Some(e) = self.event_id {
            return crate::urls::event(e);
        }
        match (self.publication_id, self.reply_id, &self.community) {
            // `?reply=` opens the page of replies where it is.
            (Some(p), Some(r), _) => crate::urls::reply_link(p, r, self.key.as_deref()),
            (Some(p), None, _) => match &self.key {
                Some(k) => crate::urls::publication_link(p, k),
                None => crate::urls::publication(p),
            },
            (None, _, Some((slug, _))) => crate::urls::community(slug),
            _ => "/notifications".to_string(),
        }
    }
}

/// Records about one publication (or one record without a publication).
#[derive(Debug, Clone)]
pub struct Group {
    pub publication_id: Option<i64>,
    pub title: String,
    pub items: Vec<Item>,
    pub unread: i64,
    pub latest: i64,
}

impl Group {
    pub fn link(&self) -> String {
        let key = self.items.iter().find_map(|i| i.key.clone());
        match self.publication_id {
            Some(p) => match key {
                Some(k) => crate::urls::publication_link(p, &k),
                None => crate::urls::publication(p),
            },
            None => self
                .items
                .first()
                .map(Item::link)
                .unwrap_or_else(|| "/notifications".into()),
        }
    }
}

/// A person's latest records (at most `limit`) that they may still see,
/// grouped by publication; groups with unread records first, then the most
/// recent. Three statements.
pub async fn list(db: &Db, user: &User, limit: i64) -> Result<Vec<Group>, sqlx::Error> {
    let items = fetch(db, user, limit, false).await?;
    let titles: HashMap<i64, String> = items
        .iter()
        .filter_map(|(i, t)| Some((i.publication_id?, t.clone()?)))
        .collect();
    let mut groups: Vec<Group> = Vec::new();
    let mut index: HashMap<i64, usize> = HashMap::new();
    for (item, event_title) in items {
        let slot = match item.publication_id {
            Some(pid) => match index.get(&pid) {
                Some(&i) => i,
                None => {
                    index.insert(pid, groups.len());
                    groups.push(Group {
                        publication_id: Some(pid),
                        title: titles.get(&pid).cloned().unwrap_or_default(),
                        items: Vec::new(),
                        unread: 0,
                        latest: 0,
                    });
                    groups.len() - 1
                }
            },
            None => {
                // An event's record is titled by the event.
                let title = event_title
                    .filter(|_| item.event_id.is_some())
                    .or_else(|| item.community.as_ref().map(|(_, n)| n.clone()))
                    .unwrap_or_default();
                groups.push(Group {
                    publication_id: None,
                    title,
                    items: Vec::new(),
                    unread: 0,
                    latest: 0,
                });
                groups.len() - 1
            }
        };
        let g = &mut groups[slot];
        g.unread += i64::from(item.unread());
        g.latest = g.latest.max(item.created_at);
        g.items.push(item);
    }
    for g in &mut groups {
        g.items.sort_by_key(|i| {
            (
                i.read_at.is_some(),
                std::cmp::Reverse(i.created_at),
                std::cmp::Reverse(i.id),
            )
        });
    }
    groups.sort_by_key(|g| (g.unread == 0, std::cmp::Reverse(g.latest)));
    Ok(groups)
}

/// Which records to read.
#[derive(Debug, Clone, Copy, Default)]
pub struct Filter {
    pub only_unread: bool,
    /// Made strictly after this time.
    pub after: Option<i64>,
    /// Made at or before this time.
    pub until: Option<i64>,
    /// Not yet looked at by the immediate e-mail pass.
    pub unmailed: bool,
    /// Not yet looked at by the push pass.
    pub unpushed: bool,
    /// Fill `Item::excerpt`.
    pub excerpts: bool,
    /// Keep records routed nowhere (`Channel::Never`).
    pub keep_never: bool,
}

/// Records for the centre, newest first (unread first), filtered by what
/// the person may still see and what they asked to receive; with the
/// publication's title.
pub async fn fetch(
    db: &Db,
    user: &User,
    limit: i64,
    only_unread: bool,
) -> Result<Vec<(Item, Option<String>)>, sqlx::Error> {
    fetch_with(
        db,
        user,
        limit,
        Filter {
            only_unread,
            ..Filter::default()
        },
    )
    .await
}

/// Records as `filter` says, checked against the policy now and routed by
/// the person's preferences.
pub async fn fetch_with(
    db: &Db,
    user: &User,
    limit: i64,
    filter: Filter,
) -> Result<Vec<(Item, Option<String>)>, sqlx::Error> {
    let mut cond = String::new();
    if filter.only_unread {
        cond.push_str(" AND n.read_at IS NULL");
    }
    let window = filter.after.is_some() || filter.until.is_some();
    if window {
        cond.push_str(" AND n.created_at > $3 AND n.created_at <= $4");
    }
    if filter.unmailed {
        cond.push_str(" AND n.emailed_at IS NULL");
    }
    if filter.unpushed {
        cond.push_str(" AND n.pushed_at IS NULL");
    }
    let sql = format!(
        "SELECT n.id, n.kind, n.actor_id, n.community_id, n.publication_id, n.reply_id, n.event_id, n.data, n.created_at, n.read_at, n.emailed_at, \
         au.username AS au_username, au.display_name AS au_display_name, au.avatar_id AS au_avatar_id, \
         c.slug AS c_slug, c.name AS c_name, p.title AS p_title, ev.title AS e_title \
         FROM notifications n LEFT JOIN users au ON au.id = n.actor_id \
         LEFT JOIN communities c ON c.id = n.community_id LEFT JOIN publications p ON p.id = n.publication_id \
         LEFT JOIN events ev ON ev.id = n.event_id \
         WHERE n.user_id = $1{cond} \
         ORDER BY CASE WHEN n.read_at IS NULL THEN 0 ELSE 1 END, n.created_at DESC, n.id DESC LIMIT $2"
    );
    tick();
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(user.id)
        .bind(limit.clamp(1, 500));
    if window {
        q = q
            .bind(filter.after.unwrap_or(0))
            .bind(filter.until.unwrap_or(i64::MAX));
    }
    let rows = q.fetch_all(&db.pool).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let actor_id: Option<i64> = r.try_get("actor_id")?;
        let actor = match (actor_id, r.try_get::<Option<String>, _>("au_username")?) {
            (Some(id), Some(username)) => Some(Author {
                id,
                username,
                display_name: r
                    .try_get::<Option<String>, _>("au_display_name")?
                    .unwrap_or_default(),
                avatar_id: r.try_get("au_avatar_id")?,
            }),
            _ => None,
        };
        let community = match (
            r.try_get::<Option<String>, _>("c_slug")?,
            r.try_get::<Option<String>, _>("c_name")?,
        ) {
            (Some(s), Some(n)) => Some((s, n)),
            _ => None,
        };
        let community_id: Option<i64> = r.try_get("community_id")?;
        let place = match (community_id, &community) {
            (Some(id), Some((s, n))) => Some((id, s.clone(), n.clone())),
            _ => None,
        };
        out.push((
            Item {
                id: r.try_get("id")?,
                kind: r.try_get("kind")?,
                actor,
                community,
                publication_id: r.try_get("publication_id")?,
                reply_id: r.try_get("reply_id")?,
                event_id: r.try_get("event_id")?,
                data: r.try_get("data")?,
                created_at: r.try_get("created_at")?,
                read_at: r.try_get("read_at")?,
                emailed_at: r.try_get("emailed_at")?,
                key: None,
                channel: prefs::Channel::App,
                place,
                excerpt: String::new(),
            },
            r.try_get::<Option<String>, _>("p_title")?
                .or(r.try_get::<Option<String>, _>("e_title")?),
        ));
    }
    if out.is_empty() {
        return Ok(out);
    }
    let choices = prefs::load(db, user.id).await?;
    // The recipient must still be able to read the publication (the policy, now).
    let ids: Vec<i64> = {
        let mut v: Vec<i64> = out.iter().filter_map(|(i, _)| i.publication_id).collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    let pubs = if ids.is_empty() {
        Vec::new()
    } else {
        load_publications(db, &ids).await?
    };
    let mut links = publications::links_of(db, Some(user), &ids).await?;
    let mut bodies: HashMap<i64, String> = HashMap::new();
    // (sight, the key when the person reads it only by its link: a
    // notification carries the link, as a member passing it on would;
    // the communities it concerns for this person, with their levels).
    type Seen = (
        Sight,
        Option<String>,
        Vec<prefs::Level>,
        Option<(i64, String, String)>,
    );
    let sights: HashMap<i64, Seen> = pubs
        .into_iter()
        .map(|(p, body)| {
            let links = links.remove(&p.id).unwrap_or_default();
            let found = publications::sight(Some(user), &p, &links);
            let (sight, key) = if found == Sight::Full {
                (found, None)
            } else if publications::link_needed(Some(user), &p, &links) {
                (Sight::Full, Some(p.public_key.clone()))
            } else {
                (found, None)
            };
            let concerned: Vec<&publications::Shared> = links
                .iter()
                .filter(|l| l.membership.is_some() || choices.levels.contains_key(&l.community.id))
                .collect();
            let levels = concerned
                .iter()
                .map(|l| choices.level(l.community.id))
                .collect();
            let place = concerned.first().copied().or(links.first()).map(|l| {
                (
                    l.community.id,
                    l.community.slug.clone(),
                    l.community.name.clone(),
                )
            });
            bodies.insert(p.id, body);
            (p.id, (sight, key, levels, place))
        })
        .collect();
    // Events: the policy of now (`Action::ViewEvent`) for this person;
    // a cancelled event is announced no more.
    let event_ids: Vec<i64> = {
        let mut v: Vec<i64> = out.iter().filter_map(|(i, _)| i.event_id).collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    let events = if event_ids.is_empty() {
        HashMap::new()
    } else {
        crate::events::load_many(db, user, &event_ids).await?
    };
    let lang = email::lang_of(user);
    type EventSeen = (Vec<prefs::Level>, Option<(i64, String, String)>, String);
    let event_sights: HashMap<i64, EventSeen> = events
        .iter()
        .filter(|(_, l)| l.e.status != crate::events::Status::Cancelled && l.visible_to(Some(user)))
        .map(|(id, l)| {
            let concerned: Vec<&crate::communities::Community> = l
                .communities
                .iter()
                .filter(|(c, m)| m.is_some() || choices.levels.contains_key(&c.id))
                .map(|(c, _)| c)
                .collect();
            let levels = concerned.iter().map(|c| choices.level(c.id)).collect();
            let place = concerned
                .first()
                .copied()
                .or_else(|| l.shown_communities(Some(user)).first().copied())
                .map(|c| (c.id, c.slug.clone(), c.name.clone()));
            let summary = crate::events::mail::when(lang, &l.e);
            let text = excerpt(&l.e.description, 200);
            let excerpt = if text.is_empty() {
                summary
            } else {
                format!("{summary} — {text}")
            };
            (*id, (levels, place, excerpt))
        })
        .collect();
    // A moderation outcome stays visible to the author who only sees the
    // removal notice; everything else needs the publication itself.
    out.retain_mut(|(i, _)| {
        let levels: Vec<prefs::Level> = match (i.publication_id, i.event_id) {
            (None, Some(e)) => match event_sights.get(&e) {
                Some((levels, place, summary)) => {
                    if i.place.is_none() {
                        i.place = place.clone();
                    }
                    if filter.excerpts {
                        i.excerpt = summary.clone();
                    }
                    levels.clone()
                }
                None => return false,
            },
            (None, None) => i
                .place
                .as_ref()
                .map(|(id, _, _)| vec![choices.level(*id)])
                .unwrap_or_default(),
            (Some(p), _) => match sights.get(&p) {
                Some((Sight::Full, key, levels, place)) => {
                    i.key = key.clone();
                    if i.place.is_none() {
                        i.place = place.clone();
                    }
                    levels.clone()
                }
                Some((Sight::Notice, _, levels, _)) if i.kind == MODERATION => levels.clone(),
                _ => return false,
            },
        };
        let muted = i
            .publication_id
            .is_some_and(|p| choices.muted_threads.contains(&p));
        i.channel = prefs::route(&choices, &i.kind, &levels, muted);
        filter.keep_never || i.channel != prefs::Channel::Never
    });
    if filter.excerpts {
        let replies: Vec<i64> = out.iter().filter_map(|(i, _)| i.reply_id).collect();
        let reply_bodies = load_reply_bodies(db, &replies).await?;
        for (i, _) in out.iter_mut().filter(|(i, _)| i.event_id.is_none()) {
            let body = match (i.reply_id, i.publication_id) {
                (Some(r), _) => reply_bodies.get(&r),
                (None, Some(p)) => bodies.get(&p),
                _ => None,
            };
            i.excerpt = body.map(|b| excerpt(b, 240)).unwrap_or_default();
        }
    }
    Ok(out)
}

/// The first `max` characters of a Markdown text, on one line, cut at a word.
pub fn excerpt(body: &str, max: usize) -> String {
    let flat: String = body
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .filter(|c| !matches!(c, '*' | '_' | '`' | '#' | '>'))
        .collect();
    if flat.chars().count() <= max {
        return flat;
    }
    let cut: String = flat.chars().take(max).collect();
    let cut = match cut.rfind(' ') {
        Some(i) if i > max / 2 => cut[..i].to_string(),
        _ => cut,
    };
    format!("{cut}…")
}

/// Replies' texts (visible ones only) for excerpts, in one statement.
async fn load_reply_bodies(db: &Db, ids: &[i64]) -> Result<HashMap<i64, String>, sqlx::Error> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
    let sql = format!("SELECT id, body FROM replies WHERE id IN ({list}) AND status = 'visible'");
    tick();
    let rows: Vec<(i64, String)> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .fetch_all(&db.pool)
        .await?;
    Ok(rows.into_iter().collect())
}

/// Publications' policy facts (author, status) for the sight check, with
/// their text for excerpts.
async fn load_publications(
    db: &Db,
    ids: &[i64],
) -> Result<Vec<(publications::Publication, String)>, sqlx::Error> {
    let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
    let sql = format!(
        "SELECT id, author_id, status, public_key, body FROM publications WHERE id IN ({list})"
    );
    tick();
    let rows: Vec<(i64, Option<i64>, String, String, String)> =
        sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .fetch_all(&db.pool)
            .await?;
    Ok(rows
        .into_iter()
        .map(|(id, author_id, status, public_key, body)| {
            (
                publications::Publication {
                    id,
                    kind: publications::Kind::Discussion,
                    title: String::new(),
                    body: String::new(),
                    body_html: String::new(),
                    author: None,
                    author_id,
                    link_url: None,
                    link_key: None,
                    preview: None,
                    accepted_reply_id: None,
                    status: crate::policy::ContentStatus::parse(&status)
                        .unwrap_or(crate::policy::ContentStatus::Hidden),
                    status_reason: String::new(),
                    locked: false,
                    created_at: 0,
                    updated_at: 0,
                    last_activity_at: 0,
                    reply_count: 0,
                    revisions: 0,
                    following: false,
                    public_key,
                    reach: crate::policy::Reach::Found,
                },
                body,
            )
        })
        .collect())
}

/// The sentence for one record, in the reader's language (the centre and
/// the e-mails).
pub fn describe(lang: crate::i18n::Lang, item: &Item) -> String {
    use crate::i18n::Arg;
    if item.kind == crate::search::saved::KIND
        && let Ok(d) = serde_json::from_str::<crate::search::saved::Data>(&item.data)
    {
        return lang.ta(
            "notification-saved-search",
            &[("name", Arg::from(d.name)), ("count", Arg::Num(d.count))],
        );
    }
    let actor = item
        .actor
        .as_ref()
        .map(|a| a.shown_name().to_string())
        .unwrap_or_else(|| lang.t("publication-former-member"));
    let key = format!("notification-{}", item.kind.replace('_', "-"));
    let key = if lang.has(&key) {
        key
    } else {
        "notification-other".to_string()
    };
    let community = item
        .community
        .as_ref()
        .map(|(_, n)| n.clone())
        .or_else(|| item.place.as_ref().map(|(_, _, n)| n.clone()))
        .unwrap_or_default();
    let text = lang.ta(
        &key,
        &[
            ("name", Arg::from(actor)),
            ("community", Arg::from(community)),
        ],
    );
    // Decisions carry their reason (`data` is a small JSON object).
    let reason = serde_json::from_str::<serde_json::Value>(&item.data)
        .ok()
        .and_then(|v| v.get("reason").and_then(|r| r.as_str()).map(str::to_string))
        .filter(|r| !r.trim().is_empty());
    match reason {
        Some(r) => format!("{text} — {} {r}", lang.t("publication-removed-reason")),
        None => text,
    }
}

/// Mark one record read; false if it is not this person's.
pub async fn mark_read(db: &Db, user_id: i64, id: i64) -> Result<bool, sqlx::Error> {
    tick();
    let res = sqlx::query(
        "UPDATE notifications SET read_at = $1 WHERE id = $2 AND user_id = $3 AND read_at IS NULL",
    )
    .bind(now())
    .bind(id)
    .bind(user_id)
    .execute(&db.pool)
    .await?;
    if res.rows_affected() > 0 {
        return Ok(true);
    }
    tick();
    let mine: Option<i64> =
        sqlx::query_scalar("SELECT id FROM notifications WHERE id = $1 AND user_id = $2")
            .bind(id)
            .bind(user_id)
            .fetch_optional(&db.pool)
            .await?;
    Ok(mine.is_some())
}

pub async fn mark_all_read(db: &Db, user_id: i64) -> Result<u64, sqlx::Error> {
    tick();
    Ok(
        sqlx::query("UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND read_at IS NULL")
            .bind(now())
            .bind(user_id)
            .execute(&db.pool)
            .await?
            .rows_affected(),
    )
}

/// Reading a publication marks its records read.
pub async fn mark_publication_read(
    db: &Db,
    user_id: i64,
    publication_id: i64,
) -> Result<u64, sqlx::Error> {
    tick();
    Ok(sqlx::query("UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND publication_id = $3 AND read_at IS NULL")
        .bind(now())
        .bind(user_id)
        .bind(publication_id)
        .execute(&db.pool)
        .await?
        .rows_affected())
}
