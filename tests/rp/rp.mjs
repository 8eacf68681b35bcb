// A relying party built on openid-client (npm), driven by tests/it/oidc.rs.
// Environment: ISSUER, CLIENT_ID, CLIENT_SECRET (empty for a public client),
// REDIRECT_URI, POST_LOGOUT_URI, ID_TOKEN_ALG (RS256 when unset: the client's
// id_token_signed_response_alg). Protocol on stdout/stdin:
//   AUTHORIZE <url>  -> the test answers with the URL the browser came back to
//   LOGOUT <url>     -> the test answers with where the logout sent the browser
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

const userinfo = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
for (const k of ['preferred_username', 'email', 'name']) {
  check(userinfo[k] === claims[k], `userinfo ${k} equals the ID token's`);
}

check(typeof tokens.refresh_token === 'string', 'refresh token with offline_access');
const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token);
const rotated = refreshed.refresh_token !== tokens.refresh_token;
check(refreshed.claims().sub === claims.sub, 'same sub after refresh');
// The rotated-out refresh token must not work any more.
let reuseRefused = false;
try {
  await client.refreshTokenGrant(config, tokens.refresh_token);
} catch (e) {
  reuseRefused = e.error === 'invalid_grant' || /invalid_grant/.test(String(e));
}
check(reuseRefused, 'refresh-token reuse refused');

// Logout (RP-initiated) with the last ID token as hint.
const logoutUrl = client.buildEndSessionUrl(config, {
  id_token_hint: refreshed.id_token,
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
  logout_redirect: after,
}));
process.exit(0);
