//! The page of a community's blocks from the fediverse
//! (`/c/{slug}/moderation/federation`, issue 18), over real HTTP between
//! two instances on 127.0.0.1, both engines: a moderator blocks a person
//! of B by handle, then B as a whole instance, each with a reason, sees
//! them listed and lifts the instance's block; a form refused keeps what
//! was typed and says why; nobody else may (outsider 403, anonymous to the
//! log-in page), and a community that is not federated has no such page.

use passerelles_core::federation::blocks;

use crate::harness::TestApp;
use crate::writing::{community, member};

fn host(app: &TestApp) -> String {
    app.url.trim_start_matches("http://").to_string()
}

async fn get(client: &reqwest::Client, url: String) -> (u16, String) {
    let res = client.get(url).send().await.expect("get");
    let status = res.status().as_u16();
    (status, res.text().await.unwrap_or_default())
}

async fn banned(app: &TestApp, community: i64, ap_id: &str) -> bool {
    blocks::blocked(&app.state.db, community, ap_id)
        .await
        .unwrap()
}

#[tokio::test]
async fn moderators_block_remote_people_and_instances_from_the_page() {
    unsafe { std::env::set_var("PASSERELLES_FETCH_ALLOW", "127.0.0.1:*") };
    let a = TestApp::spawn().await;
    let b = TestApp::spawn().await;
    let ana = a.create_user("ana", false).await;
    let (bruno_client, bruno) = a.logged_in("bruno", false).await;
    let jardins = community(&a, "jardins", "open", "open", &ana).await;
    member(&a, jardins, &bruno, "moderator", "active").await;
    let cercle = community(&a, "cercle", "private", "request", &ana).await;
    member(&a, cercle, &bruno, "moderator", "active").await;
    b.create_user("zoe", false).await;
    b.create_user("yann", false).await;
    let host_b = host(&b);
    let page = "/c/jardins/moderation/federation";

    // Who may not: anonymous (to log in), an outsider (403); a community
    // that is not on the fediverse has no such page, even for its moderator.
    let (status, _) = get(&a.client(), a.at(page)).await;
    assert_eq!(status, 303);
    let (chloe, _) = a.logged_in("chloe", false).await;
    let (status, _) = get(&chloe, a.at(page)).await;
    assert_eq!(status, 403);
    let res = a
        .post_form(
            &chloe,
            "/",
            page,
            &[("who", &format!("zoe@{host_b}")), ("reason", "Spam")],
        )
        .await;
    assert_eq!(res.status(), 403);
    let (status, _) = get(&bruno_client, a.at("/c/cercle/moderation/federation")).await;
    assert_eq!(status, 404);

    // The moderation page links to it; it shows the form, labelled.
    let (status, body) = get(&bruno_client, a.at("/c/jardins/moderation")).await;
    assert_eq!(status, 200);
    assert!(body.contains(&format!("href=\"{page}\"")), "{body}");
    let (status, body) = get(&bruno_client, a.at(page)).await;
    assert_eq!(status, 200);
    assert!(body.contains("<label for=\"f-who\">"), "{body}");
    assert!(body.contains("<label for=\"f-reason\">"));
    assert!(body.contains("Aucune instance bloquée."), "{body}");

    // Refused forms keep what was typed and say why (422).
    let res = a
        .post_form(
            &bruno_client,
            page,
            page,
            &[("who", "pas un identifiant"), ("reason", "Pourriel répété")],
        )
        .await;
    assert_eq!(res.status(), 422);
    let body = res.text().await.unwrap();
    assert!(body.contains("value=\"pas un identifiant\""), "{body}");
    assert!(body.contains(">Pourriel répété</textarea>"));
    assert!(body.contains("id=\"f-who-error\""));
    assert!(body.contains("aria-invalid=\"true\""));
    let res = a
        .post_form(
            &bruno_client,
            page,
            page,
            &[("who", &format!("zoe@{host_b}")), ("reason", "  ")],
        )
        .await;
    assert_eq!(res.status(), 422);
    let body = res.text().await.unwrap();
    assert!(body.contains(&format!("value=\"zoe@{host_b}\"")));
    assert!(body.contains("id=\"f-reason-error\""));
    let res = a
        .post_form(
            &bruno_client,
            page,
            page,
            &[("who", &format!("personne@{host_b}")), ("reason", "Spam")],
        )
        .await;
    assert_eq!(res.status(), 422, "an unknown person");
    assert!(res.text().await.unwrap().contains("id=\"f-who-error\""));
    assert!(!banned(&a, jardins, &b.at("/u/zoe")).await);

    // A person, by handle: banned as a member is, listed here.
    let res = a
        .post_form(
            &bruno_client,
            page,
            page,
            &[("who", &format!("zoe@{host_b}")), ("reason", "Spam")],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert!(banned(&a, jardins, &b.at("/u/zoe")).await);
    assert!(!banned(&a, cercle, &b.at("/u/zoe")).await);
    let (_, body) = get(&bruno_client, a.at(page)).await;
    assert!(body.contains(&format!("zoe@{host_b}")), "{body}");
    assert!(body.contains("Spam"));

    // A whole instance, by domain: everyone of it blocked from jardins.
    assert!(!banned(&a, jardins, &b.at("/u/yann")).await);
    let res = a
        .post_form(
            &bruno_client,
            page,
            page,
            &[("who", &host_b), ("reason", "Instance de pourriel")],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert!(banned(&a, jardins, &b.at("/u/yann")).await);
    let (_, body) = get(&bruno_client, a.at(page)).await;
    assert!(
        body.contains(&format!("<th scope=\"row\">{host_b}</th>")),
        "{body}"
    );
    assert!(body.contains("Instance de pourriel"));

    // An administrator who is not a member may too (the policy's
    // `ModerateCommunity`).
    let (admin, _) = a.logged_in("gardienne", true).await;
    let (status, _) = get(&admin, a.at(page)).await;
    assert_eq!(status, 200);

    // Lifting the instance's block: gone from the list, Yann is free.
    let res = a
        .post_form(
            &bruno_client,
            page,
            &format!("{page}/unblock"),
            &[("host", &host_b)],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert!(!banned(&a, jardins, &b.at("/u/yann")).await);
    let (_, body) = get(&bruno_client, a.at(page)).await;
    assert!(!body.contains(&format!("<th scope=\"row\">{host_b}</th>")));
    assert!(body.contains("Aucune instance bloquée."));
    // Zoé is unblocked as any ban is lifted, by the button of her row
    // (the moderation action form).
    let (_, body) = get(&bruno_client, a.at(page)).await;
    assert!(body.contains("action=\"/c/jardins/moderation/act\""));
    let zoe_handle = format!("zoe@{host_b}");
    let res = a
        .post_form(
            &bruno_client,
            page,
            "/c/jardins/moderation/act",
            &[("user", &zoe_handle), ("action", "unban")],
        )
        .await;
    assert_eq!(res.status(), 303);
    assert!(!banned(&a, jardins, &b.at("/u/zoe")).await);
    let (_, body) = get(&bruno_client, a.at(page)).await;
    assert!(
        body.contains("Aucune personne d’une autre instance bloquée."),
        "{body}"
    );
    // An outsider may not lift one.
    let res = a
        .post_form(
            &chloe,
            "/",
            &format!("{page}/unblock"),
            &[("host", &host_b)],
        )
        .await;
    assert_eq!(res.status(), 403);
}
