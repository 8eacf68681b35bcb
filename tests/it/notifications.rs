//! The header's unread count is the notification centre's: a record about a
//! publication the person may no longer read (removed, or its community made
//! private to them) is counted nowhere.

use passerelles::accounts::User;
use passerelles::api::tokens;
use passerelles::communities::{self, NewCommunity};
use passerelles::policy::{JoinPolicy, Visibility};
use serde_json::{Value, json};

use crate::harness::TestApp;

async fn token_for(app: &TestApp, user: &User) -> String {
    tokens::create_token(&app.state.db, user.id, "tests", None)
        .await
        .expect("token")
        .1
}

async fn publish(app: &TestApp, token: &str, title: &str, body: &str) -> i64 {
    let res = app
        .client()
        .post(app.at("/api/v1/publications"))
        .bearer_auth(token)
        .json(&json!({"kind": "discussion", "title": title, "body": body, "communities": ["quartier"]}))
        .send()
        .await
        .expect("post");
    let status = res.status().as_u16();
    let v: Value = res.json().await.expect("json");
    assert_eq!(status, 201, "publish: {v}");
    v["id"].as_i64().expect("id")
}

/// The number in the header's notification link (0 when there is no badge).
fn header_count(html: &str) -> i64 {
    let start = html
        .find("href=\"/notifications\">")
        .expect("notification link in the header");
    let link = &html[start..start + html[start..].find("</a>").expect("end of link")];
    match link.find("<span class=\"badge\">") {
        None => 0,
        Some(i) => link[i + "<span class=\"badge\">".len()..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect::<String>()
            .parse()
            .expect("a number in the badge"),
    }
}

/// What the header says, what the centre page lists, what the API counts.
async fn counts(app: &TestApp, client: &reqwest::Client, token: &str) -> (i64, String, i64) {
    let res = client.get(app.at("/notifications")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    let v: Value = app
        .client()
        .get(app.at("/api/v1/notifications?unread=true"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    (
        header_count(&html),
        html,
        v["unread"].as_i64().expect("unread"),
    )
}

#[tokio::test]
async fn notifications_header_count_applies_the_policy_like_the_centre() {
    let app = TestApp::spawn().await;
    let admin = app.create_user("gardienne", true).await;
    let (reader_c, reader) = app.logged_in("lectrice", false).await;
    let owner = app.create_user("proprio", false).await;
    communities::create(
        &app.state.db,
        &owner,
        &NewCommunity {
            name: "Quartier vivant",
            slug: Some("quartier"),
            description: "Les nouvelles du quartier.",
            theme: "",
            territory: "",
            visibility: Visibility::Open,
            join_policy: JoinPolicy::Open,
            request_note: "",
        },
        "quartier",
        false,
    )
    .await
    .expect("community");
    let (ot, rt, at) = (
        token_for(&app, &owner).await,
        token_for(&app, &reader).await,
        token_for(&app, &admin).await,
    );
    // The reader (not a member: the community is open) is mentioned twice.
    let first = publish(&app, &ot, "Corvée de ruelle", "@lectrice tu viens samedi ?").await;
    publish(
        &app,
        &ot,
        "Fête des voisins",
        "@lectrice on compte sur toi.",
    )
    .await;
    let (header, html, api) = counts(&app, &reader_c, &rt).await;
    assert_eq!((header, api), (2, 2), "both mentions are unread");
    assert!(html.contains("Corvée de ruelle") && html.contains("Fête des voisins"));

    // 1. One publication removed by a moderator: counted nowhere.
    let res = app
        .client()
        .post(app.at("/api/v1/moderation"))
        .bearer_auth(&at)
        .json(&json!({"action": "remove", "publication_id": first, "reason": "Hors sujet"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200, "{}", res.text().await.unwrap());
    let (header, html, api) = counts(&app, &reader_c, &rt).await;
    assert!(!html.contains("Corvée de ruelle"), "the centre drops it");
    assert_eq!((header, api), (1, 1), "the header agrees with the centre");

    // 2. The community made private: the reader, not a member, may no longer
    //    read the other one either; no badge at all.
    let res = app
        .client()
        .patch(app.at("/api/v1/communities/quartier"))
        .bearer_auth(&ot)
        .json(&json!({"visibility": "private", "join_policy": "request"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200, "{}", res.text().await.unwrap());
    let (header, html, api) = counts(&app, &reader_c, &rt).await;
    assert!(!html.contains("Fête des voisins"), "the centre drops it");
    assert_eq!((header, api), (0, 0), "no badge for what cannot be read");
    // Any page shows the same header.
    let home = reader_c
        .get(app.at("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(header_count(&home), 0);
}
