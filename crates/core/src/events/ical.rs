//! iCalendar feeds (RFC 5545): one VCALENDAR of events, each with a
//! stable UID, its SEQUENCE, STATUS, RRULE and EXDATE, a cancelled
//! occurrence as an override (RECURRENCE-ID with STATUS:CANCELLED), and
//! the URL of its page, and its image when public (RFC 7986
//! `IMAGE;VALUE=URI;DISPLAY=FULLSIZE`). Times stay in the organiser's zone with its
//! VTIMEZONE (written here for the zones offered, `time::ZONES`), so
//! clients keep 19:00 at 19:00 across daylight changes.
//!
//! Who sees what is decided before: callers pass only events the feed's
//! reader may see (`listing::visible_sql`), and say whether a private
//! online link may be shown to them.

use super::Event;
use super::time;
use crate::publications::Tag;

/// One event as a feed carries it.
pub struct Item<'a> {
    pub e: &'a Event,
    pub tags: Vec<Tag>,
    /// Local starts of the cancelled occurrences.
    pub cancelled: Vec<String>,
    /// Whether the online link may be written (public, or the reader holds
    /// a place, or manages the event).
    pub show_online: bool,
    /// Names of the place's territory (appended to the address).
    pub place: String,
    /// Whether the image's address is written (RFC 7986 `IMAGE`): only in
    /// feeds read anonymously, where it is public — a calendar application
    /// sends no cookies, and a private image is never a shared-cache one.
    pub image: bool,
}

/// Escape a TEXT value (RFC 5545 §3.3.11).
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Append one content line, folded at 75 octets (never inside a UTF-8
/// sequence), ended by CRLF.
fn line(out: &mut String, l: &str) {
    let mut width = 0;
    for c in l.chars() {
        let n = c.len_utf8();
        if width + n > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += n;
    }
    out.push_str("\r\n");
}

fn vtimezone(tz: &str) -> Option<&'static str> {
    // Since 2007, Canada's daylight time runs from the second Sunday of
    // March to the first Sunday of November, at 02:00 local.
    match tz {
        "America/Toronto" => Some(
            "BEGIN:VTIMEZONE\r\nTZID:America/Toronto\r\nX-LIC-LOCATION:America/Toronto\r\n\
             BEGIN:DAYLIGHT\r\nTZOFFSETFROM:-0500\r\nTZOFFSETTO:-0400\r\nTZNAME:EDT\r\n\
             DTSTART:19700308T020000\r\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU\r\nEND:DAYLIGHT\r\n\
             BEGIN:STANDARD\r\nTZOFFSETFROM:-0400\r\nTZOFFSETTO:-0500\r\nTZNAME:EST\r\n\
             DTSTART:19701101T020000\r\nRRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU\r\nEND:STANDARD\r\n\
             END:VTIMEZONE\r\n",
        ),
        "America/Halifax" => Some(
            "BEGIN:VTIMEZONE\r\nTZID:America/Halifax\r\nX-LIC-LOCATION:America/Halifax\r\n\
             BEGIN:DAYLIGHT\r\nTZOFFSETFROM:-0400\r\nTZOFFSETTO:-0300\r\nTZNAME:ADT\r\n\
             DTSTART:19700308T020000\r\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU\r\nEND:DAYLIGHT\r\n\
             BEGIN:STANDARD\r\nTZOFFSETFROM:-0300\r\nTZOFFSETTO:-0400\r\nTZNAME:AST\r\n\
             DTSTART:19701101T020000\r\nRRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU\r\nEND:STANDARD\r\n\
             END:VTIMEZONE\r\n",
        ),
        "America/Blanc-Sablon" => Some(
            "BEGIN:VTIMEZONE\r\nTZID:America/Blanc-Sablon\r\nX-LIC-LOCATION:America/Blanc-Sablon\r\n\
             BEGIN:STANDARD\r\nTZOFFSETFROM:-0400\r\nTZOFFSETTO:-0400\r\nTZNAME:AST\r\n\
             DTSTART:19700101T000000\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n",
        ),
        _ => None,
    }
}

/// `NAME;TZID=…:local`, `NAME;VALUE=DATE:date` or `NAME:utcZ`.
fn when(name: &str, e: &Event, local: chrono::NaiveDateTime) -> String {
    if e.all_day {
        format!("{name};VALUE=DATE:{}", time::ical_local(local, true))
    } else if e.tz == "UTC" {
        format!(
            "{name}:{}",
            time::ical_utc(time::instant(chrono_tz::UTC, local))
        )
    } else {
        format!("{name};TZID={}:{}", e.tz, time::ical_local(local, false))
    }
}

/// The RRULE as written: an all-day series ends on a DATE (RFC 5545 wants
/// UNTIL of DTSTART's type).
fn rrule_text(e: &Event) -> String {
    if !e.all_day {
        return e.rrule.clone();
    }
    e.rrule
        .split(';')
        .map(|p| match p.strip_prefix("UNTIL=") {
            Some(u) if u.ends_with('Z') => {
                let at = chrono::NaiveDateTime::parse_from_str(u, "%Y%m%dT%H%M%SZ")
                    .map(|d| d.and_utc().timestamp())
                    .unwrap_or(0);
                format!("UNTIL={}", time::local_of(e.zone(), at).format("%Y%m%d"))
            }
            _ => p.to_string(),
        })
        .collect::<Vec<_>>()
        .join(";")
}

/// A whole feed. `name` is the calendar's display name, `public_url` the
/// instance's (for URLs back to the pages).
pub fn calendar(name: &str, public_url: &str, items: &[Item<'_>]) -> String {
    let mut out = String::new();
    line(&mut out, "BEGIN:VCALENDAR");
    line(&mut out, "VERSION:2.0");
    line(&mut out, "PRODID:-//Passerelles//Events//FR");
    line(&mut out, "CALSCALE:GREGORIAN");
    line(&mut out, "METHOD:PUBLISH");
    line(&mut out, &format!("X-WR-CALNAME:{}", escape(name)));
    line(&mut out, &format!("X-WR-TIMEZONE:{}", time::DEFAULT_TZ));
    let mut zones: Vec<&str> = items
        .iter()
        .filter(|i| !i.e.all_day)
        .map(|i| i.e.tz.as_str())
        .collect();
    zones.sort_unstable();
    zones.dedup();
    for z in zones {
        if let Some(v) = vtimezone(z) {
            out.push_str(v);
        }
    }
    for i in items {
        vevent(&mut out, public_url, i);
    }
    line(&mut out, "END:VCALENDAR");
    out
}

fn location(i: &Item<'_>) -> String {
    let e = i.e;
    let mut parts = Vec::new();
    if e.place_kind != "online" && !e.address.is_empty() {
        parts.push(e.address.clone());
    }
    if e.place_kind != "online" && !i.place.is_empty() {
        parts.push(i.place.clone());
    }
    if e.place_kind != "address" && i.show_online && !e.online_url.is_empty() {
        parts.push(e.online_url.clone());
    }
    parts.join(", ")
}

fn vevent(out: &mut String, public_url: &str, i: &Item<'_>) {
    let e = i.e;
    let url = crate::urls::absolute(public_url, &e.path());
    let start = e.start();
    let end_local = if e.all_day {
        time::parse_local(&e.end_local)
            .map(|d| d + chrono::Duration::days(1))
            .unwrap_or(start)
    } else {
        time::local_of(e.zone(), e.ends_at)
    };
    let stamp = time::ical_utc(e.updated_at);
    let status = match e.status {
        super::Status::Scheduled => "CONFIRMED",
        super::Status::Cancelled => "CANCELLED",
        super::Status::Postponed => "TENTATIVE",
    };
    // From the stored, already sanitised HTML: rendering each event's
    // Markdown again was half the cost of a feed (BENCHMARKS.md, issue 15).
    let mut desc = crate::markdown::excerpt_from_html(&e.description_html, 4000);
    if !desc.is_empty() {
        desc.push_str("\n\n");
    }
    desc.push_str(&url);
    line(out, "BEGIN:VEVENT");
    line(out, &format!("UID:{}", escape(&e.uid)));
    line(out, &format!("DTSTAMP:{stamp}"));
    line(out, &format!("CREATED:{}", time::ical_utc(e.created_at)));
    line(out, &format!("LAST-MODIFIED:{stamp}"));
    line(out, &format!("SEQUENCE:{}", e.sequence));
    line(out, &when("DTSTART", e, start));
    line(out, &when("DTEND", e, end_local));
    if !e.rrule.is_empty() {
        line(out, &format!("RRULE:{}", rrule_text(e)));
        for x in e.exdate_list() {
            line(out, &when("EXDATE", e, x));
        }
    }
    line(out, &format!("SUMMARY:{}", escape(&e.title)));
    line(out, &format!("DESCRIPTION:{}", escape(&desc)));
    let loc = location(i);
    if !loc.is_empty() {
        line(out, &format!("LOCATION:{}", escape(&loc)));
    }
    if !i.tags.is_empty() {
        let c: Vec<String> = i.tags.iter().map(|t| escape(&t.label)).collect();
        line(out, &format!("CATEGORIES:{}", c.join(",")));
    }
    if !e.contact.is_empty() {
        line(out, &format!("CONTACT:{}", escape(&e.contact)));
    }
    line(out, &format!("URL:{url}"));
    if i.image
        && let Some((large, _)) = e.image_urls()
    {
        line(
            out,
            &format!(
                "IMAGE;VALUE=URI;DISPLAY=FULLSIZE;FMTTYPE=image/jpeg:{}",
                crate::urls::absolute(public_url, &large)
            ),
        );
    }
    line(out, &format!("STATUS:{status}"));
    line(out, "END:VEVENT");
    // Cancelled occurrences: overrides of the series.
    if e.rrule.is_empty() {
        return;
    }
    let duration = e.ends_at - e.starts_at;
    for c in &i.cancelled {
        let Some(at) = time::parse_local(c) else {
            continue;
        };
        let end = if e.all_day {
            at + chrono::Duration::seconds(duration)
        } else {
            time::local_of(e.zone(), time::instant(e.zone(), at) + duration)
        };
        line(out, "BEGIN:VEVENT");
        line(out, &format!("UID:{}", escape(&e.uid)));
        line(out, &format!("DTSTAMP:{stamp}"));
        line(out, &when("RECURRENCE-ID", e, at));
        line(out, &format!("SEQUENCE:{}", e.sequence));
        line(out, &when("DTSTART", e, at));
        line(out, &when("DTEND", e, end));
        line(out, &format!("SUMMARY:{}", escape(&e.title)));
        line(out, &format!("URL:{url}"));
        line(out, "STATUS:CANCELLED");
        line(out, "END:VEVENT");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_fold_at_75_octets_without_splitting_characters() {
        let mut out = String::new();
        let long = format!("SUMMARY:{}", "é".repeat(100));
        line(&mut out, &long);
        for l in out.split("\r\n").filter(|l| !l.is_empty()) {
            assert!(l.len() <= 75, "{} octets", l.len());
        }
        let unfolded = out.replace("\r\n ", "");
        assert_eq!(unfolded.trim_end(), long);
        assert_eq!(escape("a;b,c\\d\ne"), "a\\;b\\,c\\\\d\\ne");
    }
}
