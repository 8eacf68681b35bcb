//! The JSON shapes of publications, replies, notifications and listings.

use super::*;

#[derive(Debug, Serialize, ToSchema)]
pub struct PersonRef {
    pub username: String,
    pub display_name: String,
    pub url: String,
}

pub(super) fn person(state: &AppState, a: &Option<pubs::Author>) -> Option<PersonRef> {
    a.as_ref().map(|a| PersonRef {
        username: a.username.clone(),
        display_name: a.shown_name().to_string(),
        url: state.url(&a.path()),
    })
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CommunityRef {
    pub slug: String,
    pub name: String,
    pub url: String,
    /// `visible`, or `hidden` / `removed` (shown to the community's moderators only).
    pub status: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TagOut {
    pub name: String,
    pub label: String,
    pub url: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AttachmentOut {
    pub id: i64,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    /// Download (with this API's bearer token).
    pub url: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PreviewOut {
    pub url: String,
    pub title: String,
    pub description: String,
    pub site_name: String,
    /// A copy kept on this instance, if the page had an image.
    pub image_url: Option<String>,
    /// Why no preview could be made (a message key such as `fetch-timeout`).
    pub error: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PublicationOut {
    pub id: i64,
    /// Its stable public URL (the page).
    pub url: String,
    pub kind: Kind,
    pub title: String,
    /// Markdown source.
    pub body: String,
    /// Sanitised HTML rendering.
    pub body_html: String,
    pub author: Option<PersonRef>,
    pub created_at: String,
    pub updated_at: String,
    pub last_activity_at: String,
    /// Earlier versions are kept (see the history page).
    pub edited: bool,
    pub reply_count: i64,
    pub locked: bool,
    pub accepted_reply_id: Option<i64>,
    pub link_url: Option<String>,
    pub preview: Option<PreviewOut>,
    pub tags: Vec<TagOut>,
    /// The communities it is shared in that the caller may read.
    pub communities: Vec<CommunityRef>,
    pub attachments: Vec<AttachmentOut>,
    pub following: bool,
}

pub(super) fn publication_out(
    state: &AppState,
    viewer: Option<&User>,
    p: &Publication,
    links: &[Shared],
    tags: Vec<pubs::Tag>,
    atts: Vec<pubs::Attachment>,
) -> PublicationOut {
    PublicationOut {
        id: p.id,
        url: state.url(&p.link_for(viewer, links)),
        kind: p.kind,
        title: p.title.clone(),
        body: p.body.clone(),
        body_html: p.body_html.clone(),
        author: person(state, &p.author),
        created_at: rfc3339(p.created_at),
        updated_at: rfc3339(p.updated_at),
        last_activity_at: rfc3339(p.last_activity_at),
        edited: p.revisions > 0,
        reply_count: p.reply_count,
        locked: p.locked,
        accepted_reply_id: p.accepted_reply_id,
        link_url: p.link_url.clone(),
        preview: p.preview.as_ref().map(|pr| PreviewOut {
            url: if pr.final_url.is_empty() {
                pr.url.clone()
            } else {
                pr.final_url.clone()
            },
            title: pr.title.clone(),
            description: pr.description.clone(),
            site_name: pr.site_name.clone(),
            image_url: pr.image_url(p).map(|u| state.url(&u)),
            error: (!pr.error.is_empty()).then(|| pr.error.clone()),
        }),
        tags: tags
            .iter()
            .map(|t| TagOut {
                name: t.name.clone(),
                label: t.label.clone(),
                url: state.url(&t.path()),
            })
            .collect(),
        communities: links
            .iter()
            .filter(|l| l.shown_to(viewer))
            .map(|l| CommunityRef {
                slug: l.community.slug.clone(),
                name: l.community.name.clone(),
                url: state.url(&l.community.path()),
                status: l.status.as_str().to_string(),
            })
            .collect(),
        attachments: atts
            .iter()
            .map(|a| AttachmentOut {
                id: a.id,
                file_name: a.file_name.clone(),
                content_type: a.content_type.clone(),
                size: a.size,
                url: state.url(&format!(
                    "/api/v1/publications/{}/attachments/{}{}",
                    p.id,
                    a.id,
                    p.key_query()
                )),
            })
            .collect(),
        following: p.following,
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PublicationCreate {
    pub kind: Kind,
    /// At most 200 characters; may be empty for a watch item (the page's title is used).
    #[serde(default)]
    #[schema(max_length = 200)]
    pub title: String,
    /// Markdown, at most 100,000 bytes; may be empty for a watch item.
    #[serde(default)]
    pub body: String,
    /// Chosen tags (the body's #hashtags are added).
    #[serde(default)]
    pub tags: Vec<String>,
    /// Slugs of the communities to share it into (at least one, where the caller may post).
    #[schema(min_items = 1)]
    pub communities: Vec<String>,
    /// For a watch item: the link.
    #[serde(default)]
    pub link_url: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PublicationUpdate {
    pub title: Option<String>,
    pub body: Option<String>,
    pub tags: Option<Vec<String>>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ShareRequest {
    /// Slug of the community to add the publication to.
    pub community: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReplyOut {
    pub id: i64,
    pub url: String,
    pub parent_id: Option<i64>,
    /// 0 for a reply to the publication, at most 4 (deeper replies are kept at 4).
    pub depth: i64,
    pub author: Option<PersonRef>,
    /// `visible`, `deleted` (a tombstone: no text) or `moderated` (no text).
    pub status: String,
    pub body: Option<String>,
    pub body_html: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub edited: bool,
    pub accepted: bool,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ReplyCreate {
    /// Markdown, at most 100,000 bytes; not blank.
    #[schema(pattern = "^[^\\u0000]*[^\\s\\u0000][^\\u0000]*$")]
    pub body: String,
    /// The reply this one answers (omit for a reply to the publication).
    #[serde(default)]
    pub parent_id: Option<i64>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct ReplyUpdate {
    /// Markdown, at most 100,000 bytes; not blank.
    #[schema(pattern = "^[^\\u0000]*[^\\s\\u0000][^\\u0000]*$")]
    pub body: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct AcceptRequest {
    /// The accepted reply, or null to clear it.
    pub reply_id: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationOut {
    pub id: i64,
    /// `mention`, `reply`, `followed_reply`, `new_publication`, `event`, or a
    /// community kind (`join_request`…).
    pub kind: String,
    pub actor: Option<PersonRef>,
    pub publication_id: Option<i64>,
    pub reply_id: Option<i64>,
    /// The event a notification of kind `event` announces.
    pub event_id: Option<i64>,
    pub community: Option<String>,
    /// Where it leads.
    pub url: String,
    pub created_at: String,
    pub read_at: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationList {
    pub unread: i64,
    pub items: Vec<NotificationOut>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SummaryOut {
    pub id: i64,
    pub url: String,
    pub kind: String,
    pub title: String,
    pub excerpt: String,
    pub author: Option<String>,
    pub created_at: String,
    pub last_activity_at: String,
    pub reply_count: i64,
    pub tags: Vec<String>,
    pub link_url: Option<String>,
}

/// A summary in a listing; `unlisted` when the listing is an unlisted
/// community's (its readers get each publication's link, with its key).
pub fn summary_out(state: &AppState, s: &PublicationSummary, unlisted: bool) -> SummaryOut {
    SummaryOut {
        id: s.id,
        url: state.url(&s.link(unlisted)),
        kind: s.kind.clone(),
        title: s.title.clone(),
        excerpt: s.excerpt.clone(),
        author: s.author_username.clone(),
        created_at: rfc3339(s.created_at),
        last_activity_at: rfc3339(s.last_activity_at),
        reply_count: s.reply_count,
        tags: s.tags.clone(),
        link_url: s.link_url.clone(),
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TagListing {
    pub name: String,
    pub label: String,
    /// "last_activity_desc": newest activity first.
    pub order: String,
    pub page: i64,
    pub has_more: bool,
    pub items: Vec<SummaryOut>,
}

/// A page of replies: whole threads, never a thread cut in two.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReplyListing {
    /// "thread_oldest_first": top-level replies oldest first, each followed
    /// by all the replies beneath it, oldest first (rebuild the tree with
    /// `parent_id`). No ranking.
    pub order: String,
    /// This page, 1-based.
    pub page: i64,
    /// Number of pages (at least 1).
    pub pages: i64,
    /// Top-level replies (threads) per page.
    pub threads_per_page: i64,
    /// Top-level replies in all.
    pub threads: i64,
    /// The next page to ask for, if any.
    pub next_page: Option<i64>,
    pub items: Vec<ReplyOut>,
}

/// What a community page lists, as the caller may read it.
#[derive(Debug, Serialize, ToSchema)]
pub struct CommunityListing {
    pub community: String,
    /// "pinned_then_last_activity_desc": pinned first, then newest activity.
    pub order: String,
    pub page: i64,
    pub has_more: bool,
    pub items: Vec<CommunityItem>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CommunityItem {
    /// Pinned by the community's animators.
    pub pinned: bool,
    #[serde(flatten)]
    pub publication: SummaryOut,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReplyPageParams {
    /// 1-based page of replies (50 top-level threads per page, each with all
    /// its sub-replies). Defaults to 1.
    #[serde(default)]
    pub page: Option<i64>,
    /// The publication's key, from its link (`url` of a publication read
    /// in an unlisted community): what lets someone who is not a member
    /// read it there.
    #[serde(default)]
    pub k: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct KeyParams {
    /// The publication's key, from its link (`url` of a publication read
    /// in an unlisted community): what lets someone who is not a member
    /// read it there. Without it, such a publication is a 404.
    #[serde(default)]
    pub k: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// 0-based page (20 items per page).
    #[serde(default)]
    pub page: i64,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NotificationParams {
    /// Only unread records.
    #[serde(default)]
    pub unread: bool,
}
