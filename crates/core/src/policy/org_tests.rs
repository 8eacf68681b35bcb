//! The organisation and initiative rows of the policy, written out from
//! issue 14's rules (never computed from the policy itself).

use super::*;
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

#[test]
fn organisations() {
    let member = user(2, false, Status::Active);
    let admin = user(3, true, Status::Active);
    let suspended = user(4, false, Status::Suspended);
    let o = |status, visibility| OrgFacts {
        id: 1,
        status,
        visibility,
    };
    let pub_ver = o(OrgStatus::Verified, OrgVisibility::Public);
    let unver = o(OrgStatus::Unverified, OrgVisibility::Public);
    let private = o(OrgStatus::Verified, OrgVisibility::Members);
    let view = |v: Option<&User>, o: &OrgFacts, m| can(v, Action::ViewOrganisation { o, m });
    // Verified and public: everyone.
    assert!(view(None, &pub_ver, None));
    assert!(view(Some(&member), &pub_ver, None));
    // Unverified or members-only: members and administrators only.
    for f in [&unver, &private] {
        assert!(!view(None, f, None));
        assert!(!view(Some(&member), f, None));
        assert!(view(Some(&member), f, Some(OrgRole::Member)));
        assert!(view(Some(&admin), f, None));
        // A suspended member acts as nobody.
        assert!(!view(Some(&suspended), f, Some(OrgRole::Admin)));
    }
    let edit = |v: Option<&User>, m| can(v, Action::EditOrganisation { o: &pub_ver, m });
    assert!(!edit(Some(&member), Some(OrgRole::Member)));
    assert!(edit(Some(&member), Some(OrgRole::Admin)));
    assert!(edit(Some(&admin), None));
    assert!(!edit(None, Some(OrgRole::Admin)));
    assert!(can(
        Some(&member),
        Action::ClaimOrganisation {
            o: &pub_ver,
            m: None
        }
    ));
    assert!(!can(
        Some(&member),
        Action::ClaimOrganisation {
            o: &pub_ver,
            m: Some(OrgRole::Member)
        }
    ));
    assert!(!can(Some(&member), Action::VerifyOrganisations));
    assert!(can(Some(&admin), Action::VerifyOrganisations));
    assert!(system_may(Action::VerifyOrganisations));
    assert!(!system_may(Action::CreateOrganisation));
}

#[test]
fn initiatives() {
    let proposer = user(2, false, Status::Active);
    let other = user(5, false, Status::Active);
    let admin = user(3, true, Status::Active);
    let i = |status| InitiativeFacts {
        id: 1,
        status,
        proposed_by: Some(2),
    };
    let proposed = i(InitiativeStatus::Proposed);
    let validated = i(InitiativeStatus::Validated);
    let refused = i(InitiativeStatus::Refused);
    let view = |v: Option<&User>, i: &InitiativeFacts| can(v, Action::ViewInitiative { i });
    assert!(view(None, &validated));
    assert!(!view(None, &proposed));
    assert!(!view(Some(&other), &proposed));
    assert!(view(Some(&proposer), &proposed));
    assert!(view(Some(&admin), &proposed));
    assert!(!view(Some(&other), &refused));
    assert!(view(Some(&proposer), &refused));
    let edit = |v: Option<&User>, i: &InitiativeFacts| can(v, Action::EditInitiative { i });
    assert!(edit(Some(&proposer), &proposed));
    assert!(!edit(Some(&proposer), &validated));
    assert!(edit(Some(&admin), &validated));
    assert!(!can(Some(&proposer), Action::ModerateInitiatives));
    assert!(can(Some(&admin), Action::ModerateInitiatives));
    assert!(!system_may(Action::ProposeInitiative));
    assert!(system_may(Action::ModerateInitiatives));
}
