//! The library's rules (resources, dossiers, the lexicon), asked through
//! `policy::can` like every other action.
//!
//! - A resource is read through the instance library (everyone) or through
//!   a community it is placed in where the viewer may *find* content
//!   (`Action::FindCommunityContent`): a resource placed only in a private
//!   community is private everywhere — its page, the API, the libraries,
//!   citation exports and its files; one in an unlisted community only is
//!   for that community's members. A removed resource is for
//!   administrators only.
//! - Contributing into a community is posting there; into the instance
//!   library, an administrator's act.
//! - Lexicon: any active person proposes a term; lexicon editors
//!   (administrators) accept, refuse and edit. Accepted terms are public;
//!   a proposed one is seen by its proposer and the editors.

use super::{Action, CommunityFacts, Membership, acting, can};
use crate::accounts::User;

/// What the policy needs to know about a resource (or a dossier).
#[derive(Debug, Clone)]
pub struct ResourceFacts {
    pub id: i64,
    /// In the instance library.
    pub in_library: bool,
    /// Not removed.
    pub visible: bool,
    pub created_by: Option<i64>,
}

/// What the policy needs to know about a lexicon term.
#[derive(Debug, Clone)]
pub struct TermFacts {
    pub id: i64,
    pub accepted: bool,
    pub proposed_by: Option<i64>,
}

pub(super) fn view_resource(
    viewer: Option<&User>,
    r: &ResourceFacts,
    via: &[(CommunityFacts, Option<Membership>)],
) -> bool {
    let is_admin = acting(viewer).is_some_and(|u| u.is_admin);
    if is_admin {
        return true;
    }
    r.visible
        && (r.in_library
            || via
                .iter()
                .any(|(c, m)| can(viewer, Action::FindCommunityContent { c, m: *m })))
}

pub(super) fn edit_resource(
    viewer: Option<&User>,
    r: &ResourceFacts,
    via: &[(CommunityFacts, Option<Membership>)],
) -> bool {
    let Some(u) = acting(viewer) else {
        return false;
    };
    if u.is_admin {
        return true;
    }
    let author = r.created_by == Some(u.id) && view_resource(viewer, r, via);
    author
        || via
            .iter()
            .any(|(c, m)| can(viewer, Action::ModerateCommunity { c, m: *m }))
}

pub(super) fn view_term(viewer: Option<&User>, t: &TermFacts) -> bool {
    let v = acting(viewer);
    t.accepted || v.is_some_and(|u| u.is_admin || Some(u.id) == t.proposed_by)
}

/// The SQL form of `Action::ViewResource` on the resource alias `r`. Binds
/// the viewer at `$param` when `sql_needs_viewer` says so.
pub fn visible_resources_sql(r: &str, viewer: Option<&User>, param: usize) -> String {
    match acting(viewer) {
        Some(u) if u.is_admin => "1 = 1".to_string(),
        _ => format!(
            "({r}.status = 'visible' AND ({r}.in_library = 1 OR EXISTS (SELECT 1 FROM resource_communities vrc \
             JOIN communities c ON c.id = vrc.community_id WHERE vrc.resource_id = {r}.id AND {})))",
            super::findable_communities_sql("c", viewer, param)
        ),
    }
}

/// The SQL form of `Action::ViewTerm` on the term alias `t`.
pub fn visible_terms_sql(t: &str, viewer: Option<&User>, param: usize) -> String {
    match acting(viewer) {
        Some(u) if u.is_admin => "1 = 1".to_string(),
        Some(_) => format!("({t}.status = 'accepted' OR {t}.proposed_by = ${param})"),
        None => format!("{t}.status = 'accepted'"),
    }
}

#[cfg(test)]
#[path = "library_tests.rs"]
mod tests;
