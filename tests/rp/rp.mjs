// A relying party built on openid-client (npm), driven by tests/it/oidc.rs.
// Environment: ISSUER, CLIENT_ID, CLIENT_SECRET (empty for a public client),
// REDIRECT_URI, POST_LOGOUT_URI, ID_TOKEN_ALG (RS256 when unset: the client's
// id_token_signed_response_alg), EXPECT_AMR (the `amr` the ID token must carry,
// space-separated). Protocol on stdout/stdin:
//   AUTHORIZE <url>  -> the test answers with the URL the browser came back to
//   LOGOUT <url>     -> the test answers with where the logout sent the browser
//   AGE_SESSION      -> the test makes the sign-in two minutes old ("ok")
//   AGE_REFRESH      -> the test ends the grace window of past rotations ("ok")
//   RESULT <json>    -> what the RP saw
import * as client from 'openid-client';
import * as jose from 'jose';
import { createInterface } from 'node:readline';

const env = (k) => {
  const v = process.env[k];
  if (v === undefined) throw new Error(`${k} is not set`);
  return v;
};
const issuer = env('ISSUER');
const clientId = env('CLIENT_ID');
const secret = process.env.CLIENT_SECRET || '';
const redirectUri = env('REDIRECT_URI');
const postLogout = env('POST_LOGOUT_URI');
const alg = process.env.ID_TOKEN_ALG || 'RS256';
const expectAmr = (process.env.EXPECT_AMR || 'pwd').split(' ');
const MFA = 'https://refeds.org/profile/mfa';
const SFA = 'https://refeds.org/profile/sfa';

const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
const ask = async (label, url) => {
  console.log(`${label} ${url}`);
  const { value, done } = await lines.next();
  if (done) throw new Error(`no answer to ${label}`);
  return value.trim();
};
const check = (cond, what) => {
  if (!cond) throw new Error(`check failed: ${what}`);
};

// Confidential: client_secret_post (openid-client's default); public: none.
const config = await client.discovery(
  new URL(issuer),
  clientId,
  // The client's metadata: openid-client then refuses ID tokens in any
  // other algorithm than the one registered.
  { id_token_signed_response_alg: alg, ...(secret ? { client_secret: secret } : {}) },
  secret ? client.ClientSecretPost(secret) : client.None(),
  { execute: [client.allowInsecureRequests] },
);
const meta = config.serverMetadata();
check(meta.issuer === issuer, 'issuer');

const verifier = client.randomPKCECodeVerifier();
const challenge = await client.calculatePKCECodeChallenge(verifier);
const state = client.randomState();
const nonce = client.randomNonce();
const authUrl = client.buildAuthorizationUrl(config, {
  redirect_uri: redirectUri,
  scope: 'openid profile email groups offline_access',
  code_challenge: challenge,
  code_challenge_method: 'S256',
  state,
  nonce,
});
const back = await ask('AUTHORIZE', authUrl.href);

const tokens = await client.authorizationCodeGrant(config, new URL(back), {
  pkceCodeVerifier: verifier,
  expectedState: state,
  expectedNonce: nonce,
  idTokenExpected: true,
});
const claims = tokens.claims();
// Verify the ID token's signature independently, against the JWKS.
const jwks = jose.createRemoteJWKSet(new URL(meta.jwks_uri));
const { payload } = await jose.jwtVerify(tokens.id_token, jwks, {
  issuer,
  audience: clientId,
  algorithms: [alg],
  clockTolerance: 60,
});
check(payload.sub === claims.sub, 'verified sub');
check(payload.nonce === nonce, 'nonce');
check(jose.decodeProtectedHeader(tokens.id_token).alg === alg, `ID token signed with ${alg}`);
// How the person signed in (RFC 8176), and what that amounts to.
check(JSON.stringify(claims.amr) === JSON.stringify(expectAmr), `amr ${JSON.stringify(claims.amr)}`);
check(claims.acr === (expectAmr.includes('mfa') ? MFA : SFA), `acr ${claims.acr}`);
check(meta.acr_values_supported.includes(MFA), 'acr_values_supported');

const userinfo = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
for (const k of ['preferred_username', 'email', 'name']) {
  check(userinfo[k] === claims[k], `userinfo ${k} equals the ID token's`);
}

check(typeof tokens.refresh_token === 'string', 'refresh token with offline_access');
// A page loads six resources at once and each refreshes with the same
// token (as mod_auth_openidc does): all succeed, with one successor.
const parallel = await Promise.allSettled(
  Array.from({ length: 6 }, () => client.refreshTokenGrant(config, tokens.refresh_token)),
);
const fulfilled = parallel.filter((p) => p.status === 'fulfilled').map((p) => p.value);
for (const p of parallel) {
  if (p.status === 'rejected') console.log(`parallel refresh refused: ${p.reason}`);
}
const successors = new Set(fulfilled.map((t) => t.refresh_token));
const refreshed = fulfilled[0];
check(refreshed !== undefined, 'a parallel refresh succeeded');
const rotated = refreshed.refresh_token !== tokens.refresh_token;
check(refreshed.claims().sub === claims.sub, 'same sub after refresh');
// Still signed in: the shared access token works.
let stillSignedIn = false;
try {
  const again = await client.fetchUserInfo(config, refreshed.access_token, claims.sub);
  stillSignedIn = again.sub === claims.sub;
} catch (e) {
  console.log(`userinfo after the parallel refresh: ${e}`);
}
// After the grace window, the rotated-out token is reuse: refused, and
// the sign-in (its successor too) ends.
await ask('AGE_REFRESH', '');
const refused = async (rt) => {
  try {
    await client.refreshTokenGrant(config, rt);
    return false;
  } catch (e) {
    return e.error === 'invalid_grant' || /invalid_grant/.test(String(e));
  }
};
const reuseRefused = (await refused(tokens.refresh_token)) && (await refused(refreshed.refresh_token));

// max_age: the sign-in is two minutes old, the tool wants ten seconds at
// most. The person authenticates again and openid-client checks auth_time.
await ask('AGE_SESSION', '');
const verifier2 = client.randomPKCECodeVerifier();
const state2 = client.randomState();
const nonce2 = client.randomNonce();
const authUrl2 = client.buildAuthorizationUrl(config, {
  redirect_uri: redirectUri,
  scope: 'openid profile email groups offline_access',
  code_challenge: await client.calculatePKCECodeChallenge(verifier2),
  code_challenge_method: 'S256',
  state: state2,
  nonce: nonce2,
  max_age: '10',
});
const back2 = await ask('AUTHORIZE', authUrl2.href);
const fresh = await client.authorizationCodeGrant(config, new URL(back2), {
  pkceCodeVerifier: verifier2,
  expectedState: state2,
  expectedNonce: nonce2,
  maxAge: 10,
  idTokenExpected: true,
});
const freshClaims = fresh.claims();
check(freshClaims.sid === claims.sid, 'the same session after re-authenticating');
check(JSON.stringify(freshClaims.amr) === JSON.stringify(expectAmr), 'amr after re-authenticating');
const maxAgeAccepted = Math.floor(Date.now() / 1000) - freshClaims.auth_time <= 40;

// Logout (RP-initiated) with the last ID token as hint.
const logoutUrl = client.buildEndSessionUrl(config, {
  id_token_hint: fresh.id_token,
  post_logout_redirect_uri: postLogout,
  state: 'rp-logout',
});
const after = await ask('LOGOUT', logoutUrl.href);

console.log('RESULT ' + JSON.stringify({
  library: 'openid-client',
  alg,
  sub: claims.sub,
  userinfo,
  refreshed: rotated,
  parallel_ok: fulfilled.length,
  parallel_successors: successors.size,
  still_signed_in: stillSignedIn,
  reuse_after_window_refused: reuseRefused,
  max_age_accepted: maxAgeAccepted,
  amr: claims.amr,
  logout_redirect: after,
}));
process.exit(0);
