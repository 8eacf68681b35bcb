//! The API contract, checked by someone else's tool: schemathesis (PyPI,
//! from `tests/rp/.venv`, `scripts/test --install-rp`) generates requests
//! from the served OpenAPI document against a seeded instance (so the
//! operations meet real data rather than 404s), derandomized, with a
//! bounded budget, positive and negative data, and checks every response:
//! no server error, a status the document lists, the documented content
//! type and the documented schema.
//! The report is kept in `target/tmp/schemathesis-<engine>.txt` and its
//! summary is printed by `scripts/test`.

use passerelles::seed::{Sizes, seed_sized};

use crate::harness::TestApp;

fn schemathesis() -> Option<String> {
    let bin = format!(
        "{}/tests/rp/.venv/bin/schemathesis",
        env!("CARGO_MANIFEST_DIR")
    );
    let ok = std::process::Command::new(&bin)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if ok {
        return Some(bin);
    }
    if std::env::var("PASSERELLES_REQUIRE_RP").is_ok_and(|v| v == "1") {
        panic!("schemathesis is required (PASSERELLES_REQUIRE_RP=1) but not installed");
    }
    crate::harness::skip(
        "api_contract_holds_under_schemathesis",
        "schemathesis not installed (scripts/test --install-rp)",
    );
    None
}

/// A server on a seeded instance, and a `write` token of the member of the
/// most communities.
async fn seeded_instance() -> (TestApp, String) {
    let app = TestApp::spawn().await;
    seed_sized(
        &app.state.db,
        Sizes {
            users: 40,
            communities: 6,
            publications: 80,
        },
        11,
        false,
    )
    .await
    .expect("seeded");
    // A member of the seeded communities, with a token.
    let user_id: i64 = sqlx::query_scalar(
        "SELECT user_id FROM memberships GROUP BY user_id ORDER BY COUNT(*) DESC, user_id LIMIT 1",
    )
    .fetch_one(&app.state.db.pool)
    .await
    .expect("a member");
    let token =
        passerelles::accounts::tokens::create_token(&app.state.db, user_id, "contract", None)
            .await
            .expect("token")
            .1;
    (app, token)
}

/// The four checks CI runs (`PASSERELLES_SCHEMATHESIS_CHECKS` overrides
/// them, to try others such as `positive_data_acceptance` by hand).
const CHECKS: &str = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance";

/// Operations left out of the positive-data run, each because whether the
/// server accepts a well-formed request depends on data the document
/// cannot describe (every other operation must accept whatever its schema
/// allows):
const POSITIVE_EXCLUDED: &[(&str, &str)] = &[
    // Communities named must be ones the caller may post in.
    ("events_create", "communities the caller may post in"),
    ("publications_create", "communities the caller may post in"),
    // Broader and related terms must be in the lexicon.
    (
        "lexicon_terms_create",
        "broader and related terms that exist",
    ),
    // Communities must be ones the caller is a member of.
    (
        "me_notification_preferences_set",
        "communities the caller belongs to",
    ),
    // The handle must answer WebFinger (no network in tests).
    (
        "me_following_create",
        "a reachable group of another instance",
    ),
    // A territory must be one of the instance's.
    ("communities_create", "a territory that exists"),
    ("communities_update", "a territory that exists"),
    // Territories, places and the organisation named must exist, and a
    // point must be given whole (latitude and longitude).
    ("organisations_create", "territories and a place that exist"),
    ("organisations_update", "territories and a place that exist"),
    (
        "initiatives_create",
        "a territory and an organisation that exist",
    ),
    // Whether an action applies depends on the target (a lock on a person…).
    (
        "communities_moderation_create",
        "an action that applies to the target",
    ),
    // The bytes must decode as the declared image or file.
    ("me_avatar_set", "bytes that decode as an image"),
    ("events_image_set", "bytes that decode as an image"),
    (
        "resources_files_create",
        "non-empty files of a kind the library keeps",
    ),
    // The query must hold a word that is not a stop word.
    ("me_saved_searches_create", "a word that is not a stop word"),
];

/// One schemathesis run over the operations `filter` selects; returns its
/// output (stdout and stderr) and whether it passed.
async fn run(bin: &str, app: &TestApp, token: &str, filter: &[&str]) -> (String, bool) {
    let checks = std::env::var("PASSERELLES_SCHEMATHESIS_CHECKS").unwrap_or_else(|_| CHECKS.into());
    run_checks(bin, app, token, &checks, "all", filter).await
}

async fn run_checks(
    bin: &str,
    app: &TestApp,
    token: &str,
    checks: &str,
    mode: &str,
    filter: &[&str],
) -> (String, bool) {
    let out = tokio::process::Command::new(bin)
        .arg("run")
        .arg(app.at("/api/v1/openapi.json"))
        .args(["--url", &app.at("")])
        .args(["-H", &format!("Authorization: Bearer {token}")])
        .args(["--checks", checks])
        // Schema-valid and schema-invalid requests alike (`all`), or only
        // schema-valid ones (`positive`).
        .args(["--mode", mode])
        // Bounded and reproducible: a fixed number of cases per operation,
        // Hypothesis derandomized (`--generation-deterministic`: the same
        // cases on every run, so the seed is fixed by construction; it also
        // implies no example database carried between runs), one worker,
        // and no health check that depends on the machine's speed.
        .args(["--max-examples", "12", "--generation-deterministic"])
        .args(["--workers", "1"])
        .args(["--suppress-health-check", "all", "--no-color"])
        .args(filter)
        // By hand, more: `PASSERELLES_SCHEMATHESIS_ARGS="--mode positive
        // --max-examples 60"` (later options win), with
        // `PASSERELLES_SCHEMATHESIS_CHECKS=positive_data_acceptance`.
        .args(
            std::env::var("PASSERELLES_SCHEMATHESIS_ARGS")
                .unwrap_or_default()
                .split_whitespace(),
        )
        .env("SCHEMATHESIS_HOOKS", "")
        // Its caches (.hypothesis, .schemathesis) go to the test's own folder.
        .current_dir(&app.data_dir)
        .output()
        .await
        .expect("run schemathesis");
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (text, out.status.success())
}

/// The number of cases a run generated (its "N generated, …" line).
fn generated(text: &str) -> u64 {
    text.lines()
        .find(|l| l.contains("generated,"))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

/// The report's summary (from its SUMMARY line), kept in the test's output.
fn summary(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let from = lines
        .iter()
        .position(|l| l.contains(" SUMMARY ") || l.contains(" FAILURES "))
        .unwrap_or(lines.len().saturating_sub(40));
    lines[from..].join("\n")
}

#[tokio::test]
async fn api_contract_holds_under_schemathesis() {
    let Some(bin) = schemathesis() else { return };
    let (app, token) = seeded_instance().await;
    let report = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("schemathesis-{}.txt", crate::harness::backend()));
    // Every operation. Deletions run last, in a run of their own: one of
    // them may revoke the token the runs use (after which the remaining
    // deletions meet the documented 401).
    let (main, main_ok) = run(&bin, &app, &token, &["--exclude-method", "DELETE"]).await;
    // The other way: schema-valid requests are accepted (2xx, or a status
    // that says the data met something else: 401, 403, 404, 409, 429),
    // never refused as malformed (400, 422).
    // Without the stateful phase: the links it infers between operations
    // fill a path id with `None` when a response has none to give.
    let mut filter = vec![
        "--exclude-method",
        "DELETE",
        "--phases",
        "examples,coverage,fuzzing",
    ];
    for (id, _) in POSITIVE_EXCLUDED {
        filter.extend(["--exclude-operation-id", *id]);
    }
    let (positive, positive_ok) = run_checks(
        &bin,
        &app,
        &token,
        "positive_data_acceptance",
        "positive",
        &filter,
    )
    .await;
    let (deletions, deletions_ok) = run(&bin, &app, &token, &["--include-method", "DELETE"]).await;
    let text = format!(
        "{main}\n\n---- positive data acceptance ----\n\n{positive}\n\n---- DELETE operations ----\n\n{deletions}"
    );
    let _ = std::fs::write(&report, &text);
    // The log excerpt: what was run and what it found, on both runs.
    println!(
        "schemathesis report ({}):\n{}\n---- positive data acceptance ----\n{}\n---- DELETE operations ----\n{}",
        report.display(),
        summary(&main),
        summary(&positive),
        summary(&deletions)
    );
    for (name, out, ok) in [
        ("main", &main, main_ok),
        ("positive data acceptance", &positive, positive_ok),
        ("DELETE", &deletions, deletions_ok),
    ] {
        assert!(
            ok,
            "schemathesis found contract violations in the {name} run (report: {}):\n{}",
            report.display(),
            out.lines()
                .rev()
                .take(120)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
    // It really ran: cases were generated, positive and negative, and all passed.
    let (n_main, n_del) = (generated(&main), generated(&deletions));
    assert!(n_main >= 1500, "too few cases generated: {n_main}");
    let n_positive = generated(&positive);
    assert!(
        n_positive >= 500,
        "too few positive cases generated: {n_positive}"
    );
    assert!(n_del >= 50, "too few DELETE cases generated: {n_del}");
}

/// What positive_data_acceptance found, kept as plain checks: a request
/// the document calls well formed is not refused as malformed. An address
/// already taken is a documented `409 slug_taken` (organisations,
/// initiatives, communities), a term label already used `409 term_exists`;
/// a search in a territory that names nothing finds nothing (as an unknown
/// community does); the citation format is a documented choice.
#[tokio::test]
async fn well_formed_requests_meet_conflicts_not_validation_errors() {
    let app = TestApp::spawn().await;
    let (_, user) = app.logged_in("contrat", true).await;
    let token = passerelles::accounts::tokens::create_token(&app.state.db, user.id, "t", None)
        .await
        .expect("token")
        .1;
    let http = reqwest::Client::new();
    let post = |path: &'static str, body: serde_json::Value| {
        let http = &http;
        let token = &token;
        let url = app.at(path);
        async move {
            let res = http
                .post(url)
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .expect("post");
            let status = res.status().as_u16();
            (status, res.json::<serde_json::Value>().await.expect("json"))
        }
    };
    for (path, body) in [
        (
            "/api/v1/organisations",
            serde_json::json!({"name": "Collectif Vert", "sectors": ["environnement"]}),
        ),
        (
            "/api/v1/initiatives",
            serde_json::json!({"name": "Jardin partagé", "slug": "jardin", "category": "autre"}),
        ),
        (
            "/api/v1/communities",
            serde_json::json!({"name": "Cuisine collective", "visibility": "open", "join_policy": "open"}),
        ),
        (
            "/api/v1/lexicon/terms",
            serde_json::json!({"pref_fr": "Économie circulaire"}),
        ),
    ] {
        let (first, v) = post(path, body.clone()).await;
        assert_eq!(first, 201, "{path}: {v}");
        let (again, v) = post(path, body).await;
        assert_eq!(again, 409, "{path}: {v}");
        let code = if path.contains("lexicon") {
            "term_exists"
        } else {
            "slug_taken"
        };
        assert_eq!(v["error"]["code"], code, "{path}: {v}");
    }
    // Documented in the contract, with the code.
    let doc: serde_json::Value =
        serde_json::from_str(passerelles::api::openapi_document().expect("document"))
            .expect("json");
    for path in [
        "/api/v1/organisations",
        "/api/v1/initiatives",
        "/api/v1/communities",
        "/api/v1/lexicon/terms",
    ] {
        assert!(
            doc["paths"][path]["post"]["responses"]["409"].is_object(),
            "{path}"
        );
    }
    let res = http
        .get(app.at("/api/v1/search?q=jardin&territory=nulle-part"))
        .send()
        .await
        .expect("search");
    assert_eq!(res.status(), 200);
    let v: serde_json::Value = res.json().await.expect("json");
    assert_eq!(v["total"], 0, "{v}");
    let citation = &doc["paths"]["/api/v1/resources/{id}/citation"]["get"]["parameters"];
    let format = citation
        .as_array()
        .expect("parameters")
        .iter()
        .find(|p| p["name"] == "format")
        .expect("format");
    assert_eq!(format["required"], true, "{format}");
}
