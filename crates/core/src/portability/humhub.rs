//! Reading a HumHub network as saved from its REST module (repository
//! humhub/rest, `docs/swagger/*.yaml`), one response per file under a folder:
//!
//! - `user.json`, `user-2.json`… (`GET /api/v1/user?page=N`): people, with
//!   their `account` (username, e-mail, language) and `profile`;
//! - `space.json` (`GET /api/v1/space`): spaces, with `contentcontainer_id`,
//!   `visibility` (0 members only, 1 registered users, 2 everyone) and
//!   `join_policy` (0 invitation, 1 invitation and request, 2 everyone);
//! - `space/<id>/membership.json` (`GET /api/v1/space/{id}/membership`):
//!   members with `role` (admin, moderator, member) and `status`
//!   (3 member, 2 applicant, 1 invited);
//! - `post.json`, `post-2.json`… (`GET /api/v1/post?page=N`): posts, with
//!   `content.metadata` (container, author, dates, visibility, state);
//! - `comment/content/<content id>.json` (`GET /api/v1/comment/content/{id}`):
//!   a post's comments, each with the comments on it (`comments`).
//!
//! Spaces become communities (admins owners), posts discussions (a post
//! has no title: its first line becomes one), comments replies. Posts on
//! a person's profile, drafts and deleted content, and disabled spaces are
//! left out, each with a line in the report.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use super::{
    Bundle, Community, Consents, Line, Member, Publication, Reply, User, parse_time, read, s, skip,
};

/// Every `results` of `<stem>.json`, `<stem>-2.json`… in page order.
fn pages(dir: &Path, stem: &str) -> anyhow::Result<Vec<Value>> {
    let mut out = Vec::new();
    let mut n = 1;
    loop {
        let path = if n == 1 {
            dir.join(format!("{stem}.json"))
        } else {
            dir.join(format!("{stem}-{n}.json"))
        };
        if !path.exists() {
            break;
        }
        let v = read(&path)?;
        out.extend(v["results"].as_array().cloned().unwrap_or_default());
        n += 1;
    }
    Ok(out)
}

/// A title for a post: its first line without Markdown marks, at most 80 chars.
fn title_of(message: &str) -> String {
    let line = message
        .lines()
        .map(|l| {
            l.trim()
                .trim_start_matches(['#', '>', '*', '-', ' '])
                .trim()
        })
        .find(|l| !l.is_empty())
        .unwrap_or("");
    let text = crate::markdown::excerpt(line, 80);
    if text.is_empty() {
        "(sans titre)".into()
    } else {
        text
    }
}

pub fn read_dir(dir: &Path) -> anyhow::Result<(Bundle, Vec<Line>)> {
    let mut skipped = Vec::new();
    let mut users = Vec::new();
    // The network's address, from the profile links the API gives.
    let mut origin: Option<String> = None;
    for u in pages(dir, "user")? {
        let id = s(&u, "id");
        if origin.is_none() {
            origin = url::Url::parse(&s(&u, "url"))
                .ok()
                .filter(|x| x.host_str().is_some())
                .map(|x| x.origin().ascii_serialization());
        }
        let account = &u["account"];
        let username = s(account, "username");
        if account["status"].as_i64() == Some(0) {
            skipped.push(skip("user", &id, &username, "disabled on HumHub"));
            continue;
        }
        let profile = &u["profile"];
        users.push(User {
            aliases: vec![format!("/u/{username}")],
            id,
            username,
            display_name: s(&u, "display_name"),
            bio: s(profile, "about"),
            email: Some(s(account, "email")).filter(|e| e.contains('@')),
            locale: Some(s(account, "language")).filter(|l| !l.is_empty()),
            created_at: parse_time(&s(account, "created_at")).unwrap_or(0),
            // HumHub's "visibility" 2 = visible to guests: the closest to
            // our opt-in to be found; anything else stays private.
            consents: Consents {
                findable: account["visibility"].as_i64() == Some(2),
                federation_opt_out: false,
            },
        });
    }
    let known: std::collections::BTreeSet<String> = users.iter().map(|u| u.id.clone()).collect();
    let person = |v: &Value| Some(s(v, "id")).filter(|i| known.contains(i));

    let mut communities = Vec::new();
    let mut container: BTreeMap<String, String> = BTreeMap::new();
    for sp in pages(dir, "space")? {
        let id = s(&sp, "id");
        let name = s(&sp, "name");
        if sp["status"].as_i64() == Some(0) {
            skipped.push(skip("community", &id, &name, "disabled on HumHub"));
            continue;
        }
        container.insert(s(&sp, "contentcontainer_id"), id.clone());
        let mut members = Vec::new();
        let membership = read(&dir.join(format!("space/{id}/membership.json")))
            .map(|v| v["results"].as_array().cloned().unwrap_or_default())
            .unwrap_or_default();
        for m in membership {
            let Some(uid) = person(&m["user"]) else {
                continue;
            };
            let state = match m["status"].as_i64() {
                Some(3) => "active",
                Some(2) => "requested",
                _ => continue,
            };
            members.push(Member {
                user: uid,
                role: match s(&m, "role").as_str() {
                    "admin" => "owner",
                    "moderator" => "moderator",
                    _ => "member",
                }
                .into(),
                state: state.into(),
                joined_at: parse_time(&s(&m, "member_since")).unwrap_or(0),
            });
        }
        let url = s(&sp, "url");
        communities.push(Community {
            // HumHub answers a space at /s/{url}.
            aliases: vec![format!("/s/{url}")],
            id,
            slug: url,
            name,
            description: s(&sp, "description"),
            charter: String::new(),
            welcome: String::new(),
            theme: String::new(),
            visibility: match sp["visibility"].as_i64() {
                Some(0) => "private",
                _ => "open",
            }
            .into(),
            join_policy: match sp["join_policy"].as_i64() {
                Some(0) => "invitation",
                Some(1) => "request",
                _ => "open",
            }
            .into(),
            created_at: members.iter().map(|m| m.joined_at).min().unwrap_or(0),
            members,
        });
    }

    let mut publications = Vec::new();
    for p in pages(dir, "post")? {
        let id = s(&p, "id");
        let message = s(&p, "message");
        let meta = &p["content"]["metadata"];
        let content_id = s(&p["content"], "id");
        let title = title_of(&message);
        let Some(space) = container.get(&s(meta, "contentcontainer_id")).cloned() else {
            skipped.push(skip(
                "publication",
                &id,
                &title,
                "posted on a profile or a space not moved",
            ));
            continue;
        };
        // HumHub content states: 1 published, 0 draft, 100 deleted.
        match meta["state"].as_i64() {
            Some(1) | None => {}
            Some(100) => {
                skipped.push(skip("publication", &id, &title, "deleted on HumHub"));
                continue;
            }
            Some(_) => {
                skipped.push(skip(
                    "publication",
                    &id,
                    &title,
                    "a draft or scheduled post",
                ));
                continue;
            }
        }
        let created = parse_time(&s(meta, "created_at")).unwrap_or(0);
        let mut replies = Vec::new();
        if let Ok(c) = read(&dir.join(format!("comment/content/{content_id}.json"))) {
            let mut flat: Vec<(Value, Option<String>)> = Vec::new();
            for top in c["results"].as_array().into_iter().flatten() {
                flat.push((top.clone(), None));
                for sub in top["comments"].as_array().into_iter().flatten() {
                    flat.push((sub.clone(), Some(format!("comment-{}", s(top, "id")))));
                }
            }
            for (c, parent) in flat {
                let cid = format!("comment-{}", s(&c, "id"));
                replies.push(Reply {
                    // A comment's permalink.
                    aliases: vec![format!(
                        "/content/perma?id={content_id}&commentId={}",
                        s(&c, "id")
                    )],
                    revisions: Vec::new(),
                    id: cid,
                    parent,
                    author: person(&c["createdBy"]),
                    body: s(&c, "message"),
                    status: "visible".into(),
                    created_at: parse_time(&s(&c, "createdAt")).unwrap_or(created),
                });
            }
            replies.sort_by_key(|r| r.created_at);
        }
        publications.push(Publication {
            // Content permalinks: /content/perma?id={content id}.
            aliases: vec![format!("/content/perma?id={content_id}")],
            revisions: Vec::new(),
            attachments: Vec::new(),
            id: format!("post-{id}"),
            kind: "discussion".into(),
            title,
            body: message,
            lang: None,
            author: person(&meta["created_by"]),
            link_url: None,
            communities: vec![space],
            tags: p["content"]["topics"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|t| s(t, "name"))
                .filter(|t| !t.is_empty())
                .collect(),
            status: if meta["hidden"].as_bool() == Some(true) {
                "hidden"
            } else {
                "visible"
            }
            .into(),
            created_at: created,
            updated_at: parse_time(&s(meta, "updated_at")).unwrap_or(created),
            replies,
        });
    }
    let host = pages(dir, "space")?
        .first()
        .map(|_| {
            dir.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        })
        .unwrap_or_default();
    Ok((
        Bundle {
            format: super::FORMAT.into(),
            version: super::VERSION,
            source: format!("humhub:{host}"),
            origin,
            exported_at: crate::db::now(),
            users,
            communities,
            publications,
            ..Default::default()
        },
        skipped,
    ))
}
