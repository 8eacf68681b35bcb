"""Independent readers of Passerelles' ActivityPub output (tests/it/federation.rs).

    activitypub.py jsonld FILE...   expand each document with pyld (JSON-LD 1.1)
    activitypub.py signature FILE   check a draft-cavage HTTP signature

JSON-LD: contexts are served from the copies @fedify/vocab-runtime ships
(tests/rp/node_modules); any other remote context is an error, so nothing is
fetched. Every property must expand to a real IRI: a term no context defines
falls to the ActivityStreams context's `"@vocab": "_:"` and is reported.
Prints, per file, the expanded types, properties and id.

Signature: FILE holds {method, path, headers: {name: value}, body, public_pem}.
The signing string is rebuilt here from the `headers` parameter (draft-cavage-
http-signatures-12, section 2.3), the Digest recomputed with hashlib, and the
RSASSA-PKCS1-v1_5 SHA-256 signature verified with `cryptography` (OpenSSL).
Prints {"ok": true} or {"ok": false, "why": ...}.
"""

import base64
import hashlib
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CONTEXTS = os.path.join(HERE, "node_modules", "@fedify", "vocab-runtime", "src", "contexts")
KNOWN = {
    "https://www.w3.org/ns/activitystreams": "activitystreams.json",
    "https://w3id.org/security/v1": "security-v1.json",
    "https://join-lemmy.org/context.json": "join-lemmy.json",
}


def loader(url, options=None):
    name = KNOWN.get(url.rstrip("#"))
    if name is None:
        raise RuntimeError(f"remote context not available offline: {url}")
    with open(os.path.join(CONTEXTS, name), encoding="utf-8") as f:
        return {"contextUrl": None, "documentUrl": url, "document": json.load(f)}


def walk(node, props, undefined):
    if isinstance(node, list):
        for n in node:
            walk(n, props, undefined)
    elif isinstance(node, dict):
        for k, v in node.items():
            if not k.startswith("@"):
                (undefined if k.startswith("_:") else props).add(k)
            if k == "@type":
                for t in v if isinstance(v, list) else [v]:
                    if t.startswith("_:"):
                        undefined.add(t)
            walk(v, props, undefined)


def jsonld(files):
    from pyld import jsonld as ld

    out = {}
    for path in files:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
        expanded = ld.expand(doc, {"documentLoader": loader})
        props, undefined = set(), set()
        walk(expanded, props, undefined)
        top = expanded[0] if expanded else {}
        out[path] = {
            "id": top.get("@id"),
            "types": top.get("@type", []),
            "properties": sorted(props),
            "undefined": sorted(undefined),
        }
    print(json.dumps(out))


def signature(path):
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding

    with open(path, encoding="utf-8") as f:
        req = json.load(f)
    headers = {k.lower(): v for k, v in req["headers"].items()}
    params = {}
    for part in headers["signature"].split(","):
        k, _, v = part.strip().partition("=")
        params[k] = v.strip('"')
    covered = params.get("headers", "date").split()
    lines = []
    for name in covered:
        if name == "(request-target)":
            lines.append(f"(request-target): {req['method'].lower()} {req['path']}")
        else:
            lines.append(f"{name}: {headers[name]}")
    body = req.get("body")
    if body is not None:
        want = "SHA-256=" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        if "digest" not in covered or headers.get("digest") != want:
            print(json.dumps({"ok": False, "why": "digest"}))
            return
    key = serialization.load_pem_public_key(req["public_pem"].encode())
    try:
        key.verify(
            base64.b64decode(params["signature"]),
            "\n".join(lines).encode(),
            padding.PKCS1v15(),
            hashes.SHA256(),
        )
    except InvalidSignature:
        print(json.dumps({"ok": False, "why": "signature"}))
        return
    print(json.dumps({"ok": True, "key_id": params.get("keyId"), "covered": covered}))


def signature9421(path):
    """RFC 9421, read by the `http-message-signatures` package (pyauth):
    the signature over our request, and the body by its Content-Digest
    (RFC 9530), checked here with hashlib."""
    import datetime

    import requests
    from cryptography.hazmat.primitives import serialization
    from http_message_signatures import (
        HTTPMessageVerifier,
        HTTPSignatureKeyResolver,
        algorithms,
    )
    from http_message_signatures.exceptions import InvalidSignature

    with open(path, encoding="utf-8") as f:
        req = json.load(f)
    key = serialization.load_pem_public_key(req["public_pem"].encode())

    class Keys(HTTPSignatureKeyResolver):
        def resolve_public_key(self, key_id):
            return key

    prepared = requests.Request(
        req["method"], req["url"], headers=req["headers"], data=req.get("body")
    ).prepare()
    body = req.get("body")
    if body is not None:
        want = "sha-256=:" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() + ":"
        got = {k.lower(): v for k, v in req["headers"].items()}.get("content-digest")
        if got != want:
            print(json.dumps({"ok": False, "why": "digest"}))
            return
    verifier = HTTPMessageVerifier(
        signature_algorithm=algorithms.RSA_V1_5_SHA256, key_resolver=Keys()
    )
    try:
        results = verifier.verify(prepared, max_age=datetime.timedelta(hours=1))
    except InvalidSignature as e:
        print(json.dumps({"ok": False, "why": "signature", "detail": str(e)}))
        return
    r = results[0]
    print(
        json.dumps(
            {
                "ok": True,
                "label": r.label,
                "covered": [
                    str(getattr(c, "value", c)).strip('"')
                    for c in r.covered_components.keys()
                    if str(getattr(c, "value", c)).strip('"') != "@signature-params"
                ],
                "key_id": r.parameters.get("keyid"),
                "alg": r.parameters.get("alg"),
            }
        )
    )


if __name__ == "__main__":
    if sys.argv[1] == "jsonld":
        jsonld(sys.argv[2:])
    elif sys.argv[1] == "signature":
        signature(sys.argv[2])
    elif sys.argv[1] == "signature9421":
        signature9421(sys.argv[2])
    else:
        sys.exit(f"unknown mode {sys.argv[1]}")
