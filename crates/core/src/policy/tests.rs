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

fn facts(visibility: Visibility, join: JoinPolicy, status: CommunityStatus) -> CommunityFacts {
    CommunityFacts {
        id: 10,
        visibility,
        join_policy: join,
        status,
        created_by: Some(2),
    }
}
fn m(role: Role, state: MemberState) -> Option<Membership> {
    Some(Membership { role, state })
}

/// visibility × viewer for reading, listing and posting.
#[test]
fn community_matrix() {
    use CommunityStatus as S;
    use JoinPolicy as J;
    use MemberState as St;
    use Visibility as V;
    let admin = user(1, true, Status::Active);
    let member = user(2, false, Status::Active);
    let suspended = user(6, false, Status::Suspended);
    let member_m = m(Role::Member, St::Active);
    let mod_m = m(Role::Moderator, St::Active);
    let req_m = m(Role::Member, St::Requested);
    let ban_m = m(Role::Member, St::Banned);
    // (visibility, status, viewer, membership, read, list, post, moderate)
    type Row<'a> = (
        V,
        S,
        Option<&'a User>,
        Option<Membership>,
        bool,
        bool,
        bool,
        bool,
    );
    let rows: Vec<Row> = vec![
        (V::Open, S::Active, None, None, true, true, false, false),
        (
            V::Open,
            S::Active,
            Some(&member),
            None,
            true,
            true,
            false,
            false,
        ),
        (
            V::Open,
            S::Active,
            Some(&member),
            member_m,
            true,
            true,
            true,
            false,
        ),
        (
            V::Open,
            S::Active,
            Some(&member),
            mod_m,
            true,
            true,
            true,
            true,
        ),
        (
            V::Open,
            S::Active,
            Some(&member),
            ban_m,
            true,
            true,
            false,
            false,
        ),
        (
            V::Open,
            S::Archived,
            Some(&member),
            member_m,
            true,
            true,
            false,
            false,
        ),
        (V::Private, S::Active, None, None, false, true, false, false),
        (
            V::Private,
            S::Active,
            Some(&member),
            req_m,
            false,
            true,
            false,
            false,
        ),
        (
            V::Private,
            S::Active,
            Some(&member),
            member_m,
            true,
            true,
            true,
            false,
        ),
        (
            V::Private,
            S::Active,
            Some(&member),
            ban_m,
            false,
            false,
            false,
            false,
        ),
        (
            V::Private,
            S::Active,
            Some(&suspended),
            member_m,
            false,
            true,
            false,
            false,
        ),
        (
            V::Private,
            S::Active,
            Some(&admin),
            None,
            true,
            true,
            false,
            true,
        ),
        (
            V::Unlisted,
            S::Active,
            None,
            None,
            true,
            false,
            false,
            false,
        ),
        (
            V::Unlisted,
            S::Active,
            Some(&member),
            member_m,
            true,
            true,
            true,
            false,
        ),
        (V::Open, S::Pending, None, None, false, false, false, false),
        (
            V::Open,
            S::Pending,
            Some(&member),
            member_m,
            true,
            false,
            false,
            false,
        ),
    ];
    for (i, (vis, st, viewer, mem, read, list, post, moderate)) in rows.into_iter().enumerate() {
        let c = facts(vis, J::Open, st);
        assert_eq!(
            can(viewer, Action::ViewCommunity { c: &c, m: mem }),
            read,
            "row {i} read"
        );
        assert_eq!(
            can(viewer, Action::ListCommunity { c: &c, m: mem }),
            list,
            "row {i} list"
        );
        assert_eq!(
            can(viewer, Action::PostInCommunity { c: &c, m: mem }),
            post,
            "row {i} post"
        );
        assert_eq!(
            can(viewer, Action::ModerateCommunity { c: &c, m: mem }),
            moderate,
            "row {i} moderate"
        );
    }
    let private = facts(V::Private, J::Request, S::Active);
    assert!(
        can(
            None,
            Action::ViewCommunityCard {
                c: &private,
                m: None
            }
        ),
        "outsiders see a private card"
    );
    assert!(
        !can(
            Some(&member),
            Action::ViewCommunityCard {
                c: &private,
                m: ban_m
            }
        ),
        "banned: nothing"
    );
    assert!(can(
        Some(&member),
        Action::RequestToJoin {
            c: &private,
            m: None
        }
    ));
    let pending = facts(V::Open, J::Open, S::Pending);
    assert!(!can(
        None,
        Action::ViewCommunityCard {
            c: &pending,
            m: None
        }
    ));
    assert!(
        can(
            Some(&member),
            Action::ViewCommunityCard {
                c: &pending,
                m: None
            }
        ),
        "its creator (id 2)"
    );
    let open_req = facts(V::Open, J::Request, S::Active);
    assert!(can(
        Some(&member),
        Action::RequestToJoin {
            c: &open_req,
            m: None
        }
    ));
    assert!(!can(
        Some(&member),
        Action::JoinCommunity {
            c: &open_req,
            m: None
        }
    ));
    assert!(!can(
        None,
        Action::RequestToJoin {
            c: &open_req,
            m: None
        }
    ));
    let invite_only = facts(V::Private, J::Invitation, S::Active);
    assert!(!can(
        Some(&member),
        Action::RequestToJoin {
            c: &invite_only,
            m: None
        }
    ));
    assert!(!can(
        Some(&member),
        Action::JoinCommunity {
            c: &invite_only,
            m: None
        }
    ));
    assert!(
        !can(
            Some(&member),
            Action::RequestToJoin {
                c: &open_req,
                m: ban_m
            }
        ),
        "banned cannot ask again"
    );
    assert!(can(
        Some(&member),
        Action::ManageCommunity {
            c: &open_req,
            m: m(Role::Animator, St::Active)
        }
    ));
    assert!(!can(
        Some(&member),
        Action::ManageCommunity {
            c: &open_req,
            m: mod_m
        }
    ));
    assert!(!can(
        Some(&member),
        Action::OwnCommunity {
            c: &open_req,
            m: m(Role::Animator, St::Active)
        }
    ));
}

#[test]
fn publication_sight_through_communities() {
    let member = user(2, false, Status::Active);
    let author = user(3, false, Status::Active);
    let outsider = user(4, false, Status::Active);
    let private = facts(
        Visibility::Private,
        JoinPolicy::Request,
        CommunityStatus::Active,
    );
    let open = CommunityFacts {
        id: 11,
        ..facts(Visibility::Open, JoinPolicy::Open, CommunityStatus::Active)
    };
    let link = |c: &CommunityFacts, mem: Option<Membership>, status| SharedIn {
        community: c.clone(),
        membership: mem,
        status,
        added_at: 0,
    };
    // As found (not by link): what these cases are about.
    let publication_sight = |v, a, s, l: &[SharedIn]| publication_sight(v, a, s, l, Reach::Found);
    let mm = m(Role::Member, MemberState::Active);
    // Shared in a private and an open community: the outsider reads it through the open one.
    let both = [
        link(&private, None, ContentStatus::Visible),
        link(&open, None, ContentStatus::Visible),
    ];
    assert_eq!(
        publication_sight(Some(&outsider), Some(3), ContentStatus::Visible, &both),
        Sight::Full
    );
    // Only in the private one: the outsider sees nothing, the member sees it.
    let only_private = [link(&private, None, ContentStatus::Visible)];
    assert_eq!(
        publication_sight(
            Some(&outsider),
            Some(3),
            ContentStatus::Visible,
            &only_private
        ),
        Sight::None
    );
    assert_eq!(
        publication_sight(None, Some(3), ContentStatus::Visible, &only_private),
        Sight::None
    );
    let as_member = [link(&private, mm, ContentStatus::Visible)];
    assert_eq!(
        publication_sight(Some(&member), Some(3), ContentStatus::Visible, &as_member),
        Sight::Full
    );
    // Removed in the open community: hidden from readers there, the author gets a notice.
    let removed_open = [link(&open, None, ContentStatus::Removed)];
    assert_eq!(
        publication_sight(
            Some(&outsider),
            Some(3),
            ContentStatus::Visible,
            &removed_open
        ),
        Sight::None
    );
    assert_eq!(
        publication_sight(
            Some(&author),
            Some(3),
            ContentStatus::Visible,
            &removed_open
        ),
        Sight::Notice
    );
    // Removed instance-wide; moderators of a community still see it.
    let as_mod = [link(
        &open,
        m(Role::Moderator, MemberState::Active),
        ContentStatus::Visible,
    )];
    assert_eq!(
        publication_sight(Some(&member), Some(3), ContentStatus::Removed, &as_mod),
        Sight::Full
    );
    assert_eq!(
        publication_sight(Some(&author), Some(3), ContentStatus::Removed, &both),
        Sight::Notice
    );
    assert_eq!(
        publication_sight(Some(&outsider), Some(3), ContentStatus::Removed, &both),
        Sight::None
    );
    assert_eq!(
        publication_sight(Some(&author), Some(3), ContentStatus::Deleted, &both),
        Sight::None
    );
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

/// Which tools a viewer sees: instance-wide ones when signed in; a
/// community's tools only as an active member (not as an outsider,
/// an applicant, a banned person, nor an administrator who is not a
/// member), and never in a pending or refused community.
#[test]
fn tools_matrix() {
    use MemberState as St;
    let admin = user(1, true, Status::Active);
    let member = user(2, false, Status::Active);
    let suspended = user(6, false, Status::Suspended);
    let private = facts(
        Visibility::Private,
        JoinPolicy::Request,
        CommunityStatus::Active,
    );
    let open = facts(Visibility::Open, JoinPolicy::Open, CommunityStatus::Active);
    let pending = facts(Visibility::Open, JoinPolicy::Open, CommunityStatus::Pending);
    let member_m = m(Role::Member, St::Active);
    for c in [&private, &open] {
        assert!(can(
            Some(&member),
            Action::SeeCommunityTools { c, m: member_m }
        ));
        assert!(!can(
            Some(&suspended),
            Action::SeeCommunityTools { c, m: member_m }
        ));
        assert!(!can(None, Action::SeeCommunityTools { c, m: member_m }));
        assert!(!can(Some(&admin), Action::SeeCommunityTools { c, m: None }));
        for other in [
            None,
            m(Role::Member, St::Requested),
            m(Role::Owner, St::Banned),
        ] {
            assert!(!can(
                Some(&member),
                Action::SeeCommunityTools { c, m: other }
            ));
        }
    }
    assert!(!can(
        Some(&member),
        Action::SeeCommunityTools {
            c: &pending,
            m: member_m
        }
    ));

    let none: [(CommunityFacts, Option<Membership>); 0] = [];
    assert!(can(
        Some(&member),
        Action::SeeTool {
            instance_wide: true,
            via: &none
        }
    ));
    assert!(!can(
        None,
        Action::SeeTool {
            instance_wide: true,
            via: &none
        }
    ));
    assert!(!can(
        Some(&suspended),
        Action::SeeTool {
            instance_wide: true,
            via: &none
        }
    ));
    assert!(!can(
        Some(&admin),
        Action::SeeTool {
            instance_wide: false,
            via: &none
        }
    ));
    let via = [(open.clone(), None), (private.clone(), member_m)];
    assert!(can(
        Some(&member),
        Action::SeeTool {
            instance_wide: false,
            via: &via
        }
    ));
    let outside = [
        (open.clone(), None),
        (private.clone(), m(Role::Member, St::Requested)),
    ];
    assert!(!can(
        Some(&member),
        Action::SeeTool {
            instance_wide: false,
            via: &outside
        }
    ));
}

/// Federation (issue 18): only open communities, active or archived, are
/// `Group` actors; only active local people who did not opt out are
/// `Person` actors — whoever asks, administrators and the system included.
#[test]
fn federation_matrix() {
    use CommunityStatus as S;
    use Visibility as V;
    let admin = user(1, true, Status::Active);
    for vis in [V::Open, V::Private, V::Unlisted] {
        for st in [S::Active, S::Archived, S::Pending, S::Refused] {
            for join in [
                JoinPolicy::Open,
                JoinPolicy::Request,
                JoinPolicy::Invitation,
            ] {
                let c = facts(vis, join, st);
                let want = vis == V::Open && matches!(st, S::Active | S::Archived);
                for viewer in [None, Some(&admin)] {
                    assert_eq!(
                        can(viewer, Action::FederateCommunity { c: &c, local: true }),
                        want,
                        "{vis:?} {st:?} {join:?}"
                    );
                }
                assert_eq!(
                    system_may(Action::FederateCommunity { c: &c, local: true }),
                    want
                );
            }
        }
    }
    let active = user(2, false, Status::Active);
    let mut remote = user(3, false, Status::Active);
    remote.domain = Some("ailleurs.example".into());
    for (target, opted_out, want) in [
        (&active, false, true),
        (&active, true, false),
        (&remote, false, false),
        (&user(4, false, Status::Suspended), false, false),
        (&user(5, false, Status::Pending), false, false),
    ] {
        let a = Action::FederateProfile { target, opted_out };
        assert_eq!(can(None, a), want, "{} {opted_out}", target.id);
        assert_eq!(can(Some(&admin), a), want);
        assert_eq!(system_may(a), want);
    }
}

#[test]
fn people_of_other_instances_write_only_through_federation() {
    use CommunityStatus as S;
    use Visibility as V;
    let mut remote = user(3, false, Status::Active);
    remote.domain = Some("ailleurs.example".into());
    let local = user(2, false, Status::Active);
    let banned = Some(Membership {
        role: Role::Member,
        state: MemberState::Banned,
    });
    for vis in [V::Open, V::Private, V::Unlisted] {
        for st in [S::Active, S::Archived] {
            let c = facts(vis, JoinPolicy::Open, st);
            let ours = vis == V::Open && st == S::Active;
            let a = |local_c| Action::PostFromFediverse {
                c: &c,
                m: None,
                local: local_c,
            };
            assert_eq!(can(Some(&remote), a(true)), ours, "{vis:?} {st:?}");
            // A remote group's own content: whatever it says it is.
            assert_eq!(can(Some(&remote), a(false)), st == S::Active);
            // Never a local person, nobody, the system; never when banned.
            assert!(!can(Some(&local), a(true)));
            assert!(!can(None, a(true)));
            assert!(!system_may(a(true)));
            assert!(!can(
                Some(&remote),
                Action::PostFromFediverse {
                    c: &c,
                    m: banned,
                    local: true
                }
            ));
            // A remote person never posts as a member would.
            assert!(!can(
                Some(&remote),
                Action::PostInCommunity {
                    c: &c,
                    m: Some(Membership {
                        role: Role::Member,
                        state: MemberState::Active
                    })
                }
            ));
            // A mirrored remote group is not ours to federate.
            assert!(!can(
                None,
                Action::FederateCommunity {
                    c: &c,
                    local: false
                }
            ));
        }
    }
}

#[test]
fn people_of_other_instances_register_for_federated_events_only() {
    use CommunityStatus as S;
    use Visibility as V;
    let mut remote = user(3, false, Status::Active);
    remote.domain = Some("mobilizon.example".into());
    let banned = Some(Membership {
        role: Role::Member,
        state: MemberState::Banned,
    });
    for vis in [V::Open, V::Private, V::Unlisted] {
        for st in [S::Active, S::Archived] {
            let c = facts(vis, JoinPolicy::Open, st);
            let via = [(c.clone(), None)];
            let federated = vis == V::Open;
            assert_eq!(
                can(
                    Some(&remote),
                    Action::RsvpEvent {
                        organiser: Some(1),
                        via: &via
                    }
                ),
                federated,
                "{vis:?} {st:?}"
            );
            // Blocked from the community: never.
            let via = [(c.clone(), banned)];
            assert!(!can(
                Some(&remote),
                Action::RsvpEvent {
                    organiser: Some(1),
                    via: &via
                }
            ));
            // Nobody, still.
            assert!(!can(
                None,
                Action::RsvpEvent {
                    organiser: Some(1),
                    via: &[(c.clone(), None)]
                }
            ));
        }
    }
}
