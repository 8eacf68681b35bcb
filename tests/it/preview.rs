//! Link previews and the guarded fetcher against real local HTTP servers:
//! metadata, charsets, redirects, address guards, size and time limits.

use std::io::Cursor;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use passerelles::fetch::{FetchError, FetchPolicy, Fetcher, user_agent};
use passerelles::preview::{fetch_preview, normalize_url};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A hand-written HTTP/1.1 server on 127.0.0.1:0 (one request per connection).
struct Server {
    addr: SocketAddr,
    connections: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Server {
    /// `other` is where `/escape` redirects.
    async fn start(other: Option<SocketAddr>) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let connections = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&connections);
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                counter.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(handle(stream, addr, other));
            }
        });
        Server {
            addr,
            connections,
            task,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

const OG_PAGE: &str = r#"<!DOCTYPE html>
<html lang="fr"><head>
<meta charset="utf-8">
<title>Titre de secours</title>
<meta property="og:title" content="L&#39;économie sociale au Québec">
<meta property="og:description" content="Coopératives, OBNL et entreprises d&#x27;économie sociale &amp; leurs réseaux.">
<meta property="og:site_name" content="Chantier de l&rsquo;économie sociale">
<meta property="og:image" content="/img.png">
</head><body><h1>Bonjour</h1></body></html>"#;

fn png(width: u32, height: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 160])
    });
    let mut out = Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut out, image::ImageFormat::Png)
        .unwrap();
    out.into_inner()
}

async fn handle(mut stream: TcpStream, me: SocketAddr, other: Option<SocketAddr>) {
    // Read the request head.
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
        if head.len() > 16 * 1024 {
            return;
        }
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    let path = head
        .lines()
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .unwrap_or("/")
        .to_string();

    let redirect = |status: &str, to: String| {
        (
            status.to_string(),
            vec![("Location".to_string(), to)],
            Vec::new(),
        )
    };
    let ok = |content_type: &str, body: Vec<u8>| {
        (
            "200 OK".to_string(),
            vec![("Content-Type".to_string(), content_type.to_string())],
            body,
        )
    };

    let (status, headers, body) = match path.as_str() {
        "/page" => ok("text/html; charset=utf-8", OG_PAGE.as_bytes().to_vec()),
        "/img.png" | "/photo" => ok("image/png", png(800, 400)),
        "/latin1" => ok(
            "text/html",
            b"<html><head><title>Caf\xe9 \xe0 Qu\xe9bec</title></head><body>\xe9</body></html>".to_vec(),
        ),
        "/latin1-declared" => ok(
            "text/html; charset=ISO-8859-1",
            b"<html><head><title>Caf\xe9 \xe0 Qu\xe9bec</title></head></html>".to_vec(),
        ),
        "/r1" => redirect("302 Found", "/r2".to_string()),
        "/r2" => redirect("301 Moved Permanently", format!("http://{me}/page")),
        "/escape" => redirect(
            "302 Found",
            format!("http://{}/", other.unwrap_or_else(|| "127.0.0.1:9".parse().unwrap())),
        ),
        "/loop" => redirect("302 Found", "/loop2".to_string()),
        "/loop2" => redirect("302 Found", "/loop".to_string()),
        p if p.starts_with("/chain/") => {
            let n: u32 = p["/chain/".len()..].parse().unwrap_or(0);
            redirect("307 Temporary Redirect", format!("/chain/{}", n + 1))
        }
        "/to-ftp" => redirect("302 Found", "ftp://example.com/x".to_string()),
        "/to-metadata" => redirect("302 Found", "http://169.254.169.254/latest/meta-data".to_string()),
        "/doc/rapport%20annuel.pdf" => ok("application/pdf", b"%PDF-1.4\n%fake\n".to_vec()),
        "/big" => ok("text/html", vec![b'a'; 3_000_000]),
        "/missing" => ("404 Not Found".to_string(), vec![("Content-Type".to_string(), "text/html".to_string())], b"<h1>404</h1>".to_vec()),
        "/broken-image-page" => ok(
            "text/html",
            b"<head><title>Image cass\xc3\xa9e</title><meta property='og:image' content='/not-an-image'></head>".to_vec(),
        ),
        "/not-an-image" => ok("image/png", b"this is not a png".to_vec()),
        "/evil-image-page" => ok(
            "text/html",
            format!(
                "<head><title>Image interdite</title><meta property='og:image' content='http://{}/img.png'></head>",
                other.unwrap_or_else(|| "127.0.0.1:9".parse().unwrap())
            )
            .into_bytes(),
        ),
        "/untyped" => ("200 OK".to_string(), Vec::new(), b"<!doctype html><title>Sans type</title>".to_vec()),
        "/endless" | "/big-nolength" | "/drip" => {
            // No Content-Length: the body ends when the connection closes (never, or after 3 MB).
            let _ = stream
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nConnection: close\r\n\r\n")
                .await;
            let chunk = vec![b'x'; 8192];
            let mut sent = 0usize;
            loop {
                let result = if path == "/drip" {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    stream.write_all(b"x").await
                } else {
                    stream.write_all(&chunk).await
                };
                if result.is_err() {
                    return;
                }
                sent += chunk.len();
                if path == "/big-nolength" && sent >= 3_000_000 {
                    return;
                }
            }
        }
        "/slow" => {
            // Never answers; the client must give up.
            tokio::time::sleep(Duration::from_secs(60)).await;
            return;
        }
        _ => ("404 Not Found".to_string(), Vec::new(), Vec::new()),
    };

    let mut response = format!(
        "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (name, value) in headers {
        response.push_str(&format!("{name}: {value}\r\n"));
    }
    response.push_str("\r\n");
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.write_all(&body).await;
    let _ = stream.shutdown().await;
}

fn fetcher() -> Fetcher {
    Fetcher::new(&user_agent("https://passerelles.test"))
}

fn small_policy(server: &Server, max_bytes: usize, timeout: Duration) -> FetchPolicy {
    FetchPolicy {
        max_bytes,
        timeout,
        max_redirects: 5,
        allow_loopback_for_tests: vec![server.addr],
        accept: "*/*",
    }
}

fn jpeg_dimensions(bytes: &[u8]) -> (u32, u32) {
    assert_eq!(
        image::guess_format(bytes).unwrap(),
        image::ImageFormat::Jpeg
    );
    let img = image::load_from_memory(bytes).unwrap();
    (img.width(), img.height())
}

#[tokio::test]
async fn html_page_with_open_graph_and_local_thumbnail() {
    let server = Server::start(None).await;
    let preview = fetch_preview(&fetcher(), &server.url("/page"), &[server.addr])
        .await
        .unwrap();
    assert_eq!(preview.url, server.url("/page"));
    assert_eq!(preview.title, "L'économie sociale au Québec");
    assert_eq!(
        preview.description,
        "Coopératives, OBNL et entreprises d'économie sociale & leurs réseaux."
    );
    assert_eq!(preview.site_name, "Chantier de l’économie sociale");
    assert_eq!(preview.content_type, "text/html");
    let image = preview.image.expect("thumbnail");
    assert_eq!(jpeg_dimensions(&image), (400, 200));
    // The page and its image.
    assert_eq!(server.connections(), 2);
}

#[tokio::test]
async fn latin1_page_with_only_a_title() {
    let server = Server::start(None).await;
    for path in ["/latin1", "/latin1-declared"] {
        let preview = fetch_preview(&fetcher(), &server.url(path), &[server.addr])
            .await
            .unwrap();
        assert_eq!(preview.title, "Café à Québec", "{path}");
        assert_eq!(preview.description, "");
        assert_eq!(preview.site_name, "127.0.0.1");
        assert_eq!(preview.image, None);
    }
    // No Content-Type at all: sniffed.
    let preview = fetch_preview(&fetcher(), &server.url("/untyped"), &[server.addr])
        .await
        .unwrap();
    assert_eq!(preview.title, "Sans type");
    assert_eq!(preview.content_type, "text/html");
}

#[tokio::test]
async fn redirect_chain_is_followed() {
    let server = Server::start(None).await;
    let preview = fetch_preview(&fetcher(), &server.url("/r1"), &[server.addr])
        .await
        .unwrap();
    assert_eq!(preview.url, server.url("/page"));
    assert_eq!(preview.title, "L'économie sociale au Québec");
}

#[tokio::test]
async fn redirect_to_an_address_outside_the_allow_list_is_refused() {
    let other = Server::start(None).await;
    let server = Server::start(Some(other.addr)).await;
    let err = fetch_preview(&fetcher(), &server.url("/escape"), &[server.addr])
        .await
        .unwrap_err();
    assert_eq!(err, FetchError::ForbiddenAddress);
    assert_eq!(err.message_key(), "fetch-forbidden-address");
    assert_eq!(other.connections(), 0, "the other server was contacted");

    let err = fetch_preview(&fetcher(), &server.url("/to-metadata"), &[server.addr])
        .await
        .unwrap_err();
    assert_eq!(err, FetchError::ForbiddenAddress);
    let err = fetch_preview(&fetcher(), &server.url("/to-ftp"), &[server.addr])
        .await
        .unwrap_err();
    assert_eq!(err, FetchError::ForbiddenScheme);
}

#[tokio::test]
async fn og_image_on_a_forbidden_address_is_not_fetched() {
    let other = Server::start(None).await;
    let server = Server::start(Some(other.addr)).await;
    let preview = fetch_preview(&fetcher(), &server.url("/evil-image-page"), &[server.addr])
        .await
        .unwrap();
    assert_eq!(preview.title, "Image interdite");
    assert_eq!(preview.image, None);
    assert_eq!(other.connections(), 0);

    // A broken image just means no image.
    let preview = fetch_preview(
        &fetcher(),
        &server.url("/broken-image-page"),
        &[server.addr],
    )
    .await
    .unwrap();
    assert_eq!(preview.title, "Image cassée");
    assert_eq!(preview.image, None);
}

#[tokio::test]
async fn redirect_loops_and_long_chains_stop() {
    let server = Server::start(None).await;
    let err = fetch_preview(&fetcher(), &server.url("/loop"), &[server.addr])
        .await
        .unwrap_err();
    assert_eq!(err, FetchError::TooManyRedirects);
    let before = server.connections();
    let err = fetch_preview(&fetcher(), &server.url("/chain/0"), &[server.addr])
        .await
        .unwrap_err();
    assert_eq!(err, FetchError::TooManyRedirects);
    // The first request and 5 redirects, no more.
    assert_eq!(server.connections() - before, 6);
}

#[tokio::test]
async fn endless_body_is_cut() {
    let server = Server::start(None).await;
    let started = Instant::now();
    let err = fetcher()
        .get(
            &server.url("/endless"),
            &small_policy(&server, 64 * 1024, Duration::from_secs(10)),
        )
        .await
        .unwrap_err();
    assert_eq!(err, FetchError::TooLarge);
    assert!(started.elapsed() < Duration::from_secs(5));

    // Trickling forever under a generous size limit: the time limit cuts it.
    let started = Instant::now();
    let err = fetcher()
        .get(
            &server.url("/drip"),
            &small_policy(&server, 10 << 20, Duration::from_secs(1)),
        )
        .await
        .unwrap_err();
    assert_eq!(err, FetchError::Timeout);
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[tokio::test]
async fn silent_server_times_out() {
    let server = Server::start(None).await;
    let started = Instant::now();
    let err = fetcher()
        .get(
            &server.url("/slow"),
            &small_policy(&server, 1 << 20, Duration::from_secs(1)),
        )
        .await
        .unwrap_err();
    assert_eq!(err, FetchError::Timeout);
    assert_eq!(err.message_key(), "fetch-timeout");
    let elapsed = started.elapsed();
    assert!(
        elapsed >= Duration::from_millis(900) && elapsed < Duration::from_secs(3),
        "{elapsed:?}"
    );
}

#[tokio::test]
async fn large_bodies_are_refused() {
    let server = Server::start(None).await;
    for path in ["/big", "/big-nolength"] {
        let err = fetch_preview(&fetcher(), &server.url(path), &[server.addr])
            .await
            .unwrap_err();
        assert_eq!(err, FetchError::TooLarge, "{path}");
        assert_eq!(err.message_key(), "fetch-too-large");
    }
}

#[tokio::test]
async fn non_html_documents() {
    let server = Server::start(None).await;
    let preview = fetch_preview(
        &fetcher(),
        &server.url("/doc/rapport%20annuel.pdf"),
        &[server.addr],
    )
    .await
    .unwrap();
    assert_eq!(preview.title, "rapport annuel.pdf");
    assert_eq!(preview.site_name, "127.0.0.1");
    assert_eq!(preview.content_type, "application/pdf");
    assert_eq!(preview.image, None);

    // An image is its own preview image.
    let preview = fetch_preview(&fetcher(), &server.url("/photo"), &[server.addr])
        .await
        .unwrap();
    assert_eq!(preview.title, "photo");
    assert_eq!(preview.content_type, "image/png");
    assert_eq!(
        jpeg_dimensions(&preview.image.expect("thumbnail")),
        (400, 200)
    );
}

#[tokio::test]
async fn http_errors() {
    let server = Server::start(None).await;
    let err = fetch_preview(&fetcher(), &server.url("/missing"), &[server.addr])
        .await
        .unwrap_err();
    assert_eq!(err, FetchError::Http(404));
    assert_eq!(err.message_key(), "fetch-http-error");
}

#[tokio::test]
async fn loopback_without_allow_list_is_refused_before_connecting() {
    let server = Server::start(None).await;
    let err = fetch_preview(&fetcher(), &server.url("/page"), &[])
        .await
        .unwrap_err();
    assert_eq!(err, FetchError::ForbiddenAddress);
    // Allowing another port of the same host is not enough.
    let mut wrong_port = server.addr;
    wrong_port.set_port(if server.addr.port() == 65535 {
        1024
    } else {
        server.addr.port() + 1
    });
    let err = fetch_preview(&fetcher(), &server.url("/page"), &[wrong_port])
        .await
        .unwrap_err();
    assert_eq!(err, FetchError::ForbiddenAddress);
    // A name that resolves to loopback is refused the same way.
    let err = fetch_preview(
        &fetcher(),
        &format!("http://localhost:{}/page", server.addr.port()),
        &[],
    )
    .await
    .unwrap_err();
    assert_eq!(err, FetchError::ForbiddenAddress);
    assert_eq!(server.connections(), 0, "a connection was made");
}

#[tokio::test]
async fn host_names_connect_only_to_vetted_addresses() {
    let server = Server::start(None).await;
    let port = server.addr.port();
    // `localhost` may resolve to both 127.0.0.1 and ::1: every address must be allowed.
    let allow = [
        server.addr,
        SocketAddr::from(([0u16, 0, 0, 0, 0, 0, 0, 1], port)),
    ];
    let preview = fetch_preview(&fetcher(), &format!("http://localhost:{port}/page"), &allow)
        .await
        .unwrap();
    assert_eq!(preview.title, "L'économie sociale au Québec");
    assert_eq!(preview.url, format!("http://localhost:{port}/page"));
}

#[tokio::test]
async fn forbidden_urls() {
    let fetcher = fetcher();
    for (url, expected) in [
        ("http://[::1]/", FetchError::ForbiddenAddress),
        (
            "http://169.254.169.254/latest/meta-data",
            FetchError::ForbiddenAddress,
        ),
        ("http://[::ffff:127.0.0.1]/", FetchError::ForbiddenAddress),
        ("http://10.0.0.1/", FetchError::ForbiddenAddress),
        ("http://0/", FetchError::ForbiddenAddress),
        ("ftp://x", FetchError::ForbiddenScheme),
        ("javascript:alert(1)", FetchError::ForbiddenScheme),
        ("file:///etc/passwd", FetchError::ForbiddenScheme),
        ("http://", FetchError::InvalidUrl),
        ("pas une URL", FetchError::InvalidUrl),
    ] {
        let err = fetch_preview(&fetcher, url, &[]).await.unwrap_err();
        assert_eq!(err, expected, "{url}");
    }
}

#[test]
fn normalized_urls() {
    for (input, expected) in [
        (
            "HTTPS://Exemple.CA:443/Article/?utm_source=infolettre&utm_medium=courriel&b=2&a=1#haut",
            "https://exemple.ca/Article?a=1&b=2",
        ),
        ("http://exemple.ca:80", "http://exemple.ca/"),
        ("http://exemple.ca:8080/", "http://exemple.ca:8080/"),
        (
            "https://exemple.ca/page/?fbclid=abc&gclid=def&mc_eid=ghi",
            "https://exemple.ca/page",
        ),
        (
            "https://exemple.ca/?q=%C3%A9t%C3%A9",
            "https://exemple.ca/?q=%C3%A9t%C3%A9",
        ),
    ] {
        assert_eq!(normalize_url(input).unwrap(), expected, "{input}");
    }
    assert_eq!(
        normalize_url("ftp://exemple.ca/"),
        Err(FetchError::ForbiddenScheme)
    );
    assert_eq!(
        normalize_url("javascript:alert(1)"),
        Err(FetchError::ForbiddenScheme)
    );
    assert_eq!(normalize_url("n'importe quoi"), Err(FetchError::InvalidUrl));
}
