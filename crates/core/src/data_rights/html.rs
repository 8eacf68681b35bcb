//! The archive's `index.html`: opens offline from the unzipped folder (no
//! script, no request anywhere: a relative stylesheet in the archive, links
//! to the JSON files and attached files beside it), in the person's
//! language. Publications and replies are listed in full, streamed page by
//! page like the JSON.

use super::archive::Writer;
use super::sections::{attachment_path, publications_page, replies_page, rfc3339};
use crate::i18n::{Arg, Lang};

const STYLE: &str = "body{font-family:system-ui,sans-serif;line-height:1.5;max-width:48em;margin:1em auto;padding:0 1em;color:#1a1a1a}\
h1,h2{line-height:1.2}article{border-top:1px solid #bbb;padding:.5em 0}.meta{color:#4d4d4d;font-size:.9em}\
table{border-collapse:collapse}td,th{border:1px solid #bbb;padding:.2em .5em;text-align:left}a{color:#0b4f8a}\n";

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Content HTML with its site-relative links (`/u/…`, `/tags/…`) made
/// absolute, so that they lead to the instance from the unzipped folder.
fn absolute_links(html: &str, base: &str) -> String {
    html.replace("href=\"/", &format!("href=\"{base}/"))
        .replace("src=\"/", &format!("src=\"{base}/"))
}

pub async fn index(w: &mut Writer<'_>, instance: &str) -> anyhow::Result<()> {
    let lang = Lang::from_code(&w.user.locale).unwrap_or_default();
    w.begin_text("style.css")?;
    w.text(STYLE)?;
    let user = w.user;
    let title = lang.ta(
        "data-archive-title",
        &[
            ("name", Arg::Str(user.username.clone())),
            ("instance", Arg::Str(instance.to_string())),
        ],
    );
    w.begin_text("index.html")?;
    w.text(&format!(
        "<!doctype html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<link rel=\"stylesheet\" href=\"style.css\">\n</head>\n<body>\n<main>\n<h1>{}</h1>\n<p class=\"meta\">{}</p>\n<p>{}</p>\n",
        lang.code(),
        esc(&title),
        esc(&title),
        esc(&lang.ta(
            "data-archive-generated",
            &[("date", Arg::Str(rfc3339(w.generated_at)))]
        )),
        esc(&lang.t("data-archive-intro")),
    ))?;
    // The machine-readable files, with their counts.
    w.text(&format!(
        "<h2>{}</h2>\n<table>\n<thead><tr><th scope=\"col\">{}</th><th scope=\"col\">{}</th></tr></thead>\n<tbody>\n",
        esc(&lang.t("data-archive-files")),
        esc(&lang.t("data-archive-file")),
        esc(&lang.t("data-archive-count")),
    ))?;
    let rows: Vec<(String, i64)> = w
        .sections()
        .iter()
        .map(|s| (s.file.clone(), s.count))
        .collect();
    for (file, count) in rows {
        w.text(&format!(
            "<tr><td><a href=\"{f}\">{f}</a></td><td>{count}</td></tr>\n",
            f = esc(&file)
        ))?;
    }
    w.text("<tr><td><a href=\"manifest.json\">manifest.json</a></td><td>1</td></tr>\n</tbody>\n</table>\n")?;
    // Profile.
    w.text(&format!(
        "<h2>{}</h2>\n<dl>\n<dt>{}</dt><dd>{}</dd>\n<dt>{}</dt><dd>{}</dd>\n<dt>{}</dt><dd>{}</dd>\n</dl>\n",
        esc(&lang.t("data-archive-profile")),
        esc(&lang.t("data-archive-username")),
        esc(&user.username),
        esc(&lang.t("data-archive-display-name")),
        esc(&user.display_name),
        esc(&lang.t("data-archive-bio")),
        esc(&user.bio),
    ))?;
    // Publications, in full, with their files.
    w.text(&format!(
        "<h2 id=\"publications\">{}</h2>\n",
        esc(&lang.t("data-archive-publications"))
    ))?;
    let mut after = 0;
    let mut any = false;
    loop {
        let page = publications_page(w, after).await?;
        let Some(last) = page.last() else { break };
        after = last.id;
        let ids: Vec<i64> = page.iter().map(|p| p.id).collect();
        let mut files: Vec<(i64, i64, String)> = Vec::new();
        if !ids.is_empty() {
            let sql = format!(
                "SELECT id, publication_id, file_name FROM attachments WHERE publication_id IN ({}) ORDER BY id",
                (1..=ids.len())
                    .map(|k| format!("${k}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            let mut q = sqlx::query_as::<_, (i64, i64, String)>(sqlx::AssertSqlSafe(sql));
            for id in &ids {
                q = q.bind(*id);
            }
            files = q.fetch_all(&w.db.pool).await?;
        }
        for p in &page {
            any = true;
            let mut html = format!(
                "<article id=\"p{}\">\n<h3>{}</h3>\n<p class=\"meta\">{} · {}</p>\n{}\n",
                p.id,
                esc(&p.title),
                esc(&lang.t(&format!("data-archive-kind-{}", p.kind))),
                esc(&rfc3339(p.created_at)),
                absolute_links(&p.body_html, w.base_url),
            );
            if let Some(link) = &p.link_url {
                html.push_str(&format!("<p>{}</p>\n", esc(link)));
            }
            let mine: Vec<&(i64, i64, String)> = files.iter().filter(|f| f.1 == p.id).collect();
            if !mine.is_empty() {
                html.push_str("<ul>\n");
                for (aid, _, name) in mine {
                    html.push_str(&format!(
                        "<li><a href=\"{}\">{}</a></li>\n",
                        esc(&attachment_path(*aid, name)),
                        esc(name)
                    ));
                }
                html.push_str("</ul>\n");
            }
            html.push_str("</article>\n");
            w.text(&html)?;
        }
        w.pump().await?;
    }
    if !any {
        w.text(&format!("<p>{}</p>\n", esc(&lang.t("data-archive-none"))))?;
    }
    // Replies.
    w.text(&format!(
        "<h2 id=\"replies\">{}</h2>\n",
        esc(&lang.t("data-archive-replies"))
    ))?;
    let mut after = 0;
    let mut any = false;
    loop {
        let page = replies_page(w, after).await?;
        let Some(last) = page.last() else { break };
        after = last.id;
        for r in &page {
            any = true;
            w.text(&format!(
                "<article id=\"r{}\">\n<p class=\"meta\">{}</p>\n{}\n</article>\n",
                r.id,
                esc(&lang.ta(
                    "data-archive-reply-meta",
                    &[
                        ("count", Arg::Num(r.publication_id)),
                        ("date", Arg::Str(rfc3339(r.created_at))),
                    ]
                )),
                absolute_links(&r.body_html, w.base_url),
            ))?;
        }
        w.pump().await?;
    }
    if !any {
        w.text(&format!("<p>{}</p>\n", esc(&lang.t("data-archive-none"))))?;
    }
    w.text("</main>\n</body>\n</html>\n")?;
    w.add_section("index", "index.html", 1);
    w.pump().await
}
