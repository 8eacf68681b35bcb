//! The S3-compatible store (issue 19: several nodes that share no folder)
//! against a real S3 server that installs from npm: s3rver. A resource's
//! file and a community file space's file go to the bucket (none to the
//! data folder) and come back byte for byte through their pages. s3rver
//! does not reject a wrong signature (checked: a wrong secret was
//! accepted), so the signing itself is only checked by unit tests.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use passerelles::config::S3Config;

use crate::harness::TestApp;
use crate::library::{contribute, location};
use crate::writing::{community, get};

struct S3 {
    url: String,
    child: Child,
    dir: std::path::PathBuf,
}

impl Drop for S3 {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn s3rver() -> Option<S3> {
    let root = format!("{}/tests/rp", env!("CARGO_MANIFEST_DIR"));
    if !crate::oidc::rp_available(
        "s3rver (Node)",
        Command::new("node")
            .arg("-e")
            .arg("require.resolve('s3rver')")
            .current_dir(&root),
    ) {
        return None;
    }
    let dir = std::env::temp_dir().join(format!(
        "passerelles-s3-{}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0)
    ));
    std::fs::create_dir_all(&dir).expect("dir");
    let mut child = Command::new("node")
        .arg("s3.mjs")
        .arg(&dir)
        .current_dir(&root)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start s3rver");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("s3rver's address");
    assert!(line.starts_with("http://127.0.0.1:"), "{line}");
    Some(S3 {
        url: line.trim().to_string(),
        child,
        dir,
    })
}

fn config(url: &str, secret: &str) -> S3Config {
    S3Config {
        endpoint: url.to_string(),
        bucket: "passerelles".into(),
        region: "us-east-1".into(),
        access_key_id: "S3RVER".into(),
        secret_access_key: secret.into(),
    }
}

fn files_under(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir)
        .map(|it| {
            it.flatten()
                .map(|e| {
                    if e.path().is_dir() {
                        files_under(&e.path())
                    } else {
                        1
                    }
                })
                .sum()
        })
        .unwrap_or(0)
}

#[tokio::test]
async fn library_and_space_files_live_in_an_s3_bucket() {
    let Some(s3) = s3rver() else { return };
    let cfg = config(&s3.url, "S3RVER");
    let app = TestApp::spawn_with(move |c| c.s3 = cfg).await;
    let (member, m) = app.logged_in("camille", false).await;
    community(&app, "archives", "open", "open", &m).await;
    let bytes = passerelles::library::pdftext::sample_pdf("Rapport annuel des archives");
    let res = contribute(
        &app,
        &member,
        &[
            ("kind", "report"),
            ("title", "Rapport annuel"),
            ("communities", "archives"),
        ],
        vec![("rapport.pdf", bytes.clone())],
    )
    .await;
    assert_eq!(
        res.status(),
        303,
        "{}",
        res.text().await.unwrap_or_default()
    );
    let path = location(&res);
    let id: i64 = path.trim_start_matches("/r/").parse().expect("id");
    let (fid, sha): (i64, String) =
        sqlx::query_as("SELECT id, sha256 FROM resource_files WHERE resource_id = $1")
            .bind(id)
            .fetch_one(&app.state.db.pool)
            .await
            .expect("file row");
    // In the bucket, under its hash; nothing in the data folder.
    assert_eq!(files_under(&app.data_dir.join("library")), 0);
    let listing = reqwest::get(format!("{}/passerelles", s3.url))
        .await
        .expect("list")
        .text()
        .await
        .expect("body");
    assert!(
        listing.contains(&format!("{}/{}/{sha}", &sha[0..2], &sha[2..4])),
        "{listing}"
    );
    // Back through the resource, byte for byte.
    let res = app
        .client()
        .get(app.at(&format!("{path}/files/{fid}")))
        .send()
        .await
        .expect("download");
    assert_eq!(res.status(), 200);
    assert_eq!(res.bytes().await.expect("bytes").to_vec(), bytes);

    // The community's file space uses the same store.
    let csrf = app.csrf(&member, "/c/archives/files").await;
    let form = reqwest::multipart::Form::new().text("csrf", csrf).part(
        "files",
        reqwest::multipart::Part::bytes(b"compte rendu du 3 mars".to_vec()).file_name("notes.txt"),
    );
    let res = member
        .post(app.at("/c/archives/files/upload"))
        .multipart(form)
        .send()
        .await
        .expect("upload");
    assert!(res.status().is_redirection(), "{}", res.status());
    let sid: i64 = sqlx::query_scalar("SELECT id FROM space_files ORDER BY id DESC LIMIT 1")
        .fetch_one(&app.state.db.pool)
        .await
        .expect("space file");
    let (s, body) = get(&member, app.at(&format!("/c/archives/files/{sid}"))).await;
    assert_eq!((s, body.as_str()), (200, "compte rendu du 3 mars"));
    assert_eq!(files_under(&app.data_dir.join("library")), 0);
}
