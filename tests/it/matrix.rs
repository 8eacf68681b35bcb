//! The permission matrix of issue 3, end to end over real HTTP:
//! channel (HTML page, API, RSS/Atom, attachment download, notification,
//! mention) × visibility (open, private, unlisted, archived, removed) ×
//! viewer (anonymous, signed-in outsider, pending requester, member,
//! moderator, banned member, suspended account, instance admin).
//!
//! The fixture is built once; every cell is run; the expected values are
//! written out below from the rules (never computed by calling the
//! policy), and the test fails with a table of every wrong cell.
//!
//! The rules the table follows:
//! - open and unlisted communities are read by anyone (unlisted: by link);
//!   private ones only by their active members (and instance admins);
//!   archived ones stay readable (read-only);
//! - a publication removed by a community's moderators is seen only by
//!   those moderators and instance admins (its author gets a notice);
//! - suspended or pending accounts act as nobody: on pages they are
//!   anonymous readers, the API refuses their tokens, they get no
//!   notifications; a banned member is an outsider who may not read a
//!   private community (open content stays public);
//! - feeds are built for an anonymous reader, whoever fetches them;
//! - a publication's page and its community's listing (HTML, and API) agree;
//! - notifications (a new reply on a followed publication) and mentions reach
//!   a person only while they may read the publication.

use std::collections::HashMap;

use passerelles::accounts::User;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};

use crate::harness::TestApp;
use crate::writing::{community, exec, member, token_for};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Channel {
    Page,
    Api,
    Feed,
    Attachment,
    Notification,
    Mention,
    /// The author's member page (`/u/{username}`), its recent publications.
    Profile,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Vis {
    Open,
    Private,
    Unlisted,
    Archived,
    Removed,
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

const CHANNELS: [Channel; 7] = [
    Channel::Page,
    Channel::Api,
    Channel::Feed,
    Channel::Attachment,
    Channel::Notification,
    Channel::Mention,
    Channel::Profile,
];
const VISES: [Vis; 5] = [
    Vis::Open,
    Vis::Private,
    Vis::Unlisted,
    Vis::Archived,
    Vis::Removed,
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

/// Expected: may this viewer get the publication through this channel?
/// One row per (channel, visibility); columns in `VIEWERS` order:
///   anon, outsider, pending, member, moderator, banned, suspended, admin.
const T: bool = true;
const F: bool = false;
#[rustfmt::skip]
const EXPECTED: [(Channel, Vis, [bool; 8]); 35] = [
    //                                  anon outs pend memb mod  ban  susp admin
    (Channel::Page, Vis::Open,         [T,   T,   T,   T,   T,   T,   T,   T]),
    (Channel::Page, Vis::Private,      [F,   F,   F,   T,   T,   F,   F,   T]),
    (Channel::Page, Vis::Unlisted,     [T,   T,   T,   T,   T,   T,   T,   T]),
    (Channel::Page, Vis::Archived,     [T,   T,   T,   T,   T,   T,   T,   T]),
    (Channel::Page, Vis::Removed,      [F,   F,   F,   F,   T,   F,   F,   T]),

    // The API refuses a suspended account's token outright.
    (Channel::Api, Vis::Open,          [T,   T,   T,   T,   T,   T,   F,   T]),
    (Channel::Api, Vis::Private,       [F,   F,   F,   T,   T,   F,   F,   T]),
    (Channel::Api, Vis::Unlisted,      [T,   T,   T,   T,   T,   T,   F,   T]),
    (Channel::Api, Vis::Archived,      [T,   T,   T,   T,   T,   T,   F,   T]),
    (Channel::Api, Vis::Removed,       [F,   F,   F,   F,   T,   F,   F,   T]),

    // Feeds are for an anonymous reader, whoever asks.
    (Channel::Feed, Vis::Open,         [T,   T,   T,   T,   T,   T,   T,   T]),
    (Channel::Feed, Vis::Private,      [F,   F,   F,   F,   F,   F,   F,   F]),
    (Channel::Feed, Vis::Unlisted,     [T,   T,   T,   T,   T,   T,   T,   T]),
    (Channel::Feed, Vis::Archived,     [T,   T,   T,   T,   T,   T,   T,   T]),
    (Channel::Feed, Vis::Removed,      [F,   F,   F,   F,   F,   F,   F,   F]),

    (Channel::Attachment, Vis::Open,     [T, T,   T,   T,   T,   T,   T,   T]),
    (Channel::Attachment, Vis::Private,  [F, F,   F,   T,   T,   F,   F,   T]),
    (Channel::Attachment, Vis::Unlisted, [T, T,   T,   T,   T,   T,   T,   T]),
    (Channel::Attachment, Vis::Archived, [T, T,   T,   T,   T,   T,   T,   T]),
    (Channel::Attachment, Vis::Removed,  [F, F,   F,   F,   T,   F,   F,   T]),

    // Everyone signed in follows every publication; the owner replies.
    (Channel::Notification, Vis::Open,     [F, T, T,   T,   T,   T,   F,   T]),
    (Channel::Notification, Vis::Private,  [F, F, F,   T,   T,   F,   F,   T]),
    (Channel::Notification, Vis::Unlisted, [F, T, T,   T,   T,   T,   F,   T]),
    (Channel::Notification, Vis::Archived, [F, T, T,   T,   T,   T,   F,   T]),
    (Channel::Notification, Vis::Removed,  [F, F, F,   F,   T,   F,   F,   T]),

    // The owner mentions everyone in a reply.
    (Channel::Mention, Vis::Open,      [F,   T,   T,   T,   T,   T,   F,   T]),
    (Channel::Mention, Vis::Private,   [F,   F,   F,   T,   T,   F,   F,   T]),
    (Channel::Mention, Vis::Unlisted,  [F,   T,   T,   T,   T,   T,   F,   T]),
    (Channel::Mention, Vis::Archived,  [F,   T,   T,   T,   T,   T,   F,   T]),
    (Channel::Mention, Vis::Removed,   [F,   F,   F,   F,   T,   F,   F,   T]),
    // A member page lists like a tag page: what the viewer may read, except
    // unlisted communities they are not in, and nothing removed.
    (Channel::Profile, Vis::Open,      [T,   T,   T,   T,   T,   T,   T,   T]),
    (Channel::Profile, Vis::Private,   [F,   F,   F,   T,   T,   F,   F,   T]),
    (Channel::Profile, Vis::Unlisted,  [F,   F,   F,   T,   T,   F,   F,   F]),
    (Channel::Profile, Vis::Archived,  [T,   T,   T,   T,   T,   T,   T,   T]),
    (Channel::Profile, Vis::Removed,   [F,   F,   F,   F,   F,   F,   F,   F]),
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

fn slug(v: Vis) -> &'static str {
    match v {
        Vis::Open => "ouverte",
        Vis::Private => "privee",
        Vis::Unlisted => "non-listee",
        Vis::Archived => "archivee",
        Vis::Removed => "moderee",
    }
}

struct Who {
    user: Option<User>,
    client: reqwest::Client,
    token: Option<String>,
}

struct Item {
    publication: i64,
    attachment: i64,
    reply: i64,
    mention: i64,
}

#[tokio::test]
async fn permission_matrix_channel_visibility_viewer() {
    let app = TestApp::spawn().await;
    let api = reqwest::Client::new();

    // People: one of each kind, signed in on the web and holding an API token.
    let owner = app.create_user("proprio", false).await;
    let owner_token = token_for(&app, &owner).await;
    let mut who: HashMap<Viewer, Who> = HashMap::new();
    for v in VIEWERS {
        let w = match username(v) {
            None => Who {
                user: None,
                client: app.client(),
                token: None,
            },
            Some(name) => {
                let (client, user) = app.logged_in(name, v == Viewer::Admin).await;
                let token = token_for(&app, &user).await;
                Who {
                    user: Some(user),
                    client,
                    token: Some(token),
                }
            }
        };
        who.insert(v, w);
    }
    let user = |v: Viewer| who[&v].user.clone().expect("signed-in viewer");

    // One community per visibility, the same people in each.
    let mut items: HashMap<Vis, Item> = HashMap::new();
    for vis in VISES {
        let visibility = match vis {
            Vis::Private => "private",
            Vis::Unlisted => "unlisted",
            _ => "open",
        };
        let join = if vis == Vis::Private {
            "request"
        } else {
            "open"
        };
        let c = community(&app, slug(vis), visibility, join, &owner).await;
        member(&app, c, &user(Viewer::Pending), "member", "requested").await;
        member(&app, c, &user(Viewer::Member), "member", "active").await;
        member(&app, c, &user(Viewer::Moderator), "moderator", "active").await;
        member(&app, c, &user(Viewer::Banned), "member", "banned").await;
        member(&app, c, &user(Viewer::Suspended), "member", "active").await;

        // The owner publishes (API), with an attachment.
        let res = api
            .post(app.at("/api/v1/publications"))
            .bearer_auth(&owner_token)
            .json(&json!({
                "kind": "discussion",
                "title": format!("Titre {}", slug(vis)),
                "body": format!("Texte confidentiel {}", slug(vis)),
                "communities": [slug(vis)],
            }))
            .send()
            .await
            .expect("publish");
        assert_eq!(res.status(), 201, "publish in {vis:?}");
        let out: Value = res.json().await.expect("json");
        let pid = out["id"].as_i64().expect("id");
        let form = Form::new().part(
            "file",
            Part::bytes(b"Compte rendu de la rencontre\n".to_vec()).file_name("compte-rendu.txt"),
        );
        let res = api
            .post(app.at(&format!("/api/v1/publications/{pid}/attachments")))
            .bearer_auth(&owner_token)
            .multipart(form)
            .send()
            .await
            .expect("attach");
        assert!(
            res.status().is_success(),
            "attach in {vis:?}: {}",
            res.status()
        );
        let aid: i64 = crate::writing::scalar(
            &app,
            "SELECT id FROM attachments WHERE publication_id = $1",
            pid,
        )
        .await;
        items.insert(
            vis,
            Item {
                publication: pid,
                attachment: aid,
                reply: 0,
                mention: 0,
            },
        );
    }

    // Everyone signed in follows every publication (as if they had before
    // losing access), then the account is suspended.
    for vis in VISES {
        for v in VIEWERS {
            if let Some(u) = &who[&v].user {
                sqlx::query(
                    "INSERT INTO follows (user_id, publication_id, created_at) VALUES ($1, $2, $3)",
                )
                .bind(u.id)
                .bind(items[&vis].publication)
                .bind(passerelles::db::now())
                .execute(&app.state.db.pool)
                .await
                .expect("follow");
            }
        }
    }
    exec(
        &app,
        "UPDATE users SET status = 'suspended' WHERE id = $1",
        user(Viewer::Suspended).id,
    )
    .await;

    // The owner replies (followers are notified), then mentions everyone.
    let mentions: String = VIEWERS
        .iter()
        .filter_map(|v| username(*v))
        .map(|n| format!("@{n}"))
        .collect::<Vec<_>>()
        .join(" ");
    for vis in VISES {
        let pid = items[&vis].publication;
        let mut ids = Vec::new();
        for body in [
            "Merci à toutes et à tous.".to_string(),
            format!("Bonjour {mentions}"),
        ] {
            let res = api
                .post(app.at(&format!("/api/v1/publications/{pid}/replies")))
                .bearer_auth(&owner_token)
                .json(&json!({ "body": body }))
                .send()
                .await
                .expect("reply");
            assert_eq!(res.status(), 201, "reply in {vis:?}");
            let out: Value = res.json().await.expect("json");
            ids.push(out["id"].as_i64().expect("reply id"));
        }
        let it = items.get_mut(&vis).expect("item");
        it.reply = ids[0];
        it.mention = ids[1];
    }

    // Then the archived community is archived and the moderated publication removed.
    exec(
        &app,
        "UPDATE communities SET status = 'archived' WHERE slug = 'archivee' AND id > $1",
        0,
    )
    .await;
    exec(
        &app,
        "UPDATE publication_communities SET status = 'removed', status_reason = 'Hors sujet' WHERE publication_id = $1",
        items[&Vis::Removed].publication,
    )
    .await;

    // Each signed-in viewer's notifications, once (reply id, kind).
    let mut notified: HashMap<Viewer, Vec<(i64, String)>> = HashMap::new();
    for v in VIEWERS {
        let mut got = Vec::new();
        if let Some(token) = &who[&v].token {
            let res = api
                .get(app.at("/api/v1/notifications"))
                .bearer_auth(token)
                .send()
                .await
                .expect("notifications");
            if res.status() == 200 {
                let list: Value = res.json().await.expect("json");
                for n in list["items"].as_array().cloned().unwrap_or_default() {
                    if let (Some(r), Some(k)) = (n["reply_id"].as_i64(), n["kind"].as_str()) {
                        got.push((r, k.to_string()));
                    }
                }
            }
        }
        notified.insert(v, got);
    }

    // Run every cell.
    let mut actual: HashMap<(Channel, Vis, Viewer), bool> = HashMap::new();
    let mut notes: Vec<String> = Vec::new();
    for vis in VISES {
        let it = &items[&vis];
        let title = format!("Titre {}", slug(vis));
        let marker = format!("Texte confidentiel {}", slug(vis));
        for v in VIEWERS {
            let w = &who[&v];
            // HTML: the publication's page and the community page's listing agree.
            let (status, body) = fetch(&w.client, app.at(&format!("/p/{}", it.publication))).await;
            let on_page = status == 200 && body.contains(&marker);
            let (status, body) = fetch(&w.client, app.at(&format!("/c/{}", slug(vis)))).await;
            let in_listing = status == 200 && body.contains(&title);
            if on_page != in_listing {
                notes.push(format!(
                    "{vis:?}/{v:?}: publication page {on_page} but community listing {in_listing}"
                ));
            }
            actual.insert((Channel::Page, vis, v), on_page && in_listing);

            let mut req = api.get(app.at(&format!("/api/v1/publications/{}", it.publication)));
            if let Some(t) = &w.token {
                req = req.bearer_auth(t);
            }
            let res = req.send().await.expect("api");
            let ok = res.status() == 200;
            let body = res.text().await.unwrap_or_default();
            let in_api = ok && body.contains(&marker);
            let mut req =
                api.get(app.at(&format!("/api/v1/communities/{}/publications", slug(vis))));
            if let Some(t) = &w.token {
                req = req.bearer_auth(t);
            }
            let res = req.send().await.expect("api listing");
            let ok = res.status() == 200;
            let body = res.text().await.unwrap_or_default();
            let in_api_listing = ok && body.contains(&title);
            let mut req =
                api.get(app.at(&format!("/api/v1/publications/{}/replies", it.publication)));
            if let Some(t) = &w.token {
                req = req.bearer_auth(t);
            }
            let res = req.send().await.expect("api replies");
            let replies_ok = res.status() == 200
                && res
                    .text()
                    .await
                    .unwrap_or_default()
                    .contains("Merci à toutes et à tous");
            if in_api != replies_ok {
                notes.push(format!(
                    "{vis:?}/{v:?}: API publication {in_api} but API replies {replies_ok}"
                ));
            }
            if in_api != in_api_listing {
                notes.push(format!(
                    "{vis:?}/{v:?}: API publication {in_api} but API community listing {in_api_listing}"
                ));
            }
            actual.insert((Channel::Api, vis, v), in_api && in_api_listing);

            let (rs, rss) = fetch(&w.client, app.at(&format!("/c/{}/feed.rss", slug(vis)))).await;
            let (as_, atom) =
                fetch(&w.client, app.at(&format!("/c/{}/feed.atom", slug(vis)))).await;
            let in_rss = rs == 200 && rss.contains(&title);
            let in_atom = as_ == 200 && atom.contains(&title);
            if in_rss != in_atom {
                notes.push(format!("{vis:?}/{v:?}: RSS {in_rss} but Atom {in_atom}"));
            }
            actual.insert((Channel::Feed, vis, v), in_rss && in_atom);

            let (status, body) = fetch(&w.client, app.at("/u/proprio")).await;
            actual.insert(
                (Channel::Profile, vis, v),
                status == 200 && body.contains(&title),
            );

            let (status, body) = fetch(
                &w.client,
                app.at(&format!(
                    "/p/{}/attachments/{}",
                    it.publication, it.attachment
                )),
            )
            .await;
            let by_page = status == 200 && body.contains("Compte rendu");
            let mut req = api.get(app.at(&format!(
                "/api/v1/publications/{}/attachments/{}",
                it.publication, it.attachment
            )));
            if let Some(t) = &w.token {
                req = req.bearer_auth(t);
            }
            let res = req.send().await.expect("api attachment");
            let by_api = res.status() == 200
                && res
                    .text()
                    .await
                    .unwrap_or_default()
                    .contains("Compte rendu");
            // The API refuses a suspended account's token: only compare otherwise.
            if v != Viewer::Suspended && by_page != by_api {
                notes.push(format!(
                    "{vis:?}/{v:?}: attachment by page {by_page} but by API {by_api}"
                ));
            }
            actual.insert((Channel::Attachment, vis, v), by_page);

            let got = &notified[&v];
            actual.insert(
                (Channel::Notification, vis, v),
                got.iter()
                    .any(|(r, k)| *r == it.reply && (k == "followed_reply" || k == "reply")),
            );
            actual.insert(
                (Channel::Mention, vis, v),
                got.iter().any(|(r, k)| *r == it.mention && k == "mention"),
            );
        }
    }

    // Compare every cell, then report all the wrong ones at once.
    let mut wrong: Vec<String> = Vec::new();
    let mut checked = 0;
    for (channel, vis, row) in EXPECTED {
        for (i, v) in VIEWERS.iter().enumerate() {
            checked += 1;
            let want = row[i];
            let got = actual[&(channel, vis, *v)];
            if want != got {
                wrong.push(format!(
                    "| {:<12} | {:<8} | {:<9} | {:<8} | {:<8} |",
                    format!("{channel:?}"),
                    format!("{vis:?}"),
                    format!("{v:?}"),
                    if want { "sees" } else { "refused" },
                    if got { "sees" } else { "refused" },
                ));
            }
        }
    }
    assert_eq!(checked, CHANNELS.len() * VISES.len() * VIEWERS.len());
    assert!(
        wrong.is_empty() && notes.is_empty(),
        "{} of {checked} cells wrong:\n| channel      | vis      | viewer    | expected | actual   |\n{}\n{}",
        wrong.len(),
        wrong.join("\n"),
        notes.join("\n")
    );
}

async fn fetch(client: &reqwest::Client, url: String) -> (u16, String) {
    let res = client.get(url).send().await.expect("get");
    let status = res.status().as_u16();
    (status, res.text().await.unwrap_or_default())
}
