"""A relying party built on authlib (PyPI), driven by tests/it/oidc.rs.

Environment: ISSUER, CLIENT_ID, CLIENT_SECRET (empty for a public client),
REDIRECT_URI, POST_LOGOUT_URI, ID_TOKEN_ALG (RS256 when unset), EXPECT_AMR. Same
stdin/stdout protocol as rp.mjs (AUTHORIZE, LOGOUT, AGE_SESSION, AGE_REFRESH,
RESULT).
"""

import json
import os
import sys
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode

# Local tests run over http on 127.0.0.1.
os.environ.setdefault("AUTHLIB_INSECURE_TRANSPORT", "1")
warnings.filterwarnings("ignore")

import requests  # noqa: E402
from authlib.common.security import generate_token  # noqa: E402
from authlib.integrations.requests_client import OAuth2Session  # noqa: E402
from authlib.jose import JsonWebKey, JsonWebToken  # noqa: E402
from authlib.oidc.core import CodeIDToken  # noqa: E402


def ask(label, url):
    print(f"{label} {url}", flush=True)
    line = sys.stdin.readline()
    if not line:
        raise SystemExit(f"no answer to {label}")
    return line.strip()


def check(cond, what):
    if not cond:
        raise SystemExit(f"check failed: {what}")


issuer = os.environ["ISSUER"]
client_id = os.environ["CLIENT_ID"]
secret = os.environ.get("CLIENT_SECRET", "")
redirect_uri = os.environ["REDIRECT_URI"]
post_logout = os.environ["POST_LOGOUT_URI"]
alg = os.environ.get("ID_TOKEN_ALG") or "RS256"
expect_amr = (os.environ.get("EXPECT_AMR") or "pwd").split(" ")
MFA = "https://refeds.org/profile/mfa"
SFA = "https://refeds.org/profile/sfa"

meta = requests.get(issuer + "/.well-known/openid-configuration", timeout=10).json()
check(meta["issuer"] == issuer, "issuer")

# Confidential: client_secret_basic (authlib's default); public: none.
def new_session():
    return OAuth2Session(
        client_id,
        secret or None,
        scope="openid profile email groups offline_access",
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
        token_endpoint_auth_method="client_secret_basic" if secret else "none",
        revocation_endpoint_auth_method="client_secret_basic" if secret else "none",
    )


session = new_session()
verifier = generate_token(64)
nonce = generate_token(20)
url, state = session.create_authorization_url(
    meta["authorization_endpoint"], nonce=nonce, code_verifier=verifier
)
back = ask("AUTHORIZE", url)

token = session.fetch_token(
    meta["token_endpoint"],
    authorization_response=back,
    code_verifier=verifier,
    state=state,
)

# Verify the ID token against the published keys.
check(alg in meta["id_token_signing_alg_values_supported"], f"{alg} supported")
keys = JsonWebKey.import_key_set(requests.get(meta["jwks_uri"], timeout=10).json())
# Only the algorithm registered for this client is accepted.
claims = JsonWebToken([alg]).decode(
    token["id_token"],
    keys,
    claims_cls=CodeIDToken,
    claims_options={
        "iss": {"essential": True, "value": issuer},
        "aud": {"essential": True, "value": client_id},
    },
    claims_params={"nonce": nonce, "client_id": client_id, "access_token": token["access_token"]},
)
claims.validate(leeway=60)
check(claims.get("amr") == expect_amr, f"amr {claims.get('amr')}")
check(claims.get("acr") == (MFA if "mfa" in expect_amr else SFA), f"acr {claims.get('acr')}")

userinfo = session.get(meta["userinfo_endpoint"], timeout=10).json()
for k in ("sub", "preferred_username", "email", "name"):
    check(userinfo.get(k) == claims.get(k), f"userinfo {k} equals the ID token's")

first_refresh = token["refresh_token"]


def refresh(rt):
    try:
        return new_session().refresh_token(meta["token_endpoint"], refresh_token=rt)
    except Exception as e:  # noqa: BLE001 - reported in the result
        print(f"refresh refused: {e}", flush=True)
        return None


# Six parallel requests of one page, each refreshing with the same token.
with ThreadPoolExecutor(max_workers=6) as pool:
    answers = list(pool.map(refresh, [first_refresh] * 6))
ok = [a for a in answers if a is not None]
check(ok, "a parallel refresh succeeded")
new = ok[0]
rotated = new["refresh_token"] != first_refresh
still_signed_in = (
    requests.get(
        meta["userinfo_endpoint"],
        headers={"Authorization": "Bearer " + new["access_token"]},
        timeout=10,
    ).status_code
    == 200
)

# After the grace window, reusing the first token is refused.
ask("AGE_REFRESH", "")
reuse_refused = refresh(first_refresh) is None and refresh(new["refresh_token"]) is None
# That ended the sign-in; a fresh authorization, with max_age after the
# sign-in has aged, re-authenticates the person in the same session.
ask("AGE_SESSION", "")
session = new_session()
verifier2 = generate_token(64)
nonce2 = generate_token(20)
url2, state2 = session.create_authorization_url(
    meta["authorization_endpoint"], nonce=nonce2, code_verifier=verifier2, max_age=10
)
back2 = ask("AUTHORIZE", url2)
token2 = session.fetch_token(
    meta["token_endpoint"], authorization_response=back2, code_verifier=verifier2, state=state2
)
claims2 = JsonWebToken([alg]).decode(
    token2["id_token"],
    keys,
    claims_cls=CodeIDToken,
    claims_options={
        "iss": {"essential": True, "value": issuer},
        "aud": {"essential": True, "value": client_id},
    },
    claims_params={
        "nonce": nonce2,
        "client_id": client_id,
        "access_token": token2["access_token"],
        "max_age": 10,
    },
)
claims2.validate(leeway=60)
max_age_accepted = int(time.time()) - claims2["auth_time"] <= 40
check(claims2.get("sid") == claims.get("sid"), "the same session after re-authenticating")
new = session.refresh_token(meta["token_endpoint"], refresh_token=token2["refresh_token"])

# Revocation: the new refresh token (and its grant) ends.
res = session.revoke_token(
    meta["revocation_endpoint"], token=new["refresh_token"], token_type_hint="refresh_token"
)
check(res.status_code == 200, "revocation answered 200")
check(
    requests.get(
        meta["userinfo_endpoint"],
        headers={"Authorization": "Bearer " + new["access_token"]},
        timeout=10,
    ).status_code
    == 401,
    "access token dead after revoking its grant",
)

logout = meta["end_session_endpoint"] + "?" + urlencode(
    {"id_token_hint": new["id_token"], "post_logout_redirect_uri": post_logout, "state": "rp-logout"}
)
after = ask("LOGOUT", logout)

print(
    "RESULT "
    + json.dumps(
        {
            "library": "authlib",
            "alg": alg,
            "sub": claims["sub"],
            "userinfo": userinfo,
            "refreshed": rotated,
            "parallel_ok": len(ok),
            "parallel_successors": len({a["refresh_token"] for a in ok}),
            "still_signed_in": still_signed_in,
            "reuse_after_window_refused": reuse_refused,
            "max_age_accepted": max_age_accepted,
            "amr": claims.get("amr"),
            "logout_redirect": after,
        }
    ),
    flush=True,
)
