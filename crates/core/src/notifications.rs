//! The notification centre: one record per recipient and event (a mention,
//! a reply to my publication or my reply, a new reply on a publication I
//! follow, and the kinds other modules add: join requests, moderation
//! outcomes…). Records keep what later e-mail digests need: kind, actor,
//! community / publication / reply ids, `created_at`, `read_at`,
//! `emailed_at`.
//!
//! Whether the recipient may see the publication is checked when the record
//! is made (by the caller, through the policy) and again when it is listed:
//! a publication removed since, or a community left, drops it from the list.

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
/// A moderators' decision about my content (made by `crate::moderation`).
pub const MODERATION: &str = "moderation";
/// A moderator shared my publication into a wider community
/// (`policy::ShareRule::NotifyAuthor`; `community_id` says where).
pub const SHARED: &str = "shared";

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
        }
    }
}

/// Insert records (one statement each).
pub async fn insert(db: &Db, items: &[NewNotification]) -> Result<(), sqlx::Error> {
    let t = now();
    for n in items {
        tick();
        sqlx::query(
            "INSERT INTO notifications (user_id, kind, actor_id, community_id, publication_id, reply_id, data, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(n.user_id)
        .bind(n.kind)
        .bind(n.actor_id)
        .bind(n.community_id)
        .bind(n.publication_id)
        .bind(n.reply_id)
        .bind(&n.data)
        .bind(t)
        .execute(&db.pool)
        .await?;
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
    pub data: String,
    pub created_at: i64,
    pub read_at: Option<i64>,
    pub emailed_at: Option<i64>,
    /// The publication's key, when the recipient reads it only by its
    /// link (shared in an unlisted community they are not a member of).
    pub key: Option<String>,
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
    for (item, _) in items {
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
                let title = item
                    .community
                    .as_ref()
                    .map(|(_, n)| n.clone())
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

/// Records, newest first (unread first when `unread_first`), filtered by
/// what the person may still see; with the publication's title.
pub async fn fetch(
    db: &Db,
    user: &User,
    limit: i64,
    only_unread: bool,
) -> Result<Vec<(Item, Option<String>)>, sqlx::Error> {
    let sql = format!(
        "SELECT n.id, n.kind, n.actor_id, n.publication_id, n.reply_id, n.data, n.created_at, n.read_at, n.emailed_at, \
         au.username AS au_username, au.display_name AS au_display_name, au.avatar_id AS au_avatar_id, \
         c.slug AS c_slug, c.name AS c_name, p.title AS p_title \
         FROM notifications n LEFT JOIN users au ON au.id = n.actor_id \
         LEFT JOIN communities c ON c.id = n.community_id LEFT JOIN publications p ON p.id = n.publication_id \
         WHERE n.user_id = $1{} \
         ORDER BY CASE WHEN n.read_at IS NULL THEN 0 ELSE 1 END, n.created_at DESC, n.id DESC LIMIT $2",
        if only_unread {
            " AND n.read_at IS NULL"
        } else {
            ""
        }
    );
    tick();
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(user.id)
        .bind(limit.clamp(1, 500))
        .fetch_all(&db.pool)
        .await?;
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
        out.push((
            Item {
                id: r.try_get("id")?,
                kind: r.try_get("kind")?,
                actor,
                community,
                publication_id: r.try_get("publication_id")?,
                reply_id: r.try_get("reply_id")?,
                data: r.try_get("data")?,
                created_at: r.try_get("created_at")?,
                read_at: r.try_get("read_at")?,
                emailed_at: r.try_get("emailed_at")?,
                key: None,
            },
            r.try_get::<Option<String>, _>("p_title")?,
        ));
    }
    // The recipient must still be able to read the publication (the policy, now).
    let ids: Vec<i64> = {
        let mut v: Vec<i64> = out.iter().filter_map(|(i, _)| i.publication_id).collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    if ids.is_empty() {
        return Ok(out);
    }
    let pubs = load_publications(db, &ids).await?;
    let mut links = publications::links_of(db, Some(user), &ids).await?;
    // (sight, the key when the person reads it only by its link: a
    // notification carries the link, as a member passing it on would).
    let sights: HashMap<i64, (Sight, Option<String>)> = pubs
        .into_iter()
        .map(|p| {
            let links = links.remove(&p.id).unwrap_or_default();
            let found = publications::sight(Some(user), &p, &links);
            let seen = if found == Sight::Full {
                (found, None)
            } else if publications::link_needed(Some(user), &p, &links) {
                (Sight::Full, Some(p.public_key.clone()))
            } else {
                (found, None)
            };
            (p.id, seen)
        })
        .collect();
    // A moderation outcome stays visible to the author who only sees the
    // removal notice; everything else needs the publication itself.
    out.retain_mut(|(i, _)| match i.publication_id {
        None => true,
        Some(p) => match sights.get(&p) {
            Some((Sight::Full, key)) => {
                i.key = key.clone();
                true
            }
            Some((Sight::Notice, _)) => i.kind == MODERATION,
            _ => false,
        },
    });
    Ok(out)
}

/// Publications' policy facts (author, status) for the sight check.
async fn load_publications(
    db: &Db,
    ids: &[i64],
) -> Result<Vec<publications::Publication>, sqlx::Error> {
    let list = ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
    let sql =
        format!("SELECT id, author_id, status, public_key FROM publications WHERE id IN ({list})");
    tick();
    let rows: Vec<(i64, Option<i64>, String, String)> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .fetch_all(&db.pool)
        .await?;
    Ok(rows
        .into_iter()
        .map(
            |(id, author_id, status, public_key)| publications::Publication {
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
        )
        .collect())
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
