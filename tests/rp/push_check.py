"""Read Web Push messages as a browser and a push service would, with
libraries independent of ours (tests/it/push.rs):

  push_check.py keygen
      a subscriber's key pair and auth secret, as a browser makes them:
      {"private_pem", "p256dh", "auth"} (base64url).
  push_check.py read BODY PRIVATE_PEM AUTH AUTHORIZATION AUDIENCE
      decrypt BODY (RFC 8291, aes128gcm) with http_ece and the subscriber's
      private key; verify the VAPID token of the Authorization header
      (RFC 8292: "vapid t=<JWT>, k=<key>") with PyJWT, ES256 under the key
      k, audience AUDIENCE, exp and sub required. Prints JSON: payload (the
      decrypted JSON), claims, header, k.
"""

import base64
import json
import os
import sys

import http_ece
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec


def b64d(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def b64e(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def keygen():
    key = ec.generate_private_key(ec.SECP256R1())
    pub = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    print(json.dumps({"private_pem": pem.decode(), "p256dh": b64e(pub), "auth": b64e(os.urandom(16))}))


def read(body_path, pem_path, auth, authorization, audience):
    with open(body_path, "rb") as f:
        body = f.read()
    with open(pem_path, "rb") as f:
        key = serialization.load_pem_private_key(f.read(), None)
    plain = http_ece.decrypt(body, private_key=key, auth_secret=b64d(auth), version="aes128gcm")
    scheme, _, params = authorization.partition(" ")
    if scheme.lower() != "vapid":
        raise SystemExit("not a vapid authorization: " + authorization)
    fields = dict(p.strip().split("=", 1) for p in params.split(","))
    public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b64d(fields["k"]))
    claims = jwt.decode(
        fields["t"],
        key=public,
        algorithms=["ES256"],
        audience=audience,
        options={"require": ["exp", "aud", "sub"]},
    )
    print(
        json.dumps(
            {
                "payload": json.loads(plain),
                "claims": claims,
                "header": jwt.get_unverified_header(fields["t"]),
                "k": fields["k"],
            }
        )
    )


if __name__ == "__main__":
    if sys.argv[1] == "keygen":
        keygen()
    else:
        read(*sys.argv[2:7])
