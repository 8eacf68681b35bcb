"""Read a "download my data" archive with independent parsers (issue 20).

Usage: data_export.py ARCHIVE.zip SCHEMA.json

- `zipfile` opens the archive (central directory, CRC checked by testzip);
- every JSON file the manifest lists is parsed and the whole set validated
  against docs/data-export/schema-v1.json with `jsonschema` (Draft 2020-12,
  formats checked);
- `outbox.json` is expanded by pyld (JSON-LD 1.1) with the ActivityStreams
  context read offline (activitypub.py's loader): every property must
  expand to a real IRI (no term falls to the context's `_:` vocabulary);
- the bytes of library and community files are hashed (sha256 of each
  file named by a `path`);
- `index.html` is parsed with `html.parser`: every local link must name a
  file of the archive, and nothing is loaded from anywhere (no script, no
  remote stylesheet or image) so it opens offline.

Prints a JSON summary on stdout for the Rust test to assert on.
"""

import hashlib
import json
import os
import sys
import zipfile
from html.parser import HTMLParser

import jsonschema


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs = []
        self.loads = []
        self.scripts = 0
        self.h1 = []
        self._in_h1 = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "script":
            self.scripts += 1
        if tag == "a" and "href" in a:
            self.hrefs.append(a["href"])
        if tag == "link" and "href" in a:
            self.loads.append(a["href"])
        if tag in ("img", "iframe", "video", "audio", "source") and "src" in a:
            self.loads.append(a["src"])
        if tag == "h1":
            self._in_h1 = True

    def handle_endtag(self, tag):
        if tag == "h1":
            self._in_h1 = False

    def handle_data(self, data):
        if self._in_h1:
            self.h1.append(data)


def expand_outbox(raw):
    """Expand outbox.json with pyld; the activity types and any term that
    no context defines."""
    from pyld import jsonld as ld

    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from activitypub import loader, walk

    expanded = ld.expand(json.loads(raw), {"documentLoader": loader})
    props, undefined = set(), set()
    walk(expanded, props, undefined)
    top = expanded[0]
    items = top.get("https://www.w3.org/ns/activitystreams#items", [])
    # orderedItems is "as:items" with "@container": "@list".
    if len(items) == 1 and "@list" in items[0]:
        items = items[0]["@list"]
    return {
        "types": top.get("@type", []),
        "activities": sorted({t for i in items for t in i.get("@type", [])}),
        "count": len(items),
        "undefined": sorted(undefined),
    }


def main():
    archive, schema_path = sys.argv[1], sys.argv[2]
    with open(schema_path, encoding="utf-8") as f:
        schema = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schema)
    z = zipfile.ZipFile(archive)
    bad = z.testzip()
    if bad is not None:
        raise SystemExit(f"CRC mismatch in {bad}")
    names = z.namelist()
    manifest = json.loads(z.read("manifest.json"))
    doc = {"manifest": manifest}
    for section in manifest["sections"]:
        if section["file"].endswith(".json"):
            doc[section["name"]] = json.loads(z.read(section["file"]))
            if isinstance(doc[section["name"]], list):
                assert len(doc[section["name"]]) == section["count"], section
    validator = jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
    if errors:
        for e in errors[:10]:
            print("schema:", list(e.path), e.message, file=sys.stderr)
        raise SystemExit("archive does not match the schema")
    outbox = doc["outbox"]
    assert outbox["totalItems"] == len(outbox["orderedItems"])
    outbox_ld = expand_outbox(z.read("outbox.json"))

    parser = Links()
    parser.feed(z.read("index.html").decode("utf-8"))
    missing = [
        h
        for h in parser.hrefs
        if "://" not in h and not h.startswith("#") and not h.startswith("mailto:") and h not in names
    ]
    remote_loads = [h for h in parser.loads if "://" in h or h.startswith("//")]
    local_loads_missing = [h for h in parser.loads if "://" not in h and h not in names]

    files = {}
    for p in doc["publications"]:
        for a in p["attachments"]:
            files[a["path"]] = hashlib.sha256(z.read(a["path"])).hexdigest()
    stored = {}
    for section in ("library_files", "community_files"):
        for f in doc.get(section, []):
            if f["path"] is not None:
                got = hashlib.sha256(z.read(f["path"])).hexdigest()
                assert got == f["sha256"], (f["path"], got, f["sha256"])
                stored[f["path"]] = got

    print(
        json.dumps(
            {
                "names": names,
                "sections": {s["name"]: s["count"] for s in manifest["sections"]},
                "publication_titles": [p["title"] for p in doc["publications"]],
                "reply_bodies": [r["body"] for r in doc["replies"]],
                "outbox_types": sorted({i["object"]["type"] for i in outbox["orderedItems"]}),
                "outbox_total": outbox["totalItems"],
                "files": files,
                "index_missing": missing,
                "index_remote_loads": remote_loads,
                "index_local_loads_missing": local_loads_missing,
                "index_scripts": parser.scripts,
                "index_h1": "".join(parser.h1),
                "index_links": len(parser.hrefs),
                "email": doc["settings"]["email"],
                "memberships": [m["community"]["slug"] for m in doc["memberships"]],
                "token_prefixes": [t["prefix"] for t in doc["api_tokens"]],
                "stored_files": stored,
                "outbox_ld": outbox_ld,
                "drafts": [d["title"] for d in doc.get("drafts", [])],
                "events": [e["title"] for e in doc.get("events", [])],
                "rsvps": [[r["event"]["title"], r["answer"]] for r in doc.get("rsvps", [])],
                "newsletters": [[n["list"]["slug"], n["status"], n["consent_wording"]] for n in doc.get("newsletters", [])],
                "library": [r["title"] for r in doc.get("library", [])],
                "library_files": [[f["name"], f["version"]] for f in doc.get("library_files", [])],
                "lexicon_proposals": [t["term"]["slug"] for t in doc.get("lexicon_proposals", [])],
                "lexicon_edits": [[t["term"]["slug"], t["note"]] for t in doc.get("lexicon_edits", [])],
                "wiki_edits": [[e["page"]["slug"], e["body"]] for e in doc.get("wiki_edits", [])],
                "community_files": [[f["name"], f["version"]] for f in doc.get("community_files", [])],
            }
        )
    )


if __name__ == "__main__":
    main()
