//! TestApp: boots Passerelles on 127.0.0.1:0 with its own fresh database
//! and a real SMTP sink.

#![allow(dead_code)]

use std::sync::atomic::{AtomicU64, Ordering};

use passerelles::accounts::{self, NewUser, Status, User};
use passerelles::config::Config;
use passerelles::mail::SmtpSecurity;
use passerelles::web::AppState;
use reqwest::redirect::Policy;

use crate::smtp_sink::SmtpSink;

pub const PASSWORD: &str = "une phrase de passe solide";

pub struct TestApp {
    pub url: String,
    pub state: AppState,
    pub sink: SmtpSink,
    pub data_dir: std::path::PathBuf,
    running: Option<passerelles::app::Running>,
    pg_db: TestDb,
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

pub fn backend() -> String {
    std::env::var("PASSERELLES_TEST_DB").unwrap_or_else(|_| "sqlite".into())
}

/// Records that a test could not run here and returns; every caller then
/// `return`s. Prints a SKIPPED line and, when `scripts/test` set
/// `PASSERELLES_SKIP_LOG`, appends `<backend>\t<test>\t<reason>` to that file
/// so the summary counts and names every skip, and CI fails on one it did not
/// expect (`tests/expected-skips`). A skip never looks like a pass there.
pub fn skip(test: &str, reason: &str) {
    eprintln!("SKIPPED {test}: {reason}");
    if let Ok(path) = std::env::var("PASSERELLES_SKIP_LOG") {
        use std::io::Write;
        let line = format!(
            "{}\t{test}\t{}\n",
            backend(),
            reason.replace(['\t', '\n'], " ")
        );
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .unwrap_or_else(|e| panic!("PASSERELLES_SKIP_LOG={path}: {e}"));
        f.write_all(line.as_bytes()).expect("record the skip");
    }
}

/// The URL without its password, for error messages.
fn redacted(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => match rest.split_once('@') {
            Some((userinfo, host)) => {
                let user = userinfo.split(':').next().unwrap_or("");
                let hidden = if userinfo.contains(':') { ":***" } else { "" };
                format!("{scheme}://{user}{hidden}@{host}")
            }
            None => url.to_string(),
        },
        None => url.to_string(),
    }
}

pub fn pg_admin_url() -> String {
    std::env::var("PASSERELLES_TEST_PG_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

fn unique(prefix: &str) -> String {
    format!(
        "{prefix}_{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::SeqCst),
        passerelles::db::now() % 100000
    )
}

/// A per-test PostgreSQL database (its name), dropped when this goes out of
/// scope; nothing for SQLite, whose file lives in the test's folder.
pub struct TestDb {
    pub name: Option<String>,
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(name) = self.name.take() {
            drop_pg_database(name);
        }
    }
}

/// Create a fresh, empty database and return its URL, with the guard that
/// removes it.
pub async fn fresh_database(data_dir: &std::path::Path) -> (String, TestDb) {
    if backend() == "postgres" {
        use sqlx::Executor;
        sqlx::any::install_default_drivers();
        let admin = pg_admin_url();
        let name = unique("ptest");
        let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&admin)
            .await
            .unwrap_or_else(|e| {
                panic!(
                    "cannot connect to the test PostgreSQL at {} ({e}). Set \
                     PASSERELLES_TEST_PG_URL=postgres://USER:PASSWORD@HOST:PORT/postgres \
                     (README, \"Running the tests\")",
                    redacted(&admin)
                )
            });
        conn.execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .await
            .unwrap_or_else(|e| {
                panic!(
                    "the test role of {} cannot CREATE DATABASE ({e}): each test gets its own \
                     database. Use a role with CREATEDB (ALTER ROLE … CREATEDB) or a superuser",
                    redacted(&admin)
                )
            });
        let base = admin
            .rsplit_once('/')
            .map(|(b, _)| b.to_string())
            .unwrap_or(admin);
        (format!("{base}/{name}"), TestDb { name: Some(name) })
    } else {
        (
            format!("sqlite://{}?mode=rwc", data_dir.join("test.db").display()),
            TestDb { name: None },
        )
    }
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        Self::spawn_with(|_| {}).await
    }

    pub async fn spawn_with(customise: impl FnOnce(&mut Config)) -> TestApp {
        let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
        let sink = SmtpSink::start().await;
        let data_dir = std::env::temp_dir().join(unique("passerelles-test"));
        std::fs::create_dir_all(&data_dir).expect("temp dir");
        let (database_url, pg_db) = fresh_database(&data_dir).await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let mut config = Config {
            bind: addr,
            data_dir: data_dir.clone(),
            database_url: Some(database_url),
            db_max_connections: 5,
            ..Config::default()
        };
        config.smtp.host = Some("127.0.0.1".into());
        config.smtp.port = Some(sink.port);
        config.smtp.security = SmtpSecurity::None;
        config.smtp.from = "Passerelles <noreply@passerelles.test>".into();
        // The test binary is not `passerelles`: name the real one, which
        // reads uploaded PDFs in a process of its own (`pdf-text`).
        config.pdf_helper = Some(env!("CARGO_BIN_EXE_passerelles").into());
        customise(&mut config);
        let state = passerelles::app::build_state(config)
            .await
            .expect("state builds");
        let running = passerelles::app::start_with(state.clone(), listener)
            .await
            .expect("server starts");
        let url = format!("http://{}", running.addr);
        // Let the start-up maintenance job finish, so tests begin on an idle
        // server (a bulk writer such as the seed must not race its commits).
        for _ in 0..200 {
            let waiting: i64 =
                sqlx::query_scalar("SELECT COUNT(*) FROM jobs WHERE queue = 'maintenance'")
                    .fetch_one(&running.state.db.pool)
                    .await
                    .unwrap_or(0);
            if waiting == 0 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        TestApp {
            url,
            state: running.state.clone(),
            sink,
            data_dir,
            running: Some(running),
            pg_db,
        }
    }

    /// A browser-like client: keeps cookies, does not follow redirects.
    pub fn client(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .cookie_store(true)
            .redirect(Policy::none())
            .build()
            .expect("client")
    }

    pub fn at(&self, path: &str) -> String {
        format!("{}{}", self.url, path)
    }

    /// Create an active, verified local account directly.
    pub async fn create_user(&self, username: &str, admin: bool) -> User {
        accounts::create_user(
            &self.state.db,
            NewUser {
                username,
                email: &format!("{username}@exemple.qc.ca"),
                password: PASSWORD,
                is_admin: admin,
                email_verified: true,
                status: Status::Active,
                locale: "fr-CA",
                registration_note: "",
            },
        )
        .await
        .expect("user created")
    }

    /// GET a page and return the CSRF token of its forms.
    pub async fn csrf(&self, client: &reqwest::Client, path: &str) -> String {
        let res = client.get(self.at(path)).send().await.expect("get");
        let status = res.status();
        let location = res
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let body = res.text().await.expect("body");
        form_value(&body, "csrf").unwrap_or_else(|| {
            let title = body
                .split("<title>")
                .nth(1)
                .and_then(|t| t.split("</title>").next());
            panic!(
                "no csrf field on {path} ({status} {location}; page: {title:?}, {:?})",
                body.chars().take(200).collect::<String>()
            )
        })
    }

    /// Log in through the form; panics unless it succeeds.
    pub async fn login(&self, client: &reqwest::Client, login: &str, password: &str) {
        let csrf = self.csrf(client, "/login").await;
        let res = client
            .post(self.at("/login"))
            .form(&[
                ("csrf", csrf.as_str()),
                ("login", login),
                ("password", password),
            ])
            .send()
            .await
            .expect("post login");
        assert_eq!(res.status(), 303, "login as {login} should redirect");
    }

    /// A logged-in client for a new account.
    pub async fn logged_in(&self, username: &str, admin: bool) -> (reqwest::Client, User) {
        let user = self.create_user(username, admin).await;
        let client = self.client();
        self.login(&client, username, PASSWORD).await;
        (client, user)
    }

    /// POST a form with the CSRF token of `page` added.
    pub async fn post_form(
        &self,
        client: &reqwest::Client,
        page: &str,
        action: &str,
        fields: &[(&str, &str)],
    ) -> reqwest::Response {
        let csrf = self.csrf(client, page).await;
        let mut all: Vec<(&str, &str)> = vec![("csrf", csrf.as_str())];
        all.extend_from_slice(fields);
        client
            .post(self.at(action))
            .form(&all)
            .send()
            .await
            .expect("post")
    }

    /// Send queued e-mails now.
    pub async fn drain_jobs(&self) {
        self.state
            .jobs
            .drain(&self.state.db, &self.state.mailer)
            .await
            .expect("jobs run");
    }

    pub async fn set_setting(&self, key: &str, value: &str) {
        passerelles::settings::set_raw(&self.state.db, key, value)
            .await
            .expect("setting");
        self.state.set_instance_cache(
            passerelles::settings::load(&self.state.db)
                .await
                .expect("load"),
        );
    }

    /// Where the inbound SMTP listener listens (replies by e-mail), if on.
    pub fn mail_in_addr(&self) -> Option<std::net::SocketAddr> {
        self.running.as_ref().and_then(|r| r.mail_in)
    }

    /// The link in the latest e-mail to `to` that contains `needle`, made relative to this server.
    pub async fn mail_link(&self, to: &str, needle: &str) -> String {
        self.drain_jobs().await;
        let mail = self.sink.wait_for(to).await;
        let link = mail
            .links()
            .into_iter()
            .find(|l| l.contains(needle))
            .unwrap_or_else(|| {
                panic!(
                    "no link with {needle} in mail to {to}: {}",
                    mail.text_part()
                )
            });
        link.replacen(&self.state.config.public_url(), "", 1)
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // Stop the server first, then remove what it used.
        let _ = self.running.take();
        let _ = std::fs::remove_dir_all(&self.data_dir);
        // The database last (a field would be dropped after this body
        // anyway; explicit, since the server above must be gone first).
        drop(std::mem::replace(&mut self.pg_db, TestDb { name: None }));
    }
}

/// Best effort: drop a per-test database from a helper thread (no runtime
/// may block in `Drop`), and wait for it: a thread still connecting when the
/// test process exits made it abort (SIGABRT after a passing test, seen in
/// CI on PostgreSQL).
fn drop_pg_database(name: String) {
    let admin = pg_admin_url();
    let (done_tx, done_rx) = std::sync::mpsc::channel::<()>();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build();
        if let Ok(rt) = rt {
            rt.block_on(async move {
                use sqlx::Executor;
                if let Ok(mut c) = <sqlx::AnyConnection as sqlx::Connection>::connect(&admin).await
                {
                    let _ = c
                        .execute(sqlx::AssertSqlSafe(format!(
                            "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                        )))
                        .await;
                }
            });
        }
        let _ = done_tx.send(());
    });
    let _ = done_rx.recv_timeout(std::time::Duration::from_secs(20));
}

/// Value of the first `<input name="…" value="…">` in an HTML page.
pub fn form_value(html: &str, name: &str) -> Option<String> {
    let needle = format!("name=\"{name}\" value=\"");
    let start = html.find(&needle)? + needle.len();
    let end = html[start..].find('"')?;
    Some(html_unescape(&html[start..start + end]))
}

pub fn html_unescape(s: &str) -> String {
    s.replace("&#x2f;", "/")
        .replace("&#x27;", "'")
        .replace("&#39;", "'")
        .replace("&quot;", "\"")
        .replace("&#34;", "\"")
        .replace("&lt;", "<")
        .replace("&#60;", "<")
        .replace("&gt;", ">")
        .replace("&#62;", ">")
        .replace("&amp;", "&")
        .replace("&#38;", "&")
}
