"""Reads iCalendar feeds back with two independent parsers (tests/it/events.rs).

Usage: ical.py FROM TO FILE...   FROM/TO: ISO dates bounding the expansion.

Each FILE must parse with:
- `icalendar` (strict component parsing), its occurrences expanded by
  `recurring-ical-events` (RRULE, EXDATE, RECURRENCE-ID overrides, VTIMEZONE);
- `vobject` (its own parser; RRULE expanded by vobject's `getrruleset`,
  with the overrides applied here: an occurrence whose RECURRENCE-ID
  matches a STATUS:CANCELLED override is cancelled).

Prints one JSON object: {file: {"icalendar": [...], "vobject": [...],
"uids": [...], "sequences": {...}, "urls": [...], "tzids": [...]}} where
each occurrence is "UID|local start ISO|STATUS". Exits 1 with the reason
on the first failure.
"""
import datetime as dt
import json
import sys

import icalendar
import recurring_ical_events
import vobject


def iso(d):
    if isinstance(d, dt.datetime):
        return d.strftime("%Y-%m-%dT%H:%M")
    return d.strftime("%Y-%m-%d")


def with_icalendar(data, start, end):
    cal = icalendar.Calendar.from_ical(data)
    occ = []
    for ev in recurring_ical_events.of(cal).between(start, end):
        occ.append(f"{ev['UID']}|{iso(ev['DTSTART'].dt)}|{ev.get('STATUS', '')}")
    uids = sorted({str(c["UID"]) for c in cal.walk("VEVENT")})
    seqs = {str(c["UID"]): int(c.get("SEQUENCE", 0)) for c in cal.walk("VEVENT") if "RECURRENCE-ID" not in c}
    urls = sorted({str(c.get("URL", "")) for c in cal.walk("VEVENT")})
    tzids = sorted(str(c["TZID"]) for c in cal.walk("VTIMEZONE"))
    return sorted(occ), uids, seqs, urls, tzids


def with_vobject(data, start, end):
    cal = vobject.readOne(data.decode("utf-8"))
    cancelled = set()
    masters = []
    for ev in cal.contents.get("vevent", []):
        if "recurrence-id" in ev.contents:
            if ev.status.value == "CANCELLED":
                cancelled.add((ev.uid.value, iso(ev.contents["recurrence-id"][0].value)))
        else:
            masters.append(ev)
    occ = []
    for ev in masters:
        status = ev.status.value if "status" in ev.contents else ""
        first = ev.dtstart.value
        if "rrule" in ev.contents:
            dates = ev.getrruleset(addRDate=True)
            starts = list(dates.between(
                _like(first, start), _like(first, end), inc=True)) if dates is not None else []
        else:
            starts = [first] if _like(first, start) <= first < _like(first, end) else []
        for s in starts:
            st = "CANCELLED" if (ev.uid.value, iso(s)) in cancelled else status
            occ.append(f"{ev.uid.value}|{iso(s)}|{st}")
    return sorted(occ)


def _like(sample, d):
    """`d` (a date) as the same kind as `sample` for comparisons."""
    if isinstance(sample, dt.datetime):
        x = dt.datetime(d.year, d.month, d.day)
        if sample.tzinfo is not None:
            x = x.replace(tzinfo=sample.tzinfo)
        return x
    return d


def main():
    start = dt.date.fromisoformat(sys.argv[1])
    end = dt.date.fromisoformat(sys.argv[2])
    out = {}
    for path in sys.argv[3:]:
        data = open(path, "rb").read()
        try:
            occ, uids, seqs, urls, tzids = with_icalendar(data, start, end)
        except Exception as e:  # noqa: BLE001 — any failure is the answer
            print(f"{path}: icalendar: {e!r}", file=sys.stderr)
            sys.exit(1)
        try:
            vocc = with_vobject(data, start, end)
        except Exception as e:  # noqa: BLE001
            print(f"{path}: vobject: {e!r}", file=sys.stderr)
            sys.exit(1)
        out[path] = {"icalendar": occ, "vobject": vocc, "uids": uids,
                     "sequences": seqs, "urls": urls, "tzids": tzids}
    print(json.dumps(out, ensure_ascii=False))


main()
