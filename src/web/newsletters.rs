//! Newsletter pages: the lists (`/newsletters`), creating one
//! (`/newsletters/new`), a list's page (subscription, archive, and for its
//! editors the drafts and subscriber counts), an issue (its archive page
//! once sent, the editor's workbench while a draft: items, preview as a
//! page and as the e-mail, test send, send), the double opt-in
//! confirmation and the one-click unsubscribe (RFC 8058). Handlers parse,
//! call `crate::newsletter::ops`, render.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

use super::AppState;
use super::ctx::Ctx;
use super::templates::{FieldErrors, Shell, invalid, page};
use crate::actor::Actor;
use crate::error::{AppError, AppResult};
use crate::i18n::{Arg, Lang};
use crate::newsletter::{self, Access, compose, ops};
use crate::web::ctx::CsrfForm;

mod issue_edit;
mod subscribers;
use issue_edit::*;
use subscribers::*;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/newsletters", get(index))
        .route("/newsletters/new", get(new_form).post(new_submit))
        .route(
            "/newsletters/confirm/{token}",
            get(confirm_form).post(confirm_submit),
        )
        .route(
            "/newsletters/unsubscribe/{token}",
            get(unsubscribe_form).post(unsubscribe_submit),
        )
        .route("/newsletters/{slug}", get(show))
        .route("/newsletters/{slug}/feed.atom", get(archive_feed))
        .route(
            "/newsletters/{slug}/settings",
            get(settings_form).post(settings_submit_list),
        )
        .route("/newsletters/{slug}/subscribe", post(subscribe))
        .route("/newsletters/{slug}/member", post(member))
        .route("/newsletters/{slug}/editors", post(editors))
        .route("/newsletters/{slug}/issues", post(new_issue))
        .route("/newsletters/{slug}/issues/{id}", get(issue_page))
        .route("/newsletters/{slug}/issues/{id}/email", get(issue_email))
        .route("/newsletters/{slug}/issues/{id}/items", post(add_item))
        .route("/newsletters/{slug}/issues/{id}/test", post(test_send))
        .route("/newsletters/{slug}/issues/{id}/send", post(send))
        .route(
            "/newsletters/{slug}/issues/{id}/items/{item}",
            post(edit_item),
        )
        .route(
            "/newsletters/{slug}/issues/{id}/items/{item}/remove",
            post(remove_item),
        )
        .route("/newsletters/{slug}/issues/{id}/schedule", post(schedule))
        .route(
            "/newsletters/{slug}/issues/{id}/unschedule",
            post(unschedule),
        )
        .route("/newsletters/{slug}/issues/{id}/go/{item}", get(click))
        .route(
            "/newsletters/{slug}/import",
            get(import_form).post(import_submit),
        )
        .route("/newsletters/{slug}/propose", post(propose))
        .route(
            "/settings/newsletters",
            get(settings_page).post(settings_submit),
        )
}

fn errors_of(lang: Lang, fields: &[(String, String)]) -> FieldErrors {
    let mut e = FieldErrors::default();
    for (f, k) in fields {
        e.add(lang, f, k);
    }
    e
}

/// The name, page and label key of what a list belongs to (none: the
/// instance).
fn owner_of(a: &Access) -> Option<(String, String, &'static str)> {
    match (&a.community, &a.place) {
        (Some(l), _) => Some((
            l.c.name.clone(),
            crate::urls::community(&l.c.slug),
            "newsletter-of-community",
        )),
        (None, Some(p)) => Some((
            p.name().to_string(),
            p.path().to_string(),
            match p {
                newsletter::Place::Territory { .. } => "newsletter-of-territory",
                newsletter::Place::Organisation { .. } => "newsletter-of-organisation",
            },
        )),
        (None, None) => None,
    }
}

fn actor(ctx: &Ctx) -> AppResult<Actor> {
    Ok(Actor::person(ctx.user()?))
}

/// The wording a person agrees to by ticking the box (recorded as is).
fn consent_wording(lang: Lang, list: &newsletter::List) -> String {
    lang.ta(
        "newsletter-consent-label",
        &[("name", Arg::Str(list.name.clone()))],
    )
}

// ---- index, new list ------------------------------------------------------------------------

pub struct ListRow {
    pub path: String,
    pub name: String,
    pub description: String,
    pub rhythm: String,
    pub community: String,
}

#[derive(Template)]
#[template(path = "newsletter_index.html")]
struct IndexPage {
    s: Shell,
    rows: Vec<ListRow>,
    may_create: bool,
}

async fn index(State(state): State<AppState>, ctx: Ctx) -> AppResult<Response> {
    let viewer = ctx.user.as_ref();
    let mut rows = Vec::new();
    for list in newsletter::all(&state.db).await? {
        let a = match newsletter::access(&state, viewer, list).await {
            Ok(a) => a,
            Err(AppError::NotFound) => continue,
            Err(e) => return Err(e),
        };
        rows.push(ListRow {
            path: a.list.path(),
            name: a.list.name.clone(),
            description: a.list.description.clone(),
            rhythm: a.list.rhythm.clone(),
            community: owner_of(&a).map(|(n, _, _)| n).unwrap_or_default(),
        });
    }
    let title = ctx.t("newsletter-index-title");
    let p = IndexPage {
        s: Shell::new(&state, &ctx, &title, "newsletters").crumb(title.clone(), "/newsletters"),
        rows,
        may_create: viewer.is_some(),
    };
    Ok(page(&ctx, &p))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct NewQuery {
    community: String,
    territory: String,
    organisation: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct ListForm {
    csrf: String,
    community: String,
    territory: String,
    organisation: String,
    name: String,
    slug: String,
    description: String,
    rhythm: String,
    categories: String,
    time_zone: String,
}

impl ListForm {
    fn values(&self) -> ops::ListValues {
        ops::ListValues {
            name: self.name.clone(),
            slug: self.slug.clone(),
            description: self.description.clone(),
            rhythm: self.rhythm.clone(),
            categories: self.categories.clone(),
            time_zone: self.time_zone.clone(),
        }
    }
}

#[derive(Template)]
#[template(path = "newsletter_form.html")]
struct NewPage {
    s: Shell,
    errors: FieldErrors,
    v: ListForm,
    /// The zones offered (`events::time::ZONES`).
    zones: &'static [&'static str],
    /// Editing the list at this address (else creating one).
    editing: Option<String>,
}

async fn new_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<NewQuery>,
) -> AppResult<Response> {
    if let Err(r) = ctx.require_login() {
        return Ok(r);
    }
    let title = ctx.t("newsletter-new-title");
    let p = NewPage {
        s: Shell::new(&state, &ctx, &title, "newsletters")
            .crumb(ctx.t("newsletter-index-title"), "/newsletters")
            .crumb(title.clone(), "/newsletters/new"),
        errors: FieldErrors::default(),
        v: ListForm {
            community: q.community,
            territory: q.territory,
            organisation: q.organisation,
            time_zone: crate::events::time::DEFAULT_TZ.to_string(),
            ..Default::default()
        },
        zones: crate::events::time::ZONES,
        editing: None,
    };
    Ok(page(&ctx, &p))
}

async fn new_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Form(f): Form<ListForm>,
) -> AppResult<Response> {
    ctx.verify_csrf(&f.csrf)?;
    let actor = actor(&ctx)?;
    let (community, territory, organisation) = (
        f.community.trim(),
        f.territory.trim(),
        f.organisation.trim(),
    );
    let owner = if !territory.is_empty() {
        ops::Owner::Territory(territory)
    } else if !organisation.is_empty() {
        ops::Owner::Organisation(organisation)
    } else if !community.is_empty() {
        ops::Owner::Community(community)
    } else {
        ops::Owner::Instance
    };
    match ops::create_list(&state, &actor, owner, &f.values()).await {
        Ok(list) => Ok(ctx.redirect(&list.path())),
        Err(AppError::Invalid { fields }) => {
            let title = ctx.t("newsletter-new-title");
            let p = NewPage {
                s: Shell::new(&state, &ctx, &title, "newsletters")
                    .crumb(ctx.t("newsletter-index-title"), "/newsletters")
                    .crumb(title.clone(), "/newsletters/new"),
                errors: errors_of(ctx.lang, &fields),
                v: f,
                zones: crate::events::time::ZONES,
                editing: None,
            };
            Ok(invalid(&ctx, &p))
        }
        Err(e) => Err(e),
    }
}

async fn settings_page_of(
    state: &AppState,
    ctx: &Ctx,
    a: &Access,
    v: ListForm,
    errors: FieldErrors,
) -> NewPage {
    let title = ctx.t("newsletter-list-settings-title");
    let action = format!("{}/settings", a.list.path());
    NewPage {
        s: Shell::new(state, ctx, &title, "newsletters")
            .crumb(ctx.t("newsletter-index-title"), "/newsletters")
            .crumb(a.list.name.clone(), a.list.path())
            .crumb(title.clone(), action.clone()),
        errors,
        v,
        zones: crate::events::time::ZONES,
        editing: Some(action),
    }
}

/// A list's settings (name, description, rhythm, categories, time zone):
/// its editors.
async fn settings_form(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    let a = newsletter::load(&state, ctx.user.as_ref(), &slug).await?;
    if !a.edit {
        return Err(AppError::Forbidden);
    }
    let v = ListForm {
        name: a.list.name.clone(),
        slug: a.list.slug.clone(),
        description: a.list.description.clone(),
        rhythm: a.list.rhythm.clone(),
        categories: a.list.categories.join("\n"),
        time_zone: a.list.time_zone.clone(),
        ..Default::default()
    };
    let p = settings_page_of(&state, &ctx, &a, v, FieldErrors::default()).await;
    Ok(page(&ctx, &p))
}

async fn settings_submit_list(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Path(slug): Path<String>,
    Form(f): Form<ListForm>,
) -> AppResult<Response> {
    ctx.verify_csrf(&f.csrf)?;
    let actor = actor(&ctx)?;
    let a = newsletter::load(&state, ctx.user.as_ref(), &slug).await?;
    match ops::update_list(&state, &actor, &a, &f.values()).await {
        Ok(()) => {
            ctx.flash("flash-newsletter-settings-saved");
            Ok(ctx.redirect(&a.list.path()))
        }
        Err(AppError::Invalid { fields }) => {
            let errors = errors_of(ctx.lang, &fields);
            let p = settings_page_of(&state, &ctx, &a, f, errors).await;
            Ok(invalid(&ctx, &p))
        }
        Err(e) => Err(e),
    }
}

// ---- a list ----------------------------------------------------------------------------------

pub struct IssueRow {
    pub path: String,
    pub subject: String,
    pub date: i64,
    pub draft: bool,
}

#[derive(Template)]
#[template(path = "newsletter_show.html")]
struct ShowPage {
    s: Shell,
    name: String,
    description: String,
    rhythm: String,
    categories: Vec<String>,
    /// (name, address, label key) of the community, territory or
    /// organisation.
    community: Option<(String, String, &'static str)>,
    /// The list's time zone (schedule form).
    time_zone: String,
    /// May change the list's settings.
    manages: bool,
    path: String,
    signed_in: bool,
    public_audience: bool,
    subscribed: bool,
    consent: String,
    email: String,
    errors: FieldErrors,
    issues: Vec<IssueRow>,
    edit: bool,
    counts: (i64, i64, i64),
    subject: String,
    intro: String,
    reference: String,
    note: String,
    click_count: bool,
}

struct Typed {
    email: String,
    subject: String,
    intro: String,
    reference: String,
    note: String,
    errors: FieldErrors,
}

async fn show_page(state: &AppState, ctx: &Ctx, a: &Access, typed: Typed) -> AppResult<ShowPage> {
    let viewer = ctx.user.as_ref();
    let subscribed = match viewer {
        Some(u) => ops::member_subscribed(state, &a.list, u).await?.is_some(),
        None => false,
    };
    let issues = newsletter::compose::issues(&state.db, a.list.id, a.edit)
        .await?
        .into_iter()
        .map(|i| IssueRow {
            path: crate::urls::newsletter_issue(&a.list.slug, i.id),
            subject: i.subject,
            date: i.sent_at.unwrap_or(i.created_at),
            draft: i.sent_at.is_none(),
        })
        .collect();
    let counts = if a.edit {
        ops::subscriber_counts(state, &a.list).await?
    } else {
        (0, 0, 0)
    };
    let mut s = Shell::new(state, ctx, &a.list.name, "newsletters")
        .crumb(ctx.t("newsletter-index-title"), "/newsletters");
    s = s.crumb(a.list.name.clone(), a.list.path());
    Ok(ShowPage {
        s,
        name: a.list.name.clone(),
        description: a.list.description.clone(),
        rhythm: a.list.rhythm.clone(),
        categories: a.list.categories.clone(),
        community: owner_of(a),
        time_zone: a.list.time_zone.clone(),
        manages: a.edit,
        path: a.list.path(),
        signed_in: viewer.is_some(),
        public_audience: a.public_audience(),
        subscribed,
        consent: consent_wording(ctx.lang, &a.list),
        email: typed.email,
        errors: typed.errors,
        issues,
        edit: a.edit,
        counts,
        subject: typed.subject,
        intro: typed.intro,
        reference: typed.reference,
        note: typed.note,
        click_count: state.config.newsletter_click_count,
    })
}

fn no_typing() -> Typed {
    Typed {
        email: String::new(),
        subject: String::new(),
        intro: String::new(),
        reference: String::new(),
        note: String::new(),
        errors: FieldErrors::default(),
    }
}

async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    let a = newsletter::load(&state, ctx.user.as_ref(), &slug).await?;
    let p = show_page(&state, &ctx, &a, no_typing()).await?;
    Ok(page(&ctx, &p))
}

/// The archive's Atom feed: sent issues only; a private community's list
/// answers 404 to outsiders, like its page, and is never cached publicly.
async fn archive_feed(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
) -> AppResult<Response> {
    let a = newsletter::load(&state, ctx.user.as_ref(), &slug).await?;
    let sent = compose::issues(&state.db, a.list.id, false).await?;
    let mut res = compose::archive_atom(&state, &a.list, &sent).into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/atom+xml; charset=utf-8"),
    );
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(if a.public_audience() {
            "public, max-age=300"
        } else {
            "private, no-store"
        }),
    );
    Ok(ctx.finish(res))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct SubscribeForm {
    csrf: String,
    email: String,
    consent: String,
}

async fn subscribe(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Path(slug): Path<String>,
    Form(f): Form<SubscribeForm>,
) -> AppResult<Response> {
    ctx.verify_csrf(&f.csrf)?;
    let a = newsletter::load(&state, ctx.user.as_ref(), &slug).await?;
    let wording = consent_wording(ctx.lang, &a.list);
    match ops::subscribe_email(
        &state,
        &a,
        &f.email,
        !f.consent.is_empty(),
        &wording,
        ctx.lang,
    )
    .await
    {
        Ok(()) => {
            ctx.flash("flash-newsletter-check-inbox");
            Ok(ctx.redirect(&a.list.path()))
        }
        Err(AppError::Invalid { fields }) => {
            let typed = Typed {
                email: f.email.clone(),
                errors: errors_of(ctx.lang, &fields),
                ..no_typing()
            };
            let p = show_page(&state, &ctx, &a, typed).await?;
            Ok(invalid(&ctx, &p))
        }
        Err(e) => Err(e),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct MemberForm {
    csrf: String,
    action: String,
}

async fn member(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Path(slug): Path<String>,
    Form(f): Form<MemberForm>,
) -> AppResult<Response> {
    ctx.verify_csrf(&f.csrf)?;
    let actor = actor(&ctx)?;
    let a = newsletter::load(&state, ctx.user.as_ref(), &slug).await?;
    if f.action == "unsubscribe" {
        if let Some(u) = ctx.user.as_ref()
            && let Some(sid) = ops::member_subscribed(&state, &a.list, u).await?
        {
            ops::unsubscribe(&state, &a.list.unsubscribe_token(sid)).await?;
        }
        ctx.flash("flash-newsletter-unsubscribed");
    } else {
        let wording = ctx.t("newsletter-member-subscribe");
        ops::subscribe_member(&state, &actor, &a, &wording).await?;
        ctx.flash("flash-newsletter-subscribed");
    }
    Ok(ctx.redirect(&a.list.path()))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct EditorForm {
    csrf: String,
    username: String,
}

async fn editors(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Path(slug): Path<String>,
    Form(f): Form<EditorForm>,
) -> AppResult<Response> {
    ctx.verify_csrf(&f.csrf)?;
    let actor = actor(&ctx)?;
    let a = newsletter::load(&state, ctx.user.as_ref(), &slug).await?;
    match ops::add_editor(&state, &actor, &a, &f.username).await {
        Ok(()) => {
            ctx.flash("flash-newsletter-editor-added");
            Ok(ctx.redirect(&a.list.path()))
        }
        Err(AppError::Invalid { .. }) => Err(AppError::NotFound),
        Err(e) => Err(e),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct IssueForm {
    csrf: String,
    subject: String,
    intro: String,
}

async fn new_issue(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(slug): Path<String>,
    Form(f): Form<IssueForm>,
) -> AppResult<Response> {
    ctx.verify_csrf(&f.csrf)?;
    let actor = actor(&ctx)?;
    let a = newsletter::load(&state, ctx.user.as_ref(), &slug).await?;
    match ops::create_issue(&state, &actor, &a, &f.subject, &f.intro).await {
        Ok(id) => Ok(ctx.redirect(&crate::urls::newsletter_issue(&a.list.slug, id))),
        Err(AppError::Invalid { fields }) => {
            let typed = Typed {
                subject: f.subject.clone(),
                intro: f.intro.clone(),
                errors: errors_of(ctx.lang, &fields),
                ..no_typing()
            };
            let p = show_page(&state, &ctx, &a, typed).await?;
            Ok(invalid(&ctx, &p))
        }
        Err(e) => Err(e),
    }
}

// ---- an issue --------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "newsletter_issue.html")]
struct IssuePage {
    s: Shell,
    list_name: String,
    list_path: String,
    action: String,
    subject: String,
    intro: Vec<String>,
    sent_at: Option<i64>,
    recipients: i64,
    groups: Vec<(String, Vec<compose::Item>)>,
    draft: bool,
    edit: bool,
    categories: Vec<String>,
    errors: FieldErrors,
    v: ItemForm,
    /// The delivery report (editors, once sent).
    report: Option<newsletter::sender::Report>,
    /// "Suggested since the last issue" (drafts, editors).
    suggestions: Vec<SuggestionRow>,
    /// The editor's search and what it found.
    q: String,
    found: Vec<SuggestionRow>,
    searched: bool,
    /// Scheduled for (wall time in the list's zone), and the form's value.
    scheduled: Option<String>,
    /// The list's time zone, named in the schedule form.
    time_zone: String,
    schedule_value: String,
    /// Why a scheduled send did not start, translated, or empty.
    schedule_error: String,
    /// The instance counts clicks (aggregate): shown with the items.
    click_count: bool,
}

pub struct SuggestionRow {
    /// The value the "add" form sends (`p:12`, `e:3`, `r:7`).
    pub id: String,
    pub title: String,
    pub path: String,
    pub date: i64,
    pub reason: String,
}

fn reason_text(lang: Lang, r: &newsletter::suggest::Reason) -> String {
    use newsletter::suggest::Reason;
    match r {
        Reason::Proposed { by, note } => {
            let who = lang.ta(
                "newsletter-suggest-proposed",
                &[("name", Arg::Str(by.clone()))],
            );
            if note.is_empty() {
                who
            } else {
                format!("{who} : « {note} »")
            }
        }
        Reason::Pinned => lang.t("newsletter-suggest-pinned"),
        Reason::Watch => lang.t("newsletter-suggest-watch"),
        Reason::Replies(n) => lang.ta("newsletter-suggest-replies", &[("count", Arg::Num(*n))]),
        Reason::Upcoming => lang.t("newsletter-suggest-upcoming"),
        Reason::NewResource => lang.t("newsletter-suggest-resource"),
    }
}

/// The issue if the viewer may see it: a sent issue to whoever reads the
/// list, a draft to its editors only.
async fn load_issue(
    state: &AppState,
    ctx: &Ctx,
    slug: &str,
    id: i64,
) -> AppResult<(Access, compose::Issue)> {
    let a = newsletter::load(state, ctx.user.as_ref(), slug).await?;
    let is = compose::issue(&state.db, a.list.id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if is.sent_at.is_none() && !a.edit {
        return Err(AppError::NotFound);
    }
    Ok((a, is))
}

async fn issue_view(
    state: &AppState,
    ctx: &Ctx,
    a: &Access,
    is: compose::Issue,
    errors: FieldErrors,
    v: ItemForm,
    q: &str,
) -> AppResult<IssuePage> {
    let its = compose::items(&state.db, is.id).await?;
    let workbench = a.edit && is.sent_at.is_none();
    let viewer = ctx.user.as_ref();
    let suggestions = if workbench {
        use newsletter::items::ItemRef;
        let picked: Vec<ItemRef> = its
            .iter()
            .filter_map(|i| match i.kind.as_str() {
                "event" => i.event_id.map(ItemRef::Event),
                "resource" => i.resource_id.map(ItemRef::Resource),
                _ => i.publication_id.map(ItemRef::Publication),
            })
            .collect();
        newsletter::suggest::suggestions(state, viewer, a, &picked)
            .await?
            .into_iter()
            .map(|x| SuggestionRow {
                id: x.reference,
                title: x.title,
                path: x.path,
                date: x.created_at,
                reason: reason_text(ctx.lang, &x.reason),
            })
            .collect()
    } else {
        Vec::new()
    };
    let q = q.trim().chars().take(200).collect::<String>();
    let mut found = Vec::new();
    if workbench && !q.is_empty() {
        let req = crate::search::Request {
            q: q.clone(),
            community: a.community.as_ref().map(|l| l.c.id),
            ..Default::default()
        };
        let results = crate::search::search(&state.db, viewer, &req).await?;
        use newsletter::items::ItemRef;
        for h in results.hits {
            let r = match h.kind.as_str() {
                "event" => ItemRef::Event(h.id),
                "resource" => ItemRef::Resource(h.id),
                _ => match h.publication_id {
                    Some(pid) => ItemRef::Publication(pid),
                    None => continue,
                },
            };
            if found.iter().any(|f: &SuggestionRow| f.id == r.value()) {
                continue;
            }
            let path = match r {
                ItemRef::Publication(id) => crate::urls::publication(id),
                ItemRef::Event(id) => crate::urls::event(id),
                ItemRef::Resource(id) => crate::urls::resource(id),
            };
            found.push(SuggestionRow {
                id: r.value(),
                title: h.title,
                path,
                date: h.created_at,
                reason: crate::search::kind_label(ctx.lang, &h.kind),
            });
        }
    }
    let groups = compose::grouped(&a.list, &its)
        .into_iter()
        .map(|(c, v)| (c, v.into_iter().cloned().collect()))
        .collect();
    let path = crate::urls::newsletter_issue(&a.list.slug, is.id);
    let report = match (a.edit, is.sent_at) {
        (true, Some(at)) => Some(newsletter::sender::report(&state.db, is.id, Some(at)).await?),
        _ => None,
    };
    let tz = a.list.zone();
    let scheduled = is
        .scheduled_at
        .filter(|_| is.status == "scheduled")
        .map(|at| {
            crate::events::time::local_of(tz, at)
                .format("%Y-%m-%d %H:%M")
                .to_string()
        });
    let schedule_value = is
        .scheduled_at
        .map(|at| crate::events::time::format_local(crate::events::time::local_of(tz, at), false))
        .unwrap_or_default();
    let schedule_error = if is.schedule_error.is_empty() || !a.edit {
        String::new()
    } else {
        ctx.t(&is.schedule_error)
    };
    Ok(IssuePage {
        time_zone: a.list.time_zone.clone(),
        scheduled,
        schedule_value,
        schedule_error,
        click_count: state.config.newsletter_click_count,
        report,
        suggestions,
        searched: !q.is_empty(),
        q,
        found,
        s: Shell::new(state, ctx, &is.subject, "newsletters")
            .crumb(ctx.t("newsletter-index-title"), "/newsletters")
            .crumb(a.list.name.clone(), a.list.path())
            .crumb(is.subject.clone(), path.clone()),
        list_name: a.list.name.clone(),
        list_path: a.list.path(),
        action: path,
        subject: is.subject.clone(),
        intro: is
            .intro
            .split("\n\n")
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(String::from)
            .collect(),
        sent_at: is.sent_at,
        recipients: is.recipients,
        groups,
        draft: is.sent_at.is_none(),
        edit: a.edit,
        categories: a.list.categories.clone(),
        errors,
        v,
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct IssueQuery {
    q: String,
}

async fn issue_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((slug, id)): Path<(String, i64)>,
    Query(query): Query<IssueQuery>,
) -> AppResult<Response> {
    let (a, is) = load_issue(&state, &ctx, &slug, id).await?;
    let p = issue_view(
        &state,
        &ctx,
        &a,
        is,
        FieldErrors::default(),
        ItemForm::default(),
        &query.q,
    )
    .await?;
    Ok(page(&ctx, &p))
}

/// The issue as the e-mail's HTML part (the preview; no unsubscribe link).
async fn issue_email(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((slug, id)): Path<(String, i64)>,
) -> AppResult<Response> {
    let (a, is) = load_issue(&state, &ctx, &slug, id).await?;
    let its = compose::items(&state.db, is.id).await?;
    let r = compose::render(
        &compose::Site::of(&state),
        ctx.lang,
        &a.list,
        &is,
        &its,
        None,
    );
    let mut res = (StatusCode::OK, r.html).into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    Ok(ctx.finish(res))
}

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
struct ItemForm {
    csrf: String,
    reference: String,
    category: String,
    title: String,
    blurb: String,
    editorial: String,
}

async fn add_item(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((slug, id)): Path<(String, i64)>,
    Form(f): Form<ItemForm>,
) -> AppResult<Response> {
    ctx.verify_csrf(&f.csrf)?;
    let actor = actor(&ctx)?;
    let (a, is) = load_issue(&state, &ctx, &slug, id).await?;
    let text = ops::ItemText {
        category: f.category.clone(),
        title: f.title.clone(),
        blurb: f.blurb.clone(),
        editorial: f.editorial.clone(),
    };
    match ops::add_item(&state, &actor, &a, id, &f.reference, &text).await {
        Ok(()) => Ok(ctx.redirect(&crate::urls::newsletter_issue(&a.list.slug, id))),
        Err(AppError::Invalid { fields }) => {
            let errors = errors_of(ctx.lang, &fields);
            let p = issue_view(&state, &ctx, &a, is, errors, f, "").await?;
            Ok(invalid(&ctx, &p))
        }
        Err(e) => Err(e),
    }
}

async fn test_send(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Path((slug, id)): Path<(String, i64)>,
    Form(f): Form<CsrfForm>,
) -> AppResult<Response> {
    ctx.verify_csrf(&f.csrf)?;
    let actor = actor(&ctx)?;
    let (a, _) = load_issue(&state, &ctx, &slug, id).await?;
    ops::test_send(&state, &actor, &a, id).await?;
    ctx.flash("flash-newsletter-test-sent");
    Ok(ctx.redirect(&crate::urls::newsletter_issue(&a.list.slug, id)))
}

async fn send(
    State(state): State<AppState>,
    mut ctx: Ctx,
    Path((slug, id)): Path<(String, i64)>,
    Form(f): Form<CsrfForm>,
) -> AppResult<Response> {
    ctx.verify_csrf(&f.csrf)?;
    let actor = actor(&ctx)?;
    let (a, _) = load_issue(&state, &ctx, &slug, id).await?;
    ops::send(&state, &actor, &a, id).await?;
    ctx.flash("flash-newsletter-sent");
    Ok(ctx.redirect(&crate::urls::newsletter_issue(&a.list.slug, id)))
}
