//! Tags: help with the tags field of the forms (suggestions without
//! JavaScript), the tag page, and the summary of a publication in a list.

use super::*;

/// Help with the tags field of the compose and edit forms. Without
/// JavaScript: a `<datalist>` of the most used tags and a "Suggest tags"
/// button that sends the form back with what was typed and the tags starting
/// with the last one; with `static/tags.js`, the list follows the typing.
/// Tags come from `search::tags::suggest`, i.e. only from publications the
/// person may see.
#[derive(Default)]
pub struct TagHelp {
    /// Most used tags (labels), for the datalist.
    pub common: Vec<String>,
    /// After "Suggest tags": what the last tag started with.
    pub typed: Option<String>,
    /// Its matches: (label, count), tags already in the field left out.
    pub matches: Vec<(String, i64)>,
    /// Said after a suggestion was chosen ("Tag added: …").
    pub added: Option<String>,
    pub script: &'static str,
}

/// Tags in the datalist without JavaScript (most used lately, see
/// `search::tags::common`).
pub(super) const COMMON_TAGS: i64 = 30;
/// Tags offered after "Suggest tags".
pub(super) const SUGGESTED_TAGS: i64 = 12;

/// What the tags buttons of a compose or edit form asked for, if anything.
pub(super) enum TagAsk {
    Suggest,
    Choose(String),
}

pub(super) fn tag_ask(form: &MultipartForm) -> Option<TagAsk> {
    let chosen = form.get("tag_choice");
    if !chosen.trim().is_empty() {
        return Some(TagAsk::Choose(chosen.trim().to_string()));
    }
    (!form.get("suggest_tags").is_empty()).then_some(TagAsk::Suggest)
}

/// The tags field with its last (partly typed) tag replaced by `chosen`,
/// ready for the next one: "vélo, mobi" + "mobilité" → "vélo, mobilité, ".
pub(super) fn complete_last_tag(tags: &str, chosen: &str) -> String {
    let head = match tags.rfind(',') {
        Some(i) => tags[..i].trim_end(),
        None => "",
    };
    if head.is_empty() {
        format!("{chosen}, ")
    } else {
        format!("{head}, {chosen}, ")
    }
}

/// The datalist's tags, plus suggestions (and what was just added) when the
/// person asked. One statement, two after "Suggest tags".
pub(super) async fn tag_help(
    state: &AppState,
    viewer: Option<&User>,
    tags: &str,
    ask: Option<&TagAsk>,
) -> AppResult<TagHelp> {
    // The datalist is on every view of these forms: `common` reads a bounded
    // window of recent tag uses, not every tagged publication.
    let common = crate::search::tags::common(&state.db, viewer, COMMON_TAGS).await?;
    let mut help = TagHelp {
        common,
        script: crate::web::pages::tags_js_url(),
        ..TagHelp::default()
    };
    match ask {
        Some(TagAsk::Suggest) => {
            let (head, typed) = match tags.rfind(',') {
                Some(i) => (&tags[..i], tags[i + 1..].trim()),
                None => ("", tags.trim()),
            };
            let already: Vec<String> = pubs::parse_tags(head)
                .unwrap_or_default()
                .into_iter()
                .map(|t| t.name)
                .collect();
            help.matches =
                crate::search::tags::suggest(&state.db, viewer, typed, SUGGESTED_TAGS + 8)
                    .await?
                    .into_iter()
                    .filter(|t| !already.contains(&t.name))
                    .take(SUGGESTED_TAGS as usize)
                    .map(|t| (t.label, t.count))
                    .collect();
            help.typed = Some(typed.trim_start_matches('#').to_string());
        }
        Some(TagAsk::Choose(label)) => help.added = Some(label.clone()),
        None => {}
    }
    Ok(help)
}

pub struct SummaryView {
    pub path: String,
    pub title: String,
    pub kind_label: String,
    pub excerpt: String,
    pub author: Option<(String, String)>,
    pub last_activity_at: i64,
    pub reply_count: i64,
    pub tags: Vec<(String, String)>,
    pub site_name: Option<String>,
}

pub fn summary_view(lang: Lang, s: &PublicationSummary) -> SummaryView {
    SummaryView {
        path: s.path(),
        title: s.title.clone(),
        kind_label: kind_label_str(lang, &s.kind),
        excerpt: s.excerpt.clone(),
        author: match (&s.author_name, &s.author_username) {
            (Some(n), Some(u)) => Some((n.clone(), urls::user(u))),
            _ => None,
        },
        last_activity_at: s.last_activity_at,
        reply_count: s.reply_count,
        tags: s
            .tag_links()
            .into_iter()
            .map(|(label, href)| (label.to_string(), href))
            .collect(),
        site_name: s.site_name.clone(),
    }
}

#[derive(Template)]
#[template(path = "publication_tag.html")]
pub(super) struct TagPage {
    s: Shell,
    /// Its Atom feed (what anyone may read under this tag).
    feed: String,
    label: String,
    items: Vec<SummaryView>,
    page: i64,
    prev: Option<String>,
    next: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct PageQuery {
    page: i64,
}

pub(super) async fn tag_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(name): Path<String>,
    Query(q): Query<PageQuery>,
) -> AppResult<Response> {
    let name = pubs::fold_tag_key(&name);
    // Unknown, or used only where this viewer cannot see: the same 404.
    let label = pubs::tag_label(&state.db, ctx.user.as_ref(), &name)
        .await?
        .ok_or(AppError::NotFound)?;
    let page_no = q.page.clamp(0, 10_000);
    let (list, more) = pubs::list_by_tag(&state.db, ctx.user.as_ref(), &name, page_no).await?;
    let base = urls::tag(&name);
    let title = ctx
        .lang
        .ta("tag-title", &[("name", Arg::from(label.clone()))]);
    Ok(page(
        &ctx,
        &TagPage {
            feed: format!("{base}/feed.atom"),
            s: Shell::new(&state, &ctx, &title, "").crumb(title.clone(), base.clone()),
            label,
            items: list.iter().map(|s| summary_view(ctx.lang, s)).collect(),
            page: page_no,
            prev: (page_no > 0).then(|| {
                if page_no == 1 {
                    base.clone()
                } else {
                    format!("{base}?page={}", page_no - 1)
                }
            }),
            next: more.then(|| format!("{base}?page={}", page_no + 1)),
        },
    ))
}
