"""Read a "download my data" archive with independent parsers (issue 20).

Usage: data_export.py ARCHIVE.zip SCHEMA.json

- `zipfile` opens the archive (central directory, CRC checked by testzip);
- every JSON file the manifest lists is parsed and the whole set validated
  against docs/data-export/schema-v1.json with `jsonschema` (Draft 2020-12,
  formats checked);
- `index.html` is parsed with `html.parser`: every local link must name a
  file of the archive, and nothing is loaded from anywhere (no script, no
  remote stylesheet or image) so it opens offline.

Prints a JSON summary on stdout for the Rust test to assert on.
"""

import hashlib
import json
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
            }
        )
    )


if __name__ == "__main__":
    main()
