//! The event rows of the policy, written out from issue 15's rules (never
//! computed from the policy itself): an event is read through its
//! communities as a publication is found without its link.

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

fn c(visibility: Visibility) -> CommunityFacts {
    CommunityFacts {
        id: 1,
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
fn events() {
    let anyone = user(2, false, Status::Active);
    let organiser = user(3, false, Status::Active);
    let admin = user(4, true, Status::Active);
    let suspended = user(5, false, Status::Suspended);
    let org = Some(3);
    let open = [(c(Visibility::Open), None)];
    let private_out = [(c(Visibility::Private), None)];
    let private_in = [(c(Visibility::Private), MEMBER)];
    let unlisted_out = [(c(Visibility::Unlisted), None)];
    let unlisted_in = [(c(Visibility::Unlisted), MEMBER)];
    let both = [(c(Visibility::Private), None), (c(Visibility::Open), None)];
    let view = |v: Option<&User>, via: &[(CommunityFacts, Option<Membership>)]| {
        can(
            v,
            Action::ViewEvent {
                organiser: org,
                via,
            },
        )
    };
    // (viewer, communities, sees)
    let rows: Vec<(Option<&User>, &[(CommunityFacts, Option<Membership>)], bool)> = vec![
        (None, &open[..], true),
        (Some(&anyone), &open[..], true),
        (None, &private_out[..], false),
        (Some(&anyone), &private_out[..], false),
        (Some(&anyone), &private_in[..], true),
        (Some(&suspended), &private_in[..], false),
        (None, &unlisted_out[..], false),
        (Some(&anyone), &unlisted_out[..], false),
        (Some(&anyone), &unlisted_in[..], true),
        (Some(&anyone), &both[..], true),
        (Some(&organiser), &private_out[..], true),
        (Some(&admin), &private_out[..], true),
    ];
    for (i, (v, via, sees)) in rows.iter().enumerate() {
        assert_eq!(view(*v, via), *sees, "row {i}");
    }
    let manage_as =
        |v: Option<&User>, via: &[(CommunityFacts, Option<Membership>)], remote: bool| {
            can(
                v,
                Action::ManageEvent {
                    organiser: org,
                    via,
                    remote,
                },
            )
        };
    let manage =
        |v: Option<&User>, via: &[(CommunityFacts, Option<Membership>)]| manage_as(v, via, false);
    assert!(manage(Some(&organiser), &open));
    assert!(!manage(Some(&anyone), &open));
    assert!(!manage(Some(&anyone), &private_in));
    assert!(manage(Some(&anyone), &[(c(Visibility::Open), MODERATOR)]));
    assert!(manage(Some(&admin), &open));
    assert!(!manage(None, &open));
    // An event of another instance (issue 18) is managed where it comes
    // from: by nobody here — its organiser's shadow account, moderators,
    // administrators and the command line included.
    let moderated = [(c(Visibility::Open), MODERATOR)];
    for v in [Some(&organiser), Some(&admin), Some(&anyone), None] {
        assert!(!manage_as(v, &open, true));
        assert!(!manage_as(v, &moderated, true));
    }
    assert!(!system_may(Action::ManageEvent {
        organiser: None,
        via: &open,
        remote: true,
    }));
    let rsvp = |v: Option<&User>, via: &[(CommunityFacts, Option<Membership>)]| {
        can(
            v,
            Action::RsvpEvent {
                organiser: org,
                via,
            },
        )
    };
    assert!(!rsvp(None, &open));
    assert!(rsvp(Some(&anyone), &open));
    assert!(!rsvp(Some(&anyone), &private_out));
    assert!(!rsvp(Some(&suspended), &open));
    assert!(system_may(Action::ViewEvent {
        organiser: None,
        via: &private_out
    }));
    assert!(system_may(Action::ManageEvent {
        organiser: None,
        via: &private_out,
        remote: false,
    }));
    assert!(!system_may(Action::RsvpEvent {
        organiser: None,
        via: &open
    }));
}

/// An event's image: as its event, public only when anyone sees the event.
#[test]
fn event_image() {
    let anyone = user(2, false, Status::Active);
    let member = user(6, false, Status::Active);
    let admin = user(4, true, Status::Active);
    let org = Some(3);
    let organiser = user(3, false, Status::Active);
    let open = [(c(Visibility::Open), None)];
    let open_in = [(c(Visibility::Open), MEMBER)];
    let private_out = [(c(Visibility::Private), None)];
    let private_in = [(c(Visibility::Private), MEMBER)];
    let unlisted_in = [(c(Visibility::Unlisted), MEMBER)];
    let unlisted_out = [(c(Visibility::Unlisted), None)];
    use MediaSight::{Hidden, Private, Public};
    let rows: [(
        Option<&User>,
        &[(CommunityFacts, Option<Membership>)],
        MediaSight,
    ); 10] = [
        (None, &open, Public),
        (Some(&anyone), &open, Public),
        (Some(&member), &open_in, Public),
        (None, &private_out, Hidden),
        (Some(&anyone), &private_out, Hidden),
        (Some(&member), &private_in, Private),
        (Some(&organiser), &private_out, Private),
        (Some(&admin), &private_out, Private),
        (Some(&member), &unlisted_in, Private),
        (Some(&anyone), &unlisted_out, Hidden),
    ];
    for (i, (viewer, via, want)) in rows.iter().enumerate() {
        assert_eq!(event_media_sight(*viewer, org, via), *want, "row {i}");
    }
}
