//! Audiences: the rules for the traces content leaves besides itself —
//! how a publication was reached (its link), who may widen its audience
//! by sharing it, what of it a wider audience sees afterwards, which
//! activity date a community shows, and who may see a stored image. Part
//! of the one policy (ARCHITECTURE.md, "Private traces").

use super::*;

/// How a viewer came to a publication.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// By what they can find: its bare address `/p/{id}`, a listing, a tag
    /// page, search, a hint. An unlisted community's content is found only
    /// by its members (`Action::FindCommunityContent`).
    Found,
    /// With its link (`/p/{id}?k=…`, which carries the publication's key):
    /// an unlisted community's page gives it, a member passes it on, a
    /// notification carries it. Whoever holds it reads what the unlisted
    /// community would show them.
    Link,
}

/// May `viewer` read what is shared in `l`'s community, having come by `reach`?
pub(super) fn readable_through(viewer: Option<&User>, l: &SharedIn, reach: Reach) -> bool {
    let c = &l.community;
    let m = l.membership;
    match reach {
        Reach::Found => can(viewer, Action::FindCommunityContent { c, m }),
        Reach::Link => can(viewer, Action::ViewCommunity { c, m }),
    }
}

fn moderates(viewer: Option<&User>, l: &SharedIn) -> bool {
    can(
        viewer,
        Action::ModerateCommunity {
            c: &l.community,
            m: l.membership,
        },
    )
}

/// Replies and earlier versions belong to the audience the publication
/// had when they were written: something written at `written_at` is shown
/// to `viewer` only through a community the publication was already shared
/// in at that moment (readable there and visible, or moderated by them).
/// Sharing later into a wider community therefore never widens what was
/// said before: a reply written in a private community stays with its
/// members, and an earlier version of the text, replaced before the
/// sharing, is never shown to the new readers. The communities it was
/// published in (shared by `published_at`, its creation) count from the
/// start, whatever the clocks of the nodes that wrote the reply said.
pub fn written_for(
    viewer: Option<&User>,
    written_at: i64,
    published_at: i64,
    links: &[SharedIn],
    reach: Reach,
) -> bool {
    let at = written_at.max(published_at);
    links.iter().any(|l| {
        l.added_at <= at
            && ((readable_through(viewer, l, reach) && l.status == ContentStatus::Visible)
                || moderates(viewer, l))
    })
}

/// Whether a publication is already public: itself visible and visible
/// in an open community (active or archived). Sharing it further widens
/// nothing.
pub fn already_public(status: ContentStatus, links: &[SharedIn]) -> bool {
    status == ContentStatus::Visible
        && links.iter().any(|l| {
            l.status == ContentStatus::Visible
                && l.community.visibility == Visibility::Open
                && matches!(
                    l.community.status,
                    CommunityStatus::Active | CommunityStatus::Archived
                )
        })
}

/// What the policy says about sharing a publication into a community.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShareRule {
    /// Not by this person (or not into that community).
    Refused,
    /// Yes.
    Allowed,
    /// Yes, and its author is told (a moderator widened its audience).
    NotifyAuthor,
}

/// May `viewer` share a publication (by `author_id`, in state `status`,
/// shared in `links`) into `into`, where their membership is `m`?
///
/// The rule: one must be able to post in `into` (`PostInCommunity`). A
/// publication that is already public (`already_public`) may then be shared
/// by anyone: no audience grows. Otherwise sharing widens its audience (the
/// new community's readers are not all among its readers — we do not try to
/// prove that they are), and only its **author** may do it, or a
/// **moderator** of a community it is shared in — the author is then
/// notified. Whatever the rule allows, replies and earlier versions keep
/// the audience they were written for (`written_for`).
pub fn share_rule(
    viewer: Option<&User>,
    author_id: Option<i64>,
    status: ContentStatus,
    links: &[SharedIn],
    into: &CommunityFacts,
    m: Option<Membership>,
) -> ShareRule {
    let Some(v) = acting(viewer) else {
        return ShareRule::Refused;
    };
    if !can(viewer, Action::PostInCommunity { c: into, m }) {
        return ShareRule::Refused;
    }
    if already_public(status, links) || Some(v.id) == author_id {
        ShareRule::Allowed
    } else if links.iter().any(|l| moderates(viewer, l)) {
        ShareRule::NotifyAuthor
    } else {
        ShareRule::Refused
    }
}

// ---- community activity --------------------------------------------------------------

/// The activity date of a community as `viewer` is shown it. Content
/// activity moves `inner_at` always and `public_at` only outside private
/// communities (`public_activity_sql`): someone who may not read a private
/// community sees only what its card shows, a date that posting inside
/// never moves. Those who read it see the real one.
pub fn community_activity_at(
    viewer: Option<&User>,
    c: &CommunityFacts,
    m: Option<Membership>,
    public_at: i64,
    inner_at: i64,
) -> i64 {
    if can(viewer, Action::ViewCommunity { c, m }) {
        public_at.max(inner_at)
    } else {
        public_at
    }
}

/// The new value of a community's public activity date (`last_activity_at`,
/// the directory's order) when its content moves at `$t_param`: unchanged
/// for a private community. `prefix` qualifies the columns (`""` or `"c."`).
pub fn public_activity_sql(prefix: &str, t_param: usize) -> String {
    format!(
        "CASE WHEN {prefix}visibility = 'private' THEN {prefix}last_activity_at ELSE ${t_param} END"
    )
}

// ---- stored images ---------------------------------------------------------------------

/// Whether a stored file (avatar, preview image, thumbnail, tool icon) may
/// be served, and how it may be cached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaSight {
    /// Not to this viewer: 404, exactly as for a file that does not exist.
    Hidden,
    /// To this viewer only: `Cache-Control: private`.
    Private,
    /// To anyone, without signing in or holding a link: may be cached by
    /// shared caches (`public`).
    Public,
}

impl MediaSight {
    fn of(viewer_sees: bool, anyone_sees: bool) -> MediaSight {
        match (viewer_sees, anyone_sees) {
            (false, _) => MediaSight::Hidden,
            (true, false) => MediaSight::Private,
            (true, true) => MediaSight::Public,
        }
    }
}

/// A person's avatar: served when their profile is (`ViewProfile`).
pub fn avatar_sight(viewer: Option<&User>, target: &User) -> MediaSight {
    MediaSight::of(
        can(viewer, Action::ViewProfile { target }),
        can(None, Action::ViewProfile { target }),
    )
}

/// A publication's images (its link preview, its attachments' thumbnails):
/// served when the publication is, as reached; public only when an
/// anonymous reader finds it without a link.
pub fn content_media_sight(
    viewer: Option<&User>,
    author_id: Option<i64>,
    status: ContentStatus,
    links: &[SharedIn],
    reach: Reach,
) -> MediaSight {
    MediaSight::of(
        publication_sight(viewer, author_id, status, links, reach) == Sight::Full,
        publication_sight(None, author_id, status, links, Reach::Found) == Sight::Full,
    )
}

/// An event's image: served when the event is (`ViewEvent`, through its
/// communities, with the viewer's memberships in `via`); public only when
/// an anonymous reader sees the event.
pub fn event_media_sight(
    viewer: Option<&User>,
    organiser: Option<i64>,
    via: &[(CommunityFacts, Option<Membership>)],
) -> MediaSight {
    let anyone: Vec<(CommunityFacts, Option<Membership>)> =
        via.iter().map(|(c, _)| (c.clone(), None)).collect();
    MediaSight::of(
        can(viewer, Action::ViewEvent { organiser, via }),
        can(
            None,
            Action::ViewEvent {
                organiser,
                via: &anyone,
            },
        ),
    )
}

/// A connected tool's icon: signed-in people (who may be sent to any tool
/// and see its consent page) and administrators; never public.
pub fn tool_icon_sight(viewer: Option<&User>) -> MediaSight {
    MediaSight::of(
        can(viewer, Action::SignInToTool) || can(viewer, Action::Administer),
        false,
    )
}

// ---- SQL forms ---------------------------------------------------------------------------

/// The SQL form of `Action::FindCommunityContent` on the community alias
/// `c`, viewer bound at `$param` (when `sql_needs_viewer`): communities
/// this viewer may read, minus unlisted ones they are not an active member
/// of. Tag pages and the tag lookup use it.
pub fn findable_communities_sql(c: &str, viewer: Option<&User>, param: usize) -> String {
    match acting(viewer) {
        Some(u) if u.is_admin => "1 = 1".to_string(),
        Some(_) => format!(
            "({} AND ({c}.visibility <> 'unlisted' OR EXISTS (SELECT 1 FROM memberships um \
             WHERE um.community_id = {c}.id AND um.user_id = ${param} AND um.state = 'active')))",
            readable_communities_sql(c, viewer, param)
        ),
        None => format!("({c}.status IN ('active', 'archived') AND {c}.visibility = 'open')"),
    }
}

#[cfg(test)]
#[path = "audience_tests.rs"]
mod tests;
