//! Communities over real HTTP, pages and API: who sees what (a matrix
//! driven from a table), the directory, creation (and approval by the
//! instance), join requests, invitations, roles and ownership, archiving,
//! settings.

use passerelles::accounts::User;
use passerelles::api::tokens;
use passerelles::communities::{self, Community, NewCommunity};
use passerelles::policy::{
    self, Action, CommunityStatus, JoinPolicy, MemberState, Role, Visibility,
};
use serde_json::Value;

use crate::harness::{PASSWORD, TestApp, form_value, html_unescape};

fn location(res: &reqwest::Response) -> String {
    res.headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

async fn get(client: &reqwest::Client, url: String) -> (u16, String) {
    let res = client.get(url).send().await.expect("get");
    let status = res.status().as_u16();
    (status, res.text().await.expect("body"))
}

async fn token_for(app: &TestApp, user: &User) -> String {
    tokens::create_token(&app.state.db, user.id, "tests", None)
        .await
        .expect("token")
        .1
}

/// An API call: (status, JSON body or Null).
async fn api(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (u16, Value) {
    let mut req = reqwest::Client::new().request(method, app.at(path));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    let res = req.send().await.expect("api call");
    let status = res.status().as_u16();
    let text = res.text().await.expect("body");
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// A community made through the domain (for tests about reading it).
async fn make(
    app: &TestApp,
    owner: &User,
    slug: &str,
    visibility: Visibility,
    join: JoinPolicy,
) -> Community {
    let n = NewCommunity {
        name: &format!("Communauté {slug}"),
        slug: Some(slug),
        description: "Une communauté de test.",
        theme: "economie-sociale",
        territory: "montreal",
        visibility,
        join_policy: join,
        request_note: "",
    };
    communities::create(&app.state.db, owner, &n, slug, false)
        .await
        .expect("community created")
}

async fn state_of(app: &TestApp, c: &Community, u: &User) -> Option<(Role, MemberState)> {
    communities::membership(&app.state.db, c.id, Some(u))
        .await
        .expect("membership")
        .map(|m| (m.role, m.state))
}

async fn reload(app: &TestApp, slug: &str) -> Community {
    communities::by_slug(&app.state.db, slug)
        .await
        .expect("load")
        .expect("exists")
}

/// Whether the directory page lists the community (its card links to it).
fn listed(body: &str, slug: &str) -> bool {
    body.contains(&format!("<h2><a href=\"/c/{slug}\">"))
}

async fn notifications(app: &TestApp, user: &User, kind: &str) -> Vec<(Option<i64>, i64, String)> {
    sqlx::query_as("SELECT actor_id, community_id, data FROM notifications WHERE user_id = $1 AND kind = $2 ORDER BY id")
        .bind(user.id)
        .bind(kind)
        .fetch_all(&app.state.db.pool)
        .await
        .expect("notifications")
}

/// The invitation link shown once on the invitations page, relative to the server.
fn shown_link(body: &str) -> String {
    let start = body.find("class=\"token-once\"").expect("token-once block");
    let block = &body[start..];
    let at = block.find("<code>").expect("code") + "<code>".len();
    let end = block[at..].find('<').expect("end");
    let link = html_unescape(&block[at..at + end]);
    let path_at = link.find("/c/").expect("path");
    link[path_at..].to_string()
}

/// The first link in a page whose address starts with `prefix`, unescaped.
fn href_starting(body: &str, prefix: &str) -> String {
    let needle = format!("href=\"{prefix}");
    let at = body
        .find(&needle)
        .unwrap_or_else(|| panic!("no link to {prefix}…"))
        + "href=\"".len();
    let end = body[at..].find('"').expect("end of href");
    html_unescape(&body[at..at + end])
}

/// A publication shared in one community, written straight to the database.
async fn publication_in(app: &TestApp, author: &User, title: &str, community_id: i64) -> i64 {
    let t = passerelles::db::now();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO publications (kind, title, body, body_html, author_id, created_at, updated_at, last_activity_at) \
         VALUES ('discussion', $1, $1, $1, $2, $3, $3, $3) RETURNING id",
    )
    .bind(title)
    .bind(author.id)
    .bind(t)
    .fetch_one(&app.state.db.pool)
    .await
    .expect("publication");
    sqlx::query("INSERT INTO publication_communities (publication_id, community_id, added_by, added_at) VALUES ($1, $2, $3, $4)")
        .bind(id)
        .bind(community_id)
        .bind(author.id)
        .bind(t)
        .execute(&app.state.db.pool)
        .await
        .expect("shared");
    id
}

fn code_of(link: &str) -> String {
    link.split("code=")
        .nth(1)
        .expect("code in link")
        .to_string()
}

// ---- who sees what -------------------------------------------------------------------

#[tokio::test]
async fn visibility_by_viewer_matrix_pages_and_api() {
    let app = TestApp::spawn().await;
    let (_, owner) = app.logged_in("proprio", false).await;
    let anon = app.client();
    let (outsider_c, outsider) = app.logged_in("externe", false).await;
    let (requester_c, requester) = app.logged_in("demandeur", false).await;
    let (member_c, member) = app.logged_in("membre", false).await;
    let (moderator_c, moderator) = app.logged_in("veilleuse", false).await;
    let (banned_c, banned) = app.logged_in("exclu", false).await;
    let (admin_c, admin) = app.logged_in("adeline", true).await;

    let specs = [
        ("ouverte", Visibility::Open, JoinPolicy::Open, false),
        ("privee", Visibility::Private, JoinPolicy::Request, false),
        ("discrete", Visibility::Unlisted, JoinPolicy::Open, false),
        ("archivee", Visibility::Open, JoinPolicy::Open, true),
    ];
    for (slug, vis, join, archived) in specs {
        let c = make(&app, &owner, slug, vis, join).await;
        let db = &app.state.db;
        communities::set_membership(
            db,
            c.id,
            requester.id,
            Role::Member,
            MemberState::Requested,
            "svp",
        )
        .await
        .unwrap();
        communities::set_membership(db, c.id, member.id, Role::Member, MemberState::Active, "")
            .await
            .unwrap();
        communities::set_membership(
            db,
            c.id,
            moderator.id,
            Role::Moderator,
            MemberState::Active,
            "",
        )
        .await
        .unwrap();
        communities::set_membership(
            db,
            c.id,
            banned.id,
            Role::Member,
            MemberState::Banned,
            "spam",
        )
        .await
        .unwrap();
        if archived {
            assert!(
                communities::change_status(
                    db,
                    c.id,
                    &[CommunityStatus::Active],
                    CommunityStatus::Archived,
                    ""
                )
                .await
                .unwrap()
            );
        }
    }

    struct Viewer<'a> {
        name: &'static str,
        client: &'a reqwest::Client,
        token: Option<String>,
    }
    let viewers = [
        Viewer {
            name: "anonymous",
            client: &anon,
            token: None,
        },
        Viewer {
            name: "outsider",
            client: &outsider_c,
            token: Some(token_for(&app, &outsider).await),
        },
        Viewer {
            name: "requester",
            client: &requester_c,
            token: Some(token_for(&app, &requester).await),
        },
        Viewer {
            name: "member",
            client: &member_c,
            token: Some(token_for(&app, &member).await),
        },
        Viewer {
            name: "moderator",
            client: &moderator_c,
            token: Some(token_for(&app, &moderator).await),
        },
        Viewer {
            name: "banned",
            client: &banned_c,
            token: Some(token_for(&app, &banned).await),
        },
        Viewer {
            name: "admin",
            client: &admin_c,
            token: Some(token_for(&app, &admin).await),
        },
    ];

    // The private community has a publication, a charter and a welcome only
    // its members read.
    let privee = reload(&app, "privee").await;
    publication_in(&app, &owner, "Compte rendu confidentiel", privee.id).await;
    sqlx::query("UPDATE communities SET charter = $1, welcome = $2 WHERE slug = 'privee'")
        .bind("Charte réservée aux membres")
        .bind("Mot d’accueil réservé")
        .execute(&app.state.db.pool)
        .await
        .unwrap();

    // (community, viewer, community page status, reads the content (feed,
    // members, about), listed in the directory). A page without the
    // content is the card of a private community.
    let table: &[(&str, &str, u16, bool, bool)] = &[
        ("ouverte", "anonymous", 200, true, true),
        ("ouverte", "outsider", 200, true, true),
        ("ouverte", "requester", 200, true, true),
        ("ouverte", "member", 200, true, true),
        ("ouverte", "moderator", 200, true, true),
        ("ouverte", "banned", 200, true, true),
        ("ouverte", "admin", 200, true, true),
        ("privee", "anonymous", 200, false, true),
        ("privee", "outsider", 200, false, true),
        ("privee", "requester", 200, false, true),
        ("privee", "member", 200, true, true),
        ("privee", "moderator", 200, true, true),
        ("privee", "banned", 404, false, false),
        ("privee", "admin", 200, true, true),
        ("discrete", "anonymous", 200, true, false),
        ("discrete", "outsider", 200, true, false),
        ("discrete", "requester", 200, true, false),
        ("discrete", "member", 200, true, true),
        ("discrete", "moderator", 200, true, true),
        ("discrete", "banned", 200, true, false),
        ("discrete", "admin", 200, true, true),
        ("archivee", "anonymous", 200, true, true),
        ("archivee", "outsider", 200, true, true),
        ("archivee", "requester", 200, true, true),
        ("archivee", "member", 200, true, true),
        ("archivee", "moderator", 200, true, true),
        ("archivee", "banned", 200, true, true),
        ("archivee", "admin", 200, true, true),
    ];
    assert_eq!(
        table.len(),
        specs.len() * viewers.len(),
        "every cell of the matrix"
    );

    for v in &viewers {
        let (status, directory) = get(v.client, app.at("/c")).await;
        assert_eq!(status, 200);
        let (status, api_list) = api(
            &app,
            reqwest::Method::GET,
            "/api/v1/communities",
            v.token.as_deref(),
            None,
        )
        .await;
        assert_eq!(status, 200, "{api_list}");
        let api_slugs: Vec<&str> = api_list["items"]
            .as_array()
            .expect("items")
            .iter()
            .filter_map(|i| i["slug"].as_str())
            .collect();
        for (slug, _, status, reads, list) in table.iter().filter(|row| row.1 == v.name) {
            let cell = format!("{slug} × {}", v.name);
            let card_only = *status == 200 && !*reads;
            // HTML pages: the community page (or its card) and its sections.
            let section_status = if *reads { 200 } else { 404 };
            for (path, expected) in [
                (format!("/c/{slug}"), *status),
                (format!("/c/{slug}/about"), section_status),
                (format!("/c/{slug}/members"), section_status),
            ] {
                let (got, body) = get(v.client, app.at(&path)).await;
                assert_eq!(got, expected, "{cell}: {path}");
                if expected == 404 {
                    assert!(
                        !body.contains(&format!("Communauté {slug}")),
                        "{cell}: a 404 does not reveal the name"
                    );
                }
            }
            let (_, page) = get(v.client, app.at(&format!("/c/{slug}"))).await;
            let notice = "Cette communauté est privée : seuls ses membres voient ses publications et ses membres.";
            if card_only {
                // The card: what it is and how to get in, nothing of its content.
                assert!(page.contains(&format!("Communauté {slug}")), "{cell}: name");
                assert!(
                    page.contains("Une communauté de test."),
                    "{cell}: description"
                );
                assert!(page.contains("badge badge-lock"), "{cell}: private badge");
                assert!(page.contains("Montréal"), "{cell}: territory");
                assert!(page.contains(notice), "{cell}: private notice");
                for absent in [
                    "id=\"feed\"",
                    "Les publications épinglées d’abord",
                    "Rien n’a encore été publié ici.",
                    "class=\"side-nav\"",
                    &format!("href=\"/c/{slug}/members\""),
                    &format!("href=\"/c/{slug}/about\""),
                    "Compte rendu confidentiel",
                    "Charte réservée aux membres",
                    "Mot d’accueil réservé",
                ] {
                    assert!(!page.contains(absent), "{cell}: the card shows no {absent}");
                }
            } else if *status == 200 {
                assert!(!page.contains(notice), "{cell}: readers get the content");
                assert!(
                    page.contains("Les publications épinglées d’abord"),
                    "{cell}: feed"
                );
                if *slug == "privee" {
                    assert!(
                        page.contains("Compte rendu confidentiel"),
                        "{cell}: the feed"
                    );
                }
            }
            // The API: the card's fields only, or the whole community.
            let (got, body) = api(
                &app,
                reqwest::Method::GET,
                &format!("/api/v1/communities/{slug}"),
                v.token.as_deref(),
                None,
            )
            .await;
            assert_eq!(got, *status, "{cell}: API {body}");
            if *status == 200 {
                assert_eq!(body["slug"], *slug);
                assert_eq!(body["readable"], *reads, "{cell}: API readable");
                assert!(body["visibility"].is_string(), "{cell}: API card fields");
                assert!(body["member_count"].is_i64(), "{cell}: API card fields");
                assert_eq!(
                    body.get("charter").is_some(),
                    *reads,
                    "{cell}: API charter {body}"
                );
                if card_only {
                    assert!(body.get("welcome").is_none(), "{cell}: API welcome");
                }
            }
            let (got, _) = api(
                &app,
                reqwest::Method::GET,
                &format!("/api/v1/communities/{slug}/members"),
                v.token.as_deref(),
                None,
            )
            .await;
            assert_eq!(got, section_status, "{cell}: API members");
            // Listings.
            assert_eq!(listed(&directory, slug), *list, "{cell}: directory page");
            assert_eq!(api_slugs.contains(slug), *list, "{cell}: API directory");
        }
    }

    // What the header offers each of them on the open community.
    let (_, body) = get(&anon, app.at("/c/ouverte")).await;
    assert!(
        body.contains("/login?next=%2Fc%2Fouverte"),
        "anonymous: log in to join"
    );
    let (_, body) = get(&outsider_c, app.at("/c/ouverte")).await;
    assert!(
        body.contains("action=\"/c/ouverte/join\""),
        "outsider: join button"
    );
    let (_, body) = get(&member_c, app.at("/c/ouverte")).await;
    assert!(
        body.contains("action=\"/c/ouverte/leave\""),
        "member: leave button"
    );
    assert!(
        !body.contains("href=\"/c/ouverte/settings\""),
        "member: no settings tab"
    );
    let (_, body) = get(&banned_c, app.at("/c/ouverte")).await;
    assert!(
        !body.contains("action=\"/c/ouverte/join\""),
        "banned: no join button"
    );
    // A banned member cannot leave (and so erase the ban) nor rejoin.
    let res = app
        .post_form(&banned_c, "/c/ouverte", "/c/ouverte/leave", &[])
        .await;
    assert_eq!(res.status(), 403);
    let res = app
        .post_form(&banned_c, "/c/ouverte", "/c/ouverte/join", &[])
        .await;
    assert_eq!(res.status(), 403);
    let c = reload(&app, "ouverte").await;
    assert_eq!(
        state_of(&app, &c, &banned).await,
        Some((Role::Member, MemberState::Banned))
    );
    // Managers' pages: 404 where unreadable, 403 where readable, login when anonymous.
    let (status, _) = get(&outsider_c, app.at("/c/privee/settings")).await;
    assert_eq!(status, 404);
    let (status, _) = get(&member_c, app.at("/c/ouverte/settings")).await;
    assert_eq!(status, 403);
    let res = anon.get(app.at("/c/privee/settings")).send().await.unwrap();
    assert_eq!(res.status(), 303);
    assert!(location(&res).starts_with("/login?next="));
    let (status, _) = get(&admin_c, app.at("/c/privee/settings")).await;
    assert_eq!(status, 200, "administrators manage every community");

    // What the card offers on the private community (join on request).
    let (_, body) = get(&anon, app.at("/c/privee")).await;
    assert!(
        body.contains("/login?next=%2Fc%2Fprivee"),
        "anonymous: log in to ask"
    );
    let (_, body) = get(&outsider_c, app.at("/c/privee")).await;
    assert!(
        body.contains("action=\"/c/privee/request\"") && body.contains("name=\"message\""),
        "outsider: a request with a message"
    );
    let (_, body) = get(&requester_c, app.at("/c/privee")).await;
    assert!(
        body.contains("action=\"/c/privee/leave\"")
            && !body.contains("action=\"/c/privee/request\""),
        "requester: the request is pending, and can be withdrawn"
    );
    // Managers' pages of a private community stay closed to outsiders.
    let (status, _) = get(&outsider_c, app.at("/c/privee/requests")).await;
    assert_eq!(status, 404);
    // A banned member cannot ask again.
    let res = app
        .post_form(
            &outsider_c,
            "/c/privee",
            "/c/privee/request",
            &[("message", "")],
        )
        .await;
    assert_eq!(res.status(), 303, "an outsider asks from the card");
    let c = reload(&app, "privee").await;
    assert_eq!(
        state_of(&app, &c, &outsider).await,
        Some((Role::Member, MemberState::Requested))
    );
    let res = app
        .post_form(
            &banned_c,
            "/c/ouverte",
            "/c/privee/request",
            &[("message", "svp")],
        )
        .await;
    assert_eq!(res.status(), 404, "banned: not even the card");
    let (status, _) = get(&anon, app.at("/c/nulle-part")).await;
    assert_eq!(status, 404);
}

/// Someone outside a private community finds it in the directory, asks to
/// join with a message, a manager approves, and the new member reads it.
#[tokio::test]
async fn outsider_finds_a_private_community_asks_and_reads_it_once_approved() {
    let app = TestApp::spawn().await;
    let (owner_c, owner) = app.logged_in("animatrice", false).await;
    let c = make(
        &app,
        &owner,
        "cercle-prive",
        Visibility::Private,
        JoinPolicy::Request,
    )
    .await;
    publication_in(&app, &owner, "Bilan de la rencontre de mars", c.id).await;
    let (lea_c, lea) = app.logged_in("lea", false).await;

    // Found in the directory, with a lock; its page is a card.
    for query in ["", "?visibility=private", "?q=cercle-prive"] {
        let (_, body) = get(&lea_c, app.at(&format!("/c{query}"))).await;
        assert!(
            listed(&body, "cercle-prive"),
            "listed for outsiders: /c{query}"
        );
    }
    let (status, card) = get(&lea_c, app.at("/c/cercle-prive")).await;
    assert_eq!(status, 200);
    assert!(card.contains(
        "Cette communauté est privée : seuls ses membres voient ses publications et ses membres."
    ));
    assert!(
        !card.contains("Bilan de la rencontre de mars"),
        "no feed on the card"
    );
    assert_eq!(get(&lea_c, app.at("/c/cercle-prive/members")).await.0, 404);

    // Too long a message: the card again, with the message kept and the error.
    let long = "m".repeat(communities::MESSAGE_MAX + 1);
    let res = app
        .post_form(
            &lea_c,
            "/c/cercle-prive",
            "/c/cercle-prive/request",
            &[("message", &long)],
        )
        .await;
    assert_eq!(res.status(), 422);
    let body = res.text().await.unwrap();
    assert!(body.contains("f-message-error") && body.contains(&long));
    assert!(!body.contains("Bilan de la rencontre de mars"));

    // The request, with a message to the managers.
    let res = app
        .post_form(
            &lea_c,
            "/c/cercle-prive",
            "/c/cercle-prive/request",
            &[("message", "Je coordonne un OBNL en Estrie.")],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/c/cercle-prive");
    assert_eq!(
        state_of(&app, &c, &lea).await,
        Some((Role::Member, MemberState::Requested))
    );
    let (status, card) = get(&lea_c, app.at("/c/cercle-prive")).await;
    assert_eq!(status, 200);
    assert!(
        card.contains("action=\"/c/cercle-prive/leave\""),
        "pending: can withdraw"
    );
    assert!(
        !card.contains("Bilan de la rencontre de mars"),
        "still outside"
    );
    assert_eq!(notifications(&app, &owner, "join_request").await.len(), 1);

    // The manager sees the message and approves.
    let (status, requests) = get(&owner_c, app.at("/c/cercle-prive/requests")).await;
    assert_eq!(status, 200);
    assert!(requests.contains("Je coordonne un OBNL en Estrie."));
    let res = app
        .post_form(
            &owner_c,
            "/c/cercle-prive/requests",
            &format!("/c/cercle-prive/requests/{}/approve", lea.id),
            &[],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        state_of(&app, &c, &lea).await,
        Some((Role::Member, MemberState::Active))
    );
    assert_eq!(notifications(&app, &lea, "join_approved").await.len(), 1);

    // Now a member: the feed, the members, no more card.
    let (status, page) = get(&lea_c, app.at("/c/cercle-prive")).await;
    assert_eq!(status, 200);
    assert!(page.contains("Bilan de la rencontre de mars"), "the feed");
    assert!(!page.contains("Cette communauté est privée : seuls ses membres"));
    let (status, members) = get(&lea_c, app.at("/c/cercle-prive/members")).await;
    assert_eq!(status, 200);
    assert!(members.contains("/u/lea"));
    let token = token_for(&app, &lea).await;
    let (status, body) = api(
        &app,
        reqwest::Method::GET,
        "/api/v1/communities/cercle-prive",
        Some(&token),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["readable"], true);
    assert!(body["charter"].is_string());
}

/// Someone without an account follows an invitation link, signs up, confirms
/// the address, logs in and lands back on the invitation, then joins.
#[tokio::test]
async fn invitee_without_an_account_signs_up_and_comes_back_to_the_invitation() {
    let app = TestApp::spawn().await;
    let (_, owner) = app.logged_in("hotesse", false).await;
    let c = make(
        &app,
        &owner,
        "cercle-invite",
        Visibility::Private,
        JoinPolicy::Invitation,
    )
    .await;
    let (_, code) =
        communities::invitations::create(&app.state.db, c.id, Some(owner.id), "", 7, None)
            .await
            .unwrap();
    // The link as shared, and as the pages write it back (code encoded).
    let shared = format!("/c/cercle-invite/join?code={code}");
    let invitation = format!("/c/cercle-invite/join?code={}", urlencoding(&code));
    let next = format!("next={}", urlencoding(&invitation));
    let client = app.client();

    // The invitation page offers to log in or to create an account, both coming back.
    let (status, body) = get(&client, app.at(&shared)).await;
    assert_eq!(status, 200);
    assert_eq!(href_starting(&body, "/login?"), format!("/login?{next}"));
    let signup = href_starting(&body, "/signup?");
    assert_eq!(signup, format!("/signup?{next}"));

    // Only local paths are carried.
    let (_, form) = get(&client, app.at("/signup?next=https%3A%2F%2Fevil.example")).await;
    assert_eq!(form_value(&form, "next"), None);
    let (_, form) = get(&client, app.at("/signup?next=%2F%2Fevil.example")).await;
    assert_eq!(form_value(&form, "next"), None);

    // The sign-up form keeps where to go back, as does its confirmation page.
    let (status, form) = get(&client, app.at(&signup)).await;
    assert_eq!(status, 200);
    assert_eq!(
        form_value(&form, "next").as_deref(),
        Some(invitation.as_str())
    );
    assert_eq!(href_starting(&form, "/login?"), format!("/login?{next}"));
    let res = app
        .post_form(
            &client,
            &signup,
            "/signup",
            &[
                ("username", "nadia"),
                ("email", "nadia@exemple.qc.ca"),
                ("password", PASSWORD),
                ("next", &invitation),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    let done = res.text().await.unwrap();
    assert_eq!(href_starting(&done, "/login?"), format!("/login?{next}"));

    // The address is confirmed from the e-mail; then the log-in form, coming back.
    let verify = app
        .mail_link("nadia@exemple.qc.ca", "/verify-email?token=")
        .await;
    let (status, confirm) = get(&client, app.at(&verify)).await;
    assert_eq!(status, 200);
    let res = client
        .post(app.at("/verify-email"))
        .form(&[
            ("csrf", form_value(&confirm, "csrf").unwrap().as_str()),
            ("token", form_value(&confirm, "token").unwrap().as_str()),
            (
                "next",
                form_value(&confirm, "next").unwrap_or_default().as_str(),
            ),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let login = location(&res);
    assert_eq!(login, format!("/login?{next}"));

    // Log in with next: back on the invitation, which now offers to join.
    let (_, login_page) = get(&client, app.at(&login)).await;
    assert_eq!(
        form_value(&login_page, "next").as_deref(),
        Some(invitation.as_str())
    );
    let res = client
        .post(app.at("/login"))
        .form(&[
            ("csrf", form_value(&login_page, "csrf").unwrap().as_str()),
            ("login", "nadia"),
            ("password", PASSWORD),
            ("next", form_value(&login_page, "next").unwrap().as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), invitation);
    let (status, body) = get(&client, app.at(&invitation)).await;
    assert_eq!(status, 200);
    assert!(body.contains("name=\"code\""), "a join button");
    let res = app
        .post_form(
            &client,
            &invitation,
            "/c/cercle-invite/join",
            &[("code", &code)],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/c/cercle-invite");
    let nadia = passerelles::accounts::by_login(&app.state.db, "nadia")
        .await
        .unwrap()
        .expect("account");
    assert_eq!(
        state_of(&app, &c, &nadia).await,
        Some((Role::Member, MemberState::Active))
    );
    let (status, page) = get(&client, app.at("/c/cercle-invite")).await;
    assert_eq!(status, 200);
    assert!(
        !page.contains("Cette communauté est privée : seuls ses membres"),
        "a member reads it"
    );
}

/// `s` percent-encoded as the pages do (everything but letters and digits).
fn urlencoding(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

// ---- directory and creation ---------------------------------------------------------------

#[tokio::test]
async fn create_then_directory_filters_and_my_communities() {
    let app = TestApp::spawn().await;
    let anon = app.client();
    let res = anon.get(app.at("/c/new")).send().await.unwrap();
    assert_eq!(res.status(), 303, "creating needs an account");
    assert!(location(&res).starts_with("/login?next="));

    // The empty directory says so, and how it is ordered.
    let (status, body) = get(&anon, app.at("/c")).await;
    assert_eq!(status, 200);
    assert!(body.contains("class=\"empty-state\""));
    assert!(
        body.contains("Les plus récemment actives d’abord."),
        "the page says how it is ordered"
    );

    let (alice_c, alice) = app.logged_in("alice", false).await;
    let (status, body) = get(&alice_c, app.at("/c/new")).await;
    assert_eq!(status, 200);
    assert!(
        body.contains("Bas-Saint-Laurent") && body.contains("Centre-du-Québec"),
        "the 17 regions"
    );
    let res = app
        .post_form(
            &alice_c,
            "/c/new",
            "/c/new",
            &[
                ("name", "Économie sociale du Bas-Saint-Laurent"),
                ("slug", ""),
                ("description", "Entreprises collectives de l’Est."),
                ("theme", "economie-sociale"),
                ("territory", "bas-saint-laurent"),
                ("visibility", "open"),
                ("join_policy", "open"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/c/economie-sociale-du-bas-saint-laurent");
    let c = reload(&app, "economie-sociale-du-bas-saint-laurent").await;
    assert_eq!(c.status, CommunityStatus::Active);
    assert_eq!(
        state_of(&app, &c, &alice).await,
        Some((Role::Owner, MemberState::Active))
    );
    let (status, body) = get(&alice_c, app.at(&c.path())).await;
    assert_eq!(status, 200);
    assert!(body.contains("Votre communauté est créée"), "flash");
    assert!(
        body.contains("Les publications épinglées d’abord, puis les plus récemment actives."),
        "the feed says its order"
    );

    // The same slug again is refused, with the input kept.
    let res = app
        .post_form(
            &alice_c,
            "/c/new",
            "/c/new",
            &[
                ("name", "Économie sociale du Bas-Saint-Laurent"),
                ("description", "Deuxième essai"),
                ("visibility", "open"),
                ("join_policy", "open"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let body = res.text().await.unwrap();
    assert!(body.contains("Cette adresse est déjà prise") && body.contains("Deuxième essai"));
    // Private with open membership is refused with a message.
    let res = app
        .post_form(
            &alice_c,
            "/c/new",
            "/c/new",
            &[
                ("name", "Cercle fermé"),
                ("visibility", "private"),
                ("join_policy", "open"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let body = res.text().await.unwrap();
    assert!(body.contains("Une communauté privée ne peut pas être à adhésion libre"));
    assert!(body.contains("value=\"Cercle fermé\""), "keeps the name");
    assert!(
        communities::by_slug(&app.state.db, "cercle-ferme")
            .await
            .unwrap()
            .is_none()
    );
    // Unknown theme or region.
    let res = app
        .post_form(
            &alice_c,
            "/c/new",
            "/c/new",
            &[
                ("name", "Autre"),
                ("theme", "sport"),
                ("territory", "paris"),
                ("visibility", "open"),
                ("join_policy", "open"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);

    // The directory shows it, and its filters work.
    let (_, body) = get(&anon, app.at("/c")).await;
    assert!(listed(&body, &c.slug));
    for (query, expected) in [
        ("?theme=economie-sociale", true),
        ("?theme=culture", false),
        ("?territory=bas-saint-laurent", true),
        ("?territory=montreal", false),
        ("?q=SOCIALE", true),
        ("?q=inexistant", false),
        ("?visibility=open", true),
        ("?visibility=private", false),
    ] {
        let (status, body) = get(&anon, app.at(&format!("/c{query}"))).await;
        assert_eq!(status, 200);
        assert_eq!(listed(&body, &c.slug), expected, "{query}");
        if !expected {
            assert!(
                body.contains("Aucune communauté ne correspond à ces filtres."),
                "{query}"
            );
        }
    }

    // A private community: in the directory for everyone (a card to ask to
    // join, with a lock), in "my communities" for its members only.
    let (bob_c, bob) = app.logged_in("bob", false).await;
    let res = app
        .post_form(
            &bob_c,
            "/c/new",
            "/c/new",
            &[
                ("name", "Cercle des directions"),
                ("visibility", "private"),
                ("join_policy", "request"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let private = reload(&app, "cercle-des-directions").await;
    for client in [&anon, &alice_c] {
        let (_, body) = get(client, app.at("/c")).await;
        assert!(listed(&body, &private.slug));
        let card = &body[body
            .find("<h2><a href=\"/c/cercle-des-directions\">")
            .unwrap()..];
        let card = &card[..card.find("</article>").unwrap()];
        assert!(
            card.contains("<span class=\"badge badge-lock\">Privée</span>"),
            "{card}"
        );
        let (_, body) = get(client, app.at("/c?visibility=private")).await;
        assert!(listed(&body, &private.slug) && !listed(&body, &c.slug));
        let (_, body) = get(client, app.at("/c?visibility=open")).await;
        assert!(!listed(&body, &private.slug));
    }
    let (_, body) = get(&bob_c, app.at("/c?mine=1")).await;
    assert!(
        listed(&body, &private.slug) && !listed(&body, &c.slug),
        "bob's communities"
    );
    let (_, body) = get(&alice_c, app.at("/c?mine=1")).await;
    assert!(
        !listed(&body, &private.slug) && listed(&body, &c.slug),
        "alice's communities"
    );
    let (_, body) = get(&bob_c, app.at("/c?visibility=private")).await;
    assert!(listed(&body, &private.slug));
    let res = anon.get(app.at("/c?mine=1")).send().await.unwrap();
    assert_eq!(res.status(), 303, "my communities needs an account");
    let _ = bob;

    // Paging: 31 open communities make two pages with next/previous links.
    for i in 0..31 {
        make(
            &app,
            &alice,
            &format!("page-{i:02}"),
            Visibility::Open,
            JoinPolicy::Open,
        )
        .await;
    }
    let (_, body) = get(&anon, app.at("/c")).await;
    assert!(body.contains("href=\"/c?page=2\"") && body.contains("rel=\"next\""));
    let (_, body) = get(&anon, app.at("/c?page=2")).await;
    assert!(body.contains("rel=\"prev\"") && !body.contains("rel=\"next\""));
}

// ---- join requests -----------------------------------------------------------------------

#[tokio::test]
async fn request_approve_refuse_with_notifications_and_a_welcome_shown_once() {
    let app = TestApp::spawn().await;
    let (owner_c, owner) = app.logged_in("animatrice", false).await;
    let res = app
        .post_form(
            &owner_c,
            "/c/new",
            "/c/new",
            &[
                ("name", "Atelier"),
                ("visibility", "open"),
                ("join_policy", "request"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let c = reload(&app, "atelier").await;
    let res = app
        .post_form(
            &owner_c,
            "/c/atelier/settings",
            "/c/atelier/settings",
            &[
                ("name", "Atelier"),
                ("description", ""),
                ("charter", "Respect et **bienveillance**."),
                ("welcome", "Bienvenue parmi nous, présentez-vous!"),
                ("theme", ""),
                ("territory", ""),
                ("visibility", "open"),
                ("join_policy", "request"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);

    // Carol asks with a message; the managers are notified.
    let (carol_c, carol) = app.logged_in("carol", false).await;
    let (_, body) = get(&carol_c, app.at("/c/atelier")).await;
    assert!(body.contains("action=\"/c/atelier/request\""));
    let res = app
        .post_form(
            &carol_c,
            "/c/atelier",
            "/c/atelier/request",
            &[("message", "Bonjour, je travaille en économie sociale.")],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        state_of(&app, &c, &carol).await,
        Some((Role::Member, MemberState::Requested))
    );
    let n = notifications(&app, &owner, "join_request").await;
    assert_eq!(n.len(), 1);
    assert_eq!(n[0].0, Some(carol.id));
    assert_eq!(n[0].1, c.id);
    assert!(n[0].2.contains("je travaille"));
    let (_, body) = get(&carol_c, app.at("/c/atelier")).await;
    assert!(body.contains("Votre demande d’adhésion est en attente"));
    // A too-long message is refused, keeping what was typed.
    let (dave_c, dave) = app.logged_in("dave", false).await;
    let long = "é".repeat(1001);
    let res = app
        .post_form(
            &dave_c,
            "/c/atelier",
            "/c/atelier/request",
            &[("message", &long)],
        )
        .await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains(&long));
    assert_eq!(state_of(&app, &c, &dave).await, None);

    // Only managers see the requests.
    let (status, _) = get(&carol_c, app.at("/c/atelier/requests")).await;
    assert_eq!(status, 403);
    let res = app
        .client()
        .get(app.at("/c/atelier/requests"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let (status, body) = get(&owner_c, app.at("/c/atelier/requests")).await;
    assert_eq!(status, 200);
    assert!(body.contains("carol") && body.contains("je travaille en économie sociale"));
    let res = app
        .post_form(
            &carol_c,
            "/c/atelier",
            &format!("/c/atelier/requests/{}/approve", carol.id),
            &[],
        )
        .await;
    assert_eq!(res.status(), 403, "a requester cannot approve themself");

    let res = app
        .post_form(
            &owner_c,
            "/c/atelier/requests",
            &format!("/c/atelier/requests/{}/approve", carol.id),
            &[],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        state_of(&app, &c, &carol).await,
        Some((Role::Member, MemberState::Active))
    );
    let n = notifications(&app, &carol, "join_approved").await;
    assert_eq!(n.len(), 1);
    assert_eq!(n[0].0, Some(owner.id));
    // A second click finds nothing to approve.
    let res = app
        .post_form(
            &owner_c,
            "/c/atelier/requests",
            &format!("/c/atelier/requests/{}/approve", carol.id),
            &[],
        )
        .await;
    assert_eq!(res.status(), 409);
    assert_eq!(reload(&app, "atelier").await.member_count, 2);

    // The newcomer sees the welcome and the charter once.
    let (_, body) = get(&carol_c, app.at("/c/atelier")).await;
    assert!(
        body.contains("id=\"welcome\"")
            && body.contains("présentez-vous")
            && body.contains("<strong>bienveillance</strong>")
    );
    let (_, body) = get(&carol_c, app.at("/c/atelier")).await;
    assert!(!body.contains("id=\"welcome\""), "shown once");
    let (_, body) = get(&carol_c, app.at("/c/atelier/about")).await;
    assert!(
        body.contains("bienveillance"),
        "the charter stays on the about page"
    );

    // Refused with a reason: no membership, a notification carrying the reason.
    let res = app
        .post_form(
            &dave_c,
            "/c/atelier",
            "/c/atelier/request",
            &[("message", "")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let res = app
        .post_form(
            &owner_c,
            "/c/atelier/requests",
            &format!("/c/atelier/requests/{}/refuse", dave.id),
            &[("reason", "Réservé aux praticiens de la région.")],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(state_of(&app, &c, &dave).await, None);
    let n = notifications(&app, &dave, "join_refused").await;
    assert_eq!(n.len(), 1);
    let data: Value = serde_json::from_str(&n[0].2).expect("json data");
    assert_eq!(data["reason"], "Réservé aux praticiens de la région.");

    // Withdrawing a request.
    let res = app
        .post_form(
            &dave_c,
            "/c/atelier",
            "/c/atelier/request",
            &[("message", "Encore moi")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let res = app
        .post_form(&dave_c, "/c/atelier", "/c/atelier/leave", &[])
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(state_of(&app, &c, &dave).await, None);

    // Forged form: no CSRF token, nothing happens.
    let res = dave_c
        .post(app.at("/c/atelier/request"))
        .form(&[("message", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!(state_of(&app, &c, &dave).await, None);
}

// ---- invitations --------------------------------------------------------------------------

#[tokio::test]
async fn invitation_links_use_limits_expiry_revocation_and_email() {
    let app = TestApp::spawn().await;
    let (owner_c, owner) = app.logged_in("hote", false).await;
    let c = make(
        &app,
        &owner,
        "cercle",
        Visibility::Private,
        JoinPolicy::Invitation,
    )
    .await;

    // Bad values are refused with the form kept.
    let res = app
        .post_form(
            &owner_c,
            "/c/cercle/invitations",
            "/c/cercle/invitations",
            &[
                ("days", "91"),
                ("max_uses", "0"),
                ("email", "pas-une-adresse"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let body = res.text().await.unwrap();
    assert!(body.contains("entre 1 et 90") && body.contains("pas-une-adresse"));

    // A link for one person.
    let res = app
        .post_form(
            &owner_c,
            "/c/cercle/invitations",
            "/c/cercle/invitations",
            &[("days", "7"), ("max_uses", "1"), ("email", "")],
        )
        .await;
    assert_eq!(res.status(), 200);
    let link = shown_link(&res.text().await.unwrap());
    assert!(link.starts_with("/c/cercle/join?code="), "{link}");
    let code = code_of(&link);

    // Anyone holding the link sees the community, though it is private.
    let anon = app.client();
    let (status, body) = get(&anon, app.at(&link)).await;
    assert_eq!(status, 200);
    assert!(body.contains("Communauté cercle") && body.contains("/login?next="));
    let (erin_c, erin) = app.logged_in("erin", false).await;
    let (status, body) = get(&erin_c, app.at("/c/cercle")).await;
    assert_eq!(status, 200, "the card of a private community");
    assert!(
        body.contains("sur invitation seulement")
            && !body.contains("action=\"/c/cercle/request\"")
            && !body.contains("action=\"/c/cercle/join\""),
        "invitation only: nothing to ask"
    );
    let res = app
        .post_form(
            &erin_c,
            "/c/cercle",
            "/c/cercle/request",
            &[("message", "svp")],
        )
        .await;
    assert_eq!(res.status(), 403, "no requests by invitation only");
    let (status, body) = get(&erin_c, app.at(&link)).await;
    assert_eq!(status, 200);
    assert!(body.contains("name=\"code\""));
    let res = app
        .post_form(&erin_c, &link, "/c/cercle/join", &[("code", &code)])
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), "/c/cercle");
    assert_eq!(
        state_of(&app, &c, &erin).await,
        Some((Role::Member, MemberState::Active))
    );
    let (status, _) = get(&erin_c, app.at("/c/cercle")).await;
    assert_eq!(status, 200);

    // Used once: the next person is refused.
    let (frank_c, frank) = app.logged_in("frank", false).await;
    let (status, _) = get(&frank_c, app.at(&link)).await;
    assert_eq!(status, 404);
    let res = app
        .post_form(&frank_c, "/", "/c/cercle/join", &[("code", &code)])
        .await;
    assert_eq!(res.status(), 404);
    assert_eq!(state_of(&app, &c, &frank).await, None);
    // A code for another community does not open this one.
    let other = make(
        &app,
        &owner,
        "autre",
        Visibility::Private,
        JoinPolicy::Invitation,
    )
    .await;
    let (_, other_code) =
        communities::invitations::create(&app.state.db, other.id, Some(owner.id), "", 7, None)
            .await
            .unwrap();
    let res = app
        .post_form(&frank_c, "/", "/c/cercle/join", &[("code", &other_code)])
        .await;
    assert_eq!(res.status(), 404);

    // Expired.
    let (expired_id, expired) =
        communities::invitations::create(&app.state.db, c.id, Some(owner.id), "", 7, None)
            .await
            .unwrap();
    sqlx::query("UPDATE community_invites SET expires_at = $1 WHERE id = $2")
        .bind(passerelles::db::now() - 1)
        .bind(expired_id)
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    let (status, body) = get(&frank_c, app.at(&format!("/c/cercle/join?code={expired}"))).await;
    assert_eq!(status, 404);
    assert!(body.contains("Ce lien d’invitation est invalide, expiré, révoqué ou déjà utilisé."));
    let res = app
        .post_form(&frank_c, "/", "/c/cercle/join", &[("code", &expired)])
        .await;
    assert_eq!(res.status(), 404);

    // Revoked from the page.
    let res = app
        .post_form(
            &owner_c,
            "/c/cercle/invitations",
            "/c/cercle/invitations",
            &[("days", "30")],
        )
        .await;
    let revoked = code_of(&shown_link(&res.text().await.unwrap()));
    let id: i64 = sqlx::query_scalar("SELECT id FROM community_invites WHERE code_hash = $1")
        .bind(passerelles::accounts::hash_token(&revoked))
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    let (_, list) = get(&owner_c, app.at("/c/cercle/invitations")).await;
    assert!(
        list.contains(&format!("/c/cercle/invitations/{id}/revoke"))
            && list.contains("Épuisée")
            && list.contains("Expirée")
    );
    let res = app
        .post_form(
            &erin_c,
            "/c/cercle",
            &format!("/c/cercle/invitations/{id}/revoke"),
            &[],
        )
        .await;
    assert_eq!(res.status(), 403, "members do not manage invitations");
    let res = app
        .post_form(
            &owner_c,
            "/c/cercle/invitations",
            &format!("/c/cercle/invitations/{id}/revoke"),
            &[],
        )
        .await;
    assert_eq!(res.status(), 303);
    let res = app
        .post_form(&frank_c, "/", "/c/cercle/join", &[("code", &revoked)])
        .await;
    assert_eq!(res.status(), 404);
    assert_eq!(state_of(&app, &c, &frank).await, None);

    // By e-mail: the link arrives, works once.
    let res = app
        .post_form(
            &owner_c,
            "/c/cercle/invitations",
            "/c/cercle/invitations",
            &[("days", "14"), ("email", "gilles@exemple.qc.ca")],
        )
        .await;
    assert_eq!(res.status(), 200);
    assert!(res.text().await.unwrap().contains("gilles@exemple.qc.ca"));
    let mailed = app.mail_link("gilles@exemple.qc.ca", "/join?code=").await;
    let mail = app
        .sink
        .all()
        .into_iter()
        .find(|m| m.to.iter().any(|t| t.contains("gilles")))
        .expect("mail");
    assert!(
        mail.subject().contains("Communauté cercle"),
        "{}",
        mail.subject()
    );
    let gilles = app.create_user("gilles", false).await;
    let gilles_c = app.client();
    app.login(&gilles_c, "gilles", crate::harness::PASSWORD)
        .await;
    let res = app
        .post_form(
            &gilles_c,
            &mailed,
            "/c/cercle/join",
            &[("code", &code_of(&mailed))],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        state_of(&app, &c, &gilles).await.map(|s| s.1),
        Some(MemberState::Active)
    );
    let res = app
        .post_form(
            &frank_c,
            "/",
            "/c/cercle/join",
            &[("code", &code_of(&mailed))],
        )
        .await;
    assert_eq!(res.status(), 404, "an e-mail invitation is for one person");

    // Anonymous posting the form goes to the login, coming back to the link.
    let res = app
        .post_form(&anon, &link, "/c/cercle/join", &[("code", &code)])
        .await;
    assert_eq!(res.status(), 303);
    assert!(location(&res).starts_with("/login?next=%2Fc%2Fcercle%2Fjoin"));
}

// ---- owners, roles, archive -----------------------------------------------------------------

#[tokio::test]
async fn last_owner_stays_ownership_transfers_and_roles_stay_below_ones_own() {
    let app = TestApp::spawn().await;
    let (owner_c, owner) = app.logged_in("fondatrice", false).await;
    let c = make(&app, &owner, "relais", Visibility::Open, JoinPolicy::Open).await;

    let res = app
        .post_form(&owner_c, "/c/relais", "/c/relais/leave", &[])
        .await;
    assert_eq!(res.status(), 409);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("Vous êtes la seule personne propriétaire")
    );
    assert_eq!(
        state_of(&app, &c, &owner).await,
        Some((Role::Owner, MemberState::Active))
    );

    let (gina_c, gina) = app.logged_in("gina", false).await;
    let res = app
        .post_form(&gina_c, "/c/relais", "/c/relais/join", &[])
        .await;
    assert_eq!(res.status(), 303);
    let (hank_c, hank) = app.logged_in("hank", false).await;
    let res = app
        .post_form(&hank_c, "/c/relais", "/c/relais/join", &[])
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(reload(&app, "relais").await.member_count, 3);

    // A member cannot transfer ownership nor change roles.
    let res = app
        .post_form(
            &gina_c,
            "/c/relais",
            "/c/relais/transfer",
            &[("user_id", &gina.id.to_string())],
        )
        .await;
    assert_eq!(res.status(), 403);
    let res = app
        .post_form(
            &gina_c,
            "/c/relais",
            &format!("/c/relais/members/{}/role", hank.id),
            &[("role", "moderator")],
        )
        .await;
    assert_eq!(res.status(), 403);

    // Transfer: gina becomes owner, the founder an animator.
    let (_, settings) = get(&owner_c, app.at("/c/relais/settings")).await;
    assert!(settings.contains(&format!("<option value=\"{}\">", gina.id)));
    let res = app
        .post_form(
            &owner_c,
            "/c/relais/settings",
            "/c/relais/transfer",
            &[("user_id", &gina.id.to_string())],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        state_of(&app, &c, &gina).await,
        Some((Role::Owner, MemberState::Active))
    );
    assert_eq!(
        state_of(&app, &c, &owner).await,
        Some((Role::Animator, MemberState::Active))
    );

    // The animator manages members below them, never above their own role.
    let res = app
        .post_form(
            &owner_c,
            "/c/relais/members",
            &format!("/c/relais/members/{}/role", hank.id),
            &[("role", "moderator")],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        state_of(&app, &c, &hank).await,
        Some((Role::Moderator, MemberState::Active))
    );
    let res = app
        .post_form(
            &owner_c,
            "/c/relais/members",
            &format!("/c/relais/members/{}/role", hank.id),
            &[("role", "owner")],
        )
        .await;
    assert_eq!(res.status(), 403, "only owners make owners");
    let res = app
        .post_form(
            &owner_c,
            "/c/relais/members",
            &format!("/c/relais/members/{}/role", gina.id),
            &[("role", "member")],
        )
        .await;
    assert_eq!(res.status(), 403, "not above one's own role");
    let res = app
        .post_form(
            &owner_c,
            "/c/relais/members",
            &format!("/c/relais/members/{}/remove", gina.id),
            &[],
        )
        .await;
    assert_eq!(res.status(), 403);
    let (_, members) = get(&owner_c, app.at("/c/relais/members")).await;
    assert!(members.contains(&format!("/c/relais/members/{}/role", hank.id)));
    assert!(
        !members.contains(&format!("/c/relais/members/{}/role", gina.id)),
        "no form where it would be refused"
    );

    // The last owner cannot demote themself either.
    let res = app
        .post_form(
            &gina_c,
            "/c/relais/members",
            &format!("/c/relais/members/{}/role", gina.id),
            &[("role", "member")],
        )
        .await;
    assert_eq!(res.status(), 409);
    let res = app
        .post_form(&gina_c, "/c/relais", "/c/relais/leave", &[])
        .await;
    assert_eq!(res.status(), 409);
    // The founder (now an animator) may leave.
    let res = app
        .post_form(&owner_c, "/c/relais", "/c/relais/leave", &[])
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(state_of(&app, &c, &owner).await, None);
    // An owner makes another owner; then one of them may leave; removal works for those below.
    let res = app
        .post_form(
            &gina_c,
            "/c/relais/members",
            &format!("/c/relais/members/{}/role", hank.id),
            &[("role", "owner")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let res = app
        .post_form(&gina_c, "/c/relais", "/c/relais/leave", &[])
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        communities::owner_count(&app.state.db, c.id).await.unwrap(),
        1
    );
    let (ivy_c, ivy) = app.logged_in("ivy", false).await;
    app.post_form(&ivy_c, "/c/relais", "/c/relais/join", &[])
        .await;
    let res = app
        .post_form(
            &hank_c,
            "/c/relais/members",
            &format!("/c/relais/members/{}/remove", ivy.id),
            &[],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(state_of(&app, &c, &ivy).await, None);
    assert_eq!(reload(&app, "relais").await.member_count, 1);
}

#[tokio::test]
async fn archiving_blocks_joining_and_posting_until_reopened() {
    let app = TestApp::spawn().await;
    let (owner_c, owner) = app.logged_in("gardienne", false).await;
    let c = make(&app, &owner, "archives", Visibility::Open, JoinPolicy::Open).await;
    let (ivan_c, ivan) = app.logged_in("ivan", false).await;
    app.post_form(&ivan_c, "/c/archives", "/c/archives/join", &[])
        .await;
    let can_post =
        |c: &Community, m| policy::can(Some(&ivan), Action::PostInCommunity { c: &c.facts(), m });
    let m = communities::membership(&app.state.db, c.id, Some(&ivan))
        .await
        .unwrap();
    assert!(can_post(&c, m));

    let res = app
        .post_form(&ivan_c, "/c/archives", "/c/archives/archive", &[])
        .await;
    assert_eq!(res.status(), 403, "members do not archive");
    let res = app
        .post_form(&owner_c, "/c/archives/settings", "/c/archives/archive", &[])
        .await;
    assert_eq!(res.status(), 303);
    let archived = reload(&app, "archives").await;
    assert_eq!(archived.status, CommunityStatus::Archived);
    assert!(!can_post(&archived, m), "archived: read-only");
    let (status, body) = get(&ivan_c, app.at("/c/archives")).await;
    assert_eq!(status, 200);
    assert!(body.contains("Communauté archivée"));

    let (jack_c, jack) = app.logged_in("jack", false).await;
    let (_, body) = get(&jack_c, app.at("/c/archives")).await;
    assert!(!body.contains("action=\"/c/archives/join\""));
    let res = app
        .post_form(&jack_c, "/c/archives", "/c/archives/join", &[])
        .await;
    assert_eq!(res.status(), 409);
    let token = token_for(&app, &jack).await;
    let (status, body) = api(
        &app,
        reqwest::Method::POST,
        "/api/v1/communities/archives/join",
        Some(&token),
        None,
    )
    .await;
    assert_eq!(status, 409);
    assert_eq!(body["error"]["code"], "community_archived");
    let res = app
        .post_form(
            &owner_c,
            "/c/archives/invitations",
            "/c/archives/invitations",
            &[("days", "7")],
        )
        .await;
    assert_eq!(res.status(), 409, "no invitations into an archive");
    assert_eq!(state_of(&app, &c, &jack).await, None);

    let res = app
        .post_form(&owner_c, "/c/archives/settings", "/c/archives/reopen", &[])
        .await;
    assert_eq!(res.status(), 303);
    let reopened = reload(&app, "archives").await;
    assert_eq!(reopened.status, CommunityStatus::Active);
    assert!(can_post(&reopened, m));
    let res = app
        .post_form(&jack_c, "/c/archives", "/c/archives/join", &[])
        .await;
    assert_eq!(res.status(), 303);
}

// ---- approval by the instance ----------------------------------------------------------------

#[tokio::test]
async fn approval_mode_creates_pending_communities_that_admins_approve_or_refuse() {
    let app = TestApp::spawn().await;
    let (admin_c, _) = app.logged_in("adeline", true).await;
    let (kate_c, kate) = app.logged_in("kate", false).await;
    let anon = app.client();

    let (status, _) = get(&kate_c, app.at("/admin/communities")).await;
    assert_eq!(status, 403);
    let res = anon.get(app.at("/admin/communities")).send().await.unwrap();
    assert_eq!(res.status(), 303);
    let (status, body) = get(&admin_c, app.at("/admin/communities")).await;
    assert_eq!(status, 200);
    assert!(body.contains("class=\"side-nav\"") && body.contains("name=\"approval\""));
    assert!(
        body.contains("href=\"/admin/communities\" aria-current=\"page\">Communautés</a>")
            && body.contains("href=\"/admin/reports\">Signalements</a>")
            && body.contains("href=\"/admin/audit\">"),
        "the administration menu, this section marked"
    );
    let res = app
        .post_form(
            &kate_c,
            "/",
            "/admin/communities/settings",
            &[("approval", "1")],
        )
        .await;
    assert_eq!(res.status(), 403);
    let res = app
        .post_form(
            &admin_c,
            "/admin/communities",
            "/admin/communities/settings",
            &[("approval", "1")],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        passerelles::settings::get_raw(&app.state.db, "community_approval")
            .await
            .unwrap()
            .as_deref(),
        Some("1")
    );

    let (_, form) = get(&kate_c, app.at("/c/new")).await;
    assert!(form.contains("name=\"request_note\""), "the form asks why");
    let res = app
        .post_form(
            &kate_c,
            "/c/new",
            "/c/new",
            &[
                ("name", "Philanthropie en région"),
                ("visibility", "open"),
                ("join_policy", "open"),
                (
                    "request_note",
                    "Les fondations régionales n’ont pas d’espace commun.",
                ),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let c = reload(&app, "philanthropie-en-region").await;
    assert_eq!(c.status, CommunityStatus::Pending);
    let (status, body) = get(&kate_c, app.at(&c.path())).await;
    assert_eq!(status, 200, "the creator sees the pending community");
    assert!(body.contains("En attente d’approbation"));
    let (status, _) = get(&anon, app.at(&c.path())).await;
    assert_eq!(status, 404);
    let (_, dir) = get(&kate_c, app.at("/c")).await;
    assert!(!listed(&dir, &c.slug), "not listed while pending");

    let (_, queue) = get(&admin_c, app.at("/admin/communities")).await;
    assert!(queue.contains("Philanthropie en région") && queue.contains("pas d’espace commun"));
    let res = app
        .post_form(
            &admin_c,
            "/admin/communities",
            &format!("/admin/communities/{}/approve", c.id),
            &[],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(reload(&app, &c.slug).await.status, CommunityStatus::Active);
    app.drain_jobs().await;
    let mail = app.sink.wait_for(kate.email.as_deref().unwrap()).await;
    assert!(
        mail.subject().contains("Philanthropie en région") && mail.subject().contains("approuvée"),
        "{}",
        mail.subject()
    );
    assert!(mail.text_part().contains("/c/philanthropie-en-region"));
    assert_eq!(
        notifications(&app, &kate, "community_approved").await.len(),
        1
    );
    let (_, dir) = get(&anon, app.at("/c")).await;
    assert!(listed(&dir, &c.slug));
    let res = app
        .post_form(
            &admin_c,
            "/admin/communities",
            &format!("/admin/communities/{}/approve", c.id),
            &[],
        )
        .await;
    assert_eq!(res.status(), 409, "already handled");

    // Refused, with the reason in the e-mail and on the page.
    let res = app
        .post_form(
            &kate_c,
            "/c/new",
            "/c/new",
            &[
                ("name", "Doublon"),
                ("visibility", "open"),
                ("join_policy", "open"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let d = reload(&app, "doublon").await;
    let res = app
        .post_form(
            &admin_c,
            "/admin/communities",
            &format!("/admin/communities/{}/refuse", d.id),
            &[("reason", "Elle existe déjà sous un autre nom.")],
        )
        .await;
    assert_eq!(res.status(), 303);
    let d = reload(&app, "doublon").await;
    assert_eq!(d.status, CommunityStatus::Refused);
    app.drain_jobs().await;
    let mail = app.sink.wait_for(kate.email.as_deref().unwrap()).await;
    assert!(
        mail.text_part()
            .contains("Elle existe déjà sous un autre nom."),
        "{}",
        mail.text_part()
    );
    let (status, body) = get(&kate_c, app.at("/c/doublon")).await;
    assert_eq!(status, 200);
    assert!(body.contains("Elle existe déjà sous un autre nom."));
    let (status, _) = get(&kate_c, app.at("/c/doublon/settings")).await;
    assert_eq!(status, 403, "a refused community is not managed");

    // Approval off again: communities are active at once.
    let res = app
        .post_form(
            &admin_c,
            "/admin/communities",
            "/admin/communities/settings",
            &[],
        )
        .await;
    assert_eq!(res.status(), 303);
    let res = app
        .post_form(
            &kate_c,
            "/c/new",
            "/c/new",
            &[
                ("name", "Tout de suite"),
                ("visibility", "open"),
                ("join_policy", "open"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert_eq!(
        reload(&app, "tout-de-suite").await.status,
        CommunityStatus::Active
    );
}

// ---- settings ----------------------------------------------------------------------------

#[tokio::test]
async fn settings_keep_input_on_errors_and_only_managers_change_them() {
    let app = TestApp::spawn().await;
    let (owner_c, owner) = app.logged_in("lea", false).await;
    let c = make(&app, &owner, "reglages", Visibility::Open, JoinPolicy::Open).await;
    let (member_c, member) = app.logged_in("marc", false).await;
    communities::set_membership(
        &app.state.db,
        c.id,
        member.id,
        Role::Moderator,
        MemberState::Active,
        "",
    )
    .await
    .unwrap();

    let (status, body) = get(&owner_c, app.at("/c/reglages/settings")).await;
    assert_eq!(status, 200);
    assert!(body.contains("value=\"Communauté reglages\""));
    let (status, _) = get(&member_c, app.at("/c/reglages/settings")).await;
    assert_eq!(status, 403, "moderators do not change settings");
    let res = app
        .post_form(
            &member_c,
            "/c/reglages",
            "/c/reglages/settings",
            &[
                ("name", "Piratée"),
                ("visibility", "open"),
                ("join_policy", "open"),
            ],
        )
        .await;
    assert_eq!(res.status(), 403);

    let res = app
        .post_form(
            &owner_c,
            "/c/reglages/settings",
            "/c/reglages/settings",
            &[
                ("name", ""),
                ("description", "Ma description gardée"),
                ("charter", "Une charte gardée"),
                ("welcome", "Un mot gardé"),
                ("theme", "culture"),
                ("territory", "estrie"),
                ("visibility", "private"),
                ("join_policy", "open"),
            ],
        )
        .await;
    assert_eq!(res.status(), 422);
    let body = res.text().await.unwrap();
    for kept in [
        "Ma description gardée",
        "Une charte gardée",
        "Un mot gardé",
        "name=\"territory\" type=\"text\" value=\"estrie\"",
        "value=\"private\" checked",
    ] {
        assert!(body.contains(kept), "keeps {kept}");
    }
    assert!(
        body.contains("Ce champ est obligatoire.")
            && body.contains("Une communauté privée ne peut pas être à adhésion libre")
    );
    assert!(body.contains("aria-invalid=\"true\""));
    assert_eq!(
        reload(&app, "reglages").await.description,
        "Une communauté de test.",
        "nothing saved"
    );

    let res = app
        .post_form(
            &owner_c,
            "/c/reglages/settings",
            "/c/reglages/settings",
            &[
                ("name", "Réglages fins"),
                ("description", "Nouvelle description"),
                ("charter", ""),
                ("welcome", ""),
                ("theme", "culture"),
                ("territory", "estrie"),
                ("visibility", "private"),
                ("join_policy", "request"),
            ],
        )
        .await;
    assert_eq!(res.status(), 303);
    let c = reload(&app, "reglages").await;
    assert_eq!(
        (
            c.name.as_str(),
            c.visibility,
            c.join_policy,
            c.theme.as_str(),
            c.territory.as_str()
        ),
        (
            "Réglages fins",
            Visibility::Private,
            JoinPolicy::Request,
            "culture",
            "estrie"
        )
    );
    let (status, body) = get(&app.client(), app.at("/c/reglages")).await;
    assert_eq!(status, 200, "now private: its card");
    assert!(body.contains("Cette communauté est privée") && body.contains("Nouvelle description"));
    let (status, _) = get(&app.client(), app.at("/c/reglages/members")).await;
    assert_eq!(status, 404, "now private: members hidden");
}

// ---- the API ------------------------------------------------------------------------------

#[tokio::test]
async fn api_creates_joins_requests_manages_and_invites() {
    use reqwest::Method;
    let app = TestApp::spawn().await;
    let owner = app.create_user("nadia", false).await;
    let alex = app.create_user("alex", false).await;
    let bea = app.create_user("bea", false).await;
    let (t_owner, t_alex, t_bea) = (
        token_for(&app, &owner).await,
        token_for(&app, &alex).await,
        token_for(&app, &bea).await,
    );

    let (status, _) = api(
        &app,
        Method::POST,
        "/api/v1/communities",
        None,
        Some(serde_json::json!({"name": "X", "visibility": "open", "join_policy": "open"})),
    )
    .await;
    assert_eq!(status, 401);
    let (status, body) = api(
        &app,
        Method::POST,
        "/api/v1/communities",
        Some(&t_owner),
        Some(serde_json::json!({"name": "Secret", "visibility": "private", "join_policy": "open"})),
    )
    .await;
    assert_eq!(status, 422);
    assert!(body["error"]["fields"]["join_policy"].is_string(), "{body}");
    let (status, body) = api(
        &app,
        Method::POST,
        "/api/v1/communities",
        Some(&t_owner),
        Some(serde_json::json!({"name": "Transition Laurentides", "theme": "transition", "territory": "laurentides", "visibility": "open", "join_policy": "request"})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["slug"], "transition-laurentides");
    assert_eq!(body["territory_name"], "Laurentides");
    assert_eq!(body["membership"]["role"], "owner");
    assert_eq!(body["permissions"]["manage"], true);
    let base = "/api/v1/communities/transition-laurentides";

    // Settings.
    let (status, _) = api(
        &app,
        Method::PATCH,
        base,
        Some(&t_alex),
        Some(serde_json::json!({"name": "Volée"})),
    )
    .await;
    assert_eq!(status, 403);
    let (status, body) = api(
        &app,
        Method::PATCH,
        base,
        Some(&t_owner),
        Some(serde_json::json!({"welcome": "Bienvenue!", "description": "Transition écologique"})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["welcome"], "Bienvenue!");
    let (status, _) = api(
        &app,
        Method::PATCH,
        base,
        Some(&t_owner),
        Some(serde_json::json!({"territory": "atlantide"})),
    )
    .await;
    assert_eq!(status, 422);

    // Joining on request.
    let (status, _) = api(
        &app,
        Method::POST,
        &format!("{base}/join"),
        Some(&t_alex),
        None,
    )
    .await;
    assert_eq!(status, 403, "this one is on request");
    let (status, body) = api(
        &app,
        Method::POST,
        &format!("{base}/requests"),
        Some(&t_alex),
        Some(serde_json::json!({"message": "Je suis de Saint-Jérôme"})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["state"], "requested");
    let (status, _) = api(
        &app,
        Method::GET,
        &format!("{base}/requests"),
        Some(&t_alex),
        None,
    )
    .await;
    assert_eq!(status, 403);
    let (status, body) = api(
        &app,
        Method::GET,
        &format!("{base}/requests"),
        Some(&t_owner),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["items"][0]["username"], "alex");
    assert_eq!(body["items"][0]["message"], "Je suis de Saint-Jérôme");
    let (status, _) = api(
        &app,
        Method::POST,
        &format!("{base}/requests/{}/approve", alex.id),
        Some(&t_owner),
        None,
    )
    .await;
    assert_eq!(status, 204);
    let (status, body) = api(
        &app,
        Method::POST,
        &format!("{base}/requests/{}/approve", alex.id),
        Some(&t_owner),
        None,
    )
    .await;
    assert_eq!(status, 409);
    assert_eq!(body["error"]["code"], "no_request");
    api(
        &app,
        Method::POST,
        &format!("{base}/requests"),
        Some(&t_bea),
        Some(serde_json::json!({})),
    )
    .await;
    let (status, _) = api(
        &app,
        Method::POST,
        &format!("{base}/requests/{}/refuse", bea.id),
        Some(&t_owner),
        Some(serde_json::json!({"reason": "Complet"})),
    )
    .await;
    assert_eq!(status, 204);

    // Members and roles.
    let (status, body) = api(&app, Method::GET, &format!("{base}/members"), None, None).await;
    assert_eq!(status, 200);
    let names: Vec<&str> = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["username"].as_str())
        .collect();
    assert_eq!(names, ["nadia", "alex"], "highest role first");
    assert!(body["items"][0]["message"].is_null());
    let (status, _) = api(
        &app,
        Method::GET,
        &format!("{base}/members?state=banned"),
        Some(&t_alex),
        None,
    )
    .await;
    assert_eq!(status, 403);
    let (status, _) = api(
        &app,
        Method::PUT,
        &format!("{base}/members/{}/role", alex.id),
        Some(&t_owner),
        Some(serde_json::json!({"role": "animator"})),
    )
    .await;
    assert_eq!(status, 204);
    let (status, _) = api(
        &app,
        Method::PUT,
        &format!("{base}/members/{}/role", owner.id),
        Some(&t_alex),
        Some(serde_json::json!({"role": "member"})),
    )
    .await;
    assert_eq!(status, 403);
    let (status, body) = api(
        &app,
        Method::POST,
        &format!("{base}/leave"),
        Some(&t_owner),
        None,
    )
    .await;
    assert_eq!(status, 409);
    assert_eq!(body["error"]["code"], "last_owner");
    let (status, _) = api(
        &app,
        Method::POST,
        &format!("{base}/transfer"),
        Some(&t_owner),
        Some(serde_json::json!({"user_id": bea.id})),
    )
    .await;
    assert_eq!(status, 409, "bea is not a member");
    let (status, _) = api(
        &app,
        Method::POST,
        &format!("{base}/transfer"),
        Some(&t_owner),
        Some(serde_json::json!({"user_id": alex.id})),
    )
    .await;
    assert_eq!(status, 204);
    let (_, body) = api(&app, Method::GET, base, Some(&t_owner), None).await;
    assert_eq!(body["membership"]["role"], "animator");

    // Invitations.
    let (status, body) = api(
        &app,
        Method::POST,
        &format!("{base}/invitations"),
        Some(&t_alex),
        Some(serde_json::json!({"expires_in_days": 3, "max_uses": 1})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let link = body["link"].as_str().unwrap().to_string();
    let code = link.split("code=").nth(1).unwrap().to_string();
    let (status, body) = api(
        &app,
        Method::GET,
        &format!("{base}/invitations"),
        Some(&t_alex),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body[0]["state"], "active");
    let (status, _) = api(
        &app,
        Method::POST,
        &format!("{base}/invitations"),
        Some(&t_alex),
        Some(serde_json::json!({"expires_in_days": 0})),
    )
    .await;
    assert_eq!(status, 422);
    let (status, body) = api(
        &app,
        Method::POST,
        &format!("{base}/invitations/redeem"),
        Some(&t_bea),
        Some(serde_json::json!({"code": code})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["membership"]["state"], "active");
    let carl = app.create_user("carl", false).await;
    let t_carl = token_for(&app, &carl).await;
    let (status, _) = api(
        &app,
        Method::POST,
        &format!("{base}/invitations/redeem"),
        Some(&t_carl),
        Some(serde_json::json!({"code": code})),
    )
    .await;
    assert_eq!(status, 404, "used up");
    let (_, body) = api(
        &app,
        Method::GET,
        &format!("{base}/invitations"),
        Some(&t_alex),
        None,
    )
    .await;
    let id = body[0]["id"].as_i64().unwrap();
    assert_eq!(body[0]["state"], "used");
    let (status, body) = api(
        &app,
        Method::POST,
        &format!("{base}/invitations"),
        Some(&t_alex),
        Some(serde_json::json!({})),
    )
    .await;
    assert_eq!(status, 201);
    let second = body["id"].as_i64().unwrap();
    let (status, _) = api(
        &app,
        Method::DELETE,
        &format!("{base}/invitations/{second}"),
        Some(&t_alex),
        None,
    )
    .await;
    assert_eq!(status, 204);
    let (status, _) = api(
        &app,
        Method::DELETE,
        &format!("{base}/invitations/{second}"),
        Some(&t_alex),
        None,
    )
    .await;
    assert_eq!(status, 404);
    let _ = id;

    // Archive and reopen; the directory with filters.
    let (status, body) = api(
        &app,
        Method::POST,
        &format!("{base}/archive"),
        Some(&t_alex),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["status"], "archived");
    assert_eq!(body["permissions"]["post"], false);
    let (status, body) = api(
        &app,
        Method::POST,
        &format!("{base}/reopen"),
        Some(&t_alex),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["status"], "active");
    let (status, body) = api(
        &app,
        Method::GET,
        "/api/v1/communities?territory=laurentides&mine=true",
        Some(&t_bea),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["items"][0]["slug"], "transition-laurentides");
    assert_eq!(body["order"], "last_activity_desc");
    let (status, _) = api(
        &app,
        Method::GET,
        "/api/v1/communities?mine=true",
        None,
        None,
    )
    .await;
    assert_eq!(status, 401);

    // Administrators approve through the API too.
    passerelles::settings::set_raw(&app.state.db, "community_approval", "1")
        .await
        .unwrap();
    let (status, body) = api(&app, Method::POST, "/api/v1/communities", Some(&t_bea), Some(serde_json::json!({"name": "En attente", "visibility": "open", "join_policy": "open", "request_note": "Svp"}))).await;
    assert_eq!(status, 201);
    assert_eq!(body["status"], "pending");
    let admin = app.create_user("rosalie", true).await;
    let t_admin = token_for(&app, &admin).await;
    let (status, _) = api(
        &app,
        Method::GET,
        "/api/v1/admin/communities/pending",
        Some(&t_bea),
        None,
    )
    .await;
    assert_eq!(status, 403);
    let (status, body) = api(
        &app,
        Method::GET,
        "/api/v1/admin/communities/pending",
        Some(&t_admin),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body[0]["request_note"], "Svp");
    let (status, body) = api(
        &app,
        Method::POST,
        "/api/v1/communities/en-attente/approve",
        Some(&t_admin),
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "active");

    // Documented.
    let (_, doc) = api(&app, Method::GET, "/api/v1/openapi.json", None, None).await;
    for p in [
        "/api/v1/communities",
        "/api/v1/communities/{slug}",
        "/api/v1/communities/{slug}/invitations/redeem",
        "/api/v1/communities/{slug}/members/{user_id}/role",
    ] {
        assert!(doc["paths"][p].is_object(), "{p} documented");
    }
}
