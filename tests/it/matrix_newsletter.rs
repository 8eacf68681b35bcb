//! The permission matrix's newsletter rows (issue 17), end to end over real
//! HTTP, in the manner of `matrix.rs`: channel (an issue's archive page,
//! the archive's Atom feed, the issue by e-mail, proposing an item) × the
//! list's audience (the instance's list; the list of an open, unlisted,
//! private or archived community) × viewer (the same eight as `matrix.rs`).
//!
//! The expected values are written out from the issue's rules, never
//! computed by calling the policy:
//! - a list's archive (page and feed) is read by whoever may read its
//!   community (anyone for the instance's list, an open or archived
//!   community — banned members included, open content stays public —, an
//!   unlisted one by its link); a private community's by its active
//!   members and administrators; suspended accounts read as anonymous;
//! - an issue of a list with a public audience goes to every active
//!   subscriber (an address alone included); of a community-only list
//!   (private, unlisted) only to active accounts that may read the
//!   community now and are not banned from it, decided when it is sent;
//! - proposing a publication of the community (by its bare id: found
//!   without a link) takes a signed-in, active account that finds it: an
//!   unlisted or private community's publication only its members (and
//!   administrators) find;
//! - a territory's or an organisation's list has a public audience (its
//!   archive and issues are read like the instance's); for the organisation
//!   (verified, public) the same people hold its roles: the pending viewer
//!   has asked to join, the member is a member, the moderator is its
//!   admin, the suspended account an admin too (suspended: acts as
//!   anonymous), the banned one is not in it (organisations have no bans);
//! - starting an issue is for whoever manages the owner: administrators
//!   for the instance and territories (territories have no roles), a
//!   community's animators and owners (the moderator is not one), the
//!   organisation's admins.

use std::collections::HashMap;

use passerelles::accounts::User;

use crate::harness::TestApp;
use crate::writing::{community, member, publication};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Channel {
    ArchivePage,
    ArchiveFeed,
    IssueEmail,
    Proposal,
    NewIssue,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Aud {
    Instance,
    Open,
    Unlisted,
    Private,
    Archived,
    Territory,
    Organisation,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Viewer {
    Anonymous,
    Outsider,
    Pending,
    Member,
    Moderator,
    Banned,
    Suspended,
    Admin,
}

const CHANNELS: [Channel; 5] = [
    Channel::ArchivePage,
    Channel::ArchiveFeed,
    Channel::IssueEmail,
    Channel::Proposal,
    Channel::NewIssue,
];
const AUDS: [Aud; 7] = [
    Aud::Instance,
    Aud::Open,
    Aud::Unlisted,
    Aud::Private,
    Aud::Archived,
    Aud::Territory,
    Aud::Organisation,
];
const VIEWERS: [Viewer; 8] = [
    Viewer::Anonymous,
    Viewer::Outsider,
    Viewer::Pending,
    Viewer::Member,
    Viewer::Moderator,
    Viewer::Banned,
    Viewer::Suspended,
    Viewer::Admin,
];

const T: bool = true;
const F: bool = false;

#[rustfmt::skip]
const EXPECTED: &[(Channel, Aud, [bool; 8])] = &[
    //                                   anon out  pend memb mod  ban  susp admin
    (Channel::ArchivePage, Aud::Instance, [T,   T,   T,   T,   T,   T,   T,   T]),
    (Channel::ArchivePage, Aud::Open,     [T,   T,   T,   T,   T,   T,   T,   T]),
    (Channel::ArchivePage, Aud::Unlisted, [T,   T,   T,   T,   T,   T,   T,   T]),
    (Channel::ArchivePage, Aud::Private,  [F,   F,   F,   T,   T,   F,   F,   T]),
    (Channel::ArchivePage, Aud::Archived, [T,   T,   T,   T,   T,   T,   T,   T]),
    (Channel::ArchivePage, Aud::Territory, [T,  T,   T,   T,   T,   T,   T,   T]),
    (Channel::ArchivePage, Aud::Organisation, [T, T, T,   T,   T,   T,   T,   T]),

    (Channel::ArchiveFeed, Aud::Instance, [T,   T,   T,   T,   T,   T,   T,   T]),
    (Channel::ArchiveFeed, Aud::Open,     [T,   T,   T,   T,   T,   T,   T,   T]),
    (Channel::ArchiveFeed, Aud::Unlisted, [T,   T,   T,   T,   T,   T,   T,   T]),
    (Channel::ArchiveFeed, Aud::Private,  [F,   F,   F,   T,   T,   F,   F,   T]),
    (Channel::ArchiveFeed, Aud::Archived, [T,   T,   T,   T,   T,   T,   T,   T]),
    (Channel::ArchiveFeed, Aud::Territory, [T,  T,   T,   T,   T,   T,   T,   T]),
    (Channel::ArchiveFeed, Aud::Organisation, [T, T, T,   T,   T,   T,   T,   T]),

    // Everyone subscribed before (anonymous: an address alone).
    (Channel::IssueEmail, Aud::Instance,  [T,   T,   T,   T,   T,   T,   T,   T]),
    (Channel::IssueEmail, Aud::Open,      [T,   T,   T,   T,   T,   T,   T,   T]),
    (Channel::IssueEmail, Aud::Unlisted,  [F,   T,   T,   T,   T,   F,   F,   T]),
    (Channel::IssueEmail, Aud::Private,   [F,   F,   F,   T,   T,   F,   F,   T]),
    (Channel::IssueEmail, Aud::Archived,  [T,   T,   T,   T,   T,   T,   T,   T]),
    (Channel::IssueEmail, Aud::Territory, [T,   T,   T,   T,   T,   T,   T,   T]),
    (Channel::IssueEmail, Aud::Organisation, [T, T,  T,   T,   T,   T,   T,   T]),

    (Channel::Proposal, Aud::Instance,    [F,   T,   T,   T,   T,   T,   F,   T]),
    (Channel::Proposal, Aud::Open,        [F,   T,   T,   T,   T,   T,   F,   T]),
    (Channel::Proposal, Aud::Unlisted,    [F,   F,   F,   T,   T,   F,   F,   T]),
    (Channel::Proposal, Aud::Private,     [F,   F,   F,   T,   T,   F,   F,   T]),
    (Channel::Proposal, Aud::Archived,    [F,   T,   T,   T,   T,   T,   F,   T]),
    // (A publication of the open community.)
    (Channel::Proposal, Aud::Territory,   [F,   T,   T,   T,   T,   T,   F,   T]),
    (Channel::Proposal, Aud::Organisation, [F,  T,   T,   T,   T,   T,   F,   T]),

    (Channel::NewIssue, Aud::Instance,    [F,   F,   F,   F,   F,   F,   F,   T]),
    (Channel::NewIssue, Aud::Open,        [F,   F,   F,   F,   F,   F,   F,   T]),
    (Channel::NewIssue, Aud::Unlisted,    [F,   F,   F,   F,   F,   F,   F,   T]),
    (Channel::NewIssue, Aud::Private,     [F,   F,   F,   F,   F,   F,   F,   T]),
    (Channel::NewIssue, Aud::Archived,    [F,   F,   F,   F,   F,   F,   F,   T]),
    (Channel::NewIssue, Aud::Territory,   [F,   F,   F,   F,   F,   F,   F,   T]),
    (Channel::NewIssue, Aud::Organisation, [F,  F,   F,   F,   T,   F,   F,   T]),
];

fn username(v: Viewer) -> Option<&'static str> {
    Some(match v {
        Viewer::Anonymous => return None,
        Viewer::Outsider => "dehors",
        Viewer::Pending => "demandeur",
        Viewer::Member => "membre",
        Viewer::Moderator => "vigile",
        Viewer::Banned => "banni",
        Viewer::Suspended => "suspendu",
        Viewer::Admin => "gardienne",
    })
}

fn email(v: Viewer) -> String {
    match username(v) {
        Some(u) => format!("{u}@exemple.qc.ca"),
        None => "anonyme@exemple.org".to_string(),
    }
}

fn community_slug(a: Aud) -> &'static str {
    match a {
        Aud::Instance | Aud::Open | Aud::Territory | Aud::Organisation => "nl-ouverte",
        Aud::Unlisted => "nl-non-listee",
        Aud::Private => "nl-privee",
        Aud::Archived => "nl-archivee",
    }
}

fn list_slug(a: Aud) -> &'static str {
    match a {
        Aud::Instance => "lettre-instance",
        Aud::Open => "lettre-ouverte",
        Aud::Unlisted => "lettre-non-listee",
        Aud::Private => "lettre-privee",
        Aud::Archived => "lettre-archivee",
        Aud::Territory => "lettre-territoire",
        Aud::Organisation => "lettre-organisation",
    }
}

/// Who makes the list of an audience, and the form field naming its owner:
/// the administrator for the instance's and the territory's, the
/// organisation's admin for its list, the communities' owner otherwise.
fn list_maker<'a>(
    a: Aud,
    clients: &'a HashMap<Viewer, reqwest::Client>,
    owner: &'a reqwest::Client,
    community: &'static str,
) -> (&'a reqwest::Client, &'static str, &'static str) {
    match a {
        Aud::Instance => (&clients[&Viewer::Admin], "community", ""),
        Aud::Territory => (&clients[&Viewer::Admin], "territory", "mauricie"),
        Aud::Organisation => (&clients[&Viewer::Moderator], "organisation", "nl-org"),
        _ => (owner, "community", community),
    }
}

#[tokio::test]
async fn newsletter_permission_matrix_channel_audience_viewer() {
    let app = TestApp::spawn().await;
    let (owner_client, owner) = app.logged_in("proprio", false).await;
    let mut clients: HashMap<Viewer, reqwest::Client> = HashMap::new();
    let mut users: HashMap<Viewer, User> = HashMap::new();
    for v in VIEWERS {
        match username(v) {
            None => {
                clients.insert(v, app.client());
            }
            Some(name) => {
                let (c, u) = app.logged_in(name, v == Viewer::Admin).await;
                clients.insert(v, c);
                users.insert(v, u);
            }
        }
    }

    // A verified public organisation; its roles held by the same people.
    let org: i64 = sqlx::query_scalar(
        "INSERT INTO organisations (slug, name, status, visibility, created_at, updated_at) \
         VALUES ('nl-org', 'Organisme NL', 'verified', 'public', 0, 0) RETURNING id",
    )
    .fetch_one(&app.state.db.pool)
    .await
    .expect("organisation");
    for (v, role, state) in [
        (Viewer::Pending, "member", "requested"),
        (Viewer::Member, "member", "active"),
        (Viewer::Moderator, "admin", "active"),
        (Viewer::Suspended, "admin", "active"),
    ] {
        sqlx::query(
            "INSERT INTO organisation_members (organisation_id, user_id, role, state, created_at) VALUES ($1, $2, $3, $4, 0)",
        )
        .bind(org)
        .bind(users[&v].id)
        .bind(role)
        .bind(state)
        .execute(&app.state.db.pool)
        .await
        .expect("organisation member");
    }

    // One community per audience, the same people in each, a publication
    // to propose, and a list (the instance's by the administrator).
    let mut publications: HashMap<Aud, i64> = HashMap::new();
    let mut communities: HashMap<&str, i64> = HashMap::new();
    for a in AUDS {
        let slug = community_slug(a);
        if !communities.contains_key(slug) {
            let visibility = match a {
                Aud::Private => "private",
                Aud::Unlisted => "unlisted",
                _ => "open",
            };
            let join = if visibility == "private" {
                "request"
            } else {
                "open"
            };
            let c = community(&app, slug, visibility, join, &owner).await;
            member(&app, c, &users[&Viewer::Pending], "member", "requested").await;
            member(&app, c, &users[&Viewer::Member], "member", "active").await;
            member(&app, c, &users[&Viewer::Moderator], "moderator", "active").await;
            member(&app, c, &users[&Viewer::Banned], "member", "banned").await;
            member(&app, c, &users[&Viewer::Suspended], "member", "active").await;
            communities.insert(slug, c);
        }
        let c = communities[slug];
        let p = publication(&app, &owner, &format!("À proposer {a:?}"), &[c], 60).await;
        publications.insert(a, p);
        let (client, field, owner_slug) = list_maker(a, &clients, &owner_client, slug);
        let res = app
            .post_form(
                client,
                "/newsletters/new",
                "/newsletters/new",
                &[
                    (field, owner_slug),
                    ("name", &format!("Lettre {a:?}")),
                    ("slug", list_slug(a)),
                ],
            )
            .await;
        assert_eq!(res.status(), 303, "list {a:?}");
        // Everyone subscribed before (as if they could read it then).
        for v in VIEWERS {
            sqlx::query(
                "INSERT INTO newsletter_subscribers (list_id, email, user_id, status, lang, consent_at, consent_source, created_at) \
                 SELECT id, $2, $3, 'active', 'fr-CA', 1, 'member', 1 FROM newsletter_lists WHERE slug = $1",
            )
            .bind(list_slug(a))
            .bind(email(v))
            .bind(users.get(&v).map(|u| u.id))
            .execute(&app.state.db.pool)
            .await
            .expect("subscriber");
        }
    }
    // The archived community is archived now; the suspended account too.
    sqlx::query("UPDATE communities SET status = 'archived' WHERE slug = 'nl-archivee'")
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    sqlx::query("UPDATE users SET status = 'suspended' WHERE username = 'suspendu'")
        .execute(&app.state.db.pool)
        .await
        .unwrap();

    // An issue of each list, sent.
    let mut issues: HashMap<Aud, String> = HashMap::new();
    for a in AUDS {
        let (client, _, _) = list_maker(a, &clients, &owner_client, "");
        let page = format!("/newsletters/{}", list_slug(a));
        let res = app
            .post_form(
                client,
                &page,
                &format!("{page}/issues"),
                &[("subject", &format!("Numéro {a:?}")), ("intro", "")],
            )
            .await;
        assert_eq!(res.status(), 303, "issue {a:?}");
        let issue = res.headers()["location"].to_str().unwrap().to_string();
        let res = app
            .post_form(client, &issue, &format!("{issue}/send"), &[])
            .await;
        assert_eq!(res.status(), 303, "send {a:?}");
        issues.insert(a, issue);
    }
    // The server's own job worker may hold a send while `drain_jobs`
    // runs (it skips a locked job): wait until no delivery is left.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    loop {
        app.drain_jobs().await;
        let left: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM newsletter_deliveries WHERE state IN ('queued', 'sending', 'handed')",
        )
        .fetch_one(&app.state.db.pool)
        .await
        .expect("deliveries");
        // (The send queued every delivery row with the issue.)
        if left == 0 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{left} deliveries still pending"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let mails = app.sink.all();

    let mut actual: HashMap<(Channel, Aud, Viewer), bool> = HashMap::new();
    for a in AUDS {
        let subject = format!("Numéro {a:?}");
        for v in VIEWERS {
            let client = &clients[&v];
            let res = client.get(app.at(&issues[&a])).send().await.unwrap();
            let ok = res.status() == 200 && res.text().await.unwrap().contains(&subject);
            actual.insert((Channel::ArchivePage, a, v), ok);
            let res = client
                .get(app.at(&format!("/newsletters/{}/feed.atom", list_slug(a))))
                .send()
                .await
                .unwrap();
            let ok = res.status() == 200 && res.text().await.unwrap().contains(&subject);
            actual.insert((Channel::ArchiveFeed, a, v), ok);
            let got = mails
                .iter()
                .any(|m| m.to.iter().any(|t| *t == email(v)) && m.subject().contains(&subject));
            actual.insert((Channel::IssueEmail, a, v), got);
            let res = app
                .post_form(
                    client,
                    "/newsletters",
                    &format!("/newsletters/{}/propose", list_slug(a)),
                    &[("reference", &publications[&a].to_string()), ("note", "")],
                )
                .await;
            let status = res.status().as_u16();
            let proposed: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM newsletter_proposals np JOIN newsletter_lists l ON l.id = np.list_id \
                 WHERE l.slug = $1 AND COALESCE(np.proposed_by, 0) = $2",
            )
            .bind(list_slug(a))
            .bind(users.get(&v).map(|u| u.id).unwrap_or(0))
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap();
            assert_eq!(status == 303, proposed == 1, "{a:?} {v:?}: {status}");
            actual.insert((Channel::Proposal, a, v), proposed == 1);
            // A publication is proposed once per list: start afresh.
            sqlx::query("DELETE FROM newsletter_proposals")
                .execute(&app.state.db.pool)
                .await
                .unwrap();
        }
    }

    // Starting an issue (last: the drafts change nothing above).
    for a in AUDS {
        for v in VIEWERS {
            let subject = format!("Brouillon {a:?} {v:?}");
            let page = format!("/newsletters/{}", list_slug(a));
            let res = app
                .post_form(
                    &clients[&v],
                    "/newsletters",
                    &format!("{page}/issues"),
                    &[("subject", &subject), ("intro", "")],
                )
                .await;
            let status = res.status().as_u16();
            let made: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM newsletter_issues i JOIN newsletter_lists l ON l.id = i.list_id \
                 WHERE l.slug = $1 AND i.subject = $2",
            )
            .bind(list_slug(a))
            .bind(&subject)
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap();
            assert_eq!(status == 303, made == 1, "{a:?} {v:?}: {status}");
            actual.insert((Channel::NewIssue, a, v), made == 1);
        }
    }

    let mut wrong = Vec::new();
    for (c, a, row) in EXPECTED {
        for (i, v) in VIEWERS.iter().enumerate() {
            let got = actual[&(*c, *a, *v)];
            if got != row[i] {
                wrong.push(format!(
                    "{c:?} × {a:?} × {v:?}: expected {}, got {got}",
                    row[i]
                ));
            }
        }
    }
    assert_eq!(
        EXPECTED.len(),
        CHANNELS.len() * AUDS.len(),
        "every row is written"
    );
    assert!(
        wrong.is_empty(),
        "{} wrong cells:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}
