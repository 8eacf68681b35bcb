//! The one permission policy: every channel (pages, API, feeds, e-mail,
//! export, federation) asks here whether a viewer may see or do something.
//! Later capabilities (communities, publications…) add their rules here.

use crate::accounts::{Status, User};

#[derive(Debug, Clone, Copy)]
pub enum Action<'a> {
    /// See the administration area and its data.
    Administer,
    /// Suspend, promote or approve a person.
    ManageUser { target: &'a User },
    /// See a person's profile page or API record.
    ViewProfile { target: &'a User },
    /// See a person's e-mail address.
    ViewEmail { target: &'a User },
    /// Change one's own account, profile, sessions and tokens.
    EditAccount { target: &'a User },
}

/// A viewer able to act: signed in and active. Suspended or pending
/// accounts act as nobody (their sessions are also ended when suspended).
fn acting(viewer: Option<&User>) -> Option<&User> {
    viewer.filter(|u| u.status == Status::Active && u.domain.is_none())
}

pub fn can(viewer: Option<&User>, action: Action<'_>) -> bool {
    let v = acting(viewer);
    let is_admin = v.is_some_and(|u| u.is_admin);
    match action {
        Action::Administer => is_admin,
        Action::ManageUser { target } => is_admin && v.is_some_and(|u| u.id != target.id),
        Action::ViewProfile { target } => {
            target.status == Status::Active || is_admin || v.is_some_and(|u| u.id == target.id)
        }
        Action::ViewEmail { target } => is_admin || v.is_some_and(|u| u.id == target.id),
        Action::EditAccount { target } => v.is_some_and(|u| u.id == target.id),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(id: i64, admin: bool, status: Status) -> User {
        User {
            id,
            username: format!("u{id}"),
            domain: None,
            email: Some(format!("u{id}@x.ca")),
            email_verified: true,
            password_hash: None,
            display_name: String::new(),
            bio: String::new(),
            locale: "fr-CA".into(),
            avatar_id: None,
            is_admin: admin,
            status,
            status_reason: String::new(),
            registration_note: String::new(),
            created_at: 0,
            last_login_at: None,
        }
    }

    /// viewer × target-state matrix for every foundation action.
    #[test]
    fn matrix() {
        let admin = user(1, true, Status::Active);
        let member = user(2, false, Status::Active);
        let suspended_admin = user(3, true, Status::Suspended);
        let other = user(4, false, Status::Active);
        let pending = user(5, false, Status::Pending);
        let suspended = user(6, false, Status::Suspended);

        assert!(can(Some(&admin), Action::Administer));
        assert!(!can(Some(&member), Action::Administer));
        assert!(!can(Some(&suspended_admin), Action::Administer));
        assert!(!can(None, Action::Administer));

        assert!(can(Some(&admin), Action::ManageUser { target: &member }));
        assert!(
            !can(Some(&admin), Action::ManageUser { target: &admin }),
            "no self-demotion"
        );
        assert!(!can(Some(&member), Action::ManageUser { target: &other }));

        for t in [&member, &other] {
            assert!(can(None, Action::ViewProfile { target: t }));
        }
        for hidden in [&pending, &suspended] {
            assert!(!can(None, Action::ViewProfile { target: hidden }));
            assert!(!can(Some(&member), Action::ViewProfile { target: hidden }));
            assert!(can(Some(&admin), Action::ViewProfile { target: hidden }));
        }

        assert!(can(Some(&member), Action::ViewEmail { target: &member }));
        assert!(!can(Some(&member), Action::ViewEmail { target: &other }));
        assert!(!can(None, Action::ViewEmail { target: &other }));
        assert!(can(Some(&admin), Action::ViewEmail { target: &other }));

        assert!(can(Some(&member), Action::EditAccount { target: &member }));
        assert!(!can(Some(&admin), Action::EditAccount { target: &member }));
        assert!(!can(
            Some(&suspended),
            Action::EditAccount { target: &suspended }
        ));
    }
}
