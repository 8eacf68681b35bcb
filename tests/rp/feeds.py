"""Reads feeds back with independent parsers (tests/it/feeds.rs).

Usage: feeds.py FILE...  Each FILE is an RSS, Atom or OpenSearch document.
Every file must parse with lxml's strict XML parser; RSS and Atom must also
parse with feedparser without the `bozo` flag (feedparser sets it for any
well-formedness or encoding problem, and strict readers drop such feeds).
Prints one JSON object: {file: {"format": ..., "titles": [...], "tags": [...]}}.
Exits 1 with the reason on the first failure.
"""
import json
import sys

import feedparser
from lxml import etree

out = {}
for path in sys.argv[1:]:
    data = open(path, "rb").read()
    try:
        root = etree.fromstring(data, parser=etree.XMLParser(recover=False, resolve_entities=False))
    except etree.XMLSyntaxError as e:
        print(f"{path}: lxml: {e}", file=sys.stderr)
        sys.exit(1)
    tag = etree.QName(root).localname
    if tag == "OpenSearchDescription":
        out[path] = {"format": "opensearch", "titles": [root.findtext("{*}ShortName")], "tags": []}
        continue
    d = feedparser.parse(data)
    if d.bozo:
        print(f"{path}: feedparser: bozo: {d.bozo_exception!r}", file=sys.stderr)
        sys.exit(1)
    out[path] = {
        "format": d.version,
        "titles": [e.get("title", "") for e in d.entries],
        "tags": sorted({t["term"] for e in d.entries for t in e.get("tags", [])}),
        "updated": d.feed.get("updated", ""),
    }
print(json.dumps(out, ensure_ascii=False))
