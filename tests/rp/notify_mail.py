"""Read e-mails with Python's standard `email` package (an independent
parser): print, for each .eml file given, its headers of interest, the
content types of its parts and its decoded text and HTML, as JSON.

Used by tests/it/notify.rs (notification e-mails and digests); tests/rp/mail.py is
the newsletter's reader."""

import email
import email.policy
import json
import sys

WANTED = [
    "Subject", "From", "To", "Message-ID", "In-Reply-To", "References",
    "List-Id", "List-Unsubscribe", "List-Unsubscribe-Post",
    "Content-Language", "Auto-Submitted", "Reply-To",
]

out = {}
for path in sys.argv[1:]:
    with open(path, "rb") as f:
        msg = email.message_from_binary_file(f, policy=email.policy.default)
    defects = [str(d) for d in msg.defects]
    headers = {}
    for name in WANTED:
        value = msg.get(name)
        if value is not None:
            headers[name] = str(value)
    parts = []
    text = html = None
    for part in msg.walk():
        parts.append(part.get_content_type())
        defects += [str(d) for d in part.defects]
        if part.get_content_type() == "text/plain" and text is None:
            text = part.get_content()
        elif part.get_content_type() == "text/html" and html is None:
            html = part.get_content()
    out[path] = {
        "headers": headers,
        "parts": parts,
        "text": text,
        "html": html,
        "defects": defects,
        # The reply address, as a mail client reads it (replies by e-mail).
        "reply_to": [a.addr_spec for a in msg["Reply-To"].addresses]
        if msg.get("Reply-To") is not None else [],
    }
print(json.dumps(out))
