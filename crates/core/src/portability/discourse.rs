//! Reading a Discourse forum as saved from its API (the documented
//! endpoints of docs.discourse.org, repository discourse/discourse_api_docs),
//! one response per file under a folder, at the path of its endpoint:
//!
//! - `about.json` (`GET /about.json`): the forum's title names the source;
//! - `admin/users/list/active.json` (`GET /admin/users/list/active.json?show_emails=true`);
//! - `categories.json` (`GET /categories.json`);
//! - `c/<id>/show.json` (`GET /c/{id}/show.json`, optional): a restricted
//!   category's `group_permissions`;
//! - `groups/<name>/members.json` (`GET /groups/{name}/members.json`);
//! - `t/<id>.json` (`GET /t/{id}.json?include_raw=true`): a topic and its posts.
//!
//! Categories become communities (restricted ones private, joined on
//! request), their members the members of the groups allowed in them plus
//! whoever posted there; topics become discussions, their first post the
//! body, the others replies (threaded by `reply_to_post_number`). Private
//! messages, whispers, small actions, deleted posts and Discourse's own
//! bots are left out, each with a line in the report.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::Value;

use super::{Bundle, Community, Line, Member, Publication, Reply, User, parse_time, read, s, skip};

/// Files of a folder whose names end in `.json`, sorted by the number
/// before `.json` (topic ids), then by name.
fn json_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out: Vec<_> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    out.sort_by_key(|p| {
        let stem = p
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("")
            .to_string();
        (stem.parse::<i64>().unwrap_or(i64::MAX), stem)
    });
    out
}

pub fn read_dir(dir: &Path) -> anyhow::Result<(Bundle, Vec<Line>)> {
    let mut skipped = Vec::new();
    let about = read(&dir.join("about.json")).ok();
    let title = about
        .as_ref()
        .map(|a| s(&a["about"], "title"))
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| {
            dir.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        });

    // People.
    let users_json = read(&dir.join("admin/users/list/active.json"))?;
    let mut users = Vec::new();
    let mut by_name: BTreeMap<String, String> = BTreeMap::new();
    for u in users_json.as_array().into_iter().flatten() {
        let id = s(u, "id");
        let username = s(u, "username");
        if id.starts_with('-') || username == "system" || username == "discobot" {
            skipped.push(skip("user", &id, &username, "Discourse's own bot account"));
            continue;
        }
        by_name.insert(username.to_lowercase(), id.clone());
        users.push(User {
            id: id.clone(),
            aliases: vec![format!("/u/{username}")],
            username: username.clone(),
            display_name: s(u, "name"),
            bio: String::new(),
            email: Some(s(u, "email")).filter(|e| e.contains('@')),
            locale: None,
            created_at: parse_time(&s(u, "created_at")).unwrap_or(0),
            consents: Default::default(),
        });
    }

    // Groups: their members and owners.
    let mut groups: BTreeMap<String, Vec<(String, &'static str)>> = BTreeMap::new();
    for entry in std::fs::read_dir(dir.join("groups"))
        .into_iter()
        .flatten()
        .flatten()
    {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Ok(v) = read(&entry.path().join("members.json")) else {
            continue;
        };
        let mut list = Vec::new();
        for (key, role) in [("owners", "moderator"), ("members", "member")] {
            for m in v[key].as_array().into_iter().flatten() {
                let uid = s(m, "id");
                if !list.iter().any(|(u, _)| *u == uid) {
                    list.push((uid, role));
                }
            }
        }
        groups.insert(name, list);
    }

    // Categories.
    let cats = read(&dir.join("categories.json"))?;
    let mut communities: Vec<Community> = Vec::new();
    for c in cats["category_list"]["categories"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let id = s(c, "id");
        let restricted = c["read_restricted"].as_bool().unwrap_or(false);
        let mut members: Vec<Member> = Vec::new();
        if let Ok(show) = read(&dir.join(format!("c/{id}/show.json"))) {
            for gp in show["category"]["group_permissions"]
                .as_array()
                .into_iter()
                .flatten()
            {
                let g = s(gp, "group_name");
                for (uid, role) in groups.get(&g).into_iter().flatten() {
                    if !members.iter().any(|m| m.user == *uid) {
                        members.push(Member {
                            user: uid.clone(),
                            role: (*role).into(),
                            state: "active".into(),
                            joined_at: 0,
                        });
                    }
                }
            }
        }
        let description = {
            let d = s(c, "description_text");
            if d.is_empty() { s(c, "description") } else { d }
        };
        let slug = s(c, "slug");
        communities.push(Community {
            // Discourse answers a category at /c/{slug}, /c/{slug}/{id}
            // and /c/{id}.
            aliases: vec![
                format!("/c/{slug}"),
                format!("/c/{slug}/{id}"),
                format!("/c/{id}"),
            ],
            id,
            slug,
            name: s(c, "name"),
            description,
            charter: String::new(),
            welcome: String::new(),
            theme: String::new(),
            visibility: if restricted { "private" } else { "open" }.into(),
            join_policy: if restricted { "request" } else { "open" }.into(),
            created_at: 0,
            members,
        });
    }
    let category_ids: BTreeSet<String> = communities.iter().map(|c| c.id.clone()).collect();

    // Topics.
    let mut publications = Vec::new();
    let mut posters: BTreeMap<String, BTreeMap<String, i64>> = BTreeMap::new();
    for path in json_files(&dir.join("t")) {
        let t = read(&path)?;
        let id = s(&t, "id");
        let title = s(&t, "title");
        if s(&t, "archetype") == "private_message" {
            skipped.push(skip(
                "publication",
                &id,
                &title,
                "a private message, not moved",
            ));
            continue;
        }
        let category = s(&t, "category_id");
        let topic_slug = s(&t, "slug");
        if !category_ids.contains(&category) {
            skipped.push(skip(
                "publication",
                &id,
                &title,
                "its category is not in the export",
            ));
            continue;
        }
        if !t["deleted_at"].is_null() {
            skipped.push(skip("publication", &id, &title, "deleted on Discourse"));
            continue;
        }
        let posts = t["post_stream"]["posts"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let mut first: Option<&Value> = None;
        let mut replies = Vec::new();
        let mut by_number: BTreeMap<i64, String> = BTreeMap::new();
        for p in &posts {
            let pid = s(p, "id");
            let number = p["post_number"].as_i64().unwrap_or(0);
            let body = {
                let raw = s(p, "raw");
                if raw.is_empty() {
                    crate::markdown::excerpt_from_html(&s(p, "cooked"), 100_000)
                } else {
                    raw
                }
            };
            let post_type = p["post_type"].as_i64().unwrap_or(1);
            if post_type != 1 {
                let why = match post_type {
                    4 => "a whisper (staff only), not moved",
                    3 => "a small action (a status change), not moved",
                    _ => "a moderator action, not moved",
                };
                skipped.push(skip("reply", &pid, &body, why));
                continue;
            }
            if !p["deleted_at"].is_null() {
                skipped.push(skip("reply", &pid, &body, "deleted on Discourse"));
                continue;
            }
            let author = by_name.get(&s(p, "username").to_lowercase()).cloned();
            let at = parse_time(&s(p, "created_at")).unwrap_or(0);
            if let Some(a) = &author {
                let e = posters.entry(category.clone()).or_default();
                let first_at = e.entry(a.clone()).or_insert(at);
                *first_at = (*first_at).min(at);
            }
            if number == 1 && first.is_none() {
                first = Some(p);
                continue;
            }
            let parent = p["reply_to_post_number"]
                .as_i64()
                .and_then(|n| by_number.get(&n).cloned());
            by_number.insert(number, pid.clone());
            replies.push(Reply {
                // A post: /t/{slug}/{topic}/{number}, and its short link /p/{id}.
                aliases: vec![
                    format!("/t/{topic_slug}/{id}/{number}"),
                    format!("/t/{id}/{number}"),
                    format!("/p/{pid}"),
                ],
                revisions: Vec::new(),
                id: pid,
                parent,
                author,
                body,
                status: if p["hidden"].as_bool().unwrap_or(false) {
                    "hidden"
                } else {
                    "visible"
                }
                .into(),
                created_at: at,
            });
        }
        let Some(first) = first else {
            skipped.push(skip(
                "publication",
                &id,
                &title,
                "its first post is missing",
            ));
            continue;
        };
        let body = {
            let raw = s(first, "raw");
            if raw.is_empty() {
                crate::markdown::excerpt_from_html(&s(first, "cooked"), 100_000)
            } else {
                raw
            }
        };
        let created = parse_time(&s(&t, "created_at")).unwrap_or(0);
        let first_number = first["post_number"].as_i64().unwrap_or(1);
        publications.push(Publication {
            // A topic: /t/{slug}/{id}, /t/{id}, its first post's numbers
            // and short link.
            aliases: vec![
                format!("/t/{topic_slug}/{id}"),
                format!("/t/{id}"),
                format!("/t/{topic_slug}/{id}/{first_number}"),
                format!("/p/{}", s(first, "id")),
            ],
            revisions: Vec::new(),
            attachments: Vec::new(),
            id,
            kind: "discussion".into(),
            title,
            body,
            lang: None,
            author: by_name.get(&s(first, "username").to_lowercase()).cloned(),
            link_url: None,
            communities: vec![category],
            tags: t["tags"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|x| {
                    x.as_str()
                        .map(str::to_string)
                        .or_else(|| x["name"].as_str().map(str::to_string))
                })
                .collect(),
            status: if t["visible"].as_bool() == Some(false) {
                "hidden"
            } else {
                "visible"
            }
            .into(),
            created_at: created,
            updated_at: parse_time(&s(&t, "last_posted_at")).unwrap_or(created),
            replies,
        });
    }
    // Whoever posted in a category is one of its members; a category is
    // as old as its first topic.
    for c in &mut communities {
        for (uid, at) in posters.get(&c.id).into_iter().flatten() {
            if !c.members.iter().any(|m| m.user == *uid) {
                c.members.push(Member {
                    user: uid.clone(),
                    role: "member".into(),
                    state: "active".into(),
                    joined_at: *at,
                });
            }
        }
        c.created_at = publications
            .iter()
            .filter(|p| p.communities[0] == c.id)
            .map(|p| p.created_at)
            .min()
            .unwrap_or(0);
        for m in &mut c.members {
            if m.joined_at == 0 {
                m.joined_at = c.created_at;
            }
        }
    }
    Ok((
        Bundle {
            format: super::FORMAT.into(),
            version: super::VERSION,
            source: format!("discourse:{title}"),
            exported_at: crate::db::now(),
            users,
            communities,
            publications,
            ..Default::default()
        },
        skipped,
    ))
}
