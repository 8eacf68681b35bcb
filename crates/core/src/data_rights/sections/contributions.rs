//! The later sections of the archive: drafts, events and RSVPs, newsletter
//! consents, the library, the lexicon, wikis and community files.

use super::*;

/// The unfinished publication the person is writing (one per account).
pub async fn drafts(w: &mut Writer<'_>) -> anyhow::Result<()> {
    simple(
        w,
        "drafts",
        "SELECT kind, title, body, tags, link_url, communities, updated_at FROM publication_drafts \
         WHERE user_id = $1 ORDER BY updated_at",
        |_, r| {
            Ok(json!({
                "kind": s(r, "kind")?,
                "title": s(r, "title")?,
                "body": s(r, "body")?,
                "tags": s(r, "tags")?,
                "link_url": s(r, "link_url")?,
                "communities": s(r, "communities")?,
                "updated_at": rfc3339(i(r, "updated_at")?),
            }))
        },
    )
    .await
}

/// Events the person organises (their text and dates as they wrote them).
pub async fn events(w: &mut Writer<'_>) -> anyhow::Result<()> {
    simple(
        w,
        "events",
        "SELECT id, uid, title, description, tz, start_local, end_local, all_day, rrule, exdates, \
         place_kind, address, online_url, contact, capacity, status, created_at, updated_at \
         FROM events WHERE organiser_id = $1 ORDER BY id",
        |w, r| {
            let id = i(r, "id")?;
            Ok(json!({
                "id": id,
                "uid": s(r, "uid")?,
                "url": abs(w, &urls::event(id)),
                "title": s(r, "title")?,
                "description": s(r, "description")?,
                "timezone": s(r, "tz")?,
                "start": s(r, "start_local")?,
                "end": s(r, "end_local")?,
                "all_day": i(r, "all_day")? == 1,
                "rrule": s(r, "rrule")?,
                "exdates": s(r, "exdates")?,
                "place_kind": s(r, "place_kind")?,
                "address": s(r, "address")?,
                "online_url": s(r, "online_url")?,
                "contact": s(r, "contact")?,
                "capacity": oi(r, "capacity")?,
                "status": s(r, "status")?,
                "created_at": rfc3339(i(r, "created_at")?),
                "updated_at": rfc3339(i(r, "updated_at")?),
            }))
        },
    )
    .await
}

/// The person's answers to events (not who else answered).
pub async fn rsvps(w: &mut Writer<'_>) -> anyhow::Result<()> {
    simple(
        w,
        "rsvps",
        "SELECT r.event_id, e.title, e.start_local, r.answer, r.waitlisted, r.created_at, r.updated_at \
         FROM event_rsvps r JOIN events e ON e.id = r.event_id WHERE r.user_id = $1 \
         ORDER BY r.created_at, r.event_id",
        |w, r| {
            let id = i(r, "event_id")?;
            Ok(json!({
                "event": {"id": id, "url": abs(w, &urls::event(id)), "title": s(r, "title")?, "start": s(r, "start_local")?},
                "answer": s(r, "answer")?,
                "waitlisted": i(r, "waitlisted")? == 1,
                "created_at": rfc3339(i(r, "created_at")?),
                "updated_at": rfc3339(i(r, "updated_at")?),
            }))
        },
    )
    .await
}

/// Newsletter subscriptions: the consent as it was given (when, where,
/// the wording shown), under the account or its e-mail address.
pub async fn newsletters(w: &mut Writer<'_>) -> anyhow::Result<()> {
    simple(
        w,
        "newsletters",
        "SELECT l.slug, l.name, n.email, n.status, n.lang, n.consent_at, n.consent_source, \
         n.consent_wording, n.created_at, n.unsubscribed_at \
         FROM newsletter_subscribers n JOIN newsletter_lists l ON l.id = n.list_id \
         WHERE n.user_id = $1 OR n.email = (SELECT email FROM users WHERE id = $1) \
         ORDER BY n.id",
        |w, r| {
            let slug = s(r, "slug")?;
            Ok(json!({
                "list": {"slug": slug, "name": s(r, "name")?, "url": abs(w, &urls::newsletter(&slug))},
                "email": s(r, "email")?,
                "status": s(r, "status")?,
                "language": s(r, "lang")?,
                "consent_at": opt_time(oi(r, "consent_at")?),
                "consent_source": s(r, "consent_source")?,
                "consent_wording": s(r, "consent_wording")?,
                "created_at": rfc3339(i(r, "created_at")?),
                "unsubscribed_at": opt_time(oi(r, "unsubscribed_at")?),
            }))
        },
    )
    .await
}

/// Library resources the person added.
pub async fn library(w: &mut Writer<'_>) -> anyhow::Result<()> {
    simple(
        w,
        "library",
        "SELECT id, kind, title, creators, publisher, issued, language, licence, source_url, \
         description, deadline, eligibility, amount, in_library, status, created_at, updated_at \
         FROM resources WHERE created_by = $1 ORDER BY id",
        |w, r| {
            let id = i(r, "id")?;
            Ok(json!({
                "id": id,
                "url": abs(w, &urls::resource(id)),
                "kind": s(r, "kind")?,
                "title": s(r, "title")?,
                "creators": s(r, "creators")?.lines().map(str::to_string).collect::<Vec<_>>(),
                "publisher": s(r, "publisher")?,
                "issued": s(r, "issued")?,
                "language": s(r, "language")?,
                "licence": s(r, "licence")?,
                "source_url": s(r, "source_url")?,
                "description": s(r, "description")?,
                "deadline": s(r, "deadline")?,
                "eligibility": s(r, "eligibility")?,
                "amount": s(r, "amount")?,
                "in_library": i(r, "in_library")? == 1,
                "status": s(r, "status")?,
                "created_at": rfc3339(i(r, "created_at")?),
                "updated_at": rfc3339(i(r, "updated_at")?),
            }))
        },
    )
    .await
}

/// Copy the bytes of stored files (`sql` yields `id`, `name`, `sha256`
/// for `$1` = the person, `$2` = after this id), one at a time, under
/// `dir`; the ids whose bytes were found.
async fn blob_files(
    w: &mut Writer<'_>,
    sql: &str,
    dir: &str,
) -> anyhow::Result<std::collections::HashSet<i64>> {
    let mut written = std::collections::HashSet::new();
    let Some(store) = w.store.clone() else {
        return Ok(written);
    };
    let mut after = 0;
    loop {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!("{sql} LIMIT 1")))
            .bind(w.user.id)
            .bind(after)
            .fetch_optional(&w.db.pool)
            .await?;
        let Some(r) = row else { break };
        after = i(&r, "id")?;
        let bytes = crate::library::files::get_blob(store.clone(), s(&r, "sha256")?).await?;
        if let Some(bytes) = bytes {
            w.file(
                &format!("{dir}/{after}-{}", safe_name(&s(&r, "name")?)),
                &bytes,
            )
            .await?;
            written.insert(after);
        }
    }
    Ok(written)
}

/// Files the person uploaded to library resources, every version (the
/// revisions of a file), bytes included.
pub async fn library_files(w: &mut Writer<'_>) -> anyhow::Result<()> {
    let written = blob_files(
        w,
        "SELECT id, name, sha256 FROM resource_files WHERE uploaded_by = $1 AND id > $2 ORDER BY id",
        "files/library",
    )
    .await?;
    simple(
        w,
        "library_files",
        "SELECT f.id, f.resource_id, r.title, f.name, f.version, f.content_type, f.sha256, f.size, f.created_at \
         FROM resource_files f JOIN resources r ON r.id = f.resource_id WHERE f.uploaded_by = $1 ORDER BY f.id",
        |w, r| {
            let id = i(r, "id")?;
            let rid = i(r, "resource_id")?;
            let name = s(r, "name")?;
            let path = written
                .contains(&id)
                .then(|| format!("files/library/{id}-{}", safe_name(&name)));
            Ok(json!({
                "resource": {"id": rid, "title": s(r, "title")?, "url": abs(w, &urls::resource(rid))},
                "name": name,
                "version": i(r, "version")?,
                "content_type": s(r, "content_type")?,
                "sha256": s(r, "sha256")?,
                "size": i(r, "size")?,
                "url": abs(w, &urls::resource_file(rid, id)),
                "path": path,
                "created_at": rfc3339(i(r, "created_at")?),
            }))
        },
    )
    .await
}

/// Lexicon terms the person proposed.
pub async fn lexicon_proposals(w: &mut Writer<'_>) -> anyhow::Result<()> {
    simple(
        w,
        "lexicon_proposals",
        "SELECT slug, pref_fr, pref_en, status, created_at FROM lexicon_terms WHERE proposed_by = $1 ORDER BY id",
        |w, r| {
            let slug = s(r, "slug")?;
            Ok(json!({
                "term": {"slug": slug, "url": abs(w, &urls::term(&slug))},
                "label_fr": s(r, "pref_fr")?,
                "label_en": s(r, "pref_en")?,
                "status": s(r, "status")?,
                "created_at": rfc3339(i(r, "created_at")?),
            }))
        },
    )
    .await
}

/// The person's edits of lexicon terms: each revision they wrote, as the
/// snapshot of the term it saved.
pub async fn lexicon_edits(w: &mut Writer<'_>) -> anyhow::Result<()> {
    simple(
        w,
        "lexicon_edits",
        "SELECT t.slug, v.snapshot, v.note, v.created_at FROM lexicon_revisions v \
         JOIN lexicon_terms t ON t.id = v.term_id WHERE v.author_id = $1 ORDER BY v.id",
        |w, r| {
            let slug = s(r, "slug")?;
            let snapshot = s(r, "snapshot")?;
            Ok(json!({
                "term": {"slug": slug, "url": abs(w, &urls::term(&slug))},
                "snapshot": serde_json::from_str::<Value>(&snapshot).unwrap_or(Value::String(snapshot)),
                "note": s(r, "note")?,
                "created_at": rfc3339(i(r, "created_at")?),
            }))
        },
    )
    .await
}

/// The person's revisions of community wiki pages (their text).
pub async fn wiki_edits(w: &mut Writer<'_>) -> anyhow::Result<()> {
    simple(
        w,
        "wiki_edits",
        "SELECT c.slug AS community, p.slug AS page, v.title, v.body, v.note, v.created_at \
         FROM wiki_revisions v JOIN wiki_pages p ON p.id = v.page_id JOIN communities c ON c.id = p.community_id \
         WHERE v.author_id = $1 ORDER BY v.id",
        |w, r| {
            let community = s(r, "community")?;
            let page = s(r, "page")?;
            Ok(json!({
                "community": community,
                "page": {"slug": page, "url": abs(w, &urls::wiki_page(&community, &page))},
                "title": s(r, "title")?,
                "body": s(r, "body")?,
                "note": s(r, "note")?,
                "created_at": rfc3339(i(r, "created_at")?),
            }))
        },
    )
    .await
}

/// Files the person put in community spaces, every version, bytes included.
pub async fn community_files(w: &mut Writer<'_>) -> anyhow::Result<()> {
    let written = blob_files(
        w,
        "SELECT id, name, sha256 FROM space_files WHERE uploaded_by = $1 AND id > $2 ORDER BY id",
        "files/community",
    )
    .await?;
    simple(
        w,
        "community_files",
        "SELECT f.id, c.slug, f.name, f.version, f.content_type, f.sha256, f.size, f.created_at \
         FROM space_files f JOIN communities c ON c.id = f.community_id WHERE f.uploaded_by = $1 ORDER BY f.id",
        |w, r| {
            let id = i(r, "id")?;
            let slug = s(r, "slug")?;
            let name = s(r, "name")?;
            let path = written
                .contains(&id)
                .then(|| format!("files/community/{id}-{}", safe_name(&name)));
            Ok(json!({
                "community": slug,
                "name": name,
                "version": i(r, "version")?,
                "content_type": s(r, "content_type")?,
                "sha256": s(r, "sha256")?,
                "size": i(r, "size")?,
                "url": abs(w, &urls::space_file(&slug, id)),
                "path": path,
                "created_at": rfc3339(i(r, "created_at")?),
            }))
        },
    )
    .await
}
