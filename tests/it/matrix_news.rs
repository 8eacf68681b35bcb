//! The permission matrix's rows for managing news feeds (issue 17, C14),
//! end to end over real HTTP in the manner of `matrix.rs`: channel (the
//! managers' page; the API's list, add, remove and fetch-now) × owner (an
//! open community, a territory, a public organisation) × viewer.
//!
//! The expected statuses are written out from the rules, never
//! computed by calling the policy:
//! - a community's feeds are managed by its animators and owners and by
//!   administrators (`ManageCommunity`); a plain member or an outsider is
//!   refused (403: they read the community);
//! - a territory has no roles of its own: its feeds are administrators'
//!   (`ManageTerritory`); the editor of the territory's newsletter is no
//!   manager of its feeds;
//! - an organisation's feeds are its admins' and administrators'
//!   (`EditOrganisation`); a member is refused;
//! - anonymous: the page sends to the sign-in form (303), the API answers
//!   401; an administrator acts as one through the API only with an
//!   `admin` token (a `write` token acts as a member: 403).
//!
//! Every refused change is checked in the database too: an add leaves no
//! row, a removal leaves the feed in place.

use std::collections::HashMap;

use passerelles::accounts::User;
use passerelles::accounts::tokens::{Scope, create_token_scoped};
use serde_json::json;

use crate::harness::TestApp;
use crate::writing::{community, member};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Channel {
    Page,
    List,
    Add,
    Remove,
    Fetch,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Owner {
    Community,
    Territory,
    Organisation,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Viewer {
    Anonymous,
    Outsider,
    Member,
    /// The community's animator, the organisation's admin, the editor of
    /// the territory's newsletter.
    Manager,
    Admin,
}

const CHANNELS: [Channel; 5] = [
    Channel::Page,
    Channel::List,
    Channel::Add,
    Channel::Remove,
    Channel::Fetch,
];
const OWNERS: [Owner; 3] = [Owner::Community, Owner::Territory, Owner::Organisation];
const VIEWERS: [Viewer; 5] = [
    Viewer::Anonymous,
    Viewer::Outsider,
    Viewer::Member,
    Viewer::Manager,
    Viewer::Admin,
];

#[rustfmt::skip]
const EXPECTED: &[(Channel, Owner, [u16; 5])] = &[
    //                                      anon  out  memb  mgr  admin
    (Channel::Page,   Owner::Community,    [303, 403, 403, 200, 200]),
    (Channel::Page,   Owner::Territory,    [303, 403, 403, 403, 200]),
    (Channel::Page,   Owner::Organisation, [303, 403, 403, 200, 200]),

    (Channel::List,   Owner::Community,    [401, 403, 403, 200, 200]),
    (Channel::List,   Owner::Territory,    [401, 403, 403, 403, 200]),
    (Channel::List,   Owner::Organisation, [401, 403, 403, 200, 200]),

    (Channel::Add,    Owner::Community,    [401, 403, 403, 201, 201]),
    (Channel::Add,    Owner::Territory,    [401, 403, 403, 403, 201]),
    (Channel::Add,    Owner::Organisation, [401, 403, 403, 201, 201]),

    (Channel::Remove, Owner::Community,    [401, 403, 403, 204, 204]),
    (Channel::Remove, Owner::Territory,    [401, 403, 403, 403, 204]),
    (Channel::Remove, Owner::Organisation, [401, 403, 403, 204, 204]),

    (Channel::Fetch,  Owner::Community,    [401, 403, 403, 202, 202]),
    (Channel::Fetch,  Owner::Territory,    [401, 403, 403, 403, 202]),
    (Channel::Fetch,  Owner::Organisation, [401, 403, 403, 202, 202]),
];

fn username(v: Viewer) -> Option<&'static str> {
    Some(match v {
        Viewer::Anonymous => return None,
        Viewer::Outsider => "dehors",
        Viewer::Member => "membre",
        Viewer::Manager => "animatrice",
        Viewer::Admin => "gardienne",
    })
}

/// The owner's page and API prefix, and the feeds table's owner column
/// with its id.
fn owner_paths(o: Owner) -> (&'static str, &'static str) {
    match o {
        Owner::Community => ("/c/fils-matrice", "/api/v1/communities/fils-matrice"),
        Owner::Territory => ("/t/mauricie", "/api/v1/territories/mauricie"),
        Owner::Organisation => ("/o/org-matrice", "/api/v1/organisations/org-matrice"),
    }
}

/// How many feeds of `o` have this address.
async fn feeds_at(app: &TestApp, o: Owner, id: i64, url: &str) -> i64 {
    let sql = match o {
        Owner::Community => "SELECT COUNT(*) FROM news_feeds WHERE community_id = $1 AND url = $2",
        Owner::Territory => {
            "SELECT COUNT(*) FROM news_place_feeds WHERE territory_id = $1 AND url = $2"
        }
        Owner::Organisation => {
            "SELECT COUNT(*) FROM news_place_feeds WHERE organisation_id = $1 AND url = $2"
        }
    };
    sqlx::query_scalar(sql)
        .bind(id)
        .bind(url)
        .fetch_one(&app.state.db.pool)
        .await
        .expect("count")
}

/// A feed of `o` at `url`, put there directly (to be removed).
async fn feed(app: &TestApp, o: Owner, id: i64, url: &str) -> i64 {
    let sql = match o {
        Owner::Community => {
            "INSERT INTO news_feeds (community_id, url, tags, created_at, next_fetch_at) \
             VALUES ($1, $2, '', 0, 4000000000) RETURNING id"
        }
        Owner::Territory => {
            "INSERT INTO news_place_feeds (territory_id, url, tags, created_at, next_fetch_at) \
             VALUES ($1, $2, '', 0, 4000000000) RETURNING id"
        }
        Owner::Organisation => {
            "INSERT INTO news_place_feeds (organisation_id, url, tags, created_at, next_fetch_at) \
             VALUES ($1, $2, '', 0, 4000000000) RETURNING id"
        }
    };
    sqlx::query_scalar(sql)
        .bind(id)
        .bind(url)
        .fetch_one(&app.state.db.pool)
        .await
        .expect("feed")
}

#[tokio::test]
async fn news_feed_management_matrix_channel_owner_viewer() {
    // The table has one row per channel and owner.
    for ch in CHANNELS {
        for w in OWNERS {
            let n = EXPECTED
                .iter()
                .filter(|(c, o, _)| *c == ch && *o == w)
                .count();
            assert_eq!(n, 1, "{ch:?} × {w:?}: one row");
        }
    }
    let app = TestApp::spawn().await;
    let mut clients: HashMap<Viewer, reqwest::Client> = HashMap::new();
    let mut users: HashMap<Viewer, User> = HashMap::new();
    let mut tokens: HashMap<Viewer, String> = HashMap::new();
    for v in VIEWERS {
        match username(v) {
            None => {
                clients.insert(v, app.client());
            }
            Some(name) => {
                let (c, u) = app.logged_in(name, v == Viewer::Admin).await;
                let token = create_token_scoped(&app.state.db, u.id, "matrice", None, Scope::Admin)
                    .await
                    .expect("token")
                    .1;
                clients.insert(v, c);
                tokens.insert(v, token);
                users.insert(v, u);
            }
        }
    }
    let (_, owner) = app.logged_in("proprio", false).await;

    // An open community: the manager is an animator.
    let c = community(&app, "fils-matrice", "open", "open", &owner).await;
    member(&app, c, &users[&Viewer::Member], "member", "active").await;
    member(&app, c, &users[&Viewer::Manager], "animator", "active").await;
    // The territory; the manager edits its newsletter (no right on feeds).
    let t: i64 = sqlx::query_scalar("SELECT id FROM territories WHERE slug = 'mauricie'")
        .fetch_one(&app.state.db.pool)
        .await
        .expect("territory");
    let res = app
        .post_form(
            &clients[&Viewer::Admin],
            "/newsletters/new",
            "/newsletters/new",
            &[
                ("territory", "mauricie"),
                ("name", "Lettre de la matrice"),
                ("slug", "lettre-matrice"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303, "the territory's list");
    sqlx::query(
        "INSERT INTO newsletter_editors (list_id, user_id, added_at) \
         SELECT id, $1, 0 FROM newsletter_lists WHERE slug = 'lettre-matrice'",
    )
    .bind(users[&Viewer::Manager].id)
    .execute(&app.state.db.pool)
    .await
    .expect("editor");
    // A verified public organisation: the manager is its admin.
    let o: i64 = sqlx::query_scalar(
        "INSERT INTO organisations (slug, name, status, visibility, created_at, updated_at) \
         VALUES ('org-matrice', 'Organisme matrice', 'verified', 'public', 0, 0) RETURNING id",
    )
    .fetch_one(&app.state.db.pool)
    .await
    .expect("organisation");
    for (v, role) in [(Viewer::Member, "member"), (Viewer::Manager, "admin")] {
        sqlx::query(
            "INSERT INTO organisation_members (organisation_id, user_id, role, state, created_at) VALUES ($1, $2, $3, 'active', 0)",
        )
        .bind(o)
        .bind(users[&v].id)
        .bind(role)
        .execute(&app.state.db.pool)
        .await
        .expect("organisation member");
    }
    let owner_id = |w: Owner| match w {
        Owner::Community => c,
        Owner::Territory => t,
        Owner::Organisation => o,
    };

    let api = reqwest::Client::new();
    let mut wrong: Vec<String> = Vec::new();
    for (ch, w, row) in EXPECTED {
        for (i, v) in VIEWERS.iter().enumerate() {
            let (page, prefix) = owner_paths(*w);
            let id = owner_id(*w);
            let authed = |rq: reqwest::RequestBuilder| match tokens.get(v) {
                Some(tok) => rq.bearer_auth(tok),
                None => rq,
            };
            let url = format!("https://exemple.org/{w:?}/{v:?}/{ch:?}.xml").to_lowercase();
            let status = match ch {
                Channel::Page => clients[v]
                    .get(app.at(&format!("{page}/news")))
                    .send()
                    .await
                    .expect("page")
                    .status()
                    .as_u16(),
                Channel::List => {
                    let res = authed(api.get(app.at(&format!("{prefix}/news-feeds"))))
                        .send()
                        .await
                        .expect("list");
                    let status = res.status().as_u16();
                    if status == 200 {
                        let body: serde_json::Value = res.json().await.expect("json");
                        assert!(body.is_array(), "{w:?} {v:?}: {body}");
                    }
                    status
                }
                Channel::Add => {
                    let res = authed(api.post(app.at(&format!("{prefix}/news-feeds"))))
                        .json(&json!({"url": url, "tags": "matrice"}))
                        .send()
                        .await
                        .expect("add");
                    let status = res.status().as_u16();
                    let n = feeds_at(&app, *w, id, &url).await;
                    if status == 201 {
                        let body: serde_json::Value = res.json().await.expect("json");
                        assert_eq!(body["url"], url.as_str(), "{w:?} {v:?}: {body}");
                        assert_eq!(body["tags"], "matrice", "{w:?} {v:?}: {body}");
                        assert_eq!(n, 1, "{w:?} {v:?}: the feed is followed");
                    } else {
                        assert_eq!(n, 0, "{w:?} {v:?}: refused, nothing followed");
                    }
                    status
                }
                Channel::Remove => {
                    let fid = feed(&app, *w, id, &url).await;
                    let status = authed(api.delete(app.at(&format!("{prefix}/news-feeds/{fid}"))))
                        .send()
                        .await
                        .expect("remove")
                        .status()
                        .as_u16();
                    let n = feeds_at(&app, *w, id, &url).await;
                    assert_eq!(
                        n,
                        i64::from(status != 204),
                        "{w:?} {v:?}: removed only when allowed"
                    );
                    status
                }
                Channel::Fetch => authed(api.post(app.at(&format!("{prefix}/news-feeds/fetch"))))
                    .send()
                    .await
                    .expect("fetch")
                    .status()
                    .as_u16(),
            };
            if status != row[i] {
                wrong.push(format!(
                    "{ch:?} × {w:?} × {v:?}: expected {}, got {status}",
                    row[i]
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} wrong cell(s):\n{}",
        wrong.len(),
        wrong.join("\n")
    );

    // Another owner's feed is not reachable through this one's address.
    let other = feed(
        &app,
        Owner::Organisation,
        o,
        "https://exemple.org/autre.xml",
    )
    .await;
    let res = api
        .delete(app.at(&format!("/api/v1/territories/mauricie/news-feeds/{other}")))
        .bearer_auth(&tokens[&Viewer::Admin])
        .send()
        .await
        .expect("remove");
    assert_eq!(res.status(), 404, "the territory has no such feed");
    assert_eq!(
        feeds_at(
            &app,
            Owner::Organisation,
            o,
            "https://exemple.org/autre.xml"
        )
        .await,
        1
    );
    // Unknown owners are 404, for an administrator too.
    for path in [
        "/api/v1/territories/nulle-part/news-feeds",
        "/api/v1/organisations/nulle-part/news-feeds",
    ] {
        let res = api
            .get(app.at(path))
            .bearer_auth(&tokens[&Viewer::Admin])
            .send()
            .await
            .expect("list");
        assert_eq!(res.status(), 404, "{path}");
    }
    // Following the same feed again is a documented conflict.
    let again = "https://exemple.org/territory/admin/add.xml";
    let res = api
        .post(app.at("/api/v1/territories/mauricie/news-feeds"))
        .bearer_auth(&tokens[&Viewer::Admin])
        .json(&json!({"url": again}))
        .send()
        .await
        .expect("add again");
    assert_eq!(res.status(), 409);
    let body: serde_json::Value = res.json().await.expect("json");
    assert_eq!(body["error"]["code"], "already_followed", "{body}");
    // An administrator's `write` token acts as a member's.
    let write = create_token_scoped(
        &app.state.db,
        users[&Viewer::Admin].id,
        "ecriture",
        None,
        Scope::Write,
    )
    .await
    .expect("token")
    .1;
    let res = api
        .get(app.at("/api/v1/territories/mauricie/news-feeds"))
        .bearer_auth(&write)
        .send()
        .await
        .expect("list");
    assert_eq!(res.status(), 403, "no administrator's powers below `admin`");
}
