//! Who the client is, when requests may come through reverse proxies.
//!
//! Only a configured proxy is believed, and only through the one header it
//! is configured to set (`config.proxy_header`): a header that some other
//! hop could have written proves nothing. A request from a trusted proxy
//! takes its client address from that header — for `X-Forwarded-For` and
//! `Forwarded`, the right-most address that is not itself a trusted proxy
//! (the left-most is whatever the client chose to send). Without a proxy
//! configured, the client is the TCP peer.
//!
//! [`Client::local`] answers "is this the operator on this very host?"
//! (`/metrics`): a loopback peer that is not a configured proxy and whose
//! request carries no forwarding header of any kind. A forwarding header
//! from loopback means a proxy we were not told about (say nginx with
//! `X-Real-IP` and `behind_proxy` off): its requests come from anywhere.

use std::net::IpAddr;

use axum::http::HeaderMap;

/// The forwarding headers that reveal a proxy (configured or not).
const FORWARDING_HEADERS: &[&str] = &[
    "forwarded",
    "x-forwarded-for",
    "x-forwarded-host",
    "x-forwarded-proto",
    "x-real-ip",
    "x-client-ip",
    "x-original-forwarded-for",
    "true-client-ip",
    "cf-connecting-ip",
    "fastly-client-ip",
    "x-cluster-client-ip",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProxyHeader {
    XForwardedFor,
    XRealIp,
    Forwarded,
}

impl ProxyHeader {
    pub fn parse(name: &str) -> Option<ProxyHeader> {
        match name.trim().to_ascii_lowercase().as_str() {
            "x-forwarded-for" => Some(ProxyHeader::XForwardedFor),
            "x-real-ip" => Some(ProxyHeader::XRealIp),
            "forwarded" => Some(ProxyHeader::Forwarded),
            _ => None,
        }
    }
}

/// An address or network (`prefix` bits).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Net {
    addr: IpAddr,
    prefix: u8,
}

impl Net {
    pub fn parse(s: &str) -> Option<Net> {
        let s = s.trim();
        let (a, p) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p.parse::<u8>().ok()?)),
            None => (s, None),
        };
        let addr: IpAddr = a.trim_matches(['[', ']']).parse().ok()?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = p.unwrap_or(max);
        (prefix <= max).then_some(Net { addr, prefix })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, ip.to_canonical()) {
            (IpAddr::V4(n), IpAddr::V4(i)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(n) & mask == u32::from(i) & mask
            }
            (IpAddr::V6(n), IpAddr::V6(i)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(n) & mask == u128::from(i) & mask
            }
            _ => false,
        }
    }
}

/// Loopback and private networks: the proxies `behind_proxy` trusts when
/// no list is given.
const DEFAULT_TRUSTED: &[&str] = &[
    "127.0.0.0/8",
    "::1/128",
    "10.0.0.0/8",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "fc00::/7",
];

/// The proxy configuration, parsed once.
#[derive(Debug, Clone, Default)]
pub struct Proxies {
    trusted: Vec<Net>,
    header: Option<ProxyHeader>,
}

impl Proxies {
    /// From the configuration; an unreadable network or header name is an
    /// error (checked at start-up).
    pub fn from_config(c: &crate::config::Config) -> anyhow::Result<Proxies> {
        if c.trusted_proxies.is_empty() && !c.behind_proxy {
            return Ok(Proxies::default());
        }
        let header = ProxyHeader::parse(&c.proxy_header).ok_or_else(|| {
            anyhow::anyhow!(
                "proxy_header must be x-forwarded-for, x-real-ip or forwarded (not {:?})",
                c.proxy_header
            )
        })?;
        let list: Vec<&str> = if c.trusted_proxies.is_empty() {
            DEFAULT_TRUSTED.to_vec()
        } else {
            c.trusted_proxies.iter().map(String::as_str).collect()
        };
        let trusted = list
            .iter()
            .map(|s| {
                Net::parse(s).ok_or_else(|| {
                    anyhow::anyhow!("trusted_proxies: {s:?} is not an address or network")
                })
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        Ok(Proxies {
            trusted,
            header: Some(header),
        })
    }

    fn is_trusted(&self, ip: IpAddr) -> bool {
        self.trusted.iter().any(|n| n.contains(ip))
    }

    /// The client of a request that came from `peer` with `headers`.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> Client {
        let peer = peer.to_canonical();
        let forwarding = FORWARDING_HEADERS.iter().any(|h| headers.contains_key(*h));
        let Some(header) = self.header.filter(|_| self.is_trusted(peer)) else {
            return Client {
                ip: peer,
                local: peer.is_loopback() && !forwarding,
            };
        };
        // From a trusted proxy: the client is in its header, or unknown
        // (then the proxy itself, never "local").
        let ip = match header {
            ProxyHeader::XRealIp => headers
                .get("x-real-ip")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| parse_ip(v)),
            ProxyHeader::XForwardedFor => self.rightmost_untrusted(
                all_values(headers, "x-forwarded-for")
                    .iter()
                    .map(String::as_str),
            ),
            ProxyHeader::Forwarded => {
                let fors = all_values(headers, "forwarded");
                let list: Vec<&str> = fors
                    .iter()
                    .flat_map(|v| v.split(','))
                    .flat_map(|element| element.split(';'))
                    .filter_map(|kv| {
                        let (k, v) = kv.trim().split_once('=')?;
                        k.trim().eq_ignore_ascii_case("for").then_some(v.trim())
                    })
                    .collect();
                self.rightmost_untrusted(list.into_iter())
            }
        };
        Client {
            ip: ip.unwrap_or(peer),
            local: false,
        }
    }

    /// Walk a comma-separated chain from the right: the first address that
    /// is not one of our proxies is the client.
    fn rightmost_untrusted<'a>(&self, values: impl Iterator<Item = &'a str>) -> Option<IpAddr> {
        let hops: Vec<IpAddr> = values
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(parse_ip)
            .collect::<Option<Vec<_>>>()?;
        let mut last = None;
        for ip in hops.into_iter().rev() {
            last = Some(ip);
            if !self.is_trusted(ip) {
                return Some(ip);
            }
        }
        last
    }
}

/// Every value of a header, in order (a header may be repeated).
fn all_values(headers: &HeaderMap, name: &str) -> Vec<String> {
    headers
        .get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .map(str::to_string)
        .collect()
}

/// An address as proxies write it: `1.2.3.4`, `1.2.3.4:5678`, `::1`,
/// `[::1]:5678`, `"[::1]:5678"` (RFC 7239 quotes IPv6).
fn parse_ip(v: &str) -> Option<IpAddr> {
    let v = v.trim().trim_matches('"');
    if let Ok(ip) = v.parse::<IpAddr>() {
        return Some(ip.to_canonical());
    }
    if let Some(rest) = v.strip_prefix('[') {
        return rest
            .split_once(']')?
            .0
            .parse::<IpAddr>()
            .ok()
            .map(|i| i.to_canonical());
    }
    let (host, port) = v.rsplit_once(':')?;
    port.parse::<u16>().ok()?;
    host.parse::<std::net::Ipv4Addr>().ok().map(IpAddr::V4)
}

/// The client of one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Client {
    pub ip: IpAddr,
    /// On this host, not through any proxy.
    pub local: bool,
}

impl Client {
    /// The key of this client in rate limits: the address, or for IPv6
    /// its /64 (one host often holds a whole /64).
    pub fn limit_key(&self) -> String {
        limit_key(self.ip)
    }
}

/// See [`Client::limit_key`].
pub fn limit_key(ip: IpAddr) -> String {
    match ip.to_canonical() {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn without_a_proxy_the_peer_is_the_client() {
        let p = Proxies::from_config(&Config::default()).unwrap();
        let c = p.client(ip("127.0.0.1"), &headers(&[]));
        assert_eq!(
            c,
            Client {
                ip: ip("127.0.0.1"),
                local: true
            }
        );
        // A forwarding header from loopback: an unknown proxy, not local,
        // and the header is not believed either.
        for h in [
            "x-real-ip",
            "x-forwarded-for",
            "forwarded",
            "true-client-ip",
        ] {
            let c = p.client(ip("127.0.0.1"), &headers(&[(h, "127.0.0.1")]));
            assert_eq!(
                c,
                Client {
                    ip: ip("127.0.0.1"),
                    local: false
                },
                "{h}"
            );
        }
        let c = p.client(
            ip("203.0.113.9"),
            &headers(&[("x-forwarded-for", "127.0.0.1")]),
        );
        assert_eq!(c.ip, ip("203.0.113.9"));
        assert!(!c.local);
    }

    #[test]
    fn a_trusted_proxy_is_believed_through_its_header_only() {
        let cfg = Config {
            trusted_proxies: vec!["127.0.0.1".into(), "10.0.0.0/8".into()],
            proxy_header: "x-real-ip".into(),
            ..Config::default()
        };
        let p = Proxies::from_config(&cfg).unwrap();
        let c = p.client(ip("127.0.0.1"), &headers(&[("x-real-ip", "198.51.100.4")]));
        assert_eq!(
            c,
            Client {
                ip: ip("198.51.100.4"),
                local: false
            }
        );
        // The client spoofing loopback through the proxy is still not local.
        let c = p.client(ip("127.0.0.1"), &headers(&[("x-real-ip", "127.0.0.1")]));
        assert!(!c.local);
        // Another header is not the configured one.
        let c = p.client(
            ip("127.0.0.1"),
            &headers(&[("x-forwarded-for", "198.51.100.4")]),
        );
        assert_eq!(c.ip, ip("127.0.0.1"));
        assert!(!c.local);
        // From an untrusted peer the header is ignored.
        let c = p.client(ip("192.0.2.1"), &headers(&[("x-real-ip", "198.51.100.4")]));
        assert_eq!(c.ip, ip("192.0.2.1"));
    }

    #[test]
    fn forwarded_for_is_read_from_the_right() {
        let cfg = Config {
            behind_proxy: true,
            ..Config::default()
        };
        let p = Proxies::from_config(&cfg).unwrap();
        // The client wrote "1.1.1.1" itself; the proxy appended the real one.
        let h = headers(&[("x-forwarded-for", "1.1.1.1, 198.51.100.7")]);
        assert_eq!(p.client(ip("127.0.0.1"), &h).ip, ip("198.51.100.7"));
        // Through two of our proxies.
        let h = headers(&[("x-forwarded-for", "1.1.1.1, 198.51.100.7, 10.0.0.3")]);
        assert_eq!(p.client(ip("10.0.0.2"), &h).ip, ip("198.51.100.7"));
        // Repeated headers are one list.
        let h = headers(&[
            ("x-forwarded-for", "1.1.1.1"),
            ("x-forwarded-for", "198.51.100.8"),
        ]);
        assert_eq!(p.client(ip("127.0.0.1"), &h).ip, ip("198.51.100.8"));
        // Garbage: the proxy itself.
        let h = headers(&[("x-forwarded-for", "nonsense, 198.51.100.7")]);
        assert_eq!(p.client(ip("127.0.0.1"), &h).ip, ip("127.0.0.1"));
        let cfg = Config {
            behind_proxy: true,
            proxy_header: "forwarded".into(),
            ..Config::default()
        };
        let p = Proxies::from_config(&cfg).unwrap();
        let h = headers(&[(
            "forwarded",
            "for=1.1.1.1, for=\"[2001:db8::5]:4711\";proto=https",
        )]);
        assert_eq!(p.client(ip("::1"), &h).ip, ip("2001:db8::5"));
    }

    #[test]
    fn bad_configuration_is_refused() {
        let bad = Config {
            trusted_proxies: vec!["10.0.0.0/33".into()],
            ..Config::default()
        };
        assert!(Proxies::from_config(&bad).is_err());
        let bad = Config {
            behind_proxy: true,
            proxy_header: "x-whatever".into(),
            ..Config::default()
        };
        assert!(Proxies::from_config(&bad).is_err());
    }

    #[test]
    fn limit_keys_group_ipv6_by_64() {
        assert_eq!(limit_key(ip("2001:db8:1:2:3:4:5:6")), "2001:db8:1:2::/64");
        assert_eq!(limit_key(ip("2001:db8:1:2:ffff::1")), "2001:db8:1:2::/64");
        assert_eq!(limit_key(ip("::ffff:192.0.2.1")), "192.0.2.1");
        assert_eq!(limit_key(ip("192.0.2.1")), "192.0.2.1");
    }
}
