//! Who may remove an event of another instance from this one (issue 18,
//! `Action::RemoveRemoteEvent`): administrators, and the moderators of a
//! community it is in — never its followers, members, outsiders or
//! anonymous visitors. Two kinds of rows: an event a followed Mobilizon
//! group announced (in the group's mirror, which nobody here moderates)
//! and one a Mobilizon organiser addressed to one of our communities.
//! Columns: the page's control shown, the page's form (POST with CSRF),
//! the API.

use serde_json::{Value, json};

use crate::federation_remote_events::{announced, handle, mobilizon_event, mobilizon_group};
use crate::harness::TestApp;
use crate::writing::{community, member, token_for};

const ORGANISER: &str = "https://rendezvous.nomagic.uk/@emorrp1";

fn numbered(n: u32) -> Value {
    let mut e = mobilizon_event();
    let id = format!("https://rendezvous.nomagic.uk/events/matrix-{n}");
    e["id"] = json!(id);
    e["url"] = json!(id);
    e["startTime"] = json!("2027-06-02T14:00:00+00:00");
    e["endTime"] = json!("2027-06-02T16:00:00+00:00");
    e
}

#[tokio::test]
async fn who_may_remove_an_event_of_another_instance() {
    let app = TestApp::spawn().await;
    let owner = app.create_user("m-owner", false).await;
    let follower = app.create_user("m-follower", false).await;
    let outsider = app.create_user("m-outsider", false).await;
    let plain = app.create_user("m-member", false).await;
    let moderator = app.create_user("m-moderator", false).await;
    let admin = app.create_user("m-admin", true).await;
    let jardins = community(&app, "jardins", "open", "open", &owner).await;
    member(&app, jardins, &plain, "member", "active").await;
    member(&app, jardins, &moderator, "moderator", "active").await;
    let (group, organiser) = mobilizon_group(&app, &follower).await;

    let mut n = 0u32;
    // A fresh event of `kind` ("mirror": announced by the group; "ours":
    // addressed to our community by its organiser); its id here.
    let mut fresh = async |kind: &str| -> i64 {
        n += 1;
        let e = numbered(n);
        let got = if kind == "mirror" {
            handle(&app, &group, &announced("Create", &e, n)).await
        } else {
            let mut obj = e.clone();
            obj["to"] = json!([app.at("/c/jardins")]);
            obj["cc"] = json!([]);
            let create = json!({"id": format!("{ORGANISER}/create/{n}"), "type": "Create",
                "actor": ORGANISER, "object": obj});
            handle(&app, &organiser, &create).await
        };
        assert_eq!(
            got,
            passerelles_core::federation::inbox::Received::Handled("event")
        );
        sqlx::query_scalar("SELECT id FROM events WHERE ap_id = $1")
            .bind(e["id"].as_str().unwrap())
            .fetch_one(&app.state.db.pool)
            .await
            .expect("the event")
    };
    let gone = async |id: i64| -> bool {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM events WHERE id = $1")
            .bind(id)
            .fetch_one(&app.state.db.pool)
            .await
            .unwrap()
            == 0
    };

    const T: bool = true;
    const F: bool = false;
    #[rustfmt::skip]
    let expected: &[(&str, [bool; 6])] = &[
        //               mirror: shown page api   ours: shown page api
        ("anonymous",   [F,      F,    F,         F,    F,    F]),
        ("outsider",    [F,      F,    F,         F,    F,    F]),
        ("follower",    [F,      F,    F,         F,    F,    F]),
        ("member",      [F,      F,    F,         F,    F,    F]),
        ("moderator",   [F,      F,    F,         T,    T,    T]),
        ("admin",       [T,      T,    T,         T,    T,    T]),
    ];
    let mut wrong = Vec::new();
    for (viewer, want) in expected {
        let who = match *viewer {
            "outsider" => Some(&outsider),
            "follower" => Some(&follower),
            "member" => Some(&plain),
            "moderator" => Some(&moderator),
            "admin" => Some(&admin),
            _ => None,
        };
        let c = app.client();
        let token = match who {
            Some(u) => {
                app.login(&c, &u.username, crate::harness::PASSWORD).await;
                Some(token_for(&app, u).await)
            }
            None => None,
        };
        let mut got = Vec::new();
        for kind in ["mirror", "ours"] {
            let id = fresh(kind).await;
            let page = c
                .get(app.at(&format!("/e/{id}")))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            got.push(page.contains("id=\"remove-remote-event\""));
            let removed_by_page = if who.is_some() {
                app.post_form(
                    &c,
                    &format!("/e/{id}"),
                    &format!("/e/{id}/remove"),
                    &[("reason", "Matrice")],
                )
                .await;
                gone(id).await
            } else {
                reqwest::Client::new()
                    .post(app.at(&format!("/e/{id}/remove")))
                    .form(&[("reason", "Matrice")])
                    .send()
                    .await
                    .unwrap();
                gone(id).await
            };
            got.push(removed_by_page);
            let id = fresh(kind).await;
            let mut r = reqwest::Client::new()
                .post(app.at(&format!("/api/v1/events/{id}/remove")))
                .json(&json!({"reason": "Matrice"}));
            if let Some(t) = &token {
                r = r.bearer_auth(t);
            }
            let s = r.send().await.unwrap().status();
            got.push(s == 204 && gone(id).await);
        }
        if got != want.to_vec() {
            wrong.push(format!("{viewer}: got {got:?}"));
        }
    }
    assert!(wrong.is_empty(), "wrong rows:\n{}", wrong.join("\n"));
}
