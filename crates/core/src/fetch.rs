//! The one guarded HTTP client for everything that fetches the outside world
//! (link previews, news feeds with conditional GET, federation).
//!
//! Guards, in order, for every hop of a request:
//! - only `http` and `https` URLs, without credentials;
//! - the host is resolved here, and the request is refused when *any* of its
//!   addresses is not a public unicast address ([`is_forbidden_ip`]) or the port
//!   is one browsers refuse (SMTP, IMAP…), unless the exact socket address is
//!   in the policy's test allow-list;
//! - the connection can only go to the addresses vetted for this host: the
//!   client's DNS resolver does no lookup of its own, it hands back what the
//!   vetting step stored, so a DNS answer that changes between the check and the
//!   connection (rebinding) cannot redirect us;
//! - redirects are followed here (never by reqwest), each hop re-checked, at
//!   most `max_redirects`, loops refused;
//! - the body is streamed and cut past `max_bytes` (after decompression), with
//!   an early refusal on a larger `Content-Length`;
//! - the whole operation (DNS, connection, redirects, body) is bounded by
//!   `timeout`.
//!
//! System proxy settings are ignored on purpose: a proxy would resolve names
//! itself, outside the guards.

use std::collections::{HashMap, HashSet};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::header::{
    ACCEPT, CONTENT_LENGTH, CONTENT_TYPE, ETAG, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED,
    LOCATION,
};
use url::{Host, Url};

/// Connection timeout of the shared client (the policy bounds the whole request).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a vetted host → addresses entry stays usable by the resolver.
const VETTED_TTL: Duration = Duration::from_secs(60);
/// Most vetted hosts remembered at once.
const VETTED_MAX: usize = 4096;
/// Longest URL accepted, in bytes.
const MAX_URL_LEN: usize = 4096;

/// Ports browsers refuse to fetch ("bad ports" of the Fetch standard): mail,
/// shells, directory services… Used to keep us from speaking HTTP to them.
const BAD_PORTS: &[u16] = &[
    0, 1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95, 101,
    102, 103, 104, 109, 110, 111, 113, 115, 117, 119, 123, 135, 137, 139, 143, 161, 179, 389, 427,
    465, 512, 513, 514, 515, 526, 530, 531, 532, 540, 548, 554, 556, 563, 587, 601, 636, 989, 990,
    993, 995, 1719, 1720, 1723, 2049, 3659, 4045, 4190, 5060, 5061, 6000, 6566, 6665, 6666, 6667,
    6668, 6669, 6679, 6697, 10080,
];

/// The `User-Agent` of our outbound requests: `Passerelles/<version> (+<public_url>)`.
pub fn user_agent(public_url: &str) -> String {
    format!(
        "Passerelles/{} (+{})",
        env!("CARGO_PKG_VERSION"),
        public_url.trim_end_matches('/')
    )
}

/// Limits of one fetch.
#[derive(Debug, Clone)]
pub struct FetchPolicy {
    /// Largest body accepted (after decompression).
    pub max_bytes: usize,
    /// Bound on the whole operation: resolution, connections, redirects, body.
    pub timeout: Duration,
    /// Redirects followed before giving up.
    pub max_redirects: u8,
    /// Socket addresses allowed even though they are not public (tests only:
    /// local servers). Matched exactly, IP and port.
    pub allow_loopback_for_tests: Vec<SocketAddr>,
    /// `Accept` header sent.
    pub accept: &'static str,
}

impl Default for FetchPolicy {
    fn default() -> Self {
        FetchPolicy {
            max_bytes: 2 * 1024 * 1024,
            timeout: Duration::from_secs(10),
            max_redirects: 5,
            allow_loopback_for_tests: Vec::new(),
            accept: "*/*",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    #[error("invalid URL")]
    InvalidUrl,
    #[error("only http and https URLs can be fetched")]
    ForbiddenScheme,
    #[error("the address is not public")]
    ForbiddenAddress,
    #[error("the host name could not be resolved")]
    DnsFailed,
    #[error("too many redirects")]
    TooManyRedirects,
    #[error("the server took too long to answer")]
    Timeout,
    #[error("the response is too large")]
    TooLarge,
    #[error("the server answered with HTTP status {0}")]
    Http(u16),
    #[error("network error: {0}")]
    Network(String),
}

impl FetchError {
    /// Fluent message key for this error.
    pub fn message_key(&self) -> &'static str {
        match self {
            FetchError::InvalidUrl => "fetch-invalid-url",
            FetchError::ForbiddenScheme => "fetch-forbidden-scheme",
            FetchError::ForbiddenAddress => "fetch-forbidden-address",
            FetchError::DnsFailed => "fetch-dns-failed",
            FetchError::TooManyRedirects => "fetch-too-many-redirects",
            FetchError::Timeout => "fetch-timeout",
            FetchError::TooLarge => "fetch-too-large",
            FetchError::Http(_) => "fetch-http-error",
            FetchError::Network(_) => "fetch-network",
        }
    }
}

/// A successful (2xx) response.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// URL of the last hop, after redirects.
    pub final_url: Url,
    pub status: u16,
    /// The `Content-Type` header as sent, if any.
    pub content_type: Option<String>,
    /// At most the policy's `max_bytes` (empty when the caller chose not to read it).
    pub body: Bytes,
    /// The validators of the answer (`ETag`, `Last-Modified`), for a later
    /// conditional request ([`Fetcher::get_if_changed`]).
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

/// The validators a conditional GET sends back (RFC 9110 §13.1):
/// `If-None-Match` with the `ETag`, `If-Modified-Since` with the
/// `Last-Modified` of the previous answer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

/// The answer to a conditional GET.
#[derive(Debug, Clone)]
pub enum Conditional {
    /// 304: what we hold is current.
    NotModified,
    Changed(Fetched),
}

/// The guarded client. Cheap to clone (shares one connection pool).
#[derive(Clone)]
pub struct Fetcher {
    /// `None` only if the TLS backend could not be initialised; every fetch
    /// then fails with [`FetchError::Network`] (never an unguarded client).
    client: Option<reqwest::Client>,
    vetted: Arc<VettedHosts>,
}

impl std::fmt::Debug for Fetcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fetcher")
            .field("ready", &self.client.is_some())
            .finish_non_exhaustive()
    }
}

impl Fetcher {
    /// A client with redirects disabled, no proxy, no retries, a connect
    /// timeout, and a resolver limited to vetted addresses.
    pub fn new(user_agent: &str) -> Fetcher {
        let vetted = Arc::new(VettedHosts::default());
        let client = reqwest::Client::builder()
            .user_agent(user_agent)
            .redirect(reqwest::redirect::Policy::none())
            .retry(reqwest::retry::never())
            .no_proxy()
            .referer(false)
            .connect_timeout(CONNECT_TIMEOUT)
            .pool_idle_timeout(Duration::from_secs(30))
            .pool_max_idle_per_host(2)
            .dns_resolver(VettedResolver {
                hosts: Arc::clone(&vetted),
            })
            .build();
        let client = match client {
            Ok(client) => Some(client),
            Err(err) => {
                tracing::error!(error = %err, "cannot build the outbound HTTP client");
                None
            }
        };
        Fetcher { client, vetted }
    }

    /// GET `url` under `policy`; see the module documentation for the guards.
    /// Any non-2xx final answer is [`FetchError::Http`].
    pub async fn get(&self, url: &str, policy: &FetchPolicy) -> Result<Fetched, FetchError> {
        self.get_with_body_limit(url, policy, |_| Some(policy.max_bytes))
            .await
    }

    /// A conditional GET (feeds): the validators of the previous answer are
    /// sent with every hop; a 304 is [`Conditional::NotModified`], any other
    /// answer as [`Fetcher::get`].
    pub async fn get_if_changed(
        &self,
        url: &str,
        policy: &FetchPolicy,
        validators: &Validators,
    ) -> Result<Conditional, FetchError> {
        let Some(client) = self.client.as_ref() else {
            return Err(FetchError::Network("client unavailable".to_string()));
        };
        let limit = |_: Option<&str>| Some(policy.max_bytes);
        match tokio::time::timeout(
            policy.timeout,
            self.run(client, url, policy, &limit, Some(validators)),
        )
        .await
        {
            Ok(Ok(Some(f))) => Ok(Conditional::Changed(f)),
            Ok(Ok(None)) => Ok(Conditional::NotModified),
            Ok(Err(e)) => Err(e),
            Err(_) => Err(FetchError::Timeout),
        }
    }

    /// Like [`Fetcher::get`], but the caller decides from the `Content-Type`
    /// (`None` when absent) how much of the body to read: `Some(limit)` reads up
    /// to `limit` bytes (more is [`FetchError::TooLarge`]), `None` skips the
    /// body (e.g. a PDF only named in a preview). The limit is capped by
    /// `policy.max_bytes` only when the callback says so.
    pub async fn get_with_body_limit<F>(
        &self,
        url: &str,
        policy: &FetchPolicy,
        body_limit: F,
    ) -> Result<Fetched, FetchError>
    where
        F: Fn(Option<&str>) -> Option<usize> + Sync,
    {
        let Some(client) = self.client.as_ref() else {
            return Err(FetchError::Network("client unavailable".to_string()));
        };
        match tokio::time::timeout(
            policy.timeout,
            self.run(client, url, policy, &body_limit, None),
        )
        .await
        {
            // Without validators no answer is "not modified": a 304 is an
            // error like any other non-2xx.
            Ok(Ok(Some(f))) => Ok(f),
            Ok(Ok(None)) => Err(FetchError::Http(304)),
            Ok(Err(e)) => Err(e),
            Err(_) => Err(FetchError::Timeout),
        }
    }

    /// A GET whose every hop carries the headers `sign` makes for its URL
    /// (an HTTP signature is made for one target: a redirect is signed
    /// again for the next one). Otherwise as [`Fetcher::get`].
    pub async fn get_signed(
        &self,
        url: &str,
        policy: &FetchPolicy,
        sign: &(dyn Fn(&Url) -> Vec<(&'static str, String)> + Sync),
    ) -> Result<Fetched, FetchError> {
        let Some(client) = self.client.as_ref() else {
            return Err(FetchError::Network("client unavailable".to_string()));
        };
        let limit = |_: Option<&str>| Some(policy.max_bytes);
        match tokio::time::timeout(
            policy.timeout,
            self.run_signed(client, url, policy, &limit, None, Some(sign)),
        )
        .await
        {
            Ok(Ok(Some(f))) => Ok(f),
            Ok(Ok(None)) => Err(FetchError::Http(304)),
            Ok(Err(e)) => Err(e),
            Err(_) => Err(FetchError::Timeout),
        }
    }

    async fn run(
        &self,
        client: &reqwest::Client,
        url: &str,
        policy: &FetchPolicy,
        body_limit: &(dyn Fn(Option<&str>) -> Option<usize> + Sync),
        validators: Option<&Validators>,
    ) -> Result<Option<Fetched>, FetchError> {
        self.run_signed(client, url, policy, body_limit, validators, None)
            .await
    }

    async fn run_signed(
        &self,
        client: &reqwest::Client,
        url: &str,
        policy: &FetchPolicy,
        body_limit: &(dyn Fn(Option<&str>) -> Option<usize> + Sync),
        validators: Option<&Validators>,
        sign: Option<&(dyn Fn(&Url) -> Vec<(&'static str, String)> + Sync)>,
    ) -> Result<Option<Fetched>, FetchError> {
        let mut current = parse_url(url)?;
        let mut seen: HashSet<String> = HashSet::new();
        let mut redirects: u8 = 0;
        loop {
            seen.insert(current.as_str().to_string());
            self.vet(&current, policy).await?;

            let mut request = client.get(current.clone()).header(ACCEPT, policy.accept);
            if let Some(sign) = sign {
                for (name, value) in sign(&current) {
                    request = request.header(name, value);
                }
            }
            if let Some(v) = validators {
                if let Some(etag) = v.etag.as_deref().filter(|e| !e.is_empty()) {
                    request = request.header(IF_NONE_MATCH, etag);
                }
                if let Some(lm) = v.last_modified.as_deref().filter(|e| !e.is_empty()) {
                    request = request.header(IF_MODIFIED_SINCE, lm);
                }
            }
            let response = request.send().await.map_err(network_error)?;
            let status = response.status();
            if status.as_u16() == 304 && validators.is_some() {
                return Ok(None);
            }

            if status.is_redirection() {
                let Some(location) = response.headers().get(LOCATION) else {
                    return Err(FetchError::Http(status.as_u16()));
                };
                let location = location.to_str().map_err(|_| FetchError::InvalidUrl)?;
                let next = current
                    .join(location.trim())
                    .map_err(|_| FetchError::InvalidUrl)?;
                let next = check_url(next)?;
                if redirects >= policy.max_redirects || seen.contains(next.as_str()) {
                    return Err(FetchError::TooManyRedirects);
                }
                redirects += 1;
                current = next;
                continue;
            }
            if !status.is_success() {
                return Err(FetchError::Http(status.as_u16()));
            }

            let content_type = response
                .headers()
                .get(CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            let (etag, last_modified) = validators_of(&response);
            let body = match body_limit(content_type.as_deref()) {
                Some(limit) => read_body(response, limit).await?,
                None => Bytes::new(),
            };
            return Ok(Some(Fetched {
                final_url: current,
                status: status.as_u16(),
                content_type,
                body,
                etag,
                last_modified,
            }));
        }
    }

    /// POST `body` to `url` with `headers` (ActivityPub delivery), under the
    /// same guards as a GET. Redirects are not followed (a signed request is
    /// signed for one target): a 3xx is [`FetchError::Http`]. The answer's
    /// body is read up to the policy's `max_bytes`.
    pub async fn post(
        &self,
        url: &str,
        policy: &FetchPolicy,
        headers: &[(&str, String)],
        body: Bytes,
    ) -> Result<Fetched, FetchError> {
        let Some(client) = self.client.as_ref() else {
            return Err(FetchError::Network("client unavailable".to_string()));
        };
        let run = async {
            let url = parse_url(url)?;
            self.vet(&url, policy).await?;
            let mut req = client
                .post(url.clone())
                .header(ACCEPT, policy.accept)
                .body(body);
            for (name, value) in headers {
                req = req.header(*name, value.as_str());
            }
            let response = req.send().await.map_err(network_error)?;
            let status = response.status();
            if !status.is_success() {
                return Err(FetchError::Http(status.as_u16()));
            }
            let content_type = response
                .headers()
                .get(CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            let (etag, last_modified) = validators_of(&response);
            let body = read_body(response, policy.max_bytes).await?;
            Ok(Fetched {
                final_url: url,
                status: status.as_u16(),
                content_type,
                body,
                etag,
                last_modified,
            })
        };
        match tokio::time::timeout(policy.timeout, run).await {
            Ok(result) => result,
            Err(_) => Err(FetchError::Timeout),
        }
    }

    /// Resolve the URL's host and refuse it unless every address is allowed;
    /// remember the vetted addresses for the resolver.
    async fn vet(&self, url: &Url, policy: &FetchPolicy) -> Result<(), FetchError> {
        let port = url.port_or_known_default().ok_or(FetchError::InvalidUrl)?;
        let allowed = |addr: SocketAddr| {
            let addr = SocketAddr::new(addr.ip().to_canonical(), addr.port());
            policy
                .allow_loopback_for_tests
                .iter()
                .any(|a| SocketAddr::new(a.ip().to_canonical(), a.port()) == addr)
        };
        let check = |addr: SocketAddr| {
            if allowed(addr) || (!is_forbidden_ip(addr.ip()) && !BAD_PORTS.contains(&addr.port())) {
                Ok(())
            } else {
                Err(FetchError::ForbiddenAddress)
            }
        };
        match url.host() {
            Some(Host::Ipv4(ip)) => check(SocketAddr::new(IpAddr::V4(ip), port)),
            Some(Host::Ipv6(ip)) => check(SocketAddr::new(IpAddr::V6(ip), port)),
            Some(Host::Domain(domain)) => {
                let domain = domain.trim_end_matches('.').to_ascii_lowercase();
                if domain.is_empty() {
                    return Err(FetchError::InvalidUrl);
                }
                let addrs: Vec<SocketAddr> = tokio::net::lookup_host((domain.as_str(), port))
                    .await
                    .map_err(|_| FetchError::DnsFailed)?
                    .collect();
                if addrs.is_empty() {
                    return Err(FetchError::DnsFailed);
                }
                for addr in &addrs {
                    check(*addr)?;
                }
                self.vetted.insert(&domain, addrs);
                Ok(())
            }
            None => Err(FetchError::InvalidUrl),
        }
    }
}

fn parse_url(input: &str) -> Result<Url, FetchError> {
    let input = input.trim();
    if input.len() > MAX_URL_LEN {
        return Err(FetchError::InvalidUrl);
    }
    let url = Url::parse(input).map_err(|_| FetchError::InvalidUrl)?;
    check_url(url)
}

/// Scheme, credentials and host checks shared by the first URL and redirects.
fn check_url(mut url: Url) -> Result<Url, FetchError> {
    if !matches!(url.scheme(), "http" | "https") {
        return Err(FetchError::ForbiddenScheme);
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(FetchError::InvalidUrl);
    }
    if url.host().is_none() || url.as_str().len() > MAX_URL_LEN {
        return Err(FetchError::InvalidUrl);
    }
    url.set_fragment(None);
    Ok(url)
}

/// `ETag` and `Last-Modified` of an answer, when present and printable.
fn validators_of(response: &reqwest::Response) -> (Option<String>, Option<String>) {
    let get = |name| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty() && v.len() <= 512)
    };
    (get(ETAG), get(LAST_MODIFIED))
}

fn network_error(err: reqwest::Error) -> FetchError {
    if err.is_timeout() {
        return FetchError::Timeout;
    }
    // The chain holds the useful part (connection refused, TLS…); the URL is ours.
    let mut message = err.to_string();
    let mut source = std::error::Error::source(&err);
    while let Some(inner) = source {
        message.push_str(": ");
        message.push_str(&inner.to_string());
        source = inner.source();
    }
    FetchError::Network(message)
}

async fn read_body(mut response: reqwest::Response, limit: usize) -> Result<Bytes, FetchError> {
    let declared = response.content_length().or_else(|| {
        response
            .headers()
            .get(CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
    });
    if declared.is_some_and(|len| len > limit as u64) {
        return Err(FetchError::TooLarge);
    }
    let mut body =
        BytesMut::with_capacity(declared.map_or(16 * 1024, |len| len as usize).min(limit));
    while let Some(chunk) = response.chunk().await.map_err(network_error)? {
        if body.len() + chunk.len() > limit {
            return Err(FetchError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

// ---------------------------------------------------------------------------
// Vetted resolution

#[derive(Default)]
struct VettedHosts {
    entries: Mutex<HashMap<String, (Vec<SocketAddr>, Instant)>>,
}

impl VettedHosts {
    fn insert(&self, host: &str, addrs: Vec<SocketAddr>) {
        let Ok(mut entries) = self.entries.lock() else {
            return;
        };
        let now = Instant::now();
        if entries.len() >= VETTED_MAX {
            entries.retain(|_, (_, at)| now.duration_since(*at) < VETTED_TTL);
        }
        if entries.len() >= VETTED_MAX {
            // Still full of fresh entries: forget the oldest.
            if let Some(oldest) = entries
                .iter()
                .min_by_key(|(_, (_, at))| *at)
                .map(|(host, _)| host.clone())
            {
                entries.remove(&oldest);
            }
        }
        entries.insert(host.to_string(), (addrs, now));
    }

    fn get(&self, host: &str) -> Option<Vec<SocketAddr>> {
        let entries = self.entries.lock().ok()?;
        let (addrs, at) = entries.get(host)?;
        (at.elapsed() < VETTED_TTL).then(|| addrs.clone())
    }
}

/// A resolver that never asks DNS: it only returns addresses [`Fetcher::vet`]
/// checked moments before, so the connection goes where the check looked.
struct VettedResolver {
    hosts: Arc<VettedHosts>,
}

impl Resolve for VettedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().trim_end_matches('.').to_ascii_lowercase();
        let addrs = self.hosts.get(&host);
        Box::pin(async move {
            match addrs {
                Some(addrs) => Ok(Box::new(addrs.into_iter()) as Addrs),
                None => Err(format!("host {host} was not vetted").into()),
            }
        })
    }
}

// ---------------------------------------------------------------------------
// Address policy

/// Whether `ip` must never be contacted: anything that is not a public unicast
/// address — unspecified, loopback, private (RFC 1918), CGNAT (100.64/10),
/// link-local, unique-local, site-local, multicast, broadcast, documentation,
/// benchmarking, reserved, IETF special-purpose, and IPv6 forms that embed one
/// of those (IPv4-mapped, IPv4-compatible, NAT64, 6to4, Teredo).
pub fn is_forbidden_ip(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_forbidden_v4(v4),
        IpAddr::V6(v6) => is_forbidden_v6(v6),
    }
}

fn is_forbidden_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    a == 0                                   // 0.0.0.0/8 "this network"
        || a == 10                           // 10/8 private
        || (a == 100 && (64..128).contains(&b)) // 100.64/10 CGNAT
        || a == 127                          // loopback
        || (a == 169 && b == 254)            // link-local (cloud metadata)
        || (a == 172 && (16..32).contains(&b)) // 172.16/12 private
        || (a == 192 && b == 0 && c == 0)    // 192.0.0/24 IETF assignments
        || (a == 192 && b == 0 && c == 2)    // TEST-NET-1
        || (a == 192 && b == 88 && c == 99)  // 6to4 relay anycast
        || (a == 192 && b == 168)            // private
        || (a == 198 && (b == 18 || b == 19)) // benchmarking
        || (a == 198 && b == 51 && c == 100) // TEST-NET-2
        || (a == 203 && b == 0 && c == 113)  // TEST-NET-3
        || a >= 224 // multicast 224/4, reserved 240/4, broadcast
}

fn is_forbidden_v6(ip: Ipv6Addr) -> bool {
    let s = ip.segments();
    // IPv4-mapped ::ffff:a.b.c.d — judged as the IPv4 address.
    if let Some(v4) = ip.to_ipv4_mapped() {
        return is_forbidden_v4(v4);
    }
    // NAT64 well-known prefix 64:ff9b::/96 — judged as the embedded IPv4.
    if s[0] == 0x64 && s[1] == 0xff9b && s[2..6] == [0, 0, 0, 0] {
        return is_forbidden_v4(embedded_v4(s[6], s[7]));
    }
    // 6to4 2002::/16 embeds an IPv4 address in bits 16..48.
    if s[0] == 0x2002 {
        return is_forbidden_v4(embedded_v4(s[1], s[2]));
    }
    // Only global unicast 2000::/3 may be public; this excludes ::/8 (unspecified,
    // loopback, IPv4-compatible), 64:ff9b:1::/48, 100::/64 discard, fc00::/7
    // unique-local, fe80::/10 link-local, fec0::/10 site-local, ff00::/8 multicast.
    if s[0] & 0xe000 != 0x2000 {
        return true;
    }
    // Special-purpose blocks inside 2000::/3.
    // 2001::/23 IETF protocol assignments (Teredo 2001::/32, ORCHID…),
    // 2001:db8::/32 and 3fff::/20 documentation.
    (s[0] == 0x2001 && (s[1] < 0x0200 || s[1] == 0x0db8)) || (s[0] == 0x3fff && s[1] < 0x1000)
}

fn embedded_v4(high: u16, low: u16) -> Ipv4Addr {
    let [a, b] = high.to_be_bytes();
    let [c, d] = low.to_be_bytes();
    Ipv4Addr::new(a, b, c, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn forbidden(s: &str) -> bool {
        is_forbidden_ip(s.parse().expect("test address"))
    }

    #[test]
    fn forbidden_v4() {
        for ip in [
            "0.0.0.0",
            "0.1.2.3",
            "10.0.0.1",
            "100.64.0.1",
            "100.127.255.254",
            "127.0.0.1",
            "127.255.255.255",
            "169.254.169.254",
            "172.16.0.1",
            "172.31.255.255",
            "192.0.0.8",
            "192.0.2.1",
            "192.88.99.1",
            "192.168.1.1",
            "198.18.0.1",
            "198.19.255.255",
            "198.51.100.7",
            "203.0.113.9",
            "224.0.0.1",
            "239.255.255.250",
            "240.0.0.1",
            "255.255.255.255",
        ] {
            assert!(forbidden(ip), "{ip} should be forbidden");
        }
        for ip in [
            "1.1.1.1",
            "8.8.8.8",
            "100.63.255.255",
            "100.128.0.1",
            "172.15.255.255",
            "172.32.0.1",
            "192.0.1.1",
            "192.169.0.1",
            "198.20.0.1",
            "206.167.212.1",
            "223.255.255.254",
        ] {
            assert!(!forbidden(ip), "{ip} should be allowed");
        }
    }

    #[test]
    fn forbidden_v6() {
        for ip in [
            "::",
            "::1",
            "::ffff:127.0.0.1",
            "::ffff:10.1.2.3",
            "::ffff:169.254.169.254",
            "::ffff:0.0.0.0",
            "::127.0.0.1",
            "64:ff9b::7f00:1",
            "64:ff9b::a9fe:a9fe",
            "64:ff9b:1::1",
            "100::1",
            "2001::1",
            "2001:0:4136:e378:8000:63bf:3fff:fdd2",
            "2001:db8::1",
            "2002:7f00:1::1",
            "2002:c0a8:101::1",
            "3fff::1",
            "fc00::1",
            "fd12:3456:789a::1",
            "fe80::1",
            "febf::1",
            "fec0::1",
            "ff02::1",
            "ff05::1:3",
        ] {
            assert!(forbidden(ip), "{ip} should be forbidden");
        }
        for ip in [
            "2606:4700:4700::1111",
            "2001:4860:4860::8888",
            "2620:fe::fe",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
            "2002:808:808::1",
            "2a00:1450:4001::1",
        ] {
            assert!(!forbidden(ip), "{ip} should be allowed");
        }
    }

    #[test]
    fn message_keys_are_distinct() {
        let errors = [
            FetchError::InvalidUrl,
            FetchError::ForbiddenScheme,
            FetchError::ForbiddenAddress,
            FetchError::DnsFailed,
            FetchError::TooManyRedirects,
            FetchError::Timeout,
            FetchError::TooLarge,
            FetchError::Http(404),
            FetchError::Network(String::new()),
        ];
        let keys: HashSet<&str> = errors.iter().map(FetchError::message_key).collect();
        assert_eq!(keys.len(), errors.len());
        assert!(keys.iter().all(|k| k.starts_with("fetch-")));
    }

    #[test]
    fn urls_are_checked() {
        assert_eq!(
            parse_url("ftp://x/").err(),
            Some(FetchError::ForbiddenScheme)
        );
        assert_eq!(
            parse_url("javascript:alert(1)").err(),
            Some(FetchError::ForbiddenScheme)
        );
        assert_eq!(
            parse_url("file:///etc/passwd").err(),
            Some(FetchError::ForbiddenScheme)
        );
        assert_eq!(parse_url("not a url").err(), Some(FetchError::InvalidUrl));
        assert_eq!(
            parse_url("http://user:pw@example.com/").err(),
            Some(FetchError::InvalidUrl)
        );
        let long = format!("https://example.com/{}", "a".repeat(MAX_URL_LEN));
        assert_eq!(parse_url(&long).err(), Some(FetchError::InvalidUrl));
        let url = parse_url(" https://Example.COM/a#frag ").expect("valid");
        assert_eq!(url.as_str(), "https://example.com/a");
        // Numeric host forms are normalised by the URL parser, then judged as IPs.
        let url = parse_url("http://2130706433/").expect("valid");
        assert_eq!(url.host(), Some(Host::Ipv4(Ipv4Addr::LOCALHOST)));
    }

    #[tokio::test]
    async fn forbidden_hosts_are_refused_before_connecting() {
        let fetcher = Fetcher::new(&user_agent("https://passerelles.example"));
        let policy = FetchPolicy::default();
        for url in [
            "http://127.0.0.1/",
            "http://[::1]/",
            "http://169.254.169.254/latest/meta-data",
            "http://0x7f.1/",
            "http://[::ffff:127.0.0.1]:8080/",
            "http://localhost/",
            "https://8.8.8.8:25/",
        ] {
            assert_eq!(
                fetcher.get(url, &policy).await.err(),
                Some(FetchError::ForbiddenAddress),
                "{url}"
            );
        }
        assert_eq!(
            fetcher.get("gopher://x/", &policy).await.err(),
            Some(FetchError::ForbiddenScheme)
        );
    }

    #[tokio::test]
    async fn resolver_only_knows_vetted_hosts() {
        let hosts = Arc::new(VettedHosts::default());
        let resolver = VettedResolver {
            hosts: Arc::clone(&hosts),
        };
        let name = |s: &str| s.parse::<Name>().expect("name");
        assert!(resolver.resolve(name("example.com")).await.is_err());
        let addr: SocketAddr = "93.184.215.14:0".parse().expect("addr");
        hosts.insert("example.com", vec![addr]);
        let addrs: Vec<SocketAddr> = resolver
            .resolve(name("EXAMPLE.com"))
            .await
            .expect("vetted")
            .collect();
        assert_eq!(addrs, vec![addr]);
        assert!(resolver.resolve(name("other.example")).await.is_err());
    }

    #[test]
    fn user_agent_format() {
        assert_eq!(
            user_agent("https://passerelles.example/"),
            format!(
                "Passerelles/{} (+https://passerelles.example)",
                env!("CARGO_PKG_VERSION")
            )
        );
    }
}
