//! Reading iCalendar files (RFC 5545) for the import: content lines
//! unfolded, split into name, parameters and value, and gathered into the
//! file's VEVENTs. Everything is bounded before any work: the file's size
//! (`MAX_BYTES`, checked by the caller and here), an unfolded line's
//! length, the nesting of components, the number of events and of
//! properties per event. A file breaking a bound is refused as a whole with
//! the line where it happened; an event's own problems are its own (the
//! import reports them per event). No database, no time zone work: the
//! import (`import.rs`) reads the values.

/// Largest file read (2 MiB: a few thousand events).
pub const MAX_BYTES: usize = 2 * 1024 * 1024;
/// Most VEVENTs in one file (masters and overrides together).
pub const MAX_EVENTS: usize = 2000;
/// Longest content line once unfolded.
pub const MAX_LINE: usize = 32 * 1024;
/// Deepest nesting of components (VCALENDAR > VEVENT > VALARM…).
pub const MAX_DEPTH: usize = 6;
/// Most properties kept for one event.
pub const MAX_PROPS: usize = 300;

/// One content line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prop {
    /// Upper case.
    pub name: String,
    /// (upper-case name, value without quotes).
    pub params: Vec<(String, String)>,
    /// The raw value (TEXT escapes undone by `text`).
    pub value: String,
}

impl Prop {
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// One VEVENT: the line of its `BEGIN`, its own properties (not those of
/// the components inside it, such as alarms).
#[derive(Debug, Clone, Default)]
pub struct VEvent {
    pub line: usize,
    pub props: Vec<Prop>,
    /// It had more than `MAX_PROPS` properties (those beyond are dropped;
    /// the import refuses the event).
    pub too_many_props: bool,
}

impl VEvent {
    pub fn get(&self, name: &str) -> Option<&Prop> {
        self.props.iter().find(|p| p.name == name)
    }
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Prop> + 'a {
        self.props.iter().filter(move |p| p.name == name)
    }
}

/// Why a whole file is refused: the line (1-based, physical) and a
/// message key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileError {
    pub line: usize,
    pub key: &'static str,
}

fn err(line: usize, key: &'static str) -> FileError {
    FileError { line, key }
}

/// Undo TEXT escapes (`\n`, `\,`, `\;`, `\\`).
pub fn text(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    let mut it = v.chars();
    while let Some(c) = it.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match it.next() {
            Some('n' | 'N') => out.push('\n'),
            Some(c) => out.push(c),
            None => {}
        }
    }
    out
}

/// Split a list value (CATEGORIES, EXDATE) on unescaped commas.
pub fn list(v: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut esc = false;
    for c in v.chars() {
        if esc {
            cur.push('\\');
            cur.push(c);
            esc = false;
        } else if c == '\\' {
            esc = true;
        } else if c == ',' {
            out.push(std::mem::take(&mut cur));
        } else {
            cur.push(c);
        }
    }
    out.push(cur);
    out.into_iter()
        .map(|s| text(s.trim()))
        .filter(|s| !s.is_empty())
        .collect()
}

/// One unfolded content line into its parts; `None` when it has no `:`
/// or no name.
pub fn parse_line(l: &str) -> Option<Prop> {
    let mut name_end = None;
    for (i, c) in l.char_indices() {
        if c == ';' || c == ':' {
            name_end = Some(i);
            break;
        }
    }
    let name_end = name_end?;
    let name = l[..name_end].trim().to_ascii_uppercase();
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return None;
    }
    let mut params = Vec::new();
    let mut rest = &l[name_end..];
    // Parameters: ;NAME=value or ;NAME="quoted", until the first ':' out of quotes.
    while let Some(r) = rest.strip_prefix(';') {
        let eq = r.find('=')?;
        let pname = r[..eq].trim().to_ascii_uppercase();
        let mut after = &r[eq + 1..];
        let mut value = String::new();
        loop {
            if let Some(q) = after.strip_prefix('"') {
                let close = q.find('"')?;
                value.push_str(&q[..close]);
                after = &q[close + 1..];
            } else {
                let stop = after.find([';', ':', ',']).unwrap_or(after.len());
                value.push_str(&after[..stop]);
                after = &after[stop..];
            }
            match after.strip_prefix(',') {
                Some(a) => {
                    value.push(',');
                    after = a;
                }
                None => break,
            }
        }
        params.push((pname, value));
        rest = after;
    }
    let value = rest.strip_prefix(':')?;
    Some(Prop {
        name,
        params,
        value: value.to_string(),
    })
}

/// Read a file into its VEVENTs (see the module documentation).
pub fn read(body: &str) -> Result<Vec<VEvent>, FileError> {
    if body.len() > MAX_BYTES {
        return Err(err(1, "event-import-too-large"));
    }
    let body = body.strip_prefix('\u{feff}').unwrap_or(body);
    // Unfold: (first physical line, logical line).
    let mut logical: Vec<(usize, String)> = Vec::new();
    for (i, raw) in body.split('\n').enumerate() {
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        let n = i + 1;
        if let Some(cont) = raw.strip_prefix([' ', '\t']) {
            match logical.last_mut() {
                Some((_, l)) => {
                    if l.len() + cont.len() > MAX_LINE {
                        return Err(err(n, "event-import-line-too-long"));
                    }
                    l.push_str(cont);
                }
                None => return Err(err(n, "event-import-not-calendar")),
            }
        } else {
            if raw.len() > MAX_LINE {
                return Err(err(n, "event-import-line-too-long"));
            }
            logical.push((n, raw.to_string()));
        }
    }
    let mut stack: Vec<String> = Vec::new();
    let mut events: Vec<VEvent> = Vec::new();
    let mut current: Option<VEvent> = None;
    let mut calendars = 0;
    let mut last_line = 1;
    for (n, l) in logical {
        last_line = n;
        if l.trim().is_empty() {
            continue;
        }
        let Some(p) = parse_line(&l) else {
            if stack.is_empty() {
                return Err(err(n, "event-import-not-calendar"));
            }
            return Err(err(n, "event-import-malformed"));
        };
        match p.name.as_str() {
            "BEGIN" => {
                let what = p.value.trim().to_ascii_uppercase();
                if stack.is_empty() && what != "VCALENDAR" {
                    return Err(err(n, "event-import-not-calendar"));
                }
                if stack.len() >= MAX_DEPTH {
                    return Err(err(n, "event-import-too-deep"));
                }
                if what == "VCALENDAR" {
                    if !stack.is_empty() {
                        return Err(err(n, "event-import-malformed"));
                    }
                    calendars += 1;
                }
                if what == "VEVENT" && stack.len() == 1 {
                    if events.len() >= MAX_EVENTS {
                        return Err(err(n, "event-import-too-many"));
                    }
                    current = Some(VEvent {
                        line: n,
                        ..VEvent::default()
                    });
                }
                stack.push(what);
            }
            "END" => {
                let what = p.value.trim().to_ascii_uppercase();
                if stack.last() != Some(&what) {
                    return Err(err(n, "event-import-malformed"));
                }
                stack.pop();
                if what == "VEVENT"
                    && stack.len() == 1
                    && let Some(e) = current.take()
                {
                    events.push(e);
                }
            }
            _ => {
                if stack.is_empty() {
                    return Err(err(n, "event-import-not-calendar"));
                }
                // Only the event's own properties (not its alarms').
                if stack.len() == 2
                    && stack[1] == "VEVENT"
                    && let Some(e) = current.as_mut()
                {
                    if e.props.len() >= MAX_PROPS {
                        e.too_many_props = true;
                    } else {
                        e.props.push(p);
                    }
                }
            }
        }
    }
    if !stack.is_empty() {
        return Err(err(last_line, "event-import-unterminated"));
    }
    if calendars == 0 {
        return Err(err(1, "event-import-not-calendar"));
    }
    Ok(events)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_unfolded_and_split() {
        let f = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:a@b\r\nSUMMARY:Corv\r\n ée\\, \r\n\t1\r\n\
                 DTSTART;TZID=\"America/Toronto\";X-A=b,\"c:d\":20270112T190000\r\nBEGIN:VALARM\r\n\
                 ACTION:DISPLAY\r\nEND:VALARM\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
        let ev = read(f).unwrap();
        assert_eq!(ev.len(), 1);
        assert_eq!(ev[0].line, 3);
        assert_eq!(text(&ev[0].get("SUMMARY").unwrap().value), "Corvée, 1");
        let d = ev[0].get("DTSTART").unwrap();
        assert_eq!(d.param("TZID"), Some("America/Toronto"));
        assert_eq!(d.param("X-A"), Some("b,c:d"));
        assert_eq!(d.value, "20270112T190000");
        assert!(ev[0].get("ACTION").is_none(), "the alarm's own");
        assert_eq!(list("a\\,b, c,,d"), ["a,b", "c", "d"]);
    }

    #[test]
    fn broken_files_are_refused_with_their_line() {
        assert_eq!(
            read("hello").unwrap_err(),
            err(1, "event-import-not-calendar")
        );
        assert_eq!(
            read("BEGIN:VCALENDAR\nBEGIN:VEVENT\nEND:VCALENDAR\n").unwrap_err(),
            err(3, "event-import-malformed")
        );
        assert_eq!(
            read("BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:x\n")
                .unwrap_err()
                .key,
            "event-import-unterminated"
        );
        let deep = format!("BEGIN:VCALENDAR\n{}", "BEGIN:X\n".repeat(MAX_DEPTH + 1));
        assert_eq!(
            read(&deep).unwrap_err(),
            err(MAX_DEPTH + 1, "event-import-too-deep")
        );
        let many = format!(
            "BEGIN:VCALENDAR\n{}END:VCALENDAR\n",
            "BEGIN:VEVENT\nEND:VEVENT\n".repeat(MAX_EVENTS + 1)
        );
        assert_eq!(read(&many).unwrap_err().key, "event-import-too-many");
        let long = format!("BEGIN:VCALENDAR\nX:{}\n", "a".repeat(MAX_LINE));
        assert_eq!(
            read(&long).unwrap_err(),
            err(2, "event-import-line-too-long")
        );
        let folded = format!(
            "BEGIN:VCALENDAR\nX:a\n{}",
            format!(" {}\n", "b".repeat(70)).repeat(MAX_LINE / 70 + 1)
        );
        assert_eq!(read(&folded).unwrap_err().key, "event-import-line-too-long");
    }
}
