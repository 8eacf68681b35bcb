//! The audience rules, case by case (the integration tests run them over
//! HTTP on both engines: tests/it/privacy.rs and the matrix).

use super::*;
use crate::accounts::Status;

fn user(id: i64, admin: bool) -> User {
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
        status: Status::Active,
        status_reason: String::new(),
        registration_note: String::new(),
        created_at: 0,
        last_login_at: None,
    }
}

fn community(id: i64, visibility: Visibility) -> CommunityFacts {
    CommunityFacts {
        id,
        visibility,
        join_policy: JoinPolicy::Request,
        status: CommunityStatus::Active,
        created_by: Some(1),
    }
}

fn shared(c: CommunityFacts, m: Option<Membership>, added_at: i64) -> SharedIn {
    SharedIn {
        community: c,
        membership: m,
        status: ContentStatus::Visible,
        added_at,
    }
}

fn member() -> Option<Membership> {
    Some(Membership {
        role: Role::Member,
        state: MemberState::Active,
    })
}

fn moderator() -> Option<Membership> {
    Some(Membership {
        role: Role::Moderator,
        state: MemberState::Active,
    })
}

#[test]
fn an_unlisted_publication_is_read_by_its_link_not_found_by_its_id() {
    let outsider = user(4, false);
    let insider = user(5, false);
    let admin = user(1, true);
    let unlisted = community(20, Visibility::Unlisted);
    let out = [shared(unlisted.clone(), None, 0)];
    let ins = [shared(unlisted.clone(), member(), 0)];
    let v = ContentStatus::Visible;
    for (who, links) in [(None, &out), (Some(&outsider), &out)] {
        assert_eq!(
            publication_sight(who, Some(3), v, links, Reach::Found),
            Sight::None
        );
        assert_eq!(
            publication_sight(who, Some(3), v, links, Reach::Link),
            Sight::Full
        );
    }
    assert_eq!(
        publication_sight(Some(&insider), Some(3), v, &ins, Reach::Found),
        Sight::Full
    );
    assert_eq!(
        publication_sight(Some(&admin), Some(3), v, &out, Reach::Found),
        Sight::Full
    );
    // Also shared in an open community: found there by anyone.
    let both = [
        shared(unlisted.clone(), None, 0),
        shared(community(21, Visibility::Open), None, 0),
    ];
    assert_eq!(
        publication_sight(None, Some(3), v, &both, Reach::Found),
        Sight::Full
    );
    // The action and the system.
    assert!(!can(
        None,
        Action::FindCommunityContent {
            c: &unlisted,
            m: None
        }
    ));
    assert!(system_may(Action::FindCommunityContent {
        c: &unlisted,
        m: None
    }));
}

#[test]
fn what_was_written_before_a_wider_sharing_stays_with_its_audience() {
    let insider = user(5, false);
    let outsider = user(4, false);
    let private = community(10, Visibility::Private);
    let open = community(11, Visibility::Open);
    // Private from t=100, shared into the open community at t=200.
    let as_outsider = [
        shared(private.clone(), None, 100),
        shared(open.clone(), None, 200),
    ];
    let as_insider = [
        shared(private.clone(), member(), 100),
        shared(open.clone(), None, 200),
    ];
    for reach in [Reach::Found, Reach::Link] {
        assert!(!written_for(None, 150, 100, &as_outsider, reach));
        assert!(!written_for(Some(&outsider), 150, 100, &as_outsider, reach));
        assert!(written_for(Some(&insider), 150, 100, &as_insider, reach));
        // Written after the sharing: for everyone who reads it.
        assert!(written_for(None, 250, 100, &as_outsider, reach));
        assert!(written_for(Some(&insider), 250, 100, &as_insider, reach));
        // At the very moment it was shared.
        assert!(written_for(None, 200, 100, &as_outsider, reach));
        // Its first communities count from the start (a node's clock behind).
        assert!(written_for(Some(&insider), 90, 100, &as_insider, reach));
        assert!(!written_for(None, 90, 100, &as_outsider, reach));
    }
    // A moderator of the wider community was not in the first audience.
    let as_open_moderator = [
        shared(private.clone(), None, 100),
        shared(open.clone(), moderator(), 200),
    ];
    assert!(!written_for(
        Some(&outsider),
        150,
        100,
        &as_open_moderator,
        Reach::Found
    ));
    // Hidden by the private community's moderators: its members no longer read it there.
    let mut hidden = as_insider.clone();
    hidden[0].status = ContentStatus::Hidden;
    assert!(!written_for(
        Some(&insider),
        150,
        100,
        &hidden,
        Reach::Found
    ));
    // Instance admins moderate everywhere.
    assert!(written_for(
        Some(&user(1, true)),
        150,
        100,
        &as_outsider,
        Reach::Found
    ));
}

#[test]
fn only_the_author_or_a_moderator_widens_an_audience() {
    let author = user(3, false);
    let member_user = user(5, false);
    let moderator_user = user(6, false);
    let private = community(10, Visibility::Private);
    let open = community(11, Visibility::Open);
    let other_private = community(12, Visibility::Private);
    let unlisted = community(13, Visibility::Unlisted);
    let v = ContentStatus::Visible;
    let in_private = |m| [shared(private.clone(), m, 0)];
    for into in [&open, &other_private, &unlisted] {
        assert_eq!(
            share_rule(
                Some(&member_user),
                Some(3),
                v,
                &in_private(member()),
                into,
                member()
            ),
            ShareRule::Refused,
            "a member may not widen someone else's private publication into {:?}",
            into.visibility
        );
        assert_eq!(
            share_rule(
                Some(&author),
                Some(3),
                v,
                &in_private(member()),
                into,
                member()
            ),
            ShareRule::Allowed
        );
        assert_eq!(
            share_rule(
                Some(&moderator_user),
                Some(3),
                v,
                &in_private(moderator()),
                into,
                member()
            ),
            ShareRule::NotifyAuthor
        );
        // Nobody may share where they may not post.
        assert_eq!(
            share_rule(Some(&author), Some(3), v, &in_private(member()), into, None),
            ShareRule::Refused
        );
    }
    // Already public (visible in an open community): anyone who may post there.
    let public = [
        shared(private.clone(), member(), 0),
        shared(open.clone(), None, 0),
    ];
    assert!(already_public(v, &public));
    assert_eq!(
        share_rule(
            Some(&member_user),
            Some(3),
            v,
            &public,
            &other_private,
            member()
        ),
        ShareRule::Allowed
    );
    // …unless its open community removed it.
    let mut removed = public.clone();
    removed[1].status = ContentStatus::Removed;
    assert!(!already_public(v, &removed));
    assert_eq!(
        share_rule(
            Some(&member_user),
            Some(3),
            v,
            &removed,
            &other_private,
            member()
        ),
        ShareRule::Refused
    );
    // Anonymous never.
    assert_eq!(
        share_rule(None, Some(3), v, &public, &open, None),
        ShareRule::Refused
    );
}

#[test]
fn a_private_community_shows_outsiders_only_its_card_date() {
    let private = community(10, Visibility::Private);
    let open = community(11, Visibility::Open);
    let outsider = user(4, false);
    let insider = user(5, false);
    assert_eq!(community_activity_at(None, &private, None, 100, 900), 100);
    assert_eq!(
        community_activity_at(Some(&outsider), &private, None, 100, 900),
        100
    );
    assert_eq!(
        community_activity_at(Some(&insider), &private, member(), 100, 900),
        900
    );
    assert_eq!(
        community_activity_at(Some(&user(1, true)), &private, None, 100, 900),
        900
    );
    assert_eq!(community_activity_at(None, &open, None, 900, 900), 900);
    assert_eq!(
        public_activity_sql("c.", 3),
        "CASE WHEN c.visibility = 'private' THEN c.last_activity_at ELSE $3 END"
    );
}

#[test]
fn stored_images_follow_their_owner() {
    let active = user(7, false);
    let mut suspended = user(8, false);
    suspended.status = Status::Suspended;
    let admin = user(1, true);
    assert_eq!(avatar_sight(None, &active), MediaSight::Public);
    assert_eq!(avatar_sight(None, &suspended), MediaSight::Hidden);
    assert_eq!(avatar_sight(Some(&active), &suspended), MediaSight::Hidden);
    assert_eq!(avatar_sight(Some(&admin), &suspended), MediaSight::Private);
    assert_eq!(
        avatar_sight(Some(&suspended), &suspended),
        MediaSight::Hidden
    );

    let v = ContentStatus::Visible;
    let open = [shared(community(11, Visibility::Open), None, 0)];
    let private = [shared(community(10, Visibility::Private), None, 0)];
    let private_member = [shared(community(10, Visibility::Private), member(), 0)];
    let unlisted = [shared(community(13, Visibility::Unlisted), None, 0)];
    assert_eq!(
        content_media_sight(None, Some(3), v, &open, Reach::Found),
        MediaSight::Public
    );
    assert_eq!(
        content_media_sight(Some(&active), Some(3), v, &private, Reach::Found),
        MediaSight::Hidden
    );
    assert_eq!(
        content_media_sight(Some(&active), Some(3), v, &private_member, Reach::Found),
        MediaSight::Private
    );
    assert_eq!(
        content_media_sight(None, Some(3), v, &unlisted, Reach::Found),
        MediaSight::Hidden
    );
    assert_eq!(
        content_media_sight(None, Some(3), v, &unlisted, Reach::Link),
        MediaSight::Private
    );
    assert_eq!(tool_icon_sight(None), MediaSight::Hidden);
    assert_eq!(tool_icon_sight(Some(&active)), MediaSight::Private);
    assert_eq!(tool_icon_sight(Some(&suspended)), MediaSight::Hidden);
}
