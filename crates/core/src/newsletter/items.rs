//! What an issue carries: publications (watch items are publications of
//! kind `watch`), events and resources of the library. Each item keeps
//! its kind and id, an editable title and blurb, and an optional
//! editorial introduction.
//!
//! The policy decides what a list may carry (`may_carry`): its whole
//! audience must be able to read the item — what an anonymous visitor
//! finds for a list with a public audience, what the community's readers
//! read for a private community's list. It is asked when the item is
//! picked (the editor sees the reason of a refusal) and again when the
//! issue goes out (`recheck`).

use super::{Access, compose};
use crate::accounts::User;
use crate::actor::Actor;
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::policy::Sight;
use crate::state::AppState;
use crate::{events, library, publications};

/// An item an editor names: a publication, an event or a resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemRef {
    Publication(i64),
    Event(i64),
    Resource(i64),
}

impl ItemRef {
    /// The form value naming it (`p:12`, `e:3`, `r:7`).
    pub fn value(self) -> String {
        match self {
            ItemRef::Publication(id) => format!("p:{id}"),
            ItemRef::Event(id) => format!("e:{id}"),
            ItemRef::Resource(id) => format!("r:{id}"),
        }
    }
    pub fn kind(self) -> &'static str {
        match self {
            ItemRef::Publication(_) => "publication",
            ItemRef::Event(_) => "event",
            ItemRef::Resource(_) => "resource",
        }
    }
}

fn leading_id(s: &str) -> Option<i64> {
    s.split(|c: char| !c.is_ascii_digit()).next()?.parse().ok()
}

/// Read a reference: `p:12`, `e:3`, `r:7`, a bare number (a publication),
/// or an address of this instance (`…/p/12`, `…/e/3`, `…/r/7`).
pub fn item_ref(reference: &str) -> Option<ItemRef> {
    let r = reference.trim();
    if let Ok(id) = r.parse::<i64>() {
        return Some(ItemRef::Publication(id));
    }
    if let Some((k, id)) = r.split_once(':')
        && let Ok(id) = id.trim().parse::<i64>()
    {
        match k.trim() {
            "p" => return Some(ItemRef::Publication(id)),
            "e" => return Some(ItemRef::Event(id)),
            "r" => return Some(ItemRef::Resource(id)),
            _ => {}
        }
    }
    for (marker, make) in [
        ("/p/", ItemRef::Publication as fn(i64) -> ItemRef),
        ("/e/", ItemRef::Event),
        ("/r/", ItemRef::Resource),
    ] {
        if let Some(after) = r.split(marker).nth(1)
            && let Some(id) = leading_id(after)
        {
            return Some(make(id));
        }
    }
    None
}

/// An item as the editor found it, with its own title and blurb.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub r: ItemRef,
    pub title: String,
    pub blurb: String,
    pub path: String,
}

/// The item if `viewer` may read it in full; `None` otherwise (whatever
/// it is: what the editor may not find is "not found").
pub async fn resolve(
    db: &Db,
    viewer: Option<&User>,
    r: ItemRef,
) -> Result<Option<Candidate>, sqlx::Error> {
    Ok(match r {
        ItemRef::Publication(id) => {
            let Some(p) = publications::by_id(db, id, viewer).await? else {
                return Ok(None);
            };
            let links = publications::links_of(db, viewer, &[p.id])
                .await?
                .remove(&p.id)
                .unwrap_or_default();
            (publications::sight(viewer, &p, &links) == Sight::Full).then(|| Candidate {
                r,
                blurb: compose::excerpt(&p.body, 280),
                title: p.title,
                path: crate::urls::publication(id),
            })
        }
        ItemRef::Event(id) => {
            let Some(l) = events::load(db, viewer, id).await? else {
                return Ok(None);
            };
            l.visible_to(viewer).then(|| {
                let when = l.e.start_local.replace('T', " ");
                let about = compose::excerpt(&l.e.description, 240);
                Candidate {
                    r,
                    blurb: if about.is_empty() {
                        when
                    } else {
                        format!("{when} — {about}")
                    },
                    title: l.e.title.clone(),
                    path: crate::urls::event(id),
                }
            })
        }
        ItemRef::Resource(id) => {
            let Some(l) = library::load(db, viewer, id).await? else {
                return Ok(None);
            };
            l.visible_to(viewer).then(|| Candidate {
                r,
                blurb: compose::excerpt(&l.r.description, 280),
                title: l.r.title.clone(),
                path: crate::urls::resource(id),
            })
        }
    })
}

/// Whether the list's whole audience may read the item (see the module
/// comment). The reason key when not.
pub async fn may_carry(
    db: &Db,
    a: &Access,
    r: ItemRef,
) -> Result<Result<(), &'static str>, sqlx::Error> {
    const REFUSED: &str = "newsletter-item-refused-audience";
    const GONE: &str = "newsletter-error-item-not-found";
    let own = (!a.public_audience())
        .then(|| a.community.as_ref().map(|l| l.c.id))
        .flatten();
    Ok(match r {
        ItemRef::Publication(id) => match publications::by_id(db, id, None).await? {
            Some(p) => super::may_carry(db, a, &p).await?,
            None => Err(GONE),
        },
        ItemRef::Event(id) => match events::load(db, None, id).await? {
            None => Err(GONE),
            Some(l) if l.visible_to(None) => Ok(()),
            Some(l) if own.is_some_and(|c| l.communities.iter().any(|(x, _)| x.id == c)) => Ok(()),
            Some(_) => Err(REFUSED),
        },
        ItemRef::Resource(id) => match library::load(db, None, id).await? {
            None => Err(GONE),
            Some(l) if l.visible_to(None) => Ok(()),
            Some(l)
                if l.r.visible
                    && own.is_some_and(|c| l.communities.iter().any(|(x, _)| x.id == c)) =>
            {
                Ok(())
            }
            Some(_) => Err(REFUSED),
        },
    })
}

fn item_ref_of(it: &compose::Item) -> Option<ItemRef> {
    match it.kind.as_str() {
        "event" => it.event_id.map(ItemRef::Event),
        "resource" => it.resource_id.map(ItemRef::Resource),
        _ => it.publication_id.map(ItemRef::Publication),
    }
}

/// Every item must still be readable by the audience when the issue goes
/// out (a community may have become private, an item been removed, since
/// it was picked). The first item refused, by title.
pub async fn recheck(db: &Db, a: &Access, its: &[compose::Item]) -> Result<(), String> {
    for it in its {
        let ok = match item_ref_of(it) {
            // Its publication, event or resource was deleted.
            None => false,
            Some(r) => matches!(may_carry(db, a, r).await, Ok(Ok(()))),
        };
        if !ok {
            return Err(it.title.clone());
        }
    }
    Ok(())
}

fn invalid(field: &str, key: &str) -> AppError {
    AppError::Invalid {
        fields: vec![(field.to_string(), key.to_string())],
    }
}

/// An item's editable text, as the editor typed it.
#[derive(Debug, Clone, Default)]
pub struct ItemText {
    pub category: String,
    pub title: String,
    pub blurb: String,
    pub editorial: String,
}

/// Check an item's text; empty title or blurb take the item's own.
fn checked(a: &Access, t: &ItemText, own: Option<&Candidate>) -> AppResult<ItemText> {
    let category = t.category.trim();
    if !category.is_empty() && !a.list.categories.iter().any(|c| c == category) {
        return Err(invalid("category", "newsletter-error-category"));
    }
    let title = match (t.title.trim(), own) {
        ("", Some(c)) => c.title.clone(),
        (t, _) => t.to_string(),
    };
    let blurb = match (t.blurb.trim(), own) {
        ("", Some(c)) => c.blurb.clone(),
        (b, _) => b.to_string(),
    };
    let editorial = t.editorial.trim().to_string();
    if title.is_empty() || title.chars().count() > super::SUBJECT_MAX {
        return Err(invalid("title", "newsletter-error-item-title"));
    }
    if blurb.chars().count() > super::BLURB_MAX {
        return Err(invalid("blurb", "newsletter-error-blurb"));
    }
    if editorial.chars().count() > super::BLURB_MAX {
        return Err(invalid("editorial", "newsletter-error-editorial"));
    }
    Ok(ItemText {
        category: category.to_string(),
        title,
        blurb,
        editorial,
    })
}

/// The draft (or scheduled) issue an editor may still change.
async fn open_issue(state: &AppState, a: &Access, issue_id: i64) -> AppResult<compose::Issue> {
    if !a.edit {
        return Err(AppError::Forbidden);
    }
    let is = compose::issue(&state.db, a.list.id, issue_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if is.sent_at.is_some() {
        return Err(AppError::Conflict {
            code: "issue_sent",
            message_key: "newsletter-error-sent",
        });
    }
    Ok(is)
}

/// Add an item to a draft, under a category, with its title and blurb
/// (the item's own when left empty) and an optional introduction.
/// Refused, with the reason, when the list's audience could not read it.
pub async fn add(
    state: &AppState,
    actor: &Actor,
    a: &Access,
    issue_id: i64,
    reference: &str,
    text: &ItemText,
) -> AppResult<()> {
    open_issue(state, a, issue_id).await?;
    let found = match item_ref(reference) {
        Some(r) => resolve(&state.db, actor.user(), r).await?,
        None => None,
    };
    let Some(c) = found else {
        return Err(invalid("reference", "newsletter-error-item-not-found"));
    };
    if let Err(reason) = may_carry(&state.db, a, c.r).await? {
        return Err(invalid("reference", reason));
    }
    let t = checked(a, text, Some(&c))?;
    let (p, e, r) = match c.r {
        ItemRef::Publication(id) => (Some(id), None, None),
        ItemRef::Event(id) => (None, Some(id), None),
        ItemRef::Resource(id) => (None, None, Some(id)),
    };
    sqlx::query(
        "INSERT INTO newsletter_items (issue_id, position, category, kind, publication_id, event_id, resource_id, \
         title, blurb, editorial, url) VALUES ($1, (SELECT COALESCE(MAX(position), 0) + 1 FROM newsletter_items \
         WHERE issue_id = $1), $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(issue_id)
    .bind(&t.category)
    .bind(c.r.kind())
    .bind(p)
    .bind(e)
    .bind(r)
    .bind(&t.title)
    .bind(&t.blurb)
    .bind(&t.editorial)
    .bind(state.url(&c.path))
    .execute(&state.db.pool)
    .await?;
    Ok(())
}

/// Change an item's category, title, blurb and introduction (a title is
/// required; an empty blurb stays empty).
pub async fn edit(
    state: &AppState,
    a: &Access,
    issue_id: i64,
    item_id: i64,
    text: &ItemText,
) -> AppResult<()> {
    open_issue(state, a, issue_id).await?;
    let t = checked(a, text, None)?;
    let n = sqlx::query(
        "UPDATE newsletter_items SET category = $3, title = $4, blurb = $5, editorial = $6 \
         WHERE id = $1 AND issue_id = $2",
    )
    .bind(item_id)
    .bind(issue_id)
    .bind(&t.category)
    .bind(&t.title)
    .bind(&t.blurb)
    .bind(&t.editorial)
    .execute(&state.db.pool)
    .await?
    .rows_affected();
    if n == 0 {
        return Err(AppError::NotFound);
    }
    Ok(())
}

/// Take an item out of a draft.
pub async fn remove(state: &AppState, a: &Access, issue_id: i64, item_id: i64) -> AppResult<()> {
    open_issue(state, a, issue_id).await?;
    sqlx::query("DELETE FROM newsletter_items WHERE id = $1 AND issue_id = $2")
        .bind(item_id)
        .bind(issue_id)
        .execute(&state.db.pool)
        .await?;
    Ok(())
}

/// One more click on an item of a sent issue (the aggregate counter, when
/// the instance enables it): its address, `None` for no such item.
pub async fn count_click(
    db: &Db,
    issue_id: i64,
    item_id: i64,
) -> Result<Option<String>, sqlx::Error> {
    let url: Option<String> =
        sqlx::query_scalar("SELECT url FROM newsletter_items WHERE id = $1 AND issue_id = $2")
            .bind(item_id)
            .bind(issue_id)
            .fetch_optional(&db.pool)
            .await?;
    if url.is_some() {
        sqlx::query(
            "UPDATE newsletter_items SET clicks = clicks + 1 WHERE id = $1 AND issue_id = $2",
        )
        .bind(item_id)
        .bind(issue_id)
        .execute(&db.pool)
        .await?;
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::{ItemRef, item_ref};

    #[test]
    fn references_name_every_kind() {
        assert_eq!(item_ref("12"), Some(ItemRef::Publication(12)));
        assert_eq!(item_ref("p:12"), Some(ItemRef::Publication(12)));
        assert_eq!(item_ref("e:3"), Some(ItemRef::Event(3)));
        assert_eq!(item_ref("r:7"), Some(ItemRef::Resource(7)));
        assert_eq!(
            item_ref("https://x.test/e/44?x=1"),
            Some(ItemRef::Event(44))
        );
        assert_eq!(item_ref("https://x.test/r/5"), Some(ItemRef::Resource(5)));
        assert_eq!(
            item_ref("https://x.test/p/9#r"),
            Some(ItemRef::Publication(9))
        );
        assert_eq!(item_ref("x:1"), None);
        assert_eq!(item_ref("nothing"), None);
    }
}
