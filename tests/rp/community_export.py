"""Read a community archive with independent parsers (issue 20).

Usage: community_export.py ARCHIVE.zip SCHEMA.json

- `zipfile` opens the archive and checks every entry's CRC (testzip);
- `community.json` is validated against docs/community-export/schema-v2.json
  with `jsonschema` (Draft 2020-12);
- every file the bundle lists has its bytes at files/<sha256>, and their
  SHA-256 is that name; every reference (members, authors, communities,
  reply parents, wiki parents, authors of wiki revisions, the revision a
  restore names) names an item of the bundle; a wiki page's last revision
  is its current text.

Prints a JSON summary on stdout.
"""

import hashlib
import json
import sys
import zipfile

import jsonschema


def main():
    archive, schema_path = sys.argv[1], sys.argv[2]
    z = zipfile.ZipFile(archive)
    bad = z.testzip()
    if bad is not None:
        sys.exit("bad CRC in " + bad)
    bundle = json.loads(z.read("community.json"))
    schema = json.load(open(schema_path))
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.Draft202012Validator(schema).validate(bundle)
    users = {u["id"] for u in bundle["users"]}
    communities = {c["id"] for c in bundle["communities"]}
    problems = []
    for c in bundle["communities"]:
        problems += ["member " + m["user"] for m in c["members"] if m["user"] not in users]
    for p in bundle["publications"]:
        if p["author"] is not None and p["author"] not in users:
            problems.append("author of publication " + p["id"])
        problems += ["community " + c for c in p["communities"] if c not in communities]
        for rev in p.get("revisions", []):
            if rev["editor"] is not None and rev["editor"] not in users:
                problems.append("editor of a revision of publication " + p["id"])
        replies = {r["id"] for r in p["replies"]}
        for r in p["replies"]:
            if r["parent"] is not None and r["parent"] not in replies:
                problems.append("parent of reply " + r["id"])
    pages = {w["id"] for w in bundle["wiki"]}
    problems += ["wiki parent " + w["id"] for w in bundle["wiki"] if w["parent"] is not None and w["parent"] not in pages]
    for w in bundle["wiki"]:
        revs = w.get("revisions", [])
        seen = set()
        for rev in revs:
            if rev["author"] is not None and rev["author"] not in users:
                problems.append("author of a revision of wiki page " + w["id"])
            if rev["restored_from"] is not None and rev["restored_from"] not in seen:
                problems.append("restore of a later or unknown revision in wiki page " + w["id"])
            seen.add(rev["id"])
        if revs and (revs[-1]["title"], revs[-1]["body"]) != (w["title"], w["body"]):
            problems.append("the last revision of wiki page " + w["id"] + " is not its current text")
    hashed = 0
    attachments = [a for p in bundle["publications"] for a in p.get("attachments", [])]
    for a in attachments:
        data = z.read("files/" + a["sha256"])
        if hashlib.sha256(data).hexdigest() != a["sha256"] or len(data) != a["size"]:
            problems.append("bytes of attachment " + a["id"])
        if a["uploaded_by"] is not None and a["uploaded_by"] not in users:
            problems.append("uploader of attachment " + a["id"])
        hashed += 1
    for f in bundle["files"]:
        data = z.read("files/" + f["sha256"])
        if hashlib.sha256(data).hexdigest() != f["sha256"] or len(data) != f["size"]:
            problems.append("bytes of file " + f["id"])
        hashed += 1
    print(json.dumps({
        "entries": len(z.namelist()),
        "users": len(bundle["users"]),
        "publications": len(bundle["publications"]),
        "replies": sum(len(p["replies"]) for p in bundle["publications"]),
        "files_hashed": hashed,
        "attachments": len(attachments),
        "revisions": sum(len(p.get("revisions", [])) for p in bundle["publications"]),
        "wiki_revisions": sum(len(w.get("revisions", [])) for w in bundle["wiki"]),
        "aliases": sum(len(x.get("aliases", [])) for k in ("users", "communities", "publications", "events", "wiki", "files") for x in bundle[k]),
        "problems": problems,
    }))


if __name__ == "__main__":
    main()
