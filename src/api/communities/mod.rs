//! `/api/v1/communities`: the directory, one community, creation and
//! settings, membership (join, leave, requests), members and roles,
//! ownership, archiving, invitations, and the administrators' approval of
//! new communities.
//!
//! The handlers call the operations the pages call too
//! (`crate::communities::ops`), which ask `crate::policy`, and the shared
//! listings (`crate::communities::{directory, members, invitations}`): a
//! community the caller may not read is 404, a readable one the caller may
//! not act on is 403, a rule that forbids the action now (last owner,
//! archived…) is 409 with a stable code.
//!
//! This file: the router and the conversions to the wire; `schema` (the
//! wire types), `community` (directory, one community, creation, settings,
//! ownership, archiving), `members` (membership, requests, members, roles),
//! `invitations`, `admin` (approval of new communities).

use axum::Router;
use axum::routing::{delete, get, post, put};

use super::wire::rfc3339;
use crate::accounts::User;
use crate::communities::access::{self, Loaded};
use crate::communities::{self, Community};
use crate::error::{AppError, AppResult};
use crate::policy::{self, Action, Membership};
use crate::state::AppState;

mod admin;
mod community;
mod invitations;
mod members;
mod schema;

// The handlers and their OpenAPI paths (`__path_*`), named by `api::ApiDoc`
// as `communities::<handler>`, and the wire types.
pub use admin::*;
pub use community::*;
pub use invitations::*;
pub use members::*;
pub use schema::*;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/communities", get(list).post(create))
        .route("/communities/{slug}", get(show).patch(update))
        .route("/communities/{slug}/join", post(join))
        .route("/communities/{slug}/leave", post(leave))
        .route("/communities/{slug}/requests", get(requests).post(ask))
        .route(
            "/communities/{slug}/requests/{user_id}/approve",
            post(approve_request),
        )
        .route(
            "/communities/{slug}/requests/{user_id}/refuse",
            post(refuse_request),
        )
        .route("/communities/{slug}/members", get(members))
        .route(
            "/communities/{slug}/members/{user_id}",
            delete(remove_member),
        )
        .route("/communities/{slug}/members/{user_id}/role", put(set_role))
        .route("/communities/{slug}/transfer", post(transfer))
        .route("/communities/{slug}/archive", post(archive))
        .route("/communities/{slug}/reopen", post(reopen))
        .route(
            "/communities/{slug}/invitations",
            get(invitations).post(create_invitation),
        )
        .route("/communities/{slug}/invitations/redeem", post(redeem))
        .route(
            "/communities/{slug}/invitations/{id}",
            delete(revoke_invitation),
        )
        .route("/communities/{slug}/approve", post(approve_community))
        .route("/communities/{slug}/refuse", post(refuse_community))
        .route("/admin/communities/pending", get(pending))
}

// ---- conversions ----------------------------------------------------------------------

fn summary(
    state: &AppState,
    viewer: Option<&User>,
    c: &Community,
    m: Option<Membership>,
) -> CommunitySummary {
    CommunitySummary {
        slug: c.slug.clone(),
        name: c.name.clone(),
        description: c.description.clone(),
        theme: (!c.theme.is_empty()).then(|| c.theme.clone()),
        territory: (!c.territory.is_empty()).then(|| c.territory.clone()),
        territory_name: (!c.territory_name.is_empty()).then(|| c.territory_name.clone()),
        visibility: c.visibility.into(),
        join_policy: c.join_policy.into(),
        status: c.status.into(),
        member_count: c.member_count,
        // What the card shows to whoever may not read it (the policy).
        last_activity_at: rfc3339(c.activity_for(viewer, m)),
        url: state.url(&c.path()),
        membership: m.map(Into::into),
    }
}

fn detail(state: &AppState, viewer: Option<&User>, l: &Loaded) -> CommunityDetail {
    let c = &l.c;
    let f = &l.facts;
    let m = l.m;
    let insider = viewer.is_some_and(|u| Some(u.id) == c.created_by)
        || viewer.is_some_and(|u| policy::can(Some(u), Action::Administer));
    let member = l.role().is_some() || l.manage(viewer);
    let readable = l.view(viewer);
    CommunityDetail {
        summary: summary(state, viewer, c, m),
        readable,
        charter: readable.then(|| c.charter.clone()),
        welcome: (readable && member).then(|| c.welcome.clone()),
        created_at: rfc3339(c.created_at),
        status_reason: (insider && !c.status_reason.is_empty()).then(|| c.status_reason.clone()),
        request_note: (insider && !c.request_note.is_empty()).then(|| c.request_note.clone()),
        permissions: CommunityPermissions {
            join: l.join(viewer),
            request_to_join: l.request(viewer),
            post: l.post(viewer),
            moderate: policy::can(viewer, Action::ModerateCommunity { c: f, m }),
            manage: l.manage(viewer),
            own: l.own(viewer),
        },
    }
}

fn member_item(state: &AppState, m: &communities::Member, show_message: bool) -> MemberItem {
    MemberItem {
        user_id: m.user_id,
        username: m.username.clone(),
        display_name: m.display_name.clone(),
        role: m.role.into(),
        state: m.state.into(),
        message: (show_message && !m.message.is_empty()).then(|| m.message.clone()),
        since: rfc3339(m.since),
        url: state.url(&crate::urls::user(&m.username)),
    }
}

async fn reload(state: &AppState, viewer: &User, slug: &str) -> AppResult<Loaded> {
    access::load(state, Some(viewer), slug).await
}

fn manager(l: &Loaded, u: &User) -> AppResult<()> {
    if l.manage(Some(u)) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}
