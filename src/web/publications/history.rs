//! Earlier versions of a publication or a reply.

use super::*;

pub struct VersionView {
    pub title: String,
    pub html: String,
    pub date: i64,
    pub editor: String,
    pub current: bool,
}

#[derive(Template)]
#[template(path = "publication_history.html")]
pub(super) struct HistoryPage {
    s: Shell,
    heading: String,
    back: String,
    versions: Vec<VersionView>,
}

/// Versions, newest first: the current one, then each earlier one dated
/// from when it was written (the replacement time of the version before it).
pub(super) fn versions(
    lang: Lang,
    current_title: &str,
    current_body_html: &str,
    current_date: i64,
    created_at: i64,
    author: &Option<Author>,
    revs: Vec<pubs::Revision>,
) -> Vec<VersionView> {
    let name = |a: &Option<Author>| {
        a.as_ref()
            .map(|a| a.shown_name().to_string())
            .unwrap_or_else(|| lang.t("publication-former-member"))
    };
    let mut out = vec![VersionView {
        title: current_title.to_string(),
        html: current_body_html.to_string(),
        date: current_date,
        editor: revs
            .first()
            .map(|r| name(&r.editor))
            .unwrap_or_else(|| name(author)),
        current: true,
    }];
    let n = revs.len();
    for i in 0..n {
        let written = if i + 1 < n {
            revs[i + 1].replaced_at
        } else {
            created_at
        };
        let editor = if i + 1 < n {
            name(&revs[i + 1].editor)
        } else {
            name(author)
        };
        out.push(VersionView {
            title: revs[i].title.clone(),
            html: crate::markdown::render(&revs[i].body).html,
            date: written,
            editor,
            current: false,
        });
    }
    out
}

pub(super) async fn history(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(q): Query<KeyQuery>,
) -> AppResult<Response> {
    let (p, links) = ops::readable_with(&state, ctx.user.as_ref(), id, key_of(&q.k)).await?;
    let revs = pubs::revisions(&state.db, id).await?;
    // Earlier versions are never widened: one replaced before the
    // publication reached the viewer's communities is not theirs to read.
    let kept: Vec<bool> = revs
        .iter()
        .map(|r| pubs::written_for(ctx.user.as_ref(), &p, &links, r.replaced_at))
        .collect();
    let mut list = versions(
        ctx.lang,
        &p.title,
        &p.body_html,
        p.updated_at,
        p.created_at,
        &p.author,
        revs,
    );
    let mut i = 0;
    list.retain(|_| {
        i += 1;
        i == 1 || kept[i - 2]
    });
    Ok(page(
        &ctx,
        &HistoryPage {
            s: Shell::new(&state, &ctx, &ctx.t("publication-history-title"), "")
                .crumb(p.title.clone(), format!("{}{}", p.path(), p.key_query()))
                .crumb(
                    ctx.t("publication-history-title"),
                    format!("{}/history", urls::publication(id)),
                ),
            heading: ctx.t("publication-history-title"),
            back: format!("{}{}", p.path(), p.key_query()),
            versions: list,
        },
    ))
}

pub(super) async fn reply_history(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, rid)): Path<(i64, i64)>,
    Query(q): Query<KeyQuery>,
) -> AppResult<Response> {
    let (p, links) = ops::readable_with(&state, ctx.user.as_ref(), id, key_of(&q.k)).await?;
    let r = pubs::reply_by_id(&state.db, id, rid)
        .await?
        .ok_or(AppError::NotFound)?;
    if pubs::reply_sight(ctx.user.as_ref(), &p, &r, &links) != ReplySight::Full {
        return Err(AppError::NotFound);
    }
    let revs = pubs::reply_revisions(&state.db, rid).await?;
    let list = versions(
        ctx.lang,
        "",
        &r.body_html,
        r.updated_at,
        r.created_at,
        &r.author,
        revs,
    );
    Ok(page(
        &ctx,
        &HistoryPage {
            s: Shell::new(&state, &ctx, &ctx.t("reply-history-title"), "")
                .crumb(p.title.clone(), format!("{}{}", p.path(), p.key_query()))
                .crumb(ctx.t("reply-history-title"), ""),
            heading: ctx.t("reply-history-title"),
            back: urls::reply_link(
                p.id,
                r.id,
                (!p.key_query().is_empty()).then_some(p.public_key.as_str()),
            ),
            versions: list,
        },
    ))
}
