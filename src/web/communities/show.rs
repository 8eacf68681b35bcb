//! The community page (`/c/{slug}`: its feed, or the card of a private
//! community seen from outside, the welcome shown once to newcomers) and
//! its about page.

use super::*;
use crate::publications;

// ---- the community page ---------------------------------------------------------------------

pub struct FeedItem {
    pub path: String,
    pub title: String,
    pub kind: String,
    pub excerpt: String,
    pub author: Option<(String, String)>,
    pub activity: i64,
    pub replies: String,
    pub pinned: bool,
    pub tags: Vec<(String, String)>,
    pub site_name: Option<String>,
    /// "External source: …" for an item from a news feed.
    pub source: Option<String>,
}

/// What the viewer can do about their membership, shown in the header.
pub struct ViewerAction {
    /// anon_join | anon_request | join | request | pending | member | banned | invitation | archived | none
    pub kind: &'static str,
    /// Empty for a plain member; the role otherwise ("Animation"…).
    pub role: String,
    pub login: String,
    /// What leaving means for coming back (said before confirming).
    pub leave_note: String,
}

#[derive(Template)]
#[template(path = "community_show.html")]
pub(super) struct ShowPage {
    s: Shell,
    head: Head,
    slug: String,
    /// False: the viewer sees only the card of a private community (no
    /// feed, members, charter or welcome), with `description` whole.
    reader: bool,
    description: Vec<String>,
    action: ViewerAction,
    welcome: Option<(String, String)>,
    can_post: bool,
    feed: Vec<FeedItem>,
    /// The community's next event dates (first page only).
    events: Vec<crate::web::events::Row>,
    prev: Option<String>,
    next: Option<String>,
    page: i64,
    message: String,
    errors: FieldErrors,
    /// Tools connected to the community, for its members only
    /// (`policy::Action::SeeCommunityTools`).
    tools: Vec<crate::oidc::clients::Client>,
}

fn viewer_action(ctx: &Ctx, l: &Loaded) -> ViewerAction {
    let viewer = ctx.user.as_ref();
    let c = &l.c;
    let kind = match (viewer, l.m) {
        (None, _) => match (c.status, c.join_policy) {
            (CommunityStatus::Archived, _) => "archived",
            (CommunityStatus::Active, JoinPolicy::Open) if c.visibility != Visibility::Private => {
                "anon_join"
            }
            (CommunityStatus::Active, JoinPolicy::Request) => "anon_request",
            (CommunityStatus::Active, _) => "invitation",
            _ => "none",
        },
        (Some(_), Some(m)) => match m.state {
            MemberState::Active => "member",
            MemberState::Requested => "pending",
            MemberState::Banned => "banned",
        },
        (Some(_), None) => {
            if l.join(viewer) {
                "join"
            } else if l.request(viewer) {
                "request"
            } else if c.status == CommunityStatus::Archived {
                "archived"
            } else if c.status == CommunityStatus::Active && c.join_policy == JoinPolicy::Invitation
            {
                "invitation"
            } else {
                "none"
            }
        }
    };
    ViewerAction {
        kind,
        role: l
            .role()
            .filter(|r| *r != crate::policy::Role::Member)
            .map(|r| ctx.t(role_key(r)))
            .unwrap_or_default(),
        login: login_link(&c.path()),
        leave_note: ctx.t(match c.join_policy {
            JoinPolicy::Open => "community-leave-note-open",
            JoinPolicy::Invitation => "community-leave-note-invitation",
            _ => "community-leave-note-request",
        }),
    }
}

#[allow(clippy::too_many_arguments)]
pub(super) async fn render_show(
    state: &AppState,
    ctx: &Ctx,
    l: &Loaded,
    welcome: Option<(String, String)>,
    page_no: i64,
    message: String,
    errors: FieldErrors,
    status: StatusCode,
) -> AppResult<Response> {
    let viewer = ctx.user.as_ref();
    let lang = ctx.lang;
    let base = l.c.path();
    if !l.view(viewer) {
        // The card of a private community: what it is and how to get in.
        let mut head = head(state, ctx, l, &base).await?;
        head.description = String::new();
        let p = ShowPage {
            s: shell(state, ctx, &l.c, None),
            slug: l.c.slug.clone(),
            head,
            reader: false,
            description: paragraphs(&l.c.description),
            action: viewer_action(ctx, l),
            welcome: None,
            can_post: false,
            feed: Vec::new(),
            events: Vec::new(),
            prev: None,
            next: None,
            page: 1,
            message,
            errors,
            tools: Vec::new(),
        };
        return Ok(ctx.finish((status, html(&p))));
    }
    let (items, more) =
        publications::list_in_community(&state.db, viewer, &l.c, page_no - 1).await?;
    let feed = items
        .into_iter()
        .map(|p| {
            let tags: Vec<(String, String)> = p
                .tag_links()
                .into_iter()
                .map(|(label, href)| (label.to_string(), href))
                .collect();
            FeedItem {
                // In an unlisted community, its readers get each publication's link.
                path: p.link(l.c.visibility == crate::policy::Visibility::Unlisted),
                kind: lang
                    .try_t(&format!("community-kind-{}", p.kind))
                    .unwrap_or_else(|| p.kind.clone()),
                title: p.title,
                excerpt: p.excerpt,
                author: p.author_username.map(|u| {
                    let name = p
                        .author_name
                        .filter(|n| !n.trim().is_empty())
                        .unwrap_or_else(|| u.clone());
                    (name, urls::user(&u))
                }),
                activity: p.last_activity_at,
                replies: lang.ta(
                    "community-reply-count",
                    &[("count", Arg::Num(p.reply_count))],
                ),
                pinned: p.pinned,
                tags,
                site_name: p.site_name.filter(|_| p.source_name.is_none()),
                source: p
                    .source_name
                    .map(|n| lang.ta("news-source", &[("name", Arg::Str(n))])),
            }
        })
        .collect();
    let events = if page_no == 1 {
        let f = crate::events::listing::Filter {
            community_id: Some(l.c.id),
            ..Default::default()
        };
        crate::web::events::upcoming(state, viewer, lang, &f, 3).await?
    } else {
        Vec::new()
    };
    let p = ShowPage {
        s: shell(state, ctx, &l.c, None),
        slug: l.c.slug.clone(),
        head: head(state, ctx, l, &base).await?,
        events,
        reader: true,
        description: Vec::new(),
        action: viewer_action(ctx, l),
        welcome,
        can_post: l.post(viewer),
        feed,
        prev: (page_no > 1).then(|| {
            if page_no == 2 {
                base.clone()
            } else {
                format!("{base}?page={}", page_no - 1)
            }
        }),
        next: more.then(|| format!("{base}?page={}", page_no + 1)),
        page: page_no,
        message,
        errors,
        tools: crate::web::oidc_admin::community_tools(state, viewer, &l.facts, l.m).await?,
    };
    Ok(ctx.finish((status, html(&p))))
}

fn markdown(text: &str) -> String {
    if text.trim().is_empty() {
        String::new()
    } else {
        crate::markdown::render(text).html
    }
}

pub(super) async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
    Query(q): Query<PageQuery>,
) -> AppResult<Response> {
    let viewer = ctx.user.as_ref();
    let c = communities::by_slug(&state.db, &slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let mw = communities::membership_welcomed(&state.db, c.id, viewer).await?;
    let l = Loaded::new(c, mw.map(|(m, _)| m));
    // Outsiders of a private community see its card (render_show);
    // nothing at all when not even that is theirs to see.
    if !l.card(viewer) {
        return Err(AppError::NotFound);
    }
    // A newcomer sees the welcome message and the charter once.
    let mut welcome = None;
    if let (Some(u), Some((m, false))) = (viewer, mw)
        && m.state == MemberState::Active
        && communities::mark_welcomed(&state.db, l.c.id, u.id).await?
        && !(l.c.welcome.trim().is_empty() && l.c.charter.trim().is_empty())
    {
        welcome = Some((markdown(&l.c.welcome), markdown(&l.c.charter)));
    }
    render_show(
        &state,
        &ctx,
        &l,
        welcome,
        page_number(&q.page),
        String::new(),
        FieldErrors::default(),
        StatusCode::OK,
    )
    .await
}

#[derive(Template)]
#[template(path = "community_about.html")]
pub(super) struct AboutPage {
    s: Shell,
    head: Head,
    description: Vec<String>,
    charter: String,
    welcome: String,
    created_at: i64,
    team: Vec<PersonRow>,
}

pub(super) async fn about(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    let viewer = ctx.user.as_ref();
    let l = load(&state, viewer, &slug).await?;
    let href = format!("{}/about", l.c.path());
    // The team: up to 50 members with a role, highest first.
    let (first, _) = communities::members::page(&state.db, l.c.id, MemberState::Active, 0).await?;
    let team = first
        .iter()
        .filter(|m| m.role > Role::Member)
        .map(|m| person_row(ctx.lang, m))
        .collect();
    let is_member = l.role().is_some() || l.manage(viewer);
    let p = AboutPage {
        s: shell(
            &state,
            &ctx,
            &l.c,
            Some(("community-tab-about", href.clone())),
        ),
        head: head(&state, &ctx, &l, &href).await?,
        description: paragraphs(&l.c.description),
        charter: markdown(&l.c.charter),
        welcome: if is_member {
            markdown(&l.c.welcome)
        } else {
            String::new()
        },
        created_at: l.c.created_at,
        team,
    };
    Ok(page(&ctx, &p))
}
