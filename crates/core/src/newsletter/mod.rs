//! Curated newsletters (C10): lists of the instance, a community, a
//! territory or an organisation,
//! their subscribers (members, or an address alone with double opt-in and
//! the consent recorded as Québec's Law 25 asks), issues that editors build
//! from publications, sending through the job queue, the archive. No HTTP.
//!
//! Who may do what: an instance list is edited by administrators and its
//! editors; a community's list by whoever manages the community and its
//! editors (who must still be able to read the community). Its audience —
//! who may read the archive, and so what may go in an issue — is anyone
//! for an instance list or a list of an open community, the community's
//! readers otherwise (`Access::public_audience`, `may_carry`). A
//! territory's list is edited by administrators (`ManageTerritory`) and its
//! editors, an organisation's by the organisation's admins
//! (`EditOrganisation`) and its editors; both have a public audience.

pub mod compose;
pub mod import;
pub mod items;
pub mod ops;
pub mod schedule;
pub mod sender;
pub mod suggest;

use aws_lc_rs::hmac;
use sqlx::Row;

use crate::accounts::User;
use crate::communities::{self, access::Loaded};
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::policy::{self, Action, CommunityStatus, ContentStatus, Reach, Sight, Visibility};
use crate::publications;
use crate::state::AppState;

pub const NAME_MAX: usize = 120;
pub const DESCRIPTION_MAX: usize = 2000;
pub const SUBJECT_MAX: usize = 200;
pub const INTRO_MAX: usize = 5000;
pub const BLURB_MAX: usize = 1000;

#[derive(Debug, Clone)]
pub struct List {
    pub id: i64,
    pub community_id: Option<i64>,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub rhythm: String,
    pub categories: Vec<String>,
    secret: String,
    pub created_at: i64,
    pub territory_id: Option<i64>,
    pub organisation_id: Option<i64>,
    /// IANA zone of the schedule form (one of `events::time::ZONES`).
    pub time_zone: String,
}

const LIST_COLUMNS: &str = "id, community_id, slug, name, description, rhythm, categories, secret, created_at, \
     territory_id, organisation_id, time_zone";

fn list_from(r: &sqlx::any::AnyRow) -> Result<List, sqlx::Error> {
    let categories: String = r.try_get("categories")?;
    Ok(List {
        id: r.try_get("id")?,
        community_id: r.try_get("community_id")?,
        slug: r.try_get("slug")?,
        name: r.try_get("name")?,
        description: r.try_get("description")?,
        rhythm: r.try_get("rhythm")?,
        categories: categories
            .lines()
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(String::from)
            .collect(),
        secret: r.try_get("secret")?,
        created_at: r.try_get("created_at")?,
        territory_id: r.try_get("territory_id")?,
        organisation_id: r.try_get("organisation_id")?,
        time_zone: r.try_get("time_zone")?,
    })
}

impl List {
    /// The zone its schedule form reads and shows times in (America/Toronto
    /// when the stored name is not one we offer).
    pub fn zone(&self) -> chrono_tz::Tz {
        crate::events::time::zone(&self.time_zone).unwrap_or(chrono_tz::America::Toronto)
    }

    pub fn path(&self) -> String {
        crate::urls::newsletter(&self.slug)
    }

    /// The `List-Id` field value (RFC 2919): `"Name" <slug.list-id.host>`.
    pub fn list_id_header(&self, host: &str) -> String {
        let name: String = self
            .name
            .chars()
            .filter(|c| !c.is_control() && *c != '"' && *c != '\\')
            .collect();
        format!("\"{name}\" <{}.newsletter.{host}>", self.slug)
    }

    fn mac(&self, subscriber_id: i64) -> hmac::Tag {
        let key = hmac::Key::new(hmac::HMAC_SHA256, self.secret.as_bytes());
        hmac::sign(&key, format!("unsubscribe:{subscriber_id}").as_bytes())
    }

    /// The signed unsubscribe token of a subscriber: `{list}.{id}.{hmac}`.
    pub fn unsubscribe_token(&self, subscriber_id: i64) -> String {
        format!(
            "{}.{subscriber_id}.{}",
            self.id,
            hex::encode(self.mac(subscriber_id).as_ref())
        )
    }

    /// Whether `mac_hex` is this list's signature for `subscriber_id`
    /// (constant-time comparison).
    pub fn verify(&self, subscriber_id: i64, mac_hex: &str) -> bool {
        let Ok(mac) = hex::decode(mac_hex) else {
            return false;
        };
        let key = hmac::Key::new(hmac::HMAC_SHA256, self.secret.as_bytes());
        hmac::verify(
            &key,
            format!("unsubscribe:{subscriber_id}").as_bytes(),
            &mac,
        )
        .is_ok()
    }
}

pub async fn by_slug(db: &Db, slug: &str) -> Result<Option<List>, sqlx::Error> {
    let sql = format!("SELECT {LIST_COLUMNS} FROM newsletter_lists WHERE slug = $1");
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(slug)
        .fetch_optional(&db.pool)
        .await?
        .map(|r| list_from(&r))
        .transpose()
}

pub async fn by_id(db: &Db, id: i64) -> Result<Option<List>, sqlx::Error> {
    let sql = format!("SELECT {LIST_COLUMNS} FROM newsletter_lists WHERE id = $1");
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&db.pool)
        .await?
        .map(|r| list_from(&r))
        .transpose()
}

/// Every list, by name (callers keep those the viewer may see: `Access`).
pub async fn all(db: &Db) -> Result<Vec<List>, sqlx::Error> {
    let sql = format!("SELECT {LIST_COLUMNS} FROM newsletter_lists ORDER BY name, id LIMIT 500");
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .fetch_all(&db.pool)
        .await?
        .iter()
        .map(list_from)
        .collect()
}

pub async fn is_editor(db: &Db, list_id: i64, user: Option<&User>) -> Result<bool, sqlx::Error> {
    let Some(u) = user else { return Ok(false) };
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM newsletter_editors WHERE list_id = $1 AND user_id = $2",
    )
    .bind(list_id)
    .bind(u.id)
    .fetch_one(&db.pool)
    .await?;
    Ok(n > 0)
}

/// Who a territory's or an organisation's list belongs to (name and page).
#[derive(Debug, Clone)]
pub enum Place {
    Territory { id: i64, name: String, path: String },
    Organisation { id: i64, name: String, path: String },
}

impl Place {
    pub fn name(&self) -> &str {
        match self {
            Place::Territory { name, .. } | Place::Organisation { name, .. } => name,
        }
    }
    pub fn path(&self) -> &str {
        match self {
            Place::Territory { path, .. } | Place::Organisation { path, .. } => path,
        }
    }
}

/// A list as one viewer sees it.
pub struct Access {
    pub list: List,
    pub community: Option<Loaded>,
    /// The territory or organisation it belongs to (then `community` is
    /// `None` and the audience is public).
    pub place: Option<Place>,
    /// May read the list's page and archive (and subscribe).
    pub view: bool,
    /// May build and send issues, manage subscribers.
    pub edit: bool,
    /// Manages what the list belongs to (the instance, the community, the
    /// territory, the organisation): names editors; not merely an editor.
    pub manages: bool,
}

impl Access {
    /// Whether anyone may read the archive (instance, territory or
    /// organisation list, or a list of an open, active community);
    /// otherwise only the community's readers, and
    /// people without an account cannot subscribe.
    pub fn public_audience(&self) -> bool {
        match &self.community {
            None => true,
            Some(l) => {
                l.c.visibility == Visibility::Open
                    && matches!(
                        l.c.status,
                        CommunityStatus::Active | CommunityStatus::Archived
                    )
            }
        }
    }
}

/// The list at `slug` as `viewer` sees it; 404 when they may not read it
/// (a private community's list is not revealed to outsiders).
pub async fn load(state: &AppState, viewer: Option<&User>, slug: &str) -> AppResult<Access> {
    let list = by_slug(&state.db, slug).await?.ok_or(AppError::NotFound)?;
    access(state, viewer, list).await
}

pub async fn access(state: &AppState, viewer: Option<&User>, list: List) -> AppResult<Access> {
    let editor = is_editor(&state.db, list.id, viewer).await?;
    // An editor acts while an active local account.
    let active_editor = editor
        && viewer
            .is_some_and(|u| u.status == crate::accounts::Status::Active && u.domain.is_none());
    if let Some(tid) = list.territory_id {
        let t = crate::territories::by_id(&state.db, tid)
            .await?
            .ok_or(AppError::NotFound)?;
        let manages = policy::can(viewer, Action::ManageTerritory);
        return Ok(Access {
            list,
            community: None,
            place: Some(Place::Territory {
                id: t.id,
                path: crate::urls::territory(&t.slug),
                name: t.name,
            }),
            view: true,
            edit: manages || active_editor,
            manages,
        });
    }
    if let Some(oid) = list.organisation_id {
        let o = crate::organisations::by_id(&state.db, oid)
            .await?
            .ok_or(AppError::NotFound)?;
        let l = crate::organisations::load(&state.db, &o.slug, viewer)
            .await?
            .ok_or(AppError::NotFound)?;
        // An organisation's list is read by whoever may read the
        // organisation (its page would 404 otherwise).
        if !l.view(viewer) {
            return Err(AppError::NotFound);
        }
        let manages = l.edit(viewer);
        return Ok(Access {
            list,
            community: None,
            place: Some(Place::Organisation {
                id: l.o.id,
                path: crate::urls::organisation(&l.o.slug),
                name: l.o.name,
            }),
            view: true,
            edit: manages || active_editor,
            manages,
        });
    }
    let (community, view, edit, manages) = match list.community_id {
        None => {
            let admin = policy::can(viewer, Action::Administer);
            (None, true, admin || active_editor, admin)
        }
        Some(cid) => {
            let c = communities::by_id(&state.db, cid)
                .await?
                .ok_or(AppError::NotFound)?;
            let m = communities::membership(&state.db, c.id, viewer).await?;
            let l = Loaded::new(c, m);
            let view = l.view(viewer);
            let manages = view && l.manage(viewer);
            let edit = manages || (view && editor);
            (Some(l), view, edit, manages)
        }
    };
    if !view {
        return Err(AppError::NotFound);
    }
    Ok(Access {
        list,
        community,
        place: None,
        view,
        edit,
        manages,
    })
}

/// Whether a publication may go into an issue of this list: its whole
/// audience must be able to read it. A public audience reads what an
/// anonymous visitor finds (not an unlisted community's content, which
/// needs its link); a community's readers read what is public or shared,
/// visible, in that community. `None`: no. The reason key otherwise.
pub async fn may_carry(
    db: &Db,
    a: &Access,
    p: &publications::Publication,
) -> Result<Result<(), &'static str>, sqlx::Error> {
    let links = publications::links_of(db, None, &[p.id])
        .await?
        .remove(&p.id)
        .unwrap_or_default();
    let shared: Vec<_> = links.iter().map(publications::Shared::policy).collect();
    if policy::publication_sight(None, p.author_id, p.status, &shared, Reach::Found) == Sight::Full
    {
        return Ok(Ok(()));
    }
    if !a.public_audience()
        && let Some(l) = &a.community
        && p.status == ContentStatus::Visible
        && links
            .iter()
            .any(|s| s.community.id == l.c.id && s.status == ContentStatus::Visible)
    {
        return Ok(Ok(()));
    }
    Ok(Err("newsletter-item-refused-audience"))
}
