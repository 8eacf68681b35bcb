//! A community as one viewer sees it: the community, the viewer's
//! membership, and what the policy lets them do there. Loaded once per
//! request by every entry point (pages, API) and by the operations.

use crate::accounts::User;
use crate::error::{AppError, AppResult};
use crate::policy::{self, Action, CommunityFacts, MemberState, Membership, Role};
use crate::state::AppState;

use super::Community;

/// A community with the viewer's membership, already known to be readable
/// by the viewer.
pub struct Loaded {
    pub c: Community,
    pub m: Option<Membership>,
    pub facts: CommunityFacts,
}

impl Loaded {
    pub fn new(c: Community, m: Option<Membership>) -> Loaded {
        let facts = c.facts();
        Loaded { c, m, facts }
    }
    pub fn view(&self, u: Option<&User>) -> bool {
        policy::can(
            u,
            Action::ViewCommunity {
                c: &self.facts,
                m: self.m,
            },
        )
    }
    /// May the viewer see the community's card (name, description, badges,
    /// member count, how to join), if not its content? Everyone, for an
    /// active or archived community, except people banned from a private
    /// one; a pending or refused one: its creator and administrators.
    pub fn card(&self, u: Option<&User>) -> bool {
        policy::can(
            u,
            Action::ViewCommunityCard {
                c: &self.facts,
                m: self.m,
            },
        )
    }
    pub fn join(&self, u: Option<&User>) -> bool {
        policy::can(
            u,
            Action::JoinCommunity {
                c: &self.facts,
                m: self.m,
            },
        )
    }
    pub fn request(&self, u: Option<&User>) -> bool {
        policy::can(
            u,
            Action::RequestToJoin {
                c: &self.facts,
                m: self.m,
            },
        )
    }
    pub fn post(&self, u: Option<&User>) -> bool {
        policy::can(
            u,
            Action::PostInCommunity {
                c: &self.facts,
                m: self.m,
            },
        )
    }
    pub fn manage(&self, u: Option<&User>) -> bool {
        policy::can(
            u,
            Action::ManageCommunity {
                c: &self.facts,
                m: self.m,
            },
        )
    }
    pub fn own(&self, u: Option<&User>) -> bool {
        policy::can(
            u,
            Action::OwnCommunity {
                c: &self.facts,
                m: self.m,
            },
        )
    }
    /// The viewer's role when an active member.
    pub fn role(&self) -> Option<Role> {
        self.m
            .filter(|m| m.state == MemberState::Active)
            .map(|m| m.role)
    }
    pub fn state(&self) -> Option<MemberState> {
        self.m.map(|m| m.state)
    }
}

/// The community at `slug` if `viewer` may read it; 404 otherwise (also
/// when it exists but is private: its existence is not revealed).
pub async fn load(state: &AppState, viewer: Option<&User>, slug: &str) -> AppResult<Loaded> {
    let c = super::by_slug(&state.db, slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let m = super::membership(&state.db, c.id, viewer).await?;
    let l = Loaded::new(c, m);
    if !l.view(viewer) {
        return Err(AppError::NotFound);
    }
    Ok(l)
}

/// The community at `slug` if `viewer` may at least see its card (a
/// private community seen from outside); 404 otherwise. Callers that show
/// or act on content check `Loaded::view` (or use `load`).
pub async fn load_card(state: &AppState, viewer: Option<&User>, slug: &str) -> AppResult<Loaded> {
    let c = super::by_slug(&state.db, slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let m = super::membership(&state.db, c.id, viewer).await?;
    let l = Loaded::new(c, m);
    if !l.card(viewer) {
        return Err(AppError::NotFound);
    }
    Ok(l)
}
