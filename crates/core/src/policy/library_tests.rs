//! The library's rows of the policy, written out from issue 19's rules
//! (never computed from the policy itself).

use super::super::*;
use crate::accounts::Status;

fn user(id: i64, admin: bool, status: Status) -> User {
    User {
        id,
        username: format!("u{id}"),
        domain: None,
        email: None,
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

fn community(visibility: Visibility) -> CommunityFacts {
    CommunityFacts {
        id: 7,
        visibility,
        join_policy: JoinPolicy::Open,
        status: CommunityStatus::Active,
        created_by: None,
    }
}

const MEMBER: Option<Membership> = Some(Membership {
    role: Role::Member,
    state: MemberState::Active,
});
const MODERATOR: Option<Membership> = Some(Membership {
    role: Role::Moderator,
    state: MemberState::Active,
});

#[test]
fn resources() {
    let contributor = user(2, false, Status::Active);
    let outsider = user(3, false, Status::Active);
    let admin = user(4, true, Status::Active);
    let suspended = user(5, false, Status::Suspended);
    let r = |in_library, visible| ResourceFacts {
        id: 1,
        in_library,
        visible,
        created_by: Some(2),
    };
    let view =
        |v: Option<&User>, r: &ResourceFacts, via: &[(CommunityFacts, Option<Membership>)]| {
            can(v, Action::ViewResource { r, via })
        };
    let edit =
        |v: Option<&User>, r: &ResourceFacts, via: &[(CommunityFacts, Option<Membership>)]| {
            can(v, Action::EditResource { r, via })
        };
    let open_out = [(community(Visibility::Open), None)];
    let private_in = [(community(Visibility::Private), MEMBER)];
    let private_out = [(community(Visibility::Private), None)];
    let unlisted_out = [(community(Visibility::Unlisted), None)];
    let unlisted_in = [(community(Visibility::Unlisted), MEMBER)];
    let plain = r(false, true);
    // Open community: everyone reads.
    assert!(view(None, &plain, &open_out));
    // Private: members only (and administrators); private everywhere else.
    assert!(!view(None, &plain, &private_out));
    assert!(!view(Some(&outsider), &plain, &private_out));
    assert!(view(Some(&contributor), &plain, &private_in));
    assert!(view(Some(&admin), &plain, &private_out));
    assert!(
        !view(Some(&suspended), &plain, &private_in),
        "suspended acts as nobody"
    );
    // Unlisted: members only (no by-link key for resources).
    assert!(!view(None, &plain, &unlisted_out));
    assert!(view(Some(&contributor), &plain, &unlisted_in));
    // The instance library: everyone, even when also in a private community.
    assert!(view(None, &r(true, true), &private_out));
    assert!(view(None, &r(true, true), &[]));
    // Removed: administrators only.
    assert!(!view(None, &r(true, false), &open_out));
    assert!(!view(Some(&contributor), &r(false, false), &private_in));
    assert!(view(Some(&admin), &r(false, false), &private_out));
    // Editing: the contributor while they may read it, moderators, administrators.
    assert!(edit(Some(&contributor), &plain, &private_in));
    assert!(
        !edit(Some(&contributor), &plain, &private_out),
        "left the community"
    );
    assert!(!edit(Some(&outsider), &plain, &open_out));
    assert!(edit(
        Some(&outsider),
        &plain,
        &[(community(Visibility::Open), MODERATOR)]
    ));
    assert!(edit(Some(&admin), &plain, &[]));
    assert!(!edit(None, &r(true, true), &[]));
    // The instance library is curated by administrators.
    assert!(can(Some(&admin), Action::CurateLibrary));
    assert!(!can(Some(&contributor), Action::CurateLibrary));
    assert!(system_may(Action::CurateLibrary));
}

#[test]
fn lexicon() {
    let proposer = user(2, false, Status::Active);
    let other = user(3, false, Status::Active);
    let editor = user(4, true, Status::Active);
    let t = |accepted| TermFacts {
        id: 1,
        accepted,
        proposed_by: Some(2),
    };
    assert!(can(None, Action::ViewTerm { t: &t(true) }));
    assert!(!can(None, Action::ViewTerm { t: &t(false) }));
    assert!(!can(Some(&other), Action::ViewTerm { t: &t(false) }));
    assert!(can(Some(&proposer), Action::ViewTerm { t: &t(false) }));
    assert!(can(Some(&editor), Action::ViewTerm { t: &t(false) }));
    assert!(can(Some(&other), Action::ProposeTerm));
    assert!(!can(None, Action::ProposeTerm));
    assert!(!can(Some(&proposer), Action::EditLexicon));
    assert!(can(Some(&editor), Action::EditLexicon));
    assert!(!system_may(Action::ProposeTerm));
    assert!(system_may(Action::EditLexicon));
}
