//! The API contract, checked by someone else's tool: schemathesis (PyPI,
//! from `tests/rp/.venv`, `scripts/test --install-rp`) generates requests
//! from the served OpenAPI document against a seeded instance (so the
//! operations meet real data rather than 404s) with a fixed seed and a
//! bounded budget, and checks every response: no server error, a status the
//! document lists, the documented content type and the documented schema.
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

#[tokio::test]
async fn api_contract_holds_under_schemathesis() {
    let Some(bin) = schemathesis() else { return };
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
    let report = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("schemathesis-{}.txt", crate::harness::backend()));
    let out = tokio::process::Command::new(&bin)
        .arg("run")
        .arg(app.at("/api/v1/openapi.json"))
        .args(["--url", &app.at("")])
        .args(["-H", &format!("Authorization: Bearer {token}")])
        .args([
            "--checks",
            &std::env::var("PASSERELLES_SCHEMATHESIS_CHECKS").unwrap_or_else(|_| {
                "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance".into()
            }),
        ])
        .args(["--max-examples", "12", "--seed", "1", "--no-color"])
        // Deleting would revoke the token or the session the run uses.
        .args(["--exclude-method", "DELETE"])
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
    let _ = std::fs::write(&report, &text);
    assert!(
        out.status.success(),
        "schemathesis found contract violations (report: {}):\n{}",
        report.display(),
        text.lines()
            .rev()
            .take(80)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect::<Vec<_>>()
            .join("\n")
    );
    // It really ran: cases were generated and all passed.
    let cases = text
        .lines()
        .find(|l| l.contains("generated,"))
        .unwrap_or_default()
        .to_string();
    let generated: u64 = cases
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    assert!(generated >= 500, "too few cases generated: {cases:?}");
}
