//! Tags: parsing what the author typed, merging hashtags of the body,
//! reading and writing a publication's tags.

use super::*;

// ---- tags ---------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tag {
    /// Lowercased key, used in URLs (`/tags/{name}`).
    pub name: String,
    /// As first written.
    pub label: String,
}

impl Tag {
    pub fn path(&self) -> String {
        crate::urls::tag(&self.name)
    }
}

/// A tag's key: lowercased, accents dropped (NFD without combining marks),
/// "œ"/"æ" spelled out, so "Bénévolat", "benevolat" and "bénévolat" are
/// one tag and `/tags?q=éco` finds "economie-sociale". Migration 0013 folds
/// the existing keys the same way for the letters of French.
pub fn fold_tag_key(input: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    let mut out = String::with_capacity(input.len());
    for c in input.nfd() {
        if unicode_normalization::char::is_combining_mark(c) {
            continue;
        }
        match c {
            'œ' | 'Œ' => out.push_str("oe"),
            'æ' | 'Æ' => out.push_str("ae"),
            _ => out.extend(c.to_lowercase()),
        }
    }
    out
}

pub(super) fn is_tag_char(c: char) -> bool {
    c.is_alphanumeric()
        || unicode_normalization::char::is_combining_mark(c)
        || matches!(c, '_' | '-')
}

/// Parse the comma-separated tags of a form ("Économie sociale, #logement").
/// Spaces inside a tag become dashes; the name is lowercased.
pub fn parse_tags(input: &str) -> Result<Vec<Tag>, &'static str> {
    use unicode_normalization::UnicodeNormalization;
    let mut out: Vec<Tag> = Vec::new();
    for part in input.split(',') {
        let label: String = part.trim().trim_start_matches('#').trim().nfc().collect();
        if label.is_empty() {
            continue;
        }
        let label = label.split_whitespace().collect::<Vec<_>>().join(" ");
        let name: String = fold_tag_key(&label)
            .split(' ')
            .collect::<Vec<_>>()
            .join("-");
        if name.chars().count() > TAG_MAX_CHARS
            || !name.chars().all(is_tag_char)
            || !name.chars().any(char::is_alphanumeric)
        {
            return Err("publication-tag-invalid");
        }
        if !out.iter().any(|t| t.name == name) {
            out.push(Tag { name, label });
        }
    }
    if out.len() > CHOSEN_TAGS_MAX {
        return Err("publication-tags-too-many");
    }
    Ok(out)
}

/// Chosen tags plus the body's hashtags, at most [`TAGS_MAX`].
pub fn merge_tags(mut chosen: Vec<Tag>, hashtags: &[String]) -> Vec<Tag> {
    for h in hashtags {
        let name = fold_tag_key(h);
        if out_len_ok(&chosen)
            && !chosen.iter().any(|t| t.name == name)
            && h.chars().count() <= TAG_MAX_CHARS
        {
            chosen.push(Tag {
                name,
                label: h.clone(),
            });
        }
    }
    chosen.truncate(TAGS_MAX);
    chosen
}

/// The tags chosen by hand: the publication's tags that are not hashtags
/// of its body (what its edit form and the API's partial edits keep).
pub fn chosen_tags<'a>(body: &str, tags: &'a [Tag]) -> Vec<&'a Tag> {
    let hashtags: Vec<String> = markdown::render(body)
        .hashtags
        .iter()
        .map(|h| fold_tag_key(h))
        .collect();
    tags.iter()
        .filter(|t| !hashtags.contains(&t.name))
        .collect()
}

pub(super) fn out_len_ok(v: &[Tag]) -> bool {
    v.len() < TAGS_MAX
}

/// Tags of publications (one statement).
pub async fn tags_of(
    db: &Db,
    publication_ids: &[i64],
) -> Result<HashMap<i64, Vec<Tag>>, sqlx::Error> {
    let mut out: HashMap<i64, Vec<Tag>> = HashMap::new();
    if publication_ids.is_empty() {
        return Ok(out);
    }
    let sql = format!(
        "SELECT pt.publication_id, t.name, t.label FROM publication_tags pt JOIN tags t ON t.id = pt.tag_id \
         WHERE pt.publication_id IN ({}) ORDER BY t.name",
        id_list(publication_ids)
    );
    tick();
    let rows: Vec<(i64, String, String)> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .fetch_all(&db.pool)
        .await?;
    for (pid, name, label) in rows {
        out.entry(pid).or_default().push(Tag { name, label });
    }
    Ok(out)
}

pub(crate) async fn set_tags(
    conn: &mut sqlx::AnyConnection,
    publication_id: i64,
    tags: &[Tag],
) -> Result<(), sqlx::Error> {
    tick();
    sqlx::query("DELETE FROM publication_tags WHERE publication_id = $1")
        .bind(publication_id)
        .execute(&mut *conn)
        .await?;
    for t in tags {
        tick();
        let tag_id: i64 = sqlx::query_scalar(
            "INSERT INTO tags (name, label) VALUES ($1, $2) ON CONFLICT (name) DO UPDATE SET name = excluded.name RETURNING id",
        )
        .bind(&t.name)
        .bind(&t.label)
        .fetch_one(&mut *conn)
        .await?;
        tick();
        sqlx::query("INSERT INTO publication_tags (publication_id, tag_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(publication_id)
            .bind(tag_id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}
