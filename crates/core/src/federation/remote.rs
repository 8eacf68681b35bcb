//! People and groups of other instances as rows of ours, so that the same
//! operations serve them: a remote person is a shadow account (`users` with
//! `domain` and `ap_id`, no e-mail, no password: nobody signs in as it),
//! acting as `Actor::Remote`; a remote group one of our members follows is
//! a shadow community (`communities` with `domain` and `ap_id`), where what
//! it announces is mirrored. Their names carry their origin: `name@host`.
//!
//! Remote HTML is never kept as HTML: it is read back to text
//! ([`text_of_html`]) and that text goes through the local Markdown
//! renderer like anything a member types — as strictly sanitised.

use crate::accounts::{self, User};
use crate::communities::{self, Community};
use crate::db::now;
use crate::error::AppResult;
use crate::state::AppState;

use super::delivery::RemoteActor;
use super::instances;

/// A short stable suffix derived from an id (two actors of one host with
/// one name: a person and a group of Lemmy).
fn suffix(ap_id: &str) -> String {
    use sha2::Digest;
    hex::encode(&sha2::Sha256::digest(ap_id.as_bytes())[..3])
}

fn handle_name(a: &RemoteActor) -> String {
    let name = if a.username.is_empty() {
        a.ap_id
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap_or("")
            .chars()
            .filter(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'))
            .take(60)
            .collect()
    } else {
        a.username.clone()
    };
    if name.is_empty() {
        suffix(&a.ap_id)
    } else {
        name
    }
}

/// The shadow account of a remote person (made on first contact; its shown
/// name follows the actor's).
pub async fn person(state: &AppState, a: &RemoteActor) -> AppResult<User> {
    let db = &state.db;
    if let Some(id) = sqlx::query_scalar::<_, i64>("SELECT id FROM users WHERE ap_id = $1")
        .bind(&a.ap_id)
        .fetch_optional(&db.pool)
        .await?
    {
        sqlx::query("UPDATE users SET display_name = $1 WHERE id = $2 AND display_name <> $1")
            .bind(&a.name)
            .bind(id)
            .execute(&db.pool)
            .await?;
        super::blocks::apply_instance_blocks(db, id, &instances::host(&a.ap_id)).await?;
        return accounts::by_id(db, id)
            .await?
            .ok_or(crate::error::AppError::NotFound);
    }
    let host = instances::host(&a.ap_id);
    let base = handle_name(a);
    for username in [
        format!("{base}@{host}"),
        format!("{base}-{}@{host}", suffix(&a.ap_id)),
    ] {
        let key = username.to_lowercase();
        let inserted = sqlx::query(
            "INSERT INTO users (username, username_key, username_skeleton, domain, ap_id, display_name, \
             status, created_at) VALUES ($1, $2, $2, $3, $4, $5, 'active', $6) \
             ON CONFLICT DO NOTHING",
        )
        .bind(&username)
        .bind(&key)
        .bind(&host)
        .bind(&a.ap_id)
        .bind(&a.name)
        .bind(now())
        .execute(&db.pool)
        .await?
        .rows_affected();
        let found: Option<i64> = sqlx::query_scalar("SELECT id FROM users WHERE ap_id = $1")
            .bind(&a.ap_id)
            .fetch_optional(&db.pool)
            .await?;
        if let Some(id) = found {
            let _ = inserted;
            super::blocks::apply_instance_blocks(db, id, &host).await?;
            return accounts::by_id(db, id)
                .await?
                .ok_or(crate::error::AppError::NotFound);
        }
    }
    Err(crate::error::AppError::Internal(anyhow::anyhow!(
        "no shadow account for {}",
        a.ap_id
    )))
}

/// The shadow community of a remote group (made when one of our members
/// follows it): open to read, joined only by following.
pub async fn group(state: &AppState, a: &RemoteActor) -> AppResult<Community> {
    let db = &state.db;
    let existing: Option<String> =
        sqlx::query_scalar("SELECT slug FROM communities WHERE ap_id = $1")
            .bind(&a.ap_id)
            .fetch_optional(&db.pool)
            .await?;
    let slug = match existing {
        Some(s) => s,
        None => {
            let host = instances::host(&a.ap_id);
            let base = handle_name(a).to_lowercase();
            let mut made = None;
            for slug in [
                format!("{base}@{host}"),
                format!("{base}-{}@{host}", suffix(&a.ap_id)),
            ] {
                let t = now();
                sqlx::query(
                    "INSERT INTO communities (slug, name, visibility, join_policy, status, domain, ap_id, \
                     created_at, last_activity_at) VALUES ($1, $2, 'open', 'invitation', 'active', $3, $4, $5, $5) \
                     ON CONFLICT DO NOTHING",
                )
                .bind(&slug)
                .bind(if a.name.is_empty() { &slug } else { &a.name })
                .bind(&host)
                .bind(&a.ap_id)
                .bind(t)
                .execute(&db.pool)
                .await?;
                let s: Option<String> =
                    sqlx::query_scalar("SELECT slug FROM communities WHERE ap_id = $1")
                        .bind(&a.ap_id)
                        .fetch_optional(&db.pool)
                        .await?;
                if s.is_some() {
                    made = s;
                    break;
                }
            }
            made.ok_or_else(|| {
                crate::error::AppError::Internal(anyhow::anyhow!("no community for {}", a.ap_id))
            })?
        }
    };
    communities::by_slug(db, &slug)
        .await?
        .ok_or(crate::error::AppError::NotFound)
}

/// The shadow community of the remote group `ap_id`, if we mirror it.
pub async fn known_group(state: &AppState, ap_id: &str) -> AppResult<Option<Community>> {
    let slug: Option<String> = sqlx::query_scalar("SELECT slug FROM communities WHERE ap_id = $1")
        .bind(ap_id)
        .fetch_optional(&state.db.pool)
        .await?;
    Ok(match slug {
        Some(s) => communities::by_slug(&state.db, &s).await?,
        None => None,
    })
}

/// Markdown source from remote HTML: the text as a reader sees it —
/// paragraphs and line breaks kept, every tag dropped (links keep their
/// text; a bare address becomes a link again when rendered), entities
/// decoded, Markdown's own characters escaped so that the text means what
/// it showed. The renderer then treats it as anything a member types.
pub fn text_of_html(html: &str) -> String {
    // Block boundaries first, as markers no tag contains.
    let mut s = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        s.push_str(&rest[..lt]);
        let after = &rest[lt + 1..];
        let Some(gt) = after.find('>') else {
            rest = "";
            break;
        };
        let tag = after[..gt].trim().to_ascii_lowercase();
        let closing = tag.starts_with('/');
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        match name.as_str() {
            "br" => s.push('\n'),
            "p" | "div" | "blockquote" | "pre" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "ul"
            | "ol" | "table" | "tr" => s.push_str("\n\n"),
            "li" if !closing => s.push_str("\n- "),
            _ => {}
        }
        // Script and style: their content is not text.
        if !closing && (name == "script" || name == "style") {
            let close = format!("</{name}");
            let lower = after.to_ascii_lowercase();
            match lower.find(&close) {
                Some(end) => {
                    let tail = &after[end..];
                    rest = tail.find('>').map(|g| &tail[g + 1..]).unwrap_or("");
                }
                None => rest = "",
            }
            continue;
        }
        rest = &after[gt + 1..];
    }
    s.push_str(rest);
    let text = decode_entities(&s);
    // Escape what Markdown would read as markup, line by line; collapse
    // runs of blank lines.
    let mut out = String::with_capacity(text.len());
    let mut blank = 0;
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() {
            blank += 1;
            continue;
        }
        if !out.is_empty() {
            out.push_str(if blank > 0 { "\n\n" } else { "\n" });
        }
        blank = 0;
        let (bullet, body) = match line.strip_prefix("- ") {
            Some(b) => ("- ", b),
            None => ("", line),
        };
        out.push_str(bullet);
        for (i, c) in body.chars().enumerate() {
            if matches!(
                c,
                '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '~' | '!'
            ) || (i == 0 && matches!(c, '#' | '+' | '-' | '='))
            {
                out.push('\\');
            }
            out.push(c);
        }
    }
    out
}

fn decode_entities(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let end = after.find(';').filter(|e| *e <= 10);
        let decoded = end.and_then(|e| {
            let name = &after[..e];
            Some(match name {
                "amp" => '&',
                "lt" => '<',
                "gt" => '>',
                "quot" => '"',
                "apos" => '\'',
                "nbsp" => ' ',
                _ => {
                    let n = name.strip_prefix('#')?;
                    let code = match n.strip_prefix(['x', 'X']) {
                        Some(h) => u32::from_str_radix(h, 16).ok()?,
                        None => n.parse().ok()?,
                    };
                    char::from_u32(code).filter(|c| !c.is_control() || *c == '\n')?
                }
            })
        });
        match (decoded, end) {
            (Some(c), Some(e)) => {
                out.push(c);
                rest = &after[e + 1..];
            }
            _ => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// A post of a microblog (a `Note` without `name`) as a publication: its
/// first line is the title — the group's mention taken out, at most
/// `max_title` chars — and the rest the body (the whole text when there is
/// no rest).
pub fn title_and_body(text: &str, mentions: &[String], max_title: usize) -> (String, String) {
    let mut lines = text.lines();
    let first = lines.next().unwrap_or("");
    let mut title = first.to_string();
    for m in mentions {
        title = title.replace(m.as_str(), "");
    }
    let title: String = title
        .replace('\\', "")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let title: String = title.chars().take(max_title).collect();
    let rest = lines.collect::<Vec<_>>().join("\n").trim().to_string();
    let body = if rest.is_empty() {
        text.trim().to_string()
    } else {
        rest
    };
    (title, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remote_html_becomes_plain_text_the_renderer_sanitises() {
        let html = r#"<p><span class="h-card"><a href="https://b.example/c/jardins" class="u-url mention">@<span>jardins</span></a></span> Semis &amp; récoltes</p><p>Line one<br>line <b>two</b> *not bold*</p><script>alert(1)</script><ul><li>a</li><li>b</li></ul><img src=x onerror=alert(1)>"#;
        let t = text_of_html(html);
        assert_eq!(
            t,
            "@jardins Semis & récoltes\n\nLine one\nline two \\*not bold\\*\n\n- a\n- b"
        );
        let rendered = crate::markdown::render(&t);
        assert!(!rendered.html.contains("<script"));
        assert!(!rendered.html.contains("onerror"));
        assert!(!rendered.html.contains("<strong>"), "{}", rendered.html);
        assert!(rendered.html.contains("*not bold*"));
        // A tag in text stays text.
        let t = text_of_html("<p>&lt;b&gt;x&lt;/b&gt; &#x41;&#66;</p>");
        assert_eq!(t, "\\<b\\>x\\</b\\> AB");
        assert!(crate::markdown::render(&t).html.contains("&lt;b&gt;"));
    }

    #[test]
    fn a_microblog_post_gets_its_first_line_as_title() {
        let (t, b) = title_and_body(
            "@jardins Semis d'automne\nOn sème quoi ?",
            &["@jardins".into()],
            200,
        );
        assert_eq!(t, "Semis d'automne");
        assert_eq!(b, "On sème quoi ?");
        let (t, b) = title_and_body("@jardins Une seule ligne", &["@jardins".into()], 5);
        assert_eq!(t, "Une s");
        assert_eq!(b, "@jardins Une seule ligne");
    }
}
