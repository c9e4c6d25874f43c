// A real relying party (openid-client, the npm package) against the podpis
// OpenID Connect provider. Started by crates/idp/tests/oidc.rs, which runs
// the provider on 127.0.0.1:0, registers the client and logs a user in
// (the session cookie). This script plays both the relying party (through
// openid-client) and the user's browser (fetch with the cookie, redirects
// read by hand): discovery, code flow with PKCE, the consent form, token,
// ID-token validation (ES256 against the JWKS), userinfo, refresh
// rotation and reuse, RP-initiated logout.
//
// Environment: ISSUER, CLIENT_ID, CLIENT_SECRET, REDIRECT_URI,
// POST_LOGOUT_REDIRECT_URI, COOKIE. Prints one line "N passed, 0 failed"
// and exits 0, or prints the failure and exits 1.
import assert from 'node:assert/strict';
import * as client from 'openid-client';

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};
const issuer = new URL(env('ISSUER'));
const redirectUri = env('REDIRECT_URI');
const postLogout = env('POST_LOGOUT_REDIRECT_URI');
const cookie = env('COOKIE');
let passed = 0;
const check = (what, fn) => {
  fn();
  passed += 1;
  console.error(`ok - ${what}`);
};

async function main() {
  // Discovery (http on loopback: the test's provider has no TLS).
  const config = await client.discovery(
    issuer,
    env('CLIENT_ID'),
    { id_token_signed_response_alg: 'ES256' },
    client.ClientSecretBasic(env('CLIENT_SECRET')),
    { execute: [client.allowInsecureRequests] },
  );
  const meta = config.serverMetadata();
  check('discovery', () => {
    assert.equal(meta.issuer, issuer.href.replace(/\/$/, ''));
    assert.deepEqual(meta.code_challenge_methods_supported, ['S256']);
    assert.ok(meta.id_token_signing_alg_values_supported.includes('ES256'));
  });

  // The authorization request, with PKCE S256, state and nonce.
  const verifier = client.randomPKCECodeVerifier();
  const challenge = await client.calculatePKCECodeChallenge(verifier);
  const state = client.randomState();
  const nonce = client.randomNonce();
  const authUrl = client.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope: 'openid fullname birthdate snils inn email mobile',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state,
    nonce,
  });

  // The browser: the consent page, then "allow".
  let res = await fetch(authUrl, { headers: { cookie }, redirect: 'manual' });
  assert.equal(res.status, 200, 'the consent page');
  const html = await res.text();
  const csrf = /name="csrf" value="([^"]+)"/.exec(html)?.[1];
  check('consent page in Russian with its form token', () => {
    assert.match(html, /Доступ к вашим данным/);
    assert.ok(csrf);
    assert.match(res.headers.get('content-security-policy'), /frame-ancestors 'none'/);
  });
  res = await fetch(new URL('/oidc/consent', issuer), {
    method: 'POST',
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ csrf, decision: 'allow' }),
    redirect: 'manual',
  });
  assert.equal(res.status, 302, 'back to the relying party');
  const callback = new URL(res.headers.get('location'));
  check('redirect to the registered URI with code, state and iss', () => {
    assert.equal(callback.origin + callback.pathname, redirectUri);
    assert.equal(callback.searchParams.get('state'), state);
    assert.ok(callback.searchParams.get('code'));
  });

  // Token: openid-client checks iss, state, PKCE, and the ID token's
  // ES256 signature (JWKS), iss, aud, exp, iat and nonce.
  const tokens = await client.authorizationCodeGrant(config, callback, {
    pkceCodeVerifier: verifier,
    expectedState: state,
    expectedNonce: nonce,
    idTokenExpected: true,
  });
  const claims = tokens.claims();
  check('ID token validated (ES256)', () => {
    assert.equal(claims.iss, meta.issuer);
    assert.equal(claims.aud, env('CLIENT_ID'));
    assert.equal(claims.nonce, nonce);
    assert.deepEqual(claims.amr, ['pwd', 'otp']);
    assert.equal(typeof claims.auth_time, 'number');
    assert.equal(typeof claims.sid, 'string');
    assert.equal(tokens.token_type.toLowerCase(), 'bearer');
    assert.ok(tokens.refresh_token);
  });

  const info = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
  check('userinfo claims of the scopes', () => {
    assert.equal(info.sub, claims.sub);
    assert.equal(info.family_name, 'Иванова');
    assert.equal(info.given_name, 'Мария');
    assert.equal(info.middle_name, 'Петровна');
    assert.equal(info.birthdate, '1990-03-15');
    assert.match(info.snils, /^\d{11}$/);
    assert.equal(info.inn, '500100732259');
    assert.equal(info.email, 'maria@example.ru');
    assert.equal(info.email_verified, true);
    assert.match(info.phone_number, /^\+7900\d{7}$/);
  });

  // Refresh rotates; the old refresh token then revokes the family.
  const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token);
  check('refresh rotates', () => {
    assert.ok(refreshed.refresh_token);
    assert.notEqual(refreshed.refresh_token, tokens.refresh_token);
    assert.equal(refreshed.claims().sub, claims.sub);
  });
  const info2 = await client.fetchUserInfo(config, refreshed.access_token, claims.sub);
  check('the refreshed access token works', () => assert.equal(info2.sub, claims.sub));
  await assert.rejects(client.refreshTokenGrant(config, tokens.refresh_token), (e) => {
    assert.equal(e.error, 'invalid_grant');
    return true;
  });
  await assert.rejects(client.refreshTokenGrant(config, refreshed.refresh_token), (e) => {
    assert.equal(e.error, 'invalid_grant');
    return true;
  });
  check('reusing a rotated refresh token revokes the family', () => {});

  // RP-initiated logout back to the registered URI with state.
  const endUrl = client.buildEndSessionUrl(config, {
    id_token_hint: tokens.id_token,
    post_logout_redirect_uri: postLogout,
    state: 'bye',
  });
  res = await fetch(endUrl, { headers: { cookie }, redirect: 'manual' });
  check('logout redirects to post_logout_redirect_uri with state', () => {
    assert.equal(res.status, 302);
    assert.equal(res.headers.get('location'), `${postLogout}?state=bye`);
  });
  res = await fetch(authUrl, { headers: { cookie }, redirect: 'manual' });
  check('after logout the session is gone: to the login page', () => {
    assert.equal(res.status, 302);
    assert.match(res.headers.get('location'), /^\/login\?return=/);
  });

  console.log(`openid-client: ${passed} passed, 0 failed`);
}

main().catch((e) => {
  console.error('FAILED:', e);
  console.log(`openid-client: ${passed} passed, 1 failed`);
  process.exit(1);
});
