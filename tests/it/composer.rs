//! The composer (issue 13, item 9): a server-rendered preview, drafts
//! saved explicitly (no JavaScript) or by the autosave, taken up when the
//! form opens and cleared on publishing; quote-reply; @mention suggestions
//! from the person's own communities only.

use reqwest::multipart::Form;

use crate::harness::TestApp;
use crate::writing::{community, exec, get, member, publication, reply_at, scalar};

fn fields(csrf: &str, title: &str, body: &str, community: i64) -> Form {
    Form::new()
        .text("csrf", csrf.to_string())
        .text("kind", "discussion")
        .text("title", title.to_string())
        .text("body", body.to_string())
        .text("tags", "")
        .text("communities", community.to_string())
}

async fn post(app: &TestApp, client: &reqwest::Client, path: &str, form: Form) -> (u16, String) {
    let res = client
        .post(app.at(path))
        .multipart(form)
        .send()
        .await
        .expect("post");
    let status = res.status().as_u16();
    (status, res.text().await.expect("body"))
}

#[tokio::test]
async fn preview_and_drafts_keep_what_was_typed_and_publishing_clears_the_draft() {
    let app = TestApp::spawn().await;
    let (client, user) = app.logged_in("redactrice", false).await;
    let c = community(&app, "atelier", "open", "open", &user).await;
    let before = scalar(
        &app,
        "SELECT COUNT(*) FROM publications WHERE author_id = $1",
        user.id,
    )
    .await;

    // Preview: rendered on the server, nothing published, fields kept.
    let csrf = app.csrf(&client, "/p/new").await;
    let (s, html) = post(
        &app,
        &client,
        "/p/new",
        fields(
            &csrf,
            "Atelier de réparation",
            "Un **atelier** samedi.\n\n- vélos\n- grille-pain",
            c,
        )
        .text("action", "preview"),
    )
    .await;
    assert_eq!(s, 200, "{html}");
    assert!(html.contains("id=\"preview\""), "{html}");
    assert!(
        html.contains("<strong>atelier</strong>"),
        "the Markdown is rendered: {html}"
    );
    assert!(html.contains("<li>vélos</li>"), "{html}");
    assert!(
        html.contains("value=\"Atelier de réparation\""),
        "the title is kept"
    );
    assert!(
        html.contains("Un **atelier** samedi."),
        "the source is kept in the field"
    );
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM publications WHERE author_id = $1",
            user.id
        )
        .await,
        before,
        "a preview publishes nothing"
    );

    // Save the draft without JavaScript; it comes back when the form opens.
    let (s, html) = post(
        &app,
        &client,
        "/p/new",
        fields(&csrf, "Brouillon d’atelier", "Texte en cours", c).text("action", "draft"),
    )
    .await;
    assert_eq!(s, 200, "{html}");
    assert!(html.contains("Brouillon enregistré le"), "{html}");
    let (_, html) = get(&client, app.at("/p/new")).await;
    assert!(
        html.contains("value=\"Brouillon d’atelier\""),
        "the draft is taken up: {html}"
    );
    assert!(html.contains("Texte en cours"));
    assert!(html.contains("Supprimer le brouillon"));

    // Another person never sees it.
    let (other, _) = app.logged_in("voisin", false).await;
    let (_, html) = get(&other, app.at("/p/new")).await;
    assert!(
        !html.contains("Brouillon d’atelier"),
        "drafts are their author's only"
    );

    // The autosave (compose.js): 204, CSRF checked, the newest text wins.
    let (s, _) = post(
        &app,
        &client,
        "/p/new/draft",
        fields("not-the-token", "Volé", "x", c),
    )
    .await;
    assert_eq!(s, 403, "the autosave checks CSRF");
    let (s, _) = post(
        &app,
        &client,
        "/p/new/draft",
        fields(&csrf, "Atelier du samedi", "Version autosauvegardée", c),
    )
    .await;
    assert_eq!(s, 204);
    let (_, html) = get(&client, app.at("/p/new")).await;
    assert!(html.contains("Version autosauvegardée"), "{html}");
    // A draft over the limits is refused and keeps nothing new.
    let (s, _) = post(
        &app,
        &client,
        "/p/new/draft",
        fields(&csrf, &"t".repeat(300), "trop", c),
    )
    .await;
    assert_eq!(s, 422);
    let (_, html) = get(&client, app.at("/p/new")).await;
    assert!(
        html.contains("Version autosauvegardée"),
        "the last good draft stays"
    );

    // Publishing clears the draft.
    let res = client
        .post(app.at("/p/new"))
        .multipart(fields(&csrf, "Atelier du samedi", "Venez nombreux.", c))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 303);
    let (_, html) = get(&client, app.at("/p/new")).await;
    assert!(
        !html.contains("Version autosauvegardée"),
        "published: the draft is gone"
    );
    assert!(!html.contains("Supprimer le brouillon"));

    // Discarding.
    post(
        &app,
        &client,
        "/p/new",
        fields(&csrf, "À jeter", "x", c).text("action", "draft"),
    )
    .await;
    let res = client
        .post(app.at("/p/new"))
        .multipart(fields(&csrf, "À jeter", "x", c).text("action", "discard"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 303);
    let (_, html) = get(&client, app.at("/p/new")).await;
    assert!(!html.contains("value=\"À jeter\""), "discarded");
}

#[tokio::test]
async fn quote_reply_prefills_the_form_with_visible_text_only() {
    let app = TestApp::spawn().await;
    let (client, reader) = app.logged_in("lectrice", false).await;
    let author = app.create_user("auteur", false).await;
    let c = community(&app, "quartier", "open", "open", &author).await;
    member(&app, c, &reader, "member", "active").await;
    let pid = publication(&app, &author, "Jardin collectif", &[c], 60).await;
    let t = passerelles::db::now();
    let rid = reply_at(
        &app,
        pid,
        &author,
        None,
        "Première ligne\n\nSeconde ligne",
        t - 30,
    )
    .await;
    let hidden = reply_at(&app, pid, &author, None, "Texte retiré", t - 20).await;
    exec(
        &app,
        "UPDATE replies SET status = 'removed' WHERE id = $1",
        hidden,
    )
    .await;

    let (s, html) = get(
        &client,
        app.at(&format!("/p/{pid}?reply={rid}&quote={rid}")),
    )
    .await;
    assert_eq!(s, 200);
    assert!(
        html.contains("@auteur a écrit"),
        "the author is mentioned: {html}"
    );
    assert!(
        html.contains("&#62; Première ligne\n&#62;\n&#62; Seconde ligne"),
        "quoted: {html}"
    );
    assert!(
        html.contains(&format!("quote={rid}")),
        "each reply offers Citer"
    );

    let (_, html) = get(&client, app.at(&format!("/p/{pid}?quote={hidden}"))).await;
    assert!(
        !html.contains("&#62; Texte retiré"),
        "removed text is not quoted"
    );
    let (_, html) = get(&client, app.at(&format!("/p/{pid}?quote=p"))).await;
    assert!(
        html.contains("&#62; Texte de Jardin collectif"),
        "the publication: {html}"
    );
    let (_, html) = get(&client, app.at(&format!("/p/{pid}?quote=abc"))).await;
    assert!(!html.contains("a écrit"), "nonsense quotes nothing");
}

#[tokio::test]
async fn mention_suggestions_come_from_the_persons_own_communities() {
    let app = TestApp::spawn().await;
    let (client, me) = app.logged_in("moi", false).await;
    let bob = app.create_user("bobette", false).await;
    let stranger = app.create_user("bobinette", false).await;
    let c = community(&app, "ensemble", "open", "open", &me).await;
    member(&app, c, &bob, "member", "active").await;
    let elsewhere = community(&app, "ailleurs", "private", "request", &stranger).await;
    let _ = elsewhere;

    let (s, body) = get(&client, app.at("/people.json?q=bob")).await;
    assert_eq!(s, 200);
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    let names: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["username"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["bobette"], "only people of my communities: {body}");
    let (_, body) = get(&client, app.at("/people.json?q=@BOB")).await;
    assert!(body.contains("bobette"), "case and @ are ignored: {body}");
    let (_, body) = get(&app.client(), app.at("/people.json?q=bob")).await;
    assert_eq!(body, "[]", "no one is suggested to a visitor");
    let (_, body) = get(&client, app.at("/people.json?q=moi")).await;
    assert_eq!(body, "[]", "not oneself");
    // The compose form carries the script and its endpoints.
    let (_, html) = get(&client, app.at("/p/new")).await;
    assert!(html.contains("data-mention-suggest=\"/people.json\""));
    assert!(html.contains("/static/compose.js?v="));
}
