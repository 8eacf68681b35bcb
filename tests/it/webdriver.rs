//! A minimal W3C WebDriver client driving headless Debian Chromium through
//! `chromedriver`, built only on the crates the test suite already has
//! (reqwest, tokio, serde_json, base64).
//!
//! Every WebDriver error is a test failure: the helpers panic with the
//! WebDriver error code and message instead of returning `Result`s.
//!
//! ```ignore
//! let Some(browser) = webdriver::browser_or_skip(1280, 900, "my_test").await else { return };
//! browser.goto(&format!("{base}/login")).await;
//! browser.fill("input[name=username]", "alice").await;
//! browser.click("button[type=submit]").await;
//! browser.wait_for_url_contains("/home").await;
//! browser.quit().await;
//! ```
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::Mutex;

/// The W3C web element identifier key (WebDriver spec, "web element
/// reference"), under which element references are returned.
pub const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// How long `find` keeps retrying before declaring an element missing
/// (covers pages that are still loading after a click).
const FIND_TIMEOUT: Duration = Duration::from_secs(5);
/// How long `wait_for_url_contains` polls.
const URL_WAIT_TIMEOUT: Duration = Duration::from_secs(15);
const POLL_INTERVAL: Duration = Duration::from_millis(100);

/// Window sizes used by [`capture`]: a phone and a desktop.
pub const CAPTURE_SIZES: [(u32, u32); 2] = [(360, 800), (1280, 900)];

/// Locates an executable: the Debian path first, then `$PATH`.
fn locate(default: &str, name: &str) -> Option<PathBuf> {
    let default = Path::new(default);
    if default.is_file() {
        return Some(default.to_path_buf());
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

/// True when `PASSERELLES_REQUIRE_E2E=1`: a missing browser is then a failure.
pub fn e2e_required() -> bool {
    std::env::var("PASSERELLES_REQUIRE_E2E").is_ok_and(|v| v.trim() == "1")
}

/// Starts a browser, or — when Chromium/chromedriver are not installed —
/// panics if `PASSERELLES_REQUIRE_E2E=1` and otherwise prints a SKIPPED line
/// and returns `None` (the caller should simply `return`).
pub async fn browser_or_skip(width: u32, height: u32, test_name: &str) -> Option<Browser> {
    match Browser::start(width, height).await {
        Some(browser) => Some(browser),
        None if e2e_required() => panic!(
            "{test_name}: chromium/chromedriver not installed but PASSERELLES_REQUIRE_E2E=1 \
             (install with: apt-get install -y chromium chromium-driver)"
        ),
        None => {
            crate::harness::skip(test_name, "chromium/chromedriver not installed");
            None
        }
    }
}

/// A fresh, uniquely named directory under the system temp dir.
fn fresh_temp_dir(prefix: &str) -> PathBuf {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let dir = std::env::temp_dir().join(format!(
        "{prefix}-{}-{}-{nanos}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("creating {}: {e}", dir.display()));
    dir
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("binding 127.0.0.1:0 to pick a port");
    listener.local_addr().expect("local_addr").port()
}

/// The HTTP side of a WebDriver session, shared by the browser and its elements.
struct Session {
    client: reqwest::Client,
    /// `http://127.0.0.1:PORT/session/ID`
    url: String,
}

impl Session {
    /// Sends one WebDriver command and returns its `value`; panics on any error.
    async fn cmd(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        send_command(&self.client, method, &format!("{}{path}", self.url), body).await
    }

    async fn get(&self, path: &str) -> Value {
        self.cmd(reqwest::Method::GET, path, None).await
    }

    async fn post(&self, path: &str, body: Value) -> Value {
        self.cmd(reqwest::Method::POST, path, Some(body)).await
    }

    /// Like `cmd`, but hands WebDriver errors back as `(error, message)`.
    async fn try_cmd(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value, (String, String)> {
        try_send_command(&self.client, method, &format!("{}{path}", self.url), body).await
    }
}

async fn try_send_command(
    client: &reqwest::Client,
    method: reqwest::Method,
    url: &str,
    body: Option<Value>,
) -> Result<Value, (String, String)> {
    let mut request = client.request(method.clone(), url);
    if let Some(body) = body {
        request = request.json(&body);
    } else if method == reqwest::Method::POST {
        request = request.json(&json!({}));
    }
    let response = request
        .send()
        .await
        .unwrap_or_else(|e| panic!("WebDriver {method} {url}: transport error: {e}"));
    let status = response.status();
    let text = response
        .text()
        .await
        .unwrap_or_else(|e| panic!("WebDriver {method} {url}: reading body: {e}"));
    let parsed: Value = serde_json::from_str(&text).unwrap_or_else(|e| {
        panic!("WebDriver {method} {url}: HTTP {status}, invalid JSON ({e}): {text}")
    });
    let value = parsed.get("value").cloned().unwrap_or(Value::Null);
    let error = value.get("error").and_then(Value::as_str);
    if !status.is_success() || error.is_some() {
        let error = error.unwrap_or("unknown error").to_owned();
        let message = value
            .get("message")
            .and_then(Value::as_str)
            .unwrap_or(&text)
            .to_owned();
        return Err((error, message));
    }
    Ok(value)
}

async fn send_command(
    client: &reqwest::Client,
    method: reqwest::Method,
    url: &str,
    body: Option<Value>,
) -> Value {
    match try_send_command(client, method.clone(), url, body).await {
        Ok(value) => value,
        Err((error, message)) => panic!("WebDriver {method} {url} failed: {error}: {message}"),
    }
}

/// A chromedriver process plus one Chromium session. Dropping it ends the
/// session (best effort) and kills chromedriver.
pub struct Browser {
    chromedriver: Child,
    /// `http://127.0.0.1:PORT`
    base: String,
    session_id: String,
    session: Arc<Session>,
    profile_dir: PathBuf,
    closed: bool,
}

impl Browser {
    /// Returns `None` if `chromedriver` or `chromium` are not installed; the
    /// caller decides whether that is a failure (see [`browser_or_skip`]).
    /// Any other start-up problem panics.
    pub async fn start(width: u32, height: u32) -> Option<Browser> {
        let chromium = locate(CHROMIUM, "chromium")?;
        let chromedriver_bin = locate(CHROMEDRIVER, "chromedriver")?;

        let profile_dir = fresh_temp_dir("passerelles-chromium");
        let log_path = profile_dir.with_extension("chromedriver.log");
        let port = free_port();
        let mut chromedriver = Command::new(&chromedriver_bin)
            .arg(format!("--port={port}"))
            .arg(format!("--log-path={}", log_path.display()))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("spawning {}: {e}", chromedriver_bin.display()));
        let base = format!("http://127.0.0.1:{port}");

        let client = reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(90))
            .build()
            .expect("building the WebDriver HTTP client");

        // Wait for chromedriver to report ready.
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(Some(status)) = chromedriver.try_wait() {
                let log = std::fs::read_to_string(&log_path).unwrap_or_default();
                panic!("chromedriver exited early ({status}); log:\n{log}");
            }
            let ready = match client.get(format!("{base}/status")).send().await {
                Ok(response) => response
                    .json::<Value>()
                    .await
                    .ok()
                    .and_then(|v| v.pointer("/value/ready").and_then(Value::as_bool))
                    .unwrap_or(false),
                Err(_) => false,
            };
            if ready {
                break;
            }
            if Instant::now() > deadline {
                let _ = chromedriver.kill();
                let _ = chromedriver.wait();
                let log = std::fs::read_to_string(&log_path).unwrap_or_default();
                panic!("chromedriver on port {port} not ready after 20 s; log:\n{log}");
            }
            tokio::time::sleep(POLL_INTERVAL).await;
        }

        let capabilities = json!({
            "capabilities": {
                "alwaysMatch": {
                    "browserName": "chrome",
                    "pageLoadStrategy": "normal",
                    "timeouts": { "implicit": 0, "pageLoad": 30000, "script": 30000 },
                    "goog:chromeOptions": {
                        "binary": chromium.to_string_lossy(),
                        "args": [
                            "--headless=new",
                            "--no-sandbox",
                            "--disable-gpu",
                            "--disable-dev-shm-usage",
                            "--disable-background-networking",
                            "--disable-component-update",
                            "--disable-sync",
                            "--no-first-run",
                            "--disable-quic",
                            format!("--user-data-dir={}", profile_dir.display()),
                            format!("--window-size={width},{height}"),
                            "--lang=fr-CA",
                        ],
                        "prefs": { "intl.accept_languages": "fr-CA,fr" },
                    },
                },
            },
        });
        let created = match try_send_command(
            &client,
            reqwest::Method::POST,
            &format!("{base}/session"),
            Some(capabilities),
        )
        .await
        {
            Ok(value) => value,
            Err((error, message)) => {
                let _ = chromedriver.kill();
                let _ = chromedriver.wait();
                let _ = std::fs::remove_dir_all(&profile_dir);
                let log = std::fs::read_to_string(&log_path).unwrap_or_default();
                panic!(
                    "creating a WebDriver session failed: {error}: {message}\nchromedriver log:\n{log}"
                );
            }
        };
        let session_id = created
            .get("sessionId")
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("new session response without sessionId: {created}"))
            .to_owned();
        let _ = std::fs::remove_file(&log_path);

        let session = Arc::new(Session {
            client,
            url: format!("{base}/session/{session_id}"),
        });
        Some(Browser {
            chromedriver,
            base,
            session_id,
            session,
            profile_dir,
            closed: false,
        })
    }

    pub fn session_id(&self) -> &str {
        &self.session_id
    }

    /// Navigates and waits for the page load to complete.
    pub async fn goto(&self, url: &str) {
        self.session.post("/url", json!({ "url": url })).await;
    }

    pub async fn current_url(&self) -> String {
        as_string(self.session.get("/url").await)
    }

    pub async fn title(&self) -> String {
        as_string(self.session.get("/title").await)
    }

    pub async fn source(&self) -> String {
        as_string(self.session.get("/source").await)
    }

    pub async fn back(&self) {
        self.session.post("/back", json!({})).await;
    }

    pub async fn refresh(&self) {
        self.session.post("/refresh", json!({})).await;
    }

    /// Forgets every cookie of the current domain (signs out, HttpOnly
    /// session cookie included).
    pub async fn delete_cookies(&self) {
        self.session
            .cmd(reqwest::Method::DELETE, "/cookie", None)
            .await;
    }

    /// Runs synchronous JavaScript (`return ...;`) and returns its result.
    pub async fn execute(&self, script: &str, args: Vec<Value>) -> Value {
        self.session
            .post("/execute/sync", json!({ "script": script, "args": args }))
            .await
    }

    /// Lets downloads land in `dir` (Chrome DevTools Protocol
    /// `Browser.setDownloadBehavior` through chromedriver's `goog/cdp`).
    pub async fn allow_downloads(&self, dir: &Path) {
        self.session
            .post(
                "/goog/cdp/execute",
                json!({"cmd": "Browser.setDownloadBehavior", "params": {"behavior": "allow", "downloadPath": dir.to_string_lossy(), "eventsEnabled": false}}),
            )
            .await;
    }

    /// Adds a WebAuthn virtual authenticator (WebAuthn Level 2 §11.3, the
    /// WebDriver extension); returns its id. Passkeys made by the page live
    /// in it for the rest of the session.
    pub async fn add_virtual_authenticator(&self, options: Value) -> String {
        as_string(self.session.post("/webauthn/authenticator", options).await)
    }

    /// The credentials a virtual authenticator holds (id, rpId, userHandle,
    /// isResidentCredential, signCount…).
    pub async fn virtual_credentials(&self, authenticator_id: &str) -> Vec<Value> {
        match self
            .session
            .get(&format!(
                "/webauthn/authenticator/{authenticator_id}/credentials"
            ))
            .await
        {
            Value::Array(a) => a,
            other => panic!("credentials: {other}"),
        }
    }

    /// The first element matching `css`, or `None` right away.
    pub async fn try_find(&self, css: &str) -> Option<Element> {
        let body = json!({ "using": "css selector", "value": css });
        match self
            .session
            .try_cmd(reqwest::Method::POST, "/element", Some(body))
            .await
        {
            Ok(value) => Some(self.element(value)),
            Err((error, _)) if error == "no such element" => None,
            Err((error, message)) => panic!("WebDriver find {css:?} failed: {error}: {message}"),
        }
    }

    /// The first element matching `css`, retrying for a few seconds; panics
    /// with the selector and the page URL if it never appears.
    pub async fn find(&self, css: &str) -> Element {
        let deadline = Instant::now() + FIND_TIMEOUT;
        loop {
            if let Some(element) = self.try_find(css).await {
                return element;
            }
            if Instant::now() > deadline {
                let url = self.current_url().await;
                panic!("no element matches {css:?} on {url}");
            }
            tokio::time::sleep(POLL_INTERVAL).await;
        }
    }

    /// All elements matching `css` (no waiting; possibly empty).
    pub async fn find_all(&self, css: &str) -> Vec<Element> {
        let value = self
            .session
            .post(
                "/elements",
                json!({ "using": "css selector", "value": css }),
            )
            .await;
        value
            .as_array()
            .unwrap_or_else(|| panic!("find_all {css:?}: expected an array, got {value}"))
            .iter()
            .map(|v| self.element(v.clone()))
            .collect()
    }

    /// Clears the field matching `css` and types `text` into it.
    pub async fn fill(&self, css: &str, text: &str) {
        let element = self.find(css).await;
        element.clear().await;
        element.send_keys(text).await;
    }

    /// Scrolls the element to the middle of the viewport, then clicks it
    /// (so that nothing at the window's edge can intercept the click).
    pub async fn click(&self, css: &str) {
        let element = self.find(css).await;
        self.execute(
            "arguments[0].scrollIntoView({block: 'center', inline: 'center', behavior: 'instant'});",
            vec![json!({ ELEMENT_KEY: element.id() })],
        )
        .await;
        element.click().await;
    }

    /// Click something that loads a new page (a submit button, a link) and
    /// wait until the new document has finished loading.
    pub async fn click_and_wait(&self, css: &str) {
        self.execute("window.__pwOldPage = true;", vec![]).await;
        self.click(css).await;
        let start = Instant::now();
        loop {
            let done = self
                .execute(
                    "return !window.__pwOldPage && document.readyState === 'complete';",
                    vec![],
                )
                .await;
            if done == Value::Bool(true) {
                return;
            }
            if start.elapsed() > Duration::from_secs(15) {
                panic!(
                    "no new page loaded after clicking {css} (still at {})",
                    self.current_url().await
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The rendered text of the first element matching `css`.
    pub async fn text(&self, css: &str) -> String {
        self.find(css).await.text().await
    }

    pub async fn set_window_size(&self, w: u32, h: u32) {
        self.session
            .post("/window/rect", json!({ "width": w, "height": h }))
            .await;
    }

    /// Saves a PNG screenshot of the viewport (parent directories are created).
    pub async fn screenshot(&self, path: &Path) {
        let encoded = as_string(self.session.get("/screenshot").await);
        let png = base64::engine::general_purpose::STANDARD
            .decode(encoded.trim())
            .unwrap_or_else(|e| panic!("screenshot: invalid base64: {e}"));
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent)
                .unwrap_or_else(|e| panic!("creating {}: {e}", parent.display()));
        }
        std::fs::write(path, png).unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
    }

    /// Polls every 100 ms for up to 15 s until the URL contains `needle`;
    /// panics with the current URL otherwise.
    pub async fn wait_for_url_contains(&self, needle: &str) {
        let deadline = Instant::now() + URL_WAIT_TIMEOUT;
        loop {
            let url = self.current_url().await;
            if url.contains(needle) {
                return;
            }
            if Instant::now() > deadline {
                panic!("URL never contained {needle:?} within 15 s; current URL: {url}");
            }
            tokio::time::sleep(POLL_INTERVAL).await;
        }
    }

    /// Screenshots each path (relative to `base_url`) at every size of
    /// [`CAPTURE_SIZES`] into `out_dir/<slug>-<width>.png`; returns the files.
    /// The window is left at the last size.
    pub async fn capture_paths(
        &self,
        base_url: &str,
        paths: &[&str],
        out_dir: &Path,
    ) -> Vec<PathBuf> {
        let base_url = base_url.trim_end_matches('/');
        let mut written = Vec::new();
        for &(w, h) in &CAPTURE_SIZES {
            self.set_window_size(w, h).await;
            for path in paths {
                let url = if path.starts_with("http://") || path.starts_with("https://") {
                    (*path).to_owned()
                } else if path.starts_with('/') {
                    format!("{base_url}{path}")
                } else {
                    format!("{base_url}/{path}")
                };
                self.goto(&url).await;
                let file = out_dir.join(format!("{}-{w}.png", slug(path)));
                self.screenshot(&file).await;
                written.push(file);
            }
        }
        written
    }

    /// Ends the session and stops chromedriver.
    pub async fn quit(mut self) {
        if !self.closed {
            self.closed = true;
            let _ = self
                .session
                .try_cmd(reqwest::Method::DELETE, "", None)
                .await;
        }
        // Drop kills chromedriver and removes the profile directory.
    }

    fn element(&self, value: Value) -> Element {
        let id = value
            .get(ELEMENT_KEY)
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("not a W3C element reference: {value}"))
            .to_owned();
        Element {
            session: Arc::clone(&self.session),
            id,
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.closed {
            // Best-effort synchronous session deletion so Chromium exits with
            // chromedriver (we may be unwinding from a panic: no async here).
            self.closed = true;
            let authority = self.base.trim_start_matches("http://").to_owned();
            blocking_http(
                &authority,
                "DELETE",
                &format!("/session/{}", self.session_id),
            );
        }
        let _ = self.chromedriver.kill();
        let _ = self.chromedriver.wait();
        let _ = std::fs::remove_dir_all(&self.profile_dir);
    }
}

/// A tiny synchronous HTTP/1.1 request, response ignored (used from `Drop`).
fn blocking_http(authority: &str, method: &str, path: &str) {
    let Ok(addr) = authority.parse::<std::net::SocketAddr>() else {
        return;
    };
    let Ok(mut stream) = TcpStream::connect_timeout(&addr, Duration::from_secs(2)) else {
        return;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let _ = stream.set_write_timeout(Some(Duration::from_secs(2)));
    let request = format!(
        "{method} {path} HTTP/1.1\r\nHost: {authority}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    if stream.write_all(request.as_bytes()).is_ok() {
        let mut sink = Vec::new();
        let _ = stream.read_to_end(&mut sink);
    }
}

fn as_string(value: Value) -> String {
    match value {
        Value::String(s) => s,
        other => panic!("WebDriver: expected a string, got {other}"),
    }
}

/// A reference to an element of the current page.
#[derive(Clone)]
pub struct Element {
    session: Arc<Session>,
    id: String,
}

impl Element {
    pub fn id(&self) -> &str {
        &self.id
    }

    pub async fn click(&self) {
        self.session
            .post(&format!("/element/{}/click", self.id), json!({}))
            .await;
    }

    pub async fn send_keys(&self, text: &str) {
        self.session
            .post(
                &format!("/element/{}/value", self.id),
                json!({ "text": text }),
            )
            .await;
    }

    pub async fn clear(&self) {
        self.session
            .post(&format!("/element/{}/clear", self.id), json!({}))
            .await;
    }

    /// The rendered (visible) text.
    pub async fn text(&self) -> String {
        as_string(
            self.session
                .get(&format!("/element/{}/text", self.id))
                .await,
        )
    }

    /// The attribute's value, or `None` when the attribute is absent.
    pub async fn attribute(&self, name: &str) -> Option<String> {
        let value = self
            .session
            .get(&format!("/element/{}/attribute/{name}", self.id))
            .await;
        match value {
            Value::Null => None,
            Value::String(s) => Some(s),
            other => Some(other.to_string()),
        }
    }

    /// The DOM property's value (e.g. `value` of an input, `checked`).
    pub async fn property(&self, name: &str) -> Value {
        self.session
            .get(&format!("/element/{}/property/{name}", self.id))
            .await
    }

    /// First descendant matching `css`; panics if there is none.
    pub async fn find(&self, css: &str) -> Element {
        let value = self
            .session
            .post(
                &format!("/element/{}/element", self.id),
                json!({ "using": "css selector", "value": css }),
            )
            .await;
        let id = value
            .get(ELEMENT_KEY)
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("not a W3C element reference: {value}"))
            .to_owned();
        Element {
            session: Arc::clone(&self.session),
            id,
        }
    }
}

/// File-name slug for a URL path: `/` → `home`, `/groups/new?x=1` → `groups-new-x-1`.
pub fn slug(path: &str) -> String {
    let path = path
        .trim_start_matches("http://")
        .trim_start_matches("https://");
    let mut out = String::new();
    for c in path.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    if out.is_empty() {
        "home".to_owned()
    } else {
        out
    }
}

/// Screenshots each path of `base_url` at 360×800 and 1280×900 into
/// `out_dir/<slug>-<width>.png` with a fresh browser; returns the files written
/// (empty, with a SKIPPED line, when the browser is not installed and
/// `PASSERELLES_REQUIRE_E2E` is not 1).
pub async fn capture(base_url: &str, paths: &[&str], out_dir: &Path) -> Vec<PathBuf> {
    let Some(browser) = browser_or_skip(1280, 900, "capture").await else {
        return Vec::new();
    };
    let written = browser.capture_paths(base_url, paths, out_dir).await;
    browser.quit().await;
    written
}

// ---------------------------------------------------------------------------
// Self-test: the client against a tiny local HTTP server.
// ---------------------------------------------------------------------------

const FORM_PAGE: &str = r#"<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>Formulaire d'essai</title></head>
<body>
  <h1 id="heading">Bonjour</h1>
  <ul><li class="item">un</li><li class="item">deux</li><li class="item">trois</li></ul>
  <form method="post" action="/submit">
    <label for="q">Message</label>
    <input id="q" name="q" value="à effacer" data-role="message">
    <button id="send" type="submit">Envoyer</button>
  </form>
</body></html>"#;

#[derive(Default, Debug)]
struct Seen {
    posted_bodies: Vec<String>,
    accept_language: Vec<String>,
}

fn find_subsequence(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Serves one HTTP/1.1 request per connection (`Connection: close`).
async fn serve(mut socket: tokio::net::TcpStream, seen: Arc<Mutex<Seen>>) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let header_end = loop {
        if let Some(pos) = find_subsequence(&buf, b"\r\n\r\n") {
            break pos + 4;
        }
        match socket.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    };
    let head = String::from_utf8_lossy(&buf[..header_end]).into_owned();
    let mut lines = head.lines();
    let request_line = lines.next().unwrap_or_default().to_owned();
    let mut content_length = 0usize;
    for line in lines {
        if let Some((name, value)) = line.split_once(':') {
            let value = value.trim();
            if name.eq_ignore_ascii_case("content-length") {
                content_length = value.parse().unwrap_or(0);
            } else if name.eq_ignore_ascii_case("accept-language") {
                seen.lock().await.accept_language.push(value.to_owned());
            }
        }
    }
    while buf.len() < header_end + content_length {
        match socket.read(&mut chunk).await {
            Ok(0) | Err(_) => break,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    let end = buf.len().min(header_end + content_length);
    let body = String::from_utf8_lossy(&buf[header_end..end]).into_owned();

    let (status, page) = if request_line.starts_with("GET / ") {
        ("200 OK", FORM_PAGE.to_owned())
    } else if request_line.starts_with("POST /submit ") {
        seen.lock().await.posted_bodies.push(body.clone());
        (
            "200 OK",
            format!(
                "<!doctype html><html><head><meta charset=\"utf-8\"><title>Reçu</title></head>\
                 <body><p id=\"got\">reçu: {}</p></body></html>",
                body.replace('&', "&amp;").replace('<', "&lt;")
            ),
        )
    } else {
        (
            "404 Not Found",
            "<!doctype html><title>404</title>".to_owned(),
        )
    };
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{page}",
        page.len()
    );
    let _ = socket.write_all(response.as_bytes()).await;
    let _ = socket.shutdown().await;
}

#[test]
fn slugs() {
    assert_eq!(slug("/"), "home");
    assert_eq!(slug(""), "home");
    assert_eq!(slug("/groups/new?x=1"), "groups-new-x-1");
    assert_eq!(slug("/Événements/"), "v-nements");
    assert_eq!(slug("http://127.0.0.1:8080/a"), "127-0-0-1-8080-a");
}

#[tokio::test]
async fn browser_renders_a_local_page() {
    let Some(browser) = Browser::start(1024, 768).await else {
        if e2e_required() {
            panic!(
                "chromium/chromedriver not installed but PASSERELLES_REQUIRE_E2E=1 \
                 (install with: apt-get install -y chromium chromium-driver)"
            );
        }
        crate::harness::skip(
            "browser_renders_a_local_page",
            "chromium/chromedriver not installed",
        );
        return;
    };

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Seen::default()));
    let server_seen = Arc::clone(&seen);
    let server = tokio::spawn(async move {
        loop {
            let Ok((socket, _)) = listener.accept().await else {
                break;
            };
            tokio::spawn(serve(socket, Arc::clone(&server_seen)));
        }
    });

    browser.goto(&format!("{base}/")).await;
    assert_eq!(browser.title().await, "Formulaire d'essai");
    assert!(browser.current_url().await.starts_with(&base));
    assert!(browser.source().await.contains("data-role=\"message\""));
    assert_eq!(browser.text("#heading").await, "Bonjour");

    let items = browser.find_all("li.item").await;
    assert_eq!(items.len(), 3);
    assert_eq!(items[1].text().await, "deux");
    assert!(browser.find_all("table").await.is_empty());
    assert!(browser.try_find("#absent").await.is_none());

    let input = browser.find("#q").await;
    assert_eq!(
        input.attribute("data-role").await.as_deref(),
        Some("message")
    );
    assert_eq!(input.attribute("no-such-attribute").await, None);

    browser.fill("#q", "Bonjour Québec & co").await;
    assert_eq!(
        input.property("value").await,
        Value::String("Bonjour Québec & co".into())
    );

    browser.set_window_size(360, 800).await;
    let shot = fresh_temp_dir("passerelles-wd-shot").join("form.png");
    browser.screenshot(&shot).await;
    let png = std::fs::read(&shot).unwrap();
    assert!(
        png.starts_with(b"\x89PNG\r\n\x1a\n"),
        "screenshot is not a PNG"
    );
    let _ = std::fs::remove_dir_all(shot.parent().unwrap());

    browser.click("#send").await;
    browser.wait_for_url_contains("/submit").await;
    assert_eq!(browser.title().await, "Reçu");
    assert!(
        browser
            .text("#got")
            .await
            .contains("q=Bonjour+Qu%C3%A9bec+%26+co"),
        "page: {}",
        browser.source().await
    );

    {
        let seen = seen.lock().await;
        assert_eq!(
            seen.posted_bodies,
            vec!["q=Bonjour+Qu%C3%A9bec+%26+co".to_owned()]
        );
        assert!(
            seen.accept_language.iter().all(|l| l.starts_with("fr-CA")),
            "Accept-Language: {:?}",
            seen.accept_language
        );
        assert!(!seen.accept_language.is_empty());
    }

    // Capture helper: both sizes, slugged names.
    let out_dir = fresh_temp_dir("passerelles-wd-capture");
    let files = browser
        .capture_paths(&base, &["/", "/missing?x=1"], &out_dir)
        .await;
    let names: Vec<String> = files
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        [
            "home-360.png",
            "missing-x-1-360.png",
            "home-1280.png",
            "missing-x-1-1280.png"
        ]
    );
    for file in &files {
        assert!(std::fs::read(file).unwrap().starts_with(b"\x89PNG"));
    }
    let _ = std::fs::remove_dir_all(&out_dir);

    browser.quit().await;
    server.abort();
}
