//! Who is acting: the party on whose behalf an operation changes state.
//!
//! Every operation (`<domain>::ops`) takes an `Actor` first. Pages and the
//! API act for the signed-in person; the CLI, the job worker and hourly
//! maintenance act as the instance itself. Federation adds `Remote` — a
//! person of another instance, known locally by a shadow account row
//! (`users.domain`, `users.ap_id`), whose verified activities call the same
//! operations through the same code path, asking the same policy (which
//! treats such an account as nobody except where it names people of other
//! instances: `Action::PostFromFediverse`, authorship of what they wrote).

use crate::accounts::User;
use crate::policy::{self, Action};

#[derive(Debug, Clone)]
pub enum Actor {
    /// A local person, signed in through a page, an API token or a tool.
    Person(User),
    /// The instance itself: the command line run by whoever operates the
    /// server, jobs and maintenance. `what` names the entry point for the
    /// audit log and the logs (`"cli"`, `"maintenance"`…).
    System { what: &'static str },
    /// A person of another instance, through a verified ActivityPub
    /// activity (`federation::inbox`): their shadow account.
    Remote(User),
}

impl Actor {
    /// A local person.
    pub fn person(u: &User) -> Actor {
        Actor::Person(u.clone())
    }

    /// The command line.
    pub const CLI: Actor = Actor::System { what: "cli" };

    /// The account acting, when a person acts (the author of what is
    /// written, the one who joins). `None` for the system.
    pub fn user(&self) -> Option<&User> {
        match self {
            Actor::Person(u) | Actor::Remote(u) => Some(u),
            Actor::System { .. } => None,
        }
    }

    /// The account id written in the audit log (`None`: the instance).
    pub fn audit_id(&self) -> Option<i64> {
        self.user().map(|u| u.id)
    }

    /// For logs and audit details: `@username` or `system:cli`.
    pub fn label(&self) -> String {
        match self {
            Actor::Person(u) => format!("@{}", u.username),
            Actor::System { what } => format!("system:{what}"),
            Actor::Remote(u) => format!("remote:{}", u.username),
        }
    }

    /// May this actor do `action`? A person is asked of the one policy
    /// (`policy::can`, which treats suspended or pending accounts as
    /// nobody). The system acts with the instance's own authority: whoever
    /// runs the command line holds the database already, so it may do what
    /// an administrator may — except what only a person can do for
    /// themselves (editing one's own account, signing in to a tool), which
    /// the policy answers for a person only.
    pub fn may(&self, action: Action<'_>) -> bool {
        match self {
            Actor::Person(u) | Actor::Remote(u) => policy::can(Some(u), action),
            Actor::System { .. } => policy::system_may(action),
        }
    }
}
