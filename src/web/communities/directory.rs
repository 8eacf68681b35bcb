//! The directory (`/c`, filtered, "my communities") and the creation
//! form (`/c/new`: a new community, or a request when the instance
//! approves them).

use super::*;
use crate::communities::DirectoryFilter;

// ---- directory ----------------------------------------------------------------------------

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub(super) struct DirectoryQuery {
    q: String,
    theme: String,
    territory: String,
    visibility: String,
    mine: String,
    page: String,
}

pub struct Card {
    pub path: String,
    pub name: String,
    pub description: String,
    pub badges: Vec<(&'static str, String)>,
    pub members: String,
    pub theme: Option<String>,
    pub territory: Option<String>,
    pub mine: Option<String>,
}

#[derive(Template)]
#[template(path = "community_directory.html")]
pub(super) struct DirectoryPage {
    s: Shell,
    q: String,
    mine: bool,
    visibility: String,
    themes: Vec<Choice>,
    regions: Vec<Choice>,
    filtered: bool,
    cards: Vec<Card>,
    page: i64,
    prev: Option<String>,
    next: Option<String>,
    signed_in: bool,
    no_errors: FieldErrors,
}

fn directory_link(q: &DirectoryQuery, page: i64) -> String {
    let mut params: Vec<(&str, String)> = Vec::new();
    for (k, v) in [
        ("q", &q.q),
        ("theme", &q.theme),
        ("territory", &q.territory),
        ("visibility", &q.visibility),
        ("mine", &q.mine),
    ] {
        if !v.is_empty() {
            params.push((k, v.clone()));
        }
    }
    if page > 1 {
        params.push(("page", page.to_string()));
    }
    let qs = serde_urlencoded::to_string(&params).unwrap_or_default();
    if qs.is_empty() {
        "/c".to_string()
    } else {
        format!("/c?{qs}")
    }
}

pub(super) async fn directory(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(raw): Query<DirectoryQuery>,
) -> AppResult<Response> {
    let viewer = ctx.user.as_ref();
    // Keep only filters that mean something, so links stay clean.
    let filter = DirectoryFilter::clean(
        &raw.q,
        &raw.theme,
        &raw.territory,
        &raw.visibility,
        raw.mine == "1",
    );
    let q = DirectoryQuery {
        q: filter.query.clone().unwrap_or_default(),
        theme: filter.theme.clone().unwrap_or_default(),
        territory: filter.territory.clone().unwrap_or_default(),
        visibility: filter
            .visibility
            .map(|v| v.as_str().to_string())
            .unwrap_or_default(),
        mine: if filter.mine {
            "1".into()
        } else {
            String::new()
        },
        page: String::new(),
    };
    let mine = filter.mine;
    if mine && viewer.is_none() {
        return Ok(ctx.redirect(&login_link(&directory_link(&q, 1))));
    }
    let listing =
        communities::directory::list(&state, viewer, &filter, page_number(&raw.page)).await?;
    let page_no = listing.page;
    let more = listing.more;
    let lang = ctx.lang;
    let cards = listing
        .items
        .iter()
        .map(|(c, m)| Card {
            path: c.path(),
            name: c.name.clone(),
            description: excerpt(&c.description, 240),
            badges: badges(lang, c),
            members: lang.ta(
                "community-member-count",
                &[("count", Arg::Num(c.member_count))],
            ),
            theme: theme_label(lang, &c.theme),
            territory: (!c.territory_name.is_empty()).then(|| c.territory_name.clone()),
            mine: m.and_then(|m| match m.state {
                MemberState::Active => Some(lang.t(role_key(m.role))),
                MemberState::Requested => Some(lang.t("community-badge-requested")),
                MemberState::Banned => None,
            }),
        })
        .collect();
    let filtered = !(q.q.is_empty()
        && q.theme.is_empty()
        && q.territory.is_empty()
        && q.visibility.is_empty()
        && !mine);
    let title = if mine {
        ctx.t("community-mine-title")
    } else {
        ctx.t("community-directory-title")
    };
    let mut s = Shell::new(&state, &ctx, &title, "communities").crumb(ctx.t("community-nav"), "/c");
    if mine {
        s = s.crumb(title.clone(), "/c?mine=1");
    }
    let p = DirectoryPage {
        s,
        themes: theme_choices(lang, &q.theme),
        regions: region_choices(&q.territory),
        prev: (page_no > 1).then(|| directory_link(&q, page_no - 1)),
        next: more.then(|| directory_link(&q, page_no + 1)),
        q: q.q.clone(),
        visibility: q.visibility.clone(),
        mine,
        filtered,
        cards,
        page: page_no,
        signed_in: viewer.is_some(),
        no_errors: FieldErrors::default(),
    };
    Ok(page(&ctx, &p))
}

// ---- creation -----------------------------------------------------------------------------

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct NewForm {
    csrf: String,
    name: String,
    slug: String,
    description: String,
    theme: String,
    territory: String,
    visibility: String,
    join_policy: String,
    request_note: String,
}

#[derive(Template)]
#[template(path = "community_new.html")]
pub(super) struct NewPage {
    s: Shell,
    v: NewForm,
    errors: FieldErrors,
    themes: Vec<Choice>,
    regions: Vec<Choice>,
    visibilities: Vec<Choice>,
    join_policies: Vec<Choice>,
    approval: bool,
}

fn new_page(
    state: &AppState,
    ctx: &Ctx,
    v: NewForm,
    errors: FieldErrors,
    approval: bool,
) -> NewPage {
    let title = ctx.t(if approval {
        "community-new-title-approval"
    } else {
        "community-new-title"
    });
    NewPage {
        s: Shell::new(state, ctx, &title, "communities")
            .crumb(ctx.t("community-nav"), "/c")
            .crumb(title.clone(), "/c/new"),
        themes: theme_choices(ctx.lang, &v.theme),
        regions: region_choices(&v.territory),
        visibilities: visibility_choices(ctx.lang, &v.visibility),
        join_policies: join_choices(ctx.lang, &v.join_policy),
        v,
        errors,
        approval,
    }
}

pub(super) async fn new_form(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let user = match ctx.require_login() {
        Ok(u) => u,
        Err(r) => return Ok(r),
    };
    if !policy::can(Some(user), Action::CreateCommunity) {
        return Err(AppError::Forbidden);
    }
    let v = NewForm {
        visibility: "open".into(),
        join_policy: "open".into(),
        ..Default::default()
    };
    let approval = ops::approval_required(&state).await?;
    Ok(page(
        &ctx,
        &new_page(&state, &ctx, v, FieldErrors::default(), approval),
    ))
}

pub(super) async fn new_submit(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Form(f): Form<NewForm>,
) -> AppResult<Response> {
    let user = signed_in!(ctx, "/c/new");
    ctx.verify_csrf(&f.csrf)?;
    let values = ops::NewValues {
        name: f.name.clone(),
        slug: f.slug.clone(),
        description: f.description.replace("\r\n", "\n"),
        theme: f.theme.clone(),
        territory: f.territory.clone(),
        visibility: f.visibility.clone(),
        join_policy: f.join_policy.clone(),
        request_note: f.request_note.replace("\r\n", "\n"),
    };
    match ops::create(&state, &Actor::person(&user), &values).await {
        Ok(c) => {
            ctx.flash(if c.status == CommunityStatus::Pending {
                "flash-community-requested"
            } else {
                "flash-community-created"
            });
            Ok(ctx.redirect(&c.path()))
        }
        Err(AppError::Invalid { fields }) => {
            let errors = field_errors(ctx.lang, &fields);
            let approval = ops::approval_required(&state).await?;
            Ok(invalid(&ctx, &new_page(&state, &ctx, f, errors, approval)))
        }
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directory_links_keep_filters() {
        let q = DirectoryQuery {
            q: "a b".into(),
            theme: "culture".into(),
            mine: "1".into(),
            ..Default::default()
        };
        assert_eq!(
            directory_link(&q, 2),
            "/c?q=a+b&theme=culture&mine=1&page=2"
        );
        assert_eq!(directory_link(&DirectoryQuery::default(), 1), "/c");
    }
}
