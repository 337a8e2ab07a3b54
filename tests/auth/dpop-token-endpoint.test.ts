import { createHash, randomBytes } from 'node:crypto';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryClientStore } from '../../services/auth/adapters/memory/memory-client-store.js';
import { freePort } from '../support/free-port.js';
import { dpopKey, type DpopTestKey } from '../support/dpop-key.js';
import { startTestAuth, type TestAuth } from './support/auth-harness.js';
import { PASSWORD, post, request } from './support/http-client.js';
import { addSecretClient, basic, newSecret, postForm } from './support/oauth-client.js';
import { AppBrowser } from '../e2e/support/app-browser.js';

/**
 * RFC 9449 §5 at the token endpoint and the first-party login API: a valid proof binds the access
 * token (`token_type: DPoP`, `cnf.jkt`), a public client's refresh family is bound to the key, a
 * bad proof is 400 invalid_dpop_proof, and a dpop_bound_access_tokens client must send one; the
 * same for authorization_code and token exchange, and /oauth/userinfo takes a bound token only as DPoP.
 */
describe('DPoP at the token endpoint and the login API', () => {
  let auth: TestAuth;
  let issuer: string;
  let key: DpopTestKey;
  let otherKey: DpopTestKey;
  const secret = newSecret();
  const APP = 'dpop-app';
  const REDIRECT = 'http://127.0.0.1:9/callback';

  beforeAll(async () => {
    const port = await freePort();
    issuer = `http://127.0.0.1:${port}`;
    const clients = new MemoryClientStore();
    auth = await startTestAuth({ clients, env: { AUTH_PORT: String(port), AUTH_ISSUER: issuer } });
    await addSecretClient(clients, 'service', secret);
    await addSecretClient(clients, 'bound-service', secret, { dpopBoundAccessTokens: true });
    await addSecretClient(clients, 'exchanger', secret, { scopes: ['notes:read'], tokenExchange: { audiences: ['api'], scopes: ['notes:read'] } });
    // First-party: the hosted page redirects with the code right after the password, no consent step.
    await clients.create({ clientId: APP, clientName: 'DPoP app', tokenEndpointAuthMethods: ['none'], grantTypes: ['authorization_code', 'refresh_token'], audiences: [], scopes: ['openid', 'profile', 'notes:read'], redirectUris: [REDIRECT], firstParty: true });
    [key, otherKey] = await Promise.all([dpopKey('ES256'), dpopKey('ES256')]);
    const registered = await post(auth.url, '/auth/register', { username: 'dpop-user', password: PASSWORD });
    expect(registered.status).toBe(201);
  });
  afterAll(() => auth?.stop());

  const tokenEndpoint = () => `${issuer}/oauth/token`;
  const clientCredentials = async (clientId: string, dpop?: string) =>
    postForm(auth.url, '/oauth/token', { grant_type: 'client_credentials' }, { authorization: basic(clientId, secret), ...(dpop ? { dpop } : {}) });
  const login = async (dpop?: string) =>
    request(auth.url, 'POST', '/auth/login', { json: { username: 'dpop-user', password: PASSWORD }, headers: dpop ? { dpop } : {} });

  it('when discovery is read, then it lists the DPoP proof algorithms', async () => {
    const metadata = await request(auth.url, 'GET', '/.well-known/openid-configuration');
    expect(metadata.body.dpop_signing_alg_values_supported).toEqual(expect.arrayContaining(['ES256', 'RS256', 'PS256', 'EdDSA']));
  });

  it('when a client sends a valid proof with client_credentials, then the token is DPoP-bound to its key; without one it stays Bearer', async () => {
    const bound = await clientCredentials('service', await key.proof({ htm: 'POST', htu: tokenEndpoint() }));
    expect(bound.status).toBe(200);
    expect(bound.body.token_type).toBe('DPoP');
    expect(decodeJwt(bound.body.access_token).cnf).toEqual({ jkt: key.jkt });

    const bearer = await clientCredentials('service');
    expect(bearer.body.token_type).toBe('Bearer');
    expect(decodeJwt(bearer.body.access_token).cnf).toBeUndefined();
  });

  it('when a client registered with dpop_bound_access_tokens sends no proof, then it is refused; with one it gets a bound token', async () => {
    const refused = await clientCredentials('bound-service');
    expect(refused.status).toBe(400);
    expect(refused.body.error).toBe('invalid_dpop_proof');
    const ok = await clientCredentials('bound-service', await key.proof({ htm: 'POST', htu: tokenEndpoint() }));
    expect(ok.status).toBe(200);
    expect(ok.body.token_type).toBe('DPoP');
  });

  const badProofs: Array<[string, () => Promise<string>]> = [
    ['the wrong method', () => key.proof({ htm: 'GET', htu: tokenEndpoint() })],
    ['the wrong URL', () => key.proof({ htm: 'POST', htu: `${issuer}/oauth/introspect` })],
    ['a stale iat', () => key.proof({ htm: 'POST', htu: tokenEndpoint(), iat: Math.floor(Date.now() / 1000) - 600 })],
    ['a private key in its header', async () => key.proof({ htm: 'POST', htu: tokenEndpoint(), jwk: { ...key.jwk, d: 'AAAA' } })],
    ['not a JWS', async () => 'not-a-proof'],
  ];
  it.each(badProofs)('when the proof has %s, then the token request is 400 invalid_dpop_proof', async (_name, make) => {
    const response = await clientCredentials('service', await make());
    expect(response.status).toBe(400);
    expect(response.body.error).toBe('invalid_dpop_proof');
    expect(response.headers.get('www-authenticate')).toBeNull();
  });

  it('when a proof is replayed at the token endpoint, then the second use is refused', async () => {
    const proof = await key.proof({ htm: 'POST', htu: tokenEndpoint() });
    expect((await clientCredentials('service', proof)).status).toBe(200);
    const replay = await clientCredentials('service', proof);
    expect(replay.status).toBe(400);
    expect(replay.body.error).toBe('invalid_dpop_proof');
  });

  it('when the login API gets a proof, then the tokens are bound, and the refresh token only works with the same key (a refused attempt does not spend it)', async () => {
    const loggedIn = await login(await key.proof({ htm: 'POST', htu: `${issuer}/auth/login` }));
    expect(loggedIn.status).toBe(200);
    expect(loggedIn.body.token_type).toBe('DPoP');
    expect(decodeJwt(loggedIn.body.access_token as string).cnf).toEqual({ jkt: key.jkt });
    const refreshToken = loggedIn.body.refresh_token as string;
    const refreshUrl = `${issuer}/auth/refresh`;
    const refresh = async (dpop?: string) => request(auth.url, 'POST', '/auth/refresh', { json: { refresh_token: refreshToken }, headers: dpop ? { dpop } : {} });

    const withoutProof = await refresh();
    expect([withoutProof.status, withoutProof.body.error]).toEqual([401, 'invalid_grant']);
    const otherKeyed = await refresh(await otherKey.proof({ htm: 'POST', htu: refreshUrl }));
    expect([otherKeyed.status, otherKeyed.body.error]).toEqual([401, 'invalid_grant']);
    // The same token at /oauth/token as the first-party public client, with the other key: refused as well.
    const viaOauth = await postForm(auth.url, '/oauth/token', { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: auth.config.FIRST_PARTY_CLIENT_ID }, { dpop: await otherKey.proof({ htm: 'POST', htu: tokenEndpoint() }) });
    expect([viaOauth.status, viaOauth.body.error]).toEqual([400, 'invalid_grant']);

    const rotated = await refresh(await key.proof({ htm: 'POST', htu: refreshUrl }));
    expect(rotated.status).toBe(200);
    expect(rotated.body.token_type).toBe('DPoP');
    expect(decodeJwt(rotated.body.access_token as string).cnf).toEqual({ jkt: key.jkt });

    // The successor is bound too, at /oauth/token.
    const next = await postForm(auth.url, '/oauth/token', { grant_type: 'refresh_token', refresh_token: rotated.body.refresh_token as string, client_id: auth.config.FIRST_PARTY_CLIENT_ID }, { dpop: await key.proof({ htm: 'POST', htu: tokenEndpoint() }) });
    expect(next.status).toBe(200);
    expect(next.body.token_type).toBe('DPoP');
  });

  it('when /auth/me gets a bound token, then it needs the DPoP scheme and a proof of the key (auth\'s own verifier)', async () => {
    const loggedIn = await login(await key.proof({ htm: 'POST', htu: `${issuer}/auth/login` }));
    const token = loggedIn.body.access_token as string;
    const me = await request(auth.url, 'GET', '/auth/me', { headers: { authorization: `DPoP ${token}`, dpop: await key.proof({ htm: 'GET', htu: `${issuer}/auth/me`, accessToken: token }) } });
    expect(me.status).toBe(200);
    expect(me.body.username).toBe('dpop-user');
    const asBearer = await request(auth.url, 'GET', '/auth/me', { token });
    expect(asBearer.status).toBe(401);
    expect(asBearer.headers.get('www-authenticate')).toMatch(/^DPoP realm="auth", algs="[^"]+", error="invalid_token"/);
    const otherKeyed = await request(auth.url, 'GET', '/auth/me', { headers: { authorization: `DPoP ${token}`, dpop: await otherKey.proof({ htm: 'GET', htu: `${issuer}/auth/me`, accessToken: token }) } });
    expect(otherKeyed.status).toBe(401);
  });

  /** Signs dpop-user in on the hosted page (authorization code + PKCE) and returns the code and its verifier. */
  async function authorizationCode(): Promise<{ code: string; verifier: string }> {
    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const url = new URL(`${issuer}/oauth/authorize`);
    url.search = new URLSearchParams({ response_type: 'code', client_id: APP, redirect_uri: REDIRECT, scope: 'openid profile notes:read', state: 's', code_challenge: challenge, code_challenge_method: 'S256' }).toString();
    const answer = await new AppBrowser(issuer).signIn(url, 'dpop-user', PASSWORD);
    expect(answer.status).toBe(303);
    const code = new URL(answer.headers.get('location')!).searchParams.get('code');
    expect(code).toBeTruthy();
    return { code: code!, verifier };
  }
  const codeGrant = async ({ code, verifier }: { code: string; verifier: string }, dpop?: string) =>
    postForm(auth.url, '/oauth/token', { grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: REDIRECT, client_id: APP }, dpop ? { dpop } : {});

  it('when an app redeems its authorization code with a proof, then the access token is DPoP-bound, and so is its refresh token', async () => {
    const tokens = await codeGrant(await authorizationCode(), await key.proof({ htm: 'POST', htu: tokenEndpoint() }));
    expect(tokens.status).toBe(200);
    expect(tokens.body.token_type).toBe('DPoP');
    expect(decodeJwt(tokens.body.access_token).cnf).toEqual({ jkt: key.jkt });
    // A public client's refresh family is bound to the key the code was redeemed with (RFC 9449 §5).
    const refresh = (dpop: string) => postForm(auth.url, '/oauth/token', { grant_type: 'refresh_token', refresh_token: tokens.body.refresh_token, client_id: APP }, { dpop });
    expect((await refresh(await otherKey.proof({ htm: 'POST', htu: tokenEndpoint() }))).body.error).toBe('invalid_grant');
    const refreshed = await refresh(await key.proof({ htm: 'POST', htu: tokenEndpoint() }));
    expect([refreshed.status, refreshed.body.token_type]).toEqual([200, 'DPoP']);
  });

  it('when an app redeems its authorization code without a proof, then the token is Bearer', async () => {
    const tokens = await codeGrant(await authorizationCode());
    expect(tokens.status).toBe(200);
    expect(tokens.body.token_type).toBe('Bearer');
    expect(decodeJwt(tokens.body.access_token).cnf).toBeUndefined();
  });

  it('when a client exchanges a user token with a proof, then the exchanged token is DPoP-bound to the client\'s key', async () => {
    const user = await login();
    const exchanged = await postForm(
      auth.url,
      '/oauth/token',
      { grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange', subject_token: user.body.access_token as string, subject_token_type: 'urn:ietf:params:oauth:token-type:access_token' },
      { authorization: basic('exchanger', secret), dpop: await otherKey.proof({ htm: 'POST', htu: tokenEndpoint() }) },
    );
    expect(exchanged.status).toBe(200);
    expect(exchanged.body).toMatchObject({ token_type: 'DPoP', issued_token_type: 'urn:ietf:params:oauth:token-type:access_token' });
    expect(decodeJwt(exchanged.body.access_token)).toMatchObject({ act: { sub: 'exchanger' }, cnf: { jkt: otherKey.jkt } });
  });

  describe('token exchange of a DPoP-bound user token (issue 22, point 7)', () => {
    const exchangeBound = async (subjectToken: string, dpop?: string) =>
      postForm(
        auth.url,
        '/oauth/token',
        { grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange', subject_token: subjectToken, subject_token_type: 'urn:ietf:params:oauth:token-type:access_token' },
        { authorization: basic('exchanger', secret), ...(dpop ? { dpop } : {}) },
      );
    const boundUserToken = async () => {
      const loggedIn = await login(await key.proof({ htm: 'POST', htu: `${issuer}/auth/login` }));
      expect(decodeJwt(loggedIn.body.access_token as string).cnf).toEqual({ jkt: key.jkt });
      return loggedIn.body.access_token as string;
    };

    it('when a client exchanges a bound user token without a proof, then it is refused with invalid_grant and no token', async () => {
      const refused = await exchangeBound(await boundUserToken());
      expect([refused.status, refused.body.error]).toEqual([400, 'invalid_grant']);
      expect(refused.body.access_token).toBeUndefined();
    });

    it('when a client exchanges a bound user token with a proof by another key, then it is refused with invalid_grant', async () => {
      const refused = await exchangeBound(await boundUserToken(), await otherKey.proof({ htm: 'POST', htu: tokenEndpoint() }));
      expect([refused.status, refused.body.error]).toEqual([400, 'invalid_grant']);
      expect(refused.body.access_token).toBeUndefined();
    });

    it('when a client exchanges a bound user token with a proof by that key, then the new token stays bound to it', async () => {
      const exchanged = await exchangeBound(await boundUserToken(), await key.proof({ htm: 'POST', htu: tokenEndpoint() }));
      expect(exchanged.status).toBe(200);
      expect(exchanged.body.token_type).toBe('DPoP');
      expect(decodeJwt(exchanged.body.access_token)).toMatchObject({ act: { sub: 'exchanger' }, cnf: { jkt: key.jkt } });
    });
  });

  it('when /oauth/userinfo gets a bound token as DPoP with a proof, then it answers; as Bearer, or with another key\'s proof, it is refused', async () => {
    const tokens = await codeGrant(await authorizationCode(), await key.proof({ htm: 'POST', htu: tokenEndpoint() }));
    const token = tokens.body.access_token as string;
    const userinfoUrl = `${issuer}/oauth/userinfo`;
    const info = await request(auth.url, 'GET', '/oauth/userinfo', { headers: { authorization: `DPoP ${token}`, dpop: await key.proof({ htm: 'GET', htu: userinfoUrl, accessToken: token }) } });
    expect(info.status).toBe(200);
    expect(info.body).toMatchObject({ sub: decodeJwt(token).sub, preferred_username: 'dpop-user' });
    const viaPost = await request(auth.url, 'POST', '/oauth/userinfo', { headers: { authorization: `DPoP ${token}`, dpop: await key.proof({ htm: 'POST', htu: userinfoUrl, accessToken: token }) } });
    expect(viaPost.status).toBe(200);

    const asBearer = await request(auth.url, 'GET', '/oauth/userinfo', { token });
    expect(asBearer.status).toBe(401);
    expect(asBearer.headers.get('www-authenticate')).toMatch(/^DPoP realm="[^"]+", algs="[^"]+", error="invalid_token"/);
    const otherKeyed = await request(auth.url, 'GET', '/oauth/userinfo', { headers: { authorization: `DPoP ${token}`, dpop: await otherKey.proof({ htm: 'GET', htu: userinfoUrl, accessToken: token }) } });
    expect(otherKeyed.status).toBe(401);
    const noProof = await request(auth.url, 'GET', '/oauth/userinfo', { headers: { authorization: `DPoP ${token}` } });
    expect(noProof.status).toBe(401);
  });

  it('when a login sends no proof, then tokens are Bearer and refresh needs none', async () => {
    const loggedIn = await login();
    expect(loggedIn.body.token_type).toBe('Bearer');
    const refreshed = await request(auth.url, 'POST', '/auth/refresh', { json: { refresh_token: loggedIn.body.refresh_token } });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.token_type).toBe('Bearer');
  });
});
