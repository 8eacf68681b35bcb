//! Opening hours in OpenStreetMap's `opening_hours` syntax
//! (<https://wiki.openstreetmap.org/wiki/Key:opening_hours/specification>),
//! validated for the common subset:
//!
//! - rules separated by `;` (normal), `,` (additional) or `||` (fallback);
//! - `24/7`;
//! - year ranges (`2025`, `2025-2026`), months and dates (`Jan-Mar`,
//!   `Dec 24-26`, `Dec 25`), ISO weeks (`week 1-53/2`);
//! - weekdays with ranges, lists and nth occurrences (`Mo-Fr`, `Sa,Su`,
//!   `Su[1]`, `Mo[-1]`), holidays `PH` and `SH`;
//! - times `hh:mm-hh:mm` (an end up to 48:00 for past midnight), open ends
//!   `hh:mm+`, lists, and the events `sunrise`, `sunset`, `dawn`, `dusk`
//!   with offsets (`(sunset-01:00)`);
//! - modifiers `open`, `closed`, `off`, `unknown`, and `"comments"`.
//!
//! Anything else is refused with the position where reading stopped, so
//! a form can say where the mistake is. Tested against the examples of
//! the OSM wiki.

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Num(u32, usize),
    Word(String),
    Sym(char),
    OrOr,
    Str,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HoursError {
    /// Character offset where the value stops making sense.
    pub at: usize,
    /// What was expected there (English, for logs and the API).
    pub expected: &'static str,
}

impl std::fmt::Display for HoursError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "expected {} at character {}", self.expected, self.at + 1)
    }
}

const DAYS: [&str; 7] = ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const EVENTS: [&str; 4] = ["sunrise", "sunset", "dawn", "dusk"];
const MODIFIERS: [&str; 4] = ["open", "closed", "off", "unknown"];

fn lex(s: &str) -> Result<Vec<(Tok, usize)>, HoursError> {
    let chars: Vec<char> = s.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let start = i;
        if c.is_whitespace() {
            i += 1;
        } else if c.is_ascii_digit() {
            let mut v: u32 = 0;
            while i < chars.len() && chars[i].is_ascii_digit() {
                v = v
                    .saturating_mul(10)
                    .saturating_add(chars[i] as u32 - '0' as u32);
                i += 1;
            }
            out.push((Tok::Num(v, i - start), start));
        } else if c.is_ascii_alphabetic() {
            while i < chars.len() && chars[i].is_ascii_alphabetic() {
                i += 1;
            }
            out.push((Tok::Word(chars[start..i].iter().collect()), start));
        } else if c == '"' {
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                i += 1;
            }
            if i >= chars.len() {
                return Err(HoursError {
                    at: start,
                    expected: "a closing quote",
                });
            }
            i += 1;
            out.push((Tok::Str, start));
        } else if c == '|' && chars.get(i + 1) == Some(&'|') {
            i += 2;
            out.push((Tok::OrOr, start));
        } else if "-,;:+/[]()".contains(c) {
            i += 1;
            out.push((Tok::Sym(c), start));
        } else {
            return Err(HoursError {
                at: start,
                expected: "a day, month, time or separator",
            });
        }
    }
    Ok(out)
}

/// One parsed rule, kept only as far as the weekly summary needs.
#[derive(Debug, Clone, Default)]
struct Rule {
    /// The rule follows a `,` (adds to the previous) rather than `;`.
    additional: bool,
    always: bool,
    /// Only weekdays (no dates, weeks, holidays or nth): summarisable.
    simple: bool,
    days: [bool; 7],
    any_day: bool,
    times: Vec<String>,
    closed: bool,
}

struct P<'a> {
    t: &'a [(Tok, usize)],
    i: usize,
    end: usize,
}

impl P<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.t.get(self.i).map(|x| &x.0)
    }
    fn peek_at(&self, k: usize) -> Option<&Tok> {
        self.t.get(self.i + k).map(|x| &x.0)
    }
    fn pos(&self) -> usize {
        self.t.get(self.i).map(|x| x.1).unwrap_or(self.end)
    }
    fn err<T>(&self, expected: &'static str) -> Result<T, HoursError> {
        Err(HoursError {
            at: self.pos(),
            expected,
        })
    }
    fn sym(&mut self, c: char) -> bool {
        if self.peek() == Some(&Tok::Sym(c)) {
            self.i += 1;
            true
        } else {
            false
        }
    }
    fn word_in(&self, list: &[&str]) -> Option<usize> {
        match self.peek() {
            Some(Tok::Word(w)) => list.iter().position(|x| x == w),
            _ => None,
        }
    }
    fn num(&mut self) -> Option<(u32, usize)> {
        match self.peek() {
            Some(Tok::Num(v, l)) => {
                let r = (*v, *l);
                self.i += 1;
                Some(r)
            }
            _ => None,
        }
    }
    /// A number in `lo..=hi`, or an error pointing at it.
    fn num_in(&mut self, lo: u32, hi: u32, expected: &'static str) -> Result<u32, HoursError> {
        let at = self.pos();
        match self.num() {
            Some((n, _)) if (lo..=hi).contains(&n) => Ok(n),
            _ => Err(HoursError { at, expected }),
        }
    }
    fn is_time_ahead(&self) -> bool {
        matches!(self.peek(), Some(Tok::Num(_, _))) && self.peek_at(1) == Some(&Tok::Sym(':'))
    }
    fn is_event_ahead(&self) -> bool {
        self.word_in(&EVENTS).is_some()
            || (self.peek() == Some(&Tok::Sym('('))
                && matches!(self.peek_at(1), Some(Tok::Word(w)) if EVENTS.contains(&w.as_str())))
    }

    /// `hh:mm`; returns minutes. `max_hour` 24 for a start, 48 for an end.
    fn clock(&mut self, max_hour: u32) -> Result<u32, HoursError> {
        let at = self.pos();
        let bad = || HoursError {
            at,
            expected: "a time hh:mm",
        };
        let (h, hl) = self.num().ok_or_else(bad)?;
        if !self.sym(':') {
            return Err(bad());
        }
        let (m, ml) = self.num().ok_or_else(bad)?;
        if hl != 2 || ml != 2 || h > max_hour || m > 59 || (h == max_hour && m > 0) {
            return Err(bad());
        }
        Ok(h * 60 + m)
    }

    /// A time or an event (with an optional offset in parentheses).
    fn point(&mut self, max_hour: u32) -> Result<(), HoursError> {
        if self.word_in(&EVENTS).is_some() {
            self.i += 1;
            return Ok(());
        }
        if self.sym('(') {
            if self.word_in(&EVENTS).is_none() {
                return self.err("sunrise, sunset, dawn or dusk");
            }
            self.i += 1;
            if !(self.sym('+') || self.sym('-')) {
                return self.err("+ or - and an offset");
            }
            self.clock(24)?;
            if !self.sym(')') {
                return self.err("a closing parenthesis");
            }
            return Ok(());
        }
        self.clock(max_hour).map(|_| ())
    }

    fn time_selector(&mut self, r: &mut Rule) -> Result<(), HoursError> {
        loop {
            let from = self.i;
            self.point(24)?;
            if self.sym('-') {
                self.point(48)?;
                if self.sym('/') && self.num().is_none() && !self.is_time_ahead() {
                    return self.err("an interval");
                }
                self.sym('+');
            } else if !self.sym('+') {
                return self.err("- and a closing time");
            }
            let text = self.t[from..self.i]
                .iter()
                .fold(String::new(), |mut s, (t, _)| {
                    match t {
                        Tok::Num(v, l) => s.push_str(&format!("{v:0width$}", width = *l)),
                        Tok::Word(w) => s.push_str(w),
                        Tok::Sym(c) => s.push(*c),
                        _ => {}
                    }
                    s
                });
            r.times.push(text);
            if self.peek() == Some(&Tok::Sym(','))
                && (matches!(self.peek_at(1), Some(Tok::Num(_, _)))
                    || matches!(self.peek_at(1), Some(Tok::Word(w)) if EVENTS.contains(&w.as_str()))
                    || self.peek_at(1) == Some(&Tok::Sym('(')))
            {
                self.i += 1;
                continue;
            }
            return Ok(());
        }
    }

    fn weekday_selector(&mut self, r: &mut Rule) -> Result<(), HoursError> {
        loop {
            if let Some(Tok::Word(w)) = self.peek()
                && (w == "PH" || w == "SH")
            {
                self.i += 1;
                r.simple = false;
                // An offset such as `PH +1 day`.
                if (self.peek() == Some(&Tok::Sym('+')) || self.peek() == Some(&Tok::Sym('-')))
                    && matches!(self.peek_at(1), Some(Tok::Num(_, _)))
                    && matches!(self.peek_at(2), Some(Tok::Word(w)) if w == "day" || w == "days")
                {
                    self.i += 3;
                }
            } else if let Some(a) = self.word_in(&DAYS) {
                self.i += 1;
                let mut b = a;
                if self.peek() == Some(&Tok::Sym('-')) && {
                    let save = self.i;
                    self.i += 1;
                    let ok = self.word_in(&DAYS).is_some();
                    self.i = save;
                    ok
                } {
                    self.i += 1;
                    b = self.word_in(&DAYS).unwrap_or(a);
                    self.i += 1;
                }
                if self.sym('[') {
                    r.simple = false;
                    loop {
                        self.sym('-');
                        self.num_in(1, 5, "a week of the month 1 to 5")?;
                        if self.sym('-') {
                            self.num_in(1, 5, "a week of the month 1 to 5")?;
                        }
                        if !self.sym(',') {
                            break;
                        }
                    }
                    if !self.sym(']') {
                        return self.err("a closing bracket");
                    }
                }
                let mut d = a;
                loop {
                    r.days[d] = true;
                    if d == b {
                        break;
                    }
                    d = (d + 1) % 7;
                }
            } else {
                return self.err("a day (Mo, Tu, We, Th, Fr, Sa, Su, PH, SH)");
            }
            let next_is_day = matches!(self.peek_at(1), Some(Tok::Word(w))
                if DAYS.contains(&w.as_str()) || w == "PH" || w == "SH");
            if self.peek() == Some(&Tok::Sym(',')) && next_is_day {
                self.i += 1;
                continue;
            }
            return Ok(());
        }
    }

    /// `Jan`, `Jan-Mar`, `Dec 25`, `Dec 24-26`, `Dec 25-Jan 05`, lists.
    fn month_selector(&mut self) -> Result<(), HoursError> {
        loop {
            self.i += 1; // the month
            self.day_of_month()?;
            if self.peek() == Some(&Tok::Sym('-')) {
                self.i += 1;
                if self.word_in(&MONTHS).is_some() {
                    self.i += 1;
                    self.day_of_month()?;
                } else {
                    self.num_in(1, 31, "a month or a day of the month")?;
                }
            }
            if self.peek() == Some(&Tok::Sym(','))
                && matches!(self.peek_at(1), Some(Tok::Word(w)) if MONTHS.contains(&w.as_str()))
            {
                self.i += 1;
                continue;
            }
            return Ok(());
        }
    }

    fn day_of_month(&mut self) -> Result<(), HoursError> {
        if matches!(self.peek(), Some(Tok::Num(_, _))) && self.peek_at(1) != Some(&Tok::Sym(':')) {
            self.num_in(1, 31, "a day of the month 1 to 31")?;
        }
        Ok(())
    }

    fn rule(&mut self, additional: bool) -> Result<Rule, HoursError> {
        let mut r = Rule {
            additional,
            simple: true,
            ..Default::default()
        };
        let start = self.i;
        if matches!(self.peek(), Some(Tok::Num(24, 2)))
            && self.peek_at(1) == Some(&Tok::Sym('/'))
            && matches!(self.peek_at(2), Some(Tok::Num(7, 1)))
        {
            self.i += 3;
            r.always = true;
        }
        // Years: a four-digit number not followed by ':'.
        if !r.always
            && matches!(self.peek(), Some(Tok::Num(_, 4)))
            && self.peek_at(1) != Some(&Tok::Sym(':'))
        {
            r.simple = false;
            self.i += 1;
            if self.sym('-') && !matches!(self.num(), Some((_, 4))) {
                return self.err("a year");
            }
        }
        if !r.always && self.word_in(&MONTHS).is_some() {
            r.simple = false;
            self.month_selector()?;
        }
        if !r.always && matches!(self.peek(), Some(Tok::Word(w)) if w == "week") {
            r.simple = false;
            self.i += 1;
            loop {
                self.num_in(1, 53, "a week number 1 to 53")?;
                if self.sym('-') {
                    self.num_in(1, 53, "a week number 1 to 53")?;
                }
                if self.sym('/') && self.num().is_none() {
                    return self.err("a step");
                }
                if !(self.peek() == Some(&Tok::Sym(','))
                    && matches!(self.peek_at(1), Some(Tok::Num(_, _))))
                {
                    break;
                }
                self.i += 1;
            }
        }
        if !r.always
            && matches!(self.peek(), Some(Tok::Word(w)) if DAYS.contains(&w.as_str()) || w == "PH" || w == "SH")
        {
            self.weekday_selector(&mut r)?;
        } else {
            r.any_day = true;
        }
        if !r.always && (self.is_time_ahead() || self.is_event_ahead()) {
            self.time_selector(&mut r)?;
        }
        if let Some(m) = self.word_in(&MODIFIERS) {
            self.i += 1;
            r.closed = MODIFIERS[m] != "open" && MODIFIERS[m] != "unknown";
        }
        if self.peek() == Some(&Tok::Str) {
            self.i += 1;
        }
        if self.i == start {
            return self.err("a rule (days, times, 24/7, off or a comment)");
        }
        Ok(r)
    }

    fn rules(&mut self) -> Result<Vec<Rule>, HoursError> {
        let mut out = vec![self.rule(false)?];
        loop {
            match self.peek() {
                None => return Ok(out),
                Some(Tok::Sym(';')) | Some(Tok::OrOr) => {
                    self.i += 1;
                    if self.peek().is_none() {
                        // A trailing `;` is tolerated by most readers.
                        return Ok(out);
                    }
                    out.push(self.rule(false)?);
                }
                Some(Tok::Sym(',')) => {
                    self.i += 1;
                    out.push(self.rule(true)?);
                }
                Some(_) => return self.err("; or , between rules"),
            }
        }
    }
}

fn parse(s: &str) -> Result<Vec<Rule>, HoursError> {
    let toks = lex(s)?;
    if toks.is_empty() {
        return Err(HoursError {
            at: 0,
            expected: "a rule",
        });
    }
    let mut p = P {
        t: &toks,
        i: 0,
        end: s.chars().count(),
    };
    p.rules()
}

/// Validate an `opening_hours` value (the empty value is "not said" and
/// valid). Returns the trimmed value.
pub fn validate(s: &str) -> Result<String, HoursError> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(String::new());
    }
    if s.chars().count() > 255 {
        return Err(HoursError {
            at: 255,
            expected: "at most 255 characters (OSM's limit)",
        });
    }
    parse(s)?;
    Ok(s.to_string())
}

/// The weekly summary of simple values (weekdays and times only), per
/// two-letter day as GoGoCarto's `openHours` wants it:
/// `[("Mo", "09:00-12:00,13:00-17:00"), …]`. Days closed or not said are
/// left out; values with dates, weeks or holidays give what their simple
/// rules say.
pub fn weekly(s: &str) -> Vec<(&'static str, String)> {
    let Ok(rules) = parse(s.trim()) else {
        return Vec::new();
    };
    let mut days: [Vec<String>; 7] = Default::default();
    for r in rules.iter().filter(|r| r.simple) {
        let covered: Vec<usize> = if r.always || r.any_day {
            (0..7).collect()
        } else {
            (0..7).filter(|d| r.days[*d]).collect()
        };
        let times = if r.always {
            vec!["00:00-24:00".to_string()]
        } else {
            r.times.clone()
        };
        for d in covered {
            if !r.additional {
                days[d].clear();
            }
            if !r.closed {
                days[d].extend(times.iter().cloned());
            }
        }
    }
    DAYS.iter()
        .zip(days)
        .filter(|(_, t)| !t.is_empty())
        .map(|(d, t)| (*d, t.join(",")))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Examples from the OSM wiki (Key:opening_hours and its
    /// specification page), all valid.
    #[test]
    fn wiki_examples_are_valid() {
        for ok in [
            "24/7",
            "Mo-Fr 08:00-17:30",
            "Mo-Fr 08:00-12:00,13:00-17:30",
            "Mo-Fr 08:00-12:00,13:00-17:30; Sa 08:00-12:00",
            "Mo-Fr 08:00-12:00,13:00-17:30; Sa 08:00-12:00; PH off",
            "Mo,We,Fr 08:00-12:00",
            "Mo-Sa 10:00-20:00; Tu off",
            "Mo-Sa 10:00-20:00; Tu 10:00-14:00",
            "Mo-Fr 08:00-18:00; Sa 09:00-13:00; Su,PH off",
            "Mo-Su 08:00-18:00; Apr 10-15 off; Jun 08:00-14:00; Aug off; Dec 25 off",
            "Sa-Su 00:00-24:00",
            "Mo-Fr 22:00-02:00",
            "Mo-Fr 09:00-17:00; PH closed",
            "sunrise-sunset",
            "Su 10:00+",
            "week 01-53/2 Fr 09:00-12:00; week 02-52/2 We 09:00-12:00",
            "Mo-Sa 08:00-13:00,14:00-17:00 || \"by appointment\"",
            "Su[2] 10:00-14:00",
            "Th[-1] 18:00-21:00",
            "Mo-Fr 10:00-20:00; PH off; Dec 24 10:00-14:00",
            "Mar-Oct Tu-Su 10:30-18:00; Nov-Feb Sa,Su 11:00-17:00",
            "Dec 25-Jan 05 off",
            "2025 Jan-Mar Mo-Fr 09:00-17:00",
            "Mo-Fr 08:00-17:00, We 19:00-21:00",
            "Mo-Fr (sunrise+00:30)-(sunset-00:30)",
            "Fr 19:00-26:00",
            "\"sur rendez-vous\"",
            "Mo-Fr 09:00-17:00 \"sauf les jours fériés\"",
            "PH +1 day off",
            "Mo-Fr 09:00-17:00;",
        ] {
            assert!(validate(ok).is_ok(), "{ok}: {:?}", validate(ok));
        }
    }

    #[test]
    fn mistakes_are_refused_with_a_position() {
        for (bad, at) in [
            ("Mo-Fr 8:00-17:00", 6),
            ("Mo-Fr 08:00-25:00:00", 17),
            ("Lu-Ve 09:00-17:00", 0),
            ("Mo-Fr 09:00", 11),
            ("Mo-Fr 09:60-17:00", 6),
            ("Mo-Fr 09:00-17:00 ; ; Sa", 20),
            ("Mo-Fr 09:00-17:00 \"ouvert", 18),
            ("Su[6] 10:00-12:00", 3),
            ("Dec 32 off", 4),
            ("Mo-Fr 09:00-17:00 Sa 10:00-12:00", 18),
            ("tous les jours", 0),
            ("25:00-26:00", 0),
        ] {
            let e = validate(bad).expect_err(bad);
            assert_eq!(e.at, at, "{bad}: {e}");
        }
        assert_eq!(validate("  ").as_deref(), Ok(""));
        assert!(validate(&"Mo 09:00-10:00,".repeat(30)).is_err());
    }

    #[test]
    fn weekly_summary() {
        assert_eq!(
            weekly("Mo-Fr 08:00-12:00,13:00-17:30; Sa 08:00-12:00; PH off"),
            vec![
                ("Mo", "08:00-12:00,13:00-17:30".to_string()),
                ("Tu", "08:00-12:00,13:00-17:30".to_string()),
                ("We", "08:00-12:00,13:00-17:30".to_string()),
                ("Th", "08:00-12:00,13:00-17:30".to_string()),
                ("Fr", "08:00-12:00,13:00-17:30".to_string()),
                ("Sa", "08:00-12:00".to_string()),
            ]
        );
        assert_eq!(
            weekly("Mo-Sa 10:00-20:00; Tu off"),
            vec![
                ("Mo", "10:00-20:00".to_string()),
                ("We", "10:00-20:00".to_string()),
                ("Th", "10:00-20:00".to_string()),
                ("Fr", "10:00-20:00".to_string()),
                ("Sa", "10:00-20:00".to_string()),
            ]
        );
        assert_eq!(weekly("24/7").len(), 7);
        assert_eq!(
            weekly("Sa-Mo 10:00-12:00"),
            vec![
                ("Mo", "10:00-12:00".to_string()),
                ("Sa", "10:00-12:00".to_string()),
                ("Su", "10:00-12:00".to_string()),
            ]
        );
        assert_eq!(
            weekly("Mo 09:00-12:00, Mo 14:00-16:00"),
            vec![("Mo", "09:00-12:00,14:00-16:00".to_string())]
        );
    }
}
