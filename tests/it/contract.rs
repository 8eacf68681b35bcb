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

/// One schemathesis run over the operations `filter` selects; returns its
/// output (stdout and stderr) and whether it passed.
async fn run(bin: &str, app: &TestApp, token: &str, filter: &[&str]) -> (String, bool) {
    let checks = std::env::var("PASSERELLES_SCHEMATHESIS_CHECKS").unwrap_or_else(|_| CHECKS.into());
    let out = tokio::process::Command::new(bin)
        .arg("run")
        .arg(app.at("/api/v1/openapi.json"))
        .args(["--url", &app.at("")])
        .args(["-H", &format!("Authorization: Bearer {token}")])
        .args(["--checks", &checks])
        // Schema-valid and schema-invalid requests alike.
        .args(["--mode", "all"])
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
    let (deletions, deletions_ok) = run(&bin, &app, &token, &["--include-method", "DELETE"]).await;
    let text = format!("{main}\n\n---- DELETE operations ----\n\n{deletions}");
    let _ = std::fs::write(&report, &text);
    // The log excerpt: what was run and what it found, on both runs.
    println!(
        "schemathesis report ({}):\n{}\n---- DELETE operations ----\n{}",
        report.display(),
        summary(&main),
        summary(&deletions)
    );
    for (name, out, ok) in [
        ("main", &main, main_ok),
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
    assert!(n_del >= 50, "too few DELETE cases generated: {n_del}");
}
