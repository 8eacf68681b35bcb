//! Links of imported texts that point to the origin ("https://old.example/p/12",
//! Discourse's "](/t/velo/34)") become links to the items' pages here, once
//! every item of the run has its place. A text is rewritten from the
//! bundle's own text and only while the row still holds that text: run
//! again, it is already done; edited here since, it is left alone.

use super::{Maps, Tx, mapped};
use crate::db::Db;
use crate::portability::Bundle;
use crate::portability::aliases::{links, resolve_in};
use crate::search::{Source, index_one};
use crate::state::AppState;

/// The text with its links to the origin replaced (`None`: nothing to do).
async fn rewritten(
    tx: &mut Tx,
    text: &str,
    maps: &Maps,
    public_url: &str,
) -> Result<Option<String>, sqlx::Error> {
    let found = links(text, &maps.host);
    if found.is_empty() {
        return Ok(None);
    }
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    let mut changed = false;
    for l in found {
        let Some(new) = resolve_in(&mut **tx, &maps.host, &l.path).await? else {
            continue;
        };
        let mut new = if l.absolute {
            crate::urls::absolute(public_url, &new)
        } else {
            new
        };
        if !new.contains('#') {
            new.push_str(&l.fragment);
        }
        out.push_str(&text[at..l.start]);
        out.push_str(&new);
        at = l.end;
        changed = true;
    }
    out.push_str(&text[at..]);
    Ok(changed.then_some(out))
}

pub(super) async fn rewrite(
    tx: &mut Tx,
    db: &Db,
    state: &AppState,
    bundle: &Bundle,
    maps: &Maps,
) -> anyhow::Result<()> {
    let public = state.config.public_url();
    let src = bundle.source.as_str();
    for p in &bundle.publications {
        if let Some(new) = rewritten(tx, &p.body, maps, &public).await? {
            if let Some(id) = mapped(tx, src, "publication", &p.id).await? {
                let n = sqlx::query(
                    "UPDATE publications SET body = $1, body_html = $2 WHERE id = $3 AND body = $4",
                )
                .bind(&new)
                .bind(crate::markdown::render(&new).html)
                .bind(id)
                .bind(&p.body)
                .execute(&mut **tx)
                .await?
                .rows_affected();
                if n > 0 {
                    index_one(tx, db.backend, Source::Publications, id).await?;
                }
            }
        }
        for r in &p.replies {
            let Some(new) = rewritten(tx, &r.body, maps, &public).await? else {
                continue;
            };
            let Some(id) = mapped(tx, src, "reply", &r.id).await? else {
                continue;
            };
            let n = sqlx::query(
                "UPDATE replies SET body = $1, body_html = $2 WHERE id = $3 AND body = $4",
            )
            .bind(&new)
            .bind(crate::markdown::render(&new).html)
            .bind(id)
            .bind(&r.body)
            .execute(&mut **tx)
            .await?
            .rows_affected();
            if n > 0 {
                index_one(tx, db.backend, Source::Replies, id).await?;
            }
        }
    }
    for w in &bundle.wiki {
        let Some(new) = rewritten(tx, &w.body, maps, &public).await? else {
            continue;
        };
        let Some(id) = mapped(tx, src, "wiki", &w.id).await? else {
            continue;
        };
        let n = sqlx::query("UPDATE wiki_pages SET body = $1 WHERE id = $2 AND body = $3")
            .bind(&new)
            .bind(id)
            .bind(&w.body)
            .execute(&mut **tx)
            .await?
            .rows_affected();
        if n > 0 {
            sqlx::query(
                "UPDATE wiki_revisions SET body = $1 WHERE id = (SELECT revision_id FROM wiki_pages WHERE id = $2) AND body = $3",
            )
            .bind(&new)
            .bind(id)
            .bind(&w.body)
            .execute(&mut **tx)
            .await?;
        }
    }
    Ok(())
}
