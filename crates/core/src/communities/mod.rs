//! Communities of practice: creation (or request), membership, roles,
//! invitations. No HTTP.
//!
//! - this file: the model (`Community`, its settings and their checks, the
//!   choices of theme and region, who may give which role);
//! - `store`: the SQL over communities and memberships, notifications to
//!   members and administrators (re-exported here: `communities::by_slug`…);
//! - `access`: a community as one viewer sees it (`Loaded`, `load`);
//! - `directory`, `members`, `invitations`: the listings the pages and the
//!   API share, and the storage behind them;
//! - `ops`: the operations — every change of state, asking the policy
//!   through the acting party (`crate::actor::Actor`), for the pages, the
//!   API and the command line alike.
//!
//! The storage functions assume the caller asked `crate::policy`; the
//! operations and the shared listings ask it themselves.

pub mod access;
pub mod directory;
pub mod invitations;
pub mod members;
pub mod ops;
mod store;

pub use directory::DirectoryFilter;
pub use invitations::Invite;
pub use members::Member;
pub use store::*;

use sqlx::Row;
use sqlx::any::AnyRow;

use crate::accounts::User;
use crate::policy::{CommunityFacts, CommunityStatus, JoinPolicy, Membership, Role, Visibility};

pub const NAME_MAX: usize = 100;
pub const DESCRIPTION_MAX: usize = 2000;
pub const TEXT_MAX: usize = 20000;
pub const SLUG_MAX: usize = 60;
pub const MESSAGE_MAX: usize = 1000;

#[derive(Debug, Clone)]
pub struct Community {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub charter: String,
    pub welcome: String,
    pub theme: String,
    pub territory: String,
    /// The name of the territory `territory` names (empty when none).
    pub territory_name: String,
    pub visibility: Visibility,
    pub join_policy: JoinPolicy,
    pub status: CommunityStatus,
    pub status_reason: String,
    pub request_note: String,
    pub domain: Option<String>,
    /// The group's id on its instance, for a remote group we mirror (`domain` set).
    pub ap_id: Option<String>,
    pub created_by: Option<i64>,
    pub created_at: i64,
    /// Its public activity date (the directory's order): for a private
    /// community, posting inside does not move it. Show it through
    /// [`Community::activity_for`].
    pub last_activity_at: i64,
    /// Its real activity date, for those who may read it.
    pub inner_activity_at: i64,
    pub member_count: i64,
}

pub const COMMUNITY_COLUMNS: &str = "c.id, c.slug, c.name, c.description, c.charter, c.welcome, c.theme, \
     c.territory, c.visibility, c.join_policy, c.status, c.status_reason, c.request_note, c.domain, \
     c.ap_id, c.created_by, c.created_at, c.last_activity_at, c.inner_activity_at, c.member_count, \
     COALESCE((SELECT tn.name FROM territories tn WHERE tn.slug = c.territory), '') AS territory_name";

impl Community {
    pub fn from_row(r: &AnyRow) -> Result<Community, sqlx::Error> {
        let bad = |what: &str, v: String| sqlx::Error::Decode(format!("unknown {what} {v}").into());
        let vis: String = r.try_get("visibility")?;
        let jp: String = r.try_get("join_policy")?;
        let st: String = r.try_get("status")?;
        Ok(Community {
            id: r.try_get("id")?,
            slug: r.try_get("slug")?,
            name: r.try_get("name")?,
            description: r.try_get("description")?,
            charter: r.try_get("charter")?,
            welcome: r.try_get("welcome")?,
            theme: r.try_get("theme")?,
            territory: r.try_get("territory")?,
            territory_name: r.try_get("territory_name")?,
            visibility: Visibility::parse(&vis).ok_or_else(|| bad("visibility", vis.clone()))?,
            join_policy: JoinPolicy::parse(&jp).ok_or_else(|| bad("join policy", jp.clone()))?,
            status: CommunityStatus::parse(&st).ok_or_else(|| bad("status", st.clone()))?,
            status_reason: r.try_get("status_reason")?,
            request_note: r.try_get("request_note")?,
            domain: r.try_get("domain")?,
            ap_id: r.try_get("ap_id")?,
            created_by: r.try_get("created_by")?,
            created_at: r.try_get("created_at")?,
            last_activity_at: r.try_get("last_activity_at")?,
            inner_activity_at: r.try_get("inner_activity_at")?,
            member_count: r.try_get("member_count")?,
        })
    }

    pub fn facts(&self) -> CommunityFacts {
        CommunityFacts {
            id: self.id,
            visibility: self.visibility,
            join_policy: self.join_policy,
            status: self.status,
            created_by: self.created_by,
        }
    }

    /// Stable public URL (its future ActivityPub Group id).
    pub fn path(&self) -> String {
        crate::urls::community(&self.slug)
    }

    /// Its activity date as `viewer` (membership `m`) is shown it: the real
    /// one if they may read it, what its card shows otherwise
    /// (`policy::community_activity_at`).
    pub fn activity_for(&self, viewer: Option<&User>, m: Option<Membership>) -> i64 {
        crate::policy::community_activity_at(
            viewer,
            &self.facts(),
            m,
            self.last_activity_at,
            self.inner_activity_at,
        )
    }
}

/// A URL-safe, readable identifier from a name: "Économie sociale — Bas-Saint-Laurent"
/// → "economie-sociale-bas-saint-laurent".
pub fn slugify(name: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    let mut out = String::new();
    let mut dash = false;
    for ch in name.nfkd() {
        if unicode_normalization::char::is_combining_mark(ch) {
            continue;
        }
        let lower: String = ch.to_lowercase().collect();
        for c in lower.chars() {
            let c = match c {
                'œ' => "oe".to_string(),
                'æ' => "ae".to_string(),
                'ß' => "ss".to_string(),
                c if c.is_ascii_alphanumeric() => c.to_string(),
                _ => String::new(),
            };
            if c.is_empty() {
                if !out.is_empty() {
                    dash = true;
                }
            } else {
                if dash {
                    out.push('-');
                    dash = false;
                }
                out.push_str(&c);
            }
        }
    }
    out.chars()
        .take(SLUG_MAX)
        .collect::<String>()
        .trim_end_matches('-')
        .to_string()
}

pub struct NewCommunity<'a> {
    pub name: &'a str,
    pub slug: Option<&'a str>,
    pub description: &'a str,
    pub theme: &'a str,
    pub territory: &'a str,
    pub visibility: Visibility,
    pub join_policy: JoinPolicy,
    /// Why the community is needed (when the instance approves communities).
    pub request_note: &'a str,
}

// ---- choices ---------------------------------------------------------------------------

/// Themes a community may choose (stable codes; labels are the
/// `community-theme-<code>` messages).
pub const THEMES: &[&str] = &[
    "economie-sociale",
    "action-communautaire",
    "developpement-local",
    "transition",
    "culture",
    "recherche",
    "philanthropie",
    "municipal",
    "autre",
];

/// The 17 administrative regions of Québec (code, name), from
/// shared/data/quebec-regions.csv. Names are proper nouns, the same in every language.
pub const REGIONS: &[(&str, &str)] = &[
    ("bas-saint-laurent", "Bas-Saint-Laurent"),
    ("saguenay-lac-saint-jean", "Saguenay–Lac-Saint-Jean"),
    ("capitale-nationale", "Capitale-Nationale"),
    ("mauricie", "Mauricie"),
    ("estrie", "Estrie"),
    ("montreal", "Montréal"),
    ("outaouais", "Outaouais"),
    ("abitibi-temiscamingue", "Abitibi-Témiscamingue"),
    ("cote-nord", "Côte-Nord"),
    ("nord-du-quebec", "Nord-du-Québec"),
    (
        "gaspesie-iles-de-la-madeleine",
        "Gaspésie–Îles-de-la-Madeleine",
    ),
    ("chaudiere-appalaches", "Chaudière-Appalaches"),
    ("laval", "Laval"),
    ("lanaudiere", "Lanaudière"),
    ("laurentides", "Laurentides"),
    ("monteregie", "Montérégie"),
    ("centre-du-quebec", "Centre-du-Québec"),
];

pub fn region_name(code: &str) -> Option<&'static str> {
    REGIONS.iter().find(|(c, _)| *c == code).map(|(_, n)| *n)
}

/// An empty theme means "none chosen".
pub fn valid_theme(code: &str) -> bool {
    code.is_empty() || THEMES.contains(&code)
}

/// An empty territory means "none in particular".
pub fn valid_territory(code: &str) -> bool {
    code.is_empty() || region_name(code).is_some()
}

pub const INVITE_DAYS_DEFAULT: i64 = 14;
pub const INVITE_DAYS_MAX: i64 = 90;
pub const INVITE_USES_MAX: i64 = 10_000;

// ---- settings and status --------------------------------------------------------------------

/// What managers may change after creation (the slug, its URL, stays).
#[derive(Debug, Clone)]
pub struct CommunitySettings {
    pub name: String,
    pub description: String,
    pub charter: String,
    pub welcome: String,
    pub theme: String,
    pub territory: String,
    pub visibility: Visibility,
    pub join_policy: JoinPolicy,
}

impl CommunitySettings {
    pub fn of(c: &Community) -> CommunitySettings {
        CommunitySettings {
            name: c.name.clone(),
            description: c.description.clone(),
            charter: c.charter.clone(),
            welcome: c.welcome.clone(),
            theme: c.theme.clone(),
            territory: c.territory.clone(),
            visibility: c.visibility,
            join_policy: c.join_policy,
        }
    }
}

/// Check settings; (field, message key) pairs on refusal.
pub fn check_settings(s: &CommunitySettings) -> Vec<(&'static str, &'static str)> {
    let mut errs = Vec::new();
    let name = s.name.trim();
    if name.is_empty() {
        errs.push(("name", "field-required"));
    } else if name.chars().count() > NAME_MAX {
        errs.push(("name", "field-too-long"));
    } else if name
        .chars()
        .any(|c| !crate::xml::allowed(c) || c.is_control())
    {
        errs.push(("name", "field-invisible-characters"));
    }
    if s.description.trim().chars().count() > DESCRIPTION_MAX {
        errs.push(("description", "field-too-long"));
    }
    if s.charter.trim().chars().count() > TEXT_MAX {
        errs.push(("charter", "field-too-long"));
    }
    if s.welcome.trim().chars().count() > TEXT_MAX {
        errs.push(("welcome", "field-too-long"));
    }
    if !valid_theme(&s.theme) {
        errs.push(("theme", "field-invalid-choice"));
    }
    // The territory is resolved by the operation (`territories::ops::resolve_field`).
    if s.territory.chars().count() > 300 {
        errs.push(("territory", "field-too-long"));
    }
    if s.visibility == Visibility::Private && s.join_policy == JoinPolicy::Open {
        errs.push(("join_policy", "community-private-open"));
    }
    errs
}

// ---- roles --------------------------------------------------------------------------------

/// May someone with role `actor` (None: not an active member) give `new` to
/// a member whose role is `target`? Managers (animators, owners) act on
/// members below them, never above their own role; owners act on anyone and
/// alone make owners. Instance administrators may do anything.
pub fn may_set_role(actor_admin: bool, actor: Option<Role>, target: Role, new: Role) -> bool {
    if actor_admin {
        return true;
    }
    match actor {
        Some(a) if a >= Role::Animator => (a == Role::Owner || target < a) && new <= a,
        _ => false,
    }
}

/// May `actor` remove a member whose role is `target`? Same rule as roles.
pub fn may_remove(actor_admin: bool, actor: Option<Role>, target: Role) -> bool {
    may_set_role(actor_admin, actor, target, Role::Member)
}

#[cfg(test)]
mod role_tests {
    use super::*;

    #[test]
    fn roles_are_never_given_above_ones_own() {
        use Role::*;
        // Owners do anything, including making owners.
        assert!(may_set_role(false, Some(Owner), Member, Owner));
        assert!(may_set_role(false, Some(Owner), Owner, Animator));
        // Animators manage those below them, up to animator.
        assert!(may_set_role(false, Some(Animator), Member, Moderator));
        assert!(may_set_role(false, Some(Animator), Moderator, Animator));
        assert!(
            !may_set_role(false, Some(Animator), Member, Owner),
            "only owners make owners"
        );
        assert!(
            !may_set_role(false, Some(Animator), Owner, Member),
            "not above their own"
        );
        assert!(
            !may_set_role(false, Some(Animator), Animator, Member),
            "not their peers"
        );
        assert!(!may_set_role(false, Some(Moderator), Member, Moderator));
        assert!(!may_set_role(false, None, Member, Moderator));
        assert!(may_set_role(true, None, Owner, Member));
        assert!(may_remove(false, Some(Animator), Moderator));
        assert!(!may_remove(false, Some(Animator), Owner));
    }

    #[test]
    fn choices_are_known() {
        assert_eq!(REGIONS.len(), 17);
        assert!(valid_territory("") && valid_territory("montreal") && !valid_territory("paris"));
        assert!(valid_theme("culture") && !valid_theme("sport"));
        assert_eq!(
            region_name("gaspesie-iles-de-la-madeleine"),
            Some("Gaspésie–Îles-de-la-Madeleine")
        );
    }
}

#[cfg(test)]
mod tests {
    use super::slugify;

    #[test]
    fn slugs_are_readable_ascii() {
        assert_eq!(
            slugify("Économie sociale — Bas-Saint-Laurent"),
            "economie-sociale-bas-saint-laurent"
        );
        assert_eq!(slugify("  Cœur  de l'île  "), "coeur-de-l-ile");
        assert_eq!(slugify("!!!"), "");
        assert!(slugify(&"a".repeat(200)).len() <= super::SLUG_MAX);
    }
}
