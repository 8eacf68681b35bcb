//! A readable name for the device behind a `User-Agent` header — "Firefox
//! sur Linux", "Safari on iOS" — for the sessions and passkeys pages and the
//! security notices. Pure and deliberately small: a handful of browsers and
//! systems, recognised by the tokens they have sent for years; anything else
//! is a generic "browser" or an unknown device. Never used for decisions.

use crate::i18n::{Arg, Lang};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Browser {
    Firefox,
    Chrome,
    Chromium,
    Edge,
    Safari,
    Opera,
}

impl Browser {
    pub fn name(self) -> &'static str {
        match self {
            Browser::Firefox => "Firefox",
            Browser::Chrome => "Chrome",
            Browser::Chromium => "Chromium",
            Browser::Edge => "Edge",
            Browser::Safari => "Safari",
            Browser::Opera => "Opera",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Os {
    Windows,
    MacOs,
    Linux,
    Android,
    Ios,
    ChromeOs,
}

impl Os {
    pub fn name(self) -> &'static str {
        match self {
            Os::Windows => "Windows",
            Os::MacOs => "macOS",
            Os::Linux => "Linux",
            Os::Android => "Android",
            Os::Ios => "iOS",
            Os::ChromeOs => "ChromeOS",
        }
    }
}

/// What a user-agent string says, as far as we tell: `None` where unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Device {
    pub browser: Option<Browser>,
    pub os: Option<Os>,
}

/// Browsers built on another engine that name it too (Samsung Internet says
/// "Chrome/", SeaMonkey "Firefox/"…): shown as a generic browser rather than
/// as the one they borrow from.
const OTHERS: &[&str] = &[
    "SamsungBrowser/",
    "YaBrowser/",
    "Vivaldi/",
    "UCBrowser/",
    "SeaMonkey/",
    "Brave/",
    "DuckDuckGo/",
    "Silk/",
    "MiuiBrowser/",
    "Whale/",
];

pub fn parse(ua: &str) -> Device {
    Device {
        browser: browser(ua),
        os: os(ua),
    }
}

fn browser(ua: &str) -> Option<Browser> {
    let has = |t: &str| ua.contains(t);
    // Most specific first: Edge and Opera also say "Chrome/" and "Safari/",
    // Chrome says "Safari/", Chrome and Firefox on iOS say "Safari/".
    if OTHERS.iter().any(|t| has(t)) {
        None
    } else if has("Edg/") || has("EdgA/") || has("EdgiOS/") || has("Edge/") {
        Some(Browser::Edge)
    } else if has("OPR/") || has("OPX/") || has("OPT/") || has("Opera") {
        Some(Browser::Opera)
    } else if has("Firefox/") || has("FxiOS/") {
        Some(Browser::Firefox)
    } else if has("Chromium/") {
        Some(Browser::Chromium)
    } else if has("CriOS/") || has("Chrome/") {
        Some(Browser::Chrome)
    } else if has("Safari/") && has("Version/") && !has("Android") {
        // Android's old stock browser also says "Version/… Safari/".
        Some(Browser::Safari)
    } else {
        None
    }
}

fn os(ua: &str) -> Option<Os> {
    let has = |t: &str| ua.contains(t);
    // Android says "Linux", iOS says "like Mac OS X", ChromeOS says "X11".
    if has("Windows Phone") {
        None
    } else if has("Windows") {
        Some(Os::Windows)
    } else if has("CrOS") {
        Some(Os::ChromeOs)
    } else if has("Android") {
        Some(Os::Android)
    } else if has("iPhone") || has("iPad") || has("iPod") {
        Some(Os::Ios)
    } else if has("Macintosh") || has("Mac OS X") {
        Some(Os::MacOs)
    } else if has("Linux") {
        Some(Os::Linux)
    } else {
        None
    }
}

/// "Firefox sur Linux" / "Firefox on Linux", "Navigateur sur Android",
/// "Safari", or "Appareil inconnu" / "Unknown device".
pub fn label(lang: Lang, ua: &str) -> String {
    let d = parse(ua);
    match (d.browser, d.os) {
        (Some(b), Some(o)) => lang.ta(
            "device-browser-on-os",
            &[
                ("browser", Arg::from(b.name())),
                ("os", Arg::from(o.name())),
            ],
        ),
        (Some(b), None) => b.name().to_string(),
        (None, Some(o)) => lang.ta("device-on-os", &[("os", Arg::from(o.name()))]),
        (None, None) if ua.trim().is_empty() => lang.t("device-unknown"),
        (None, None) => lang.t("device-other"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is(ua: &str, browser: Option<Browser>, os: Option<Os>) {
        assert_eq!(parse(ua), Device { browser, os }, "{ua}");
    }

    #[test]
    fn desktop_browsers() {
        use Browser::*;
        is(
            "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
            Some(Firefox),
            Some(Os::Linux),
        );
        is(
            "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0",
            Some(Firefox),
            Some(Os::Linux),
        );
        is(
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
            Some(Chrome),
            Some(Os::Windows),
        );
        is(
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.80",
            Some(Edge),
            Some(Os::Windows),
        );
        is(
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 OPR/110.0.0.0",
            Some(Opera),
            Some(Os::Windows),
        );
        is(
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Safari/605.1.15",
            Some(Safari),
            Some(Os::MacOs),
        );
        is(
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
            Some(Chrome),
            Some(Os::MacOs),
        );
        is(
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Ubuntu Chromium/79.0.3945.79 Chrome/79.0.3945.79 Safari/537.36",
            Some(Chromium),
            Some(Os::Linux),
        );
        is(
            "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
            Some(Chrome),
            Some(Os::ChromeOs),
        );
        is(
            "Mozilla/5.0 (Windows NT 6.1; WOW64; Trident/7.0; rv:11.0) like Gecko",
            None,
            Some(Os::Windows),
        );
    }

    #[test]
    fn mobile_browsers() {
        use Browser::*;
        is(
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Mobile/15E148 Safari/604.1",
            Some(Safari),
            Some(Os::Ios),
        );
        is(
            "Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1",
            Some(Safari),
            Some(Os::Ios),
        );
        is(
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/124.0.6367.88 Mobile/15E148 Safari/604.1",
            Some(Chrome),
            Some(Os::Ios),
        );
        is(
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/125.0 Mobile/15E148 Safari/605.1.15",
            Some(Firefox),
            Some(Os::Ios),
        );
        is(
            "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36",
            Some(Chrome),
            Some(Os::Android),
        );
        is(
            "Mozilla/5.0 (Android 14; Mobile; rv:125.0) Gecko/125.0 Firefox/125.0",
            Some(Firefox),
            Some(Os::Android),
        );
        is(
            "Mozilla/5.0 (Linux; Android 10; HD1913) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.6367.82 Mobile Safari/537.36 EdgA/124.0.2478.64",
            Some(Edge),
            Some(Os::Android),
        );
        is(
            "Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/24.0 Chrome/117.0.0.0 Mobile Safari/537.36",
            None,
            Some(Os::Android),
        );
        is(
            "Mozilla/5.0 (Linux; U; Android 4.0.3; ko-kr; LG-L160L Build/IML74K) AppleWebKit/534.30 (KHTML, like Gecko) Version/4.0 Mobile Safari/534.30",
            None,
            Some(Os::Android),
        );
        // An app's web view on iOS: no "Version/", no named browser.
        is(
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
            None,
            Some(Os::Ios),
        );
    }

    #[test]
    fn neither_browser_nor_system() {
        is("", None, None);
        is("curl/8.5.0", None, None);
        is(
            "Mozilla/5.0 (X11; FreeBSD amd64; rv:109.0) Gecko/20100101 Firefox/115.0",
            Some(Browser::Firefox),
            None,
        );
    }

    #[test]
    fn labels_in_both_languages() {
        let ff = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
        assert_eq!(label(Lang::Fr, ff), "Firefox sur Linux");
        assert_eq!(label(Lang::En, ff), "Firefox on Linux");
        let iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Mobile/15E148 Safari/604.1";
        assert_eq!(label(Lang::Fr, iphone), "Safari sur iOS");
        let samsung = "Mozilla/5.0 (Linux; Android 14; SAMSUNG SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/24.0 Chrome/117.0.0.0 Mobile Safari/537.36";
        assert_eq!(label(Lang::Fr, samsung), "Navigateur sur Android");
        assert_eq!(label(Lang::En, samsung), "Browser on Android");
        assert_eq!(
            label(
                Lang::En,
                "Mozilla/5.0 (X11; FreeBSD amd64; rv:109.0) Gecko/20100101 Firefox/115.0"
            ),
            "Firefox"
        );
        assert_eq!(label(Lang::Fr, ""), "Appareil inconnu");
        assert_eq!(label(Lang::En, "  "), "Unknown device");
        assert_eq!(label(Lang::Fr, "curl/8.5.0"), "Appareil non reconnu");
        assert_eq!(label(Lang::En, "curl/8.5.0"), "Unrecognised device");
    }
}
