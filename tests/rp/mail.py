"""Reads e-mails (RFC 5322 files given as arguments) with Python's standard
`email` package (policy.default) and prints, as JSON keyed by file, what a
test checks: header fields, the parts' types and their decoded text.
Used by tests/it/newsletter.rs: a parser independent of ours and lettre's."""
import json
import sys
from email import policy
from email.parser import BytesParser

out = {}
for path in sys.argv[1:]:
    with open(path, "rb") as f:
        msg = BytesParser(policy=policy.default).parse(f)
    defects = [type(d).__name__ for d in msg.defects]
    parts = []
    for part in msg.walk():
        if part.is_multipart():
            continue
        defects += [type(d).__name__ for d in part.defects]
        parts.append({"type": part.get_content_type(), "text": part.get_content()})
    out[path] = {
        "subject": str(msg["subject"]),
        "to": str(msg["to"]),
        "type": msg.get_content_type(),
        "list_id": str(msg.get("List-Id", "")),
        "list_unsubscribe": str(msg.get("List-Unsubscribe", "")),
        "list_unsubscribe_post": str(msg.get("List-Unsubscribe-Post", "")),
        "defects": defects,
        "parts": parts,
    }
json.dump(out, sys.stdout)
