import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAuth, type TestAuth } from './support/auth-harness.js';
import { get, registerAndLogin, request } from './support/http-client.js';
import { assertionKey, basic, postForm, signAssertion, JWT_BEARER } from './support/oauth-client.js';

const ADMIN_TOKEN = 'admin-token-for-tests-0123456789abcdef';
const PUBLISH_DELAY_SECONDS = 60;

describe('admin API', () => {
  let auth: TestAuth;
  beforeAll(async () => {
    auth = await startTestAuth({ env: { AUTH_ADMIN_TOKEN: ADMIN_TOKEN, KEY_PUBLISH_DELAY_SECONDS: String(PUBLISH_DELAY_SECONDS) } });
  });
  afterAll(() => auth?.stop());

  const admin = (method: string, path: string, json?: unknown) => request(auth.url, method, path, { ...(json === undefined ? {} : { json }), token: ADMIN_TOKEN });
  const clientToken = (clientId: string, secret: string) => postForm(auth.url, '/oauth/token', { grant_type: 'client_credentials' }, { authorization: basic(clientId, secret) });

  it.each([
    ['no Authorization header', {}],
    ['a wrong admin token', { authorization: `Bearer ${ADMIN_TOKEN}x` }],
    ['a short wrong token', { authorization: 'Bearer x' }],
    ['the admin token under Basic', { authorization: `Basic ${Buffer.from(`admin:${ADMIN_TOKEN}`).toString('base64')}` }],
  ])('when a request has %s, then 401 with a Bearer challenge and nothing is done', async (_name, headers) => {
    for (const [method, path] of [
      ['GET', '/admin/clients'],
      ['POST', '/admin/clients'],
      ['POST', '/admin/keys/rotate'],
      ['DELETE', '/admin/clients/x'],
      ['GET', '/admin/users?username=rotation-user'],
      ['POST', '/admin/users/x/lock'],
      ['POST', '/admin/users/x/unlock'],
      ['POST', '/oauth/register'],
    ] as const) {
      const res = await request(auth.url, method, path, { headers });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer realm="admin"/);
      expect(typeof res.body.error).toBe('string');
    }
    expect(auth.keys.publicJwks().keys).toHaveLength(1);
  });

  it('when a client is created, then its secret is shown once, works at the token endpoint, and the list never shows it', async () => {
    const created = await admin('POST', '/admin/clients', { client_id: 'billing', scopes: ['notes:read'], audiences: ['api'] });
    expect(created.status).toBe(201);
    expect(created.headers.get('cache-control')).toBe('no-store');
    expect(created.body).toMatchObject({ client_id: 'billing', scopes: ['notes:read'], audiences: ['api'], grant_types: ['client_credentials'], disabled_at: null });
    const secret = created.body.client_secret as string;
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);

    expect((await clientToken('billing', secret)).status).toBe(200);

    const list = await admin('GET', '/admin/clients');
    expect(list.status).toBe(200);
    const listed = list.body.clients.find((client: { client_id: string }) => client.client_id === 'billing');
    expect(listed).toMatchObject({ client_id: 'billing', scopes: ['notes:read'] });
    const text = JSON.stringify(list.body);
    expect(text).not.toContain(secret);
    expect(text).not.toMatch(/"client_secret"|secretHash|secret_hash|\$argon2|\$hmac/i);
  });

  it('when a client is created without an id, then one is made up; with a taken id, 409', async () => {
    const made = await admin('POST', '/admin/clients', { scopes: ['notes:read'] });
    expect(made.status).toBe(201);
    expect(made.body.client_id).toMatch(/^client-/);
    const again = await admin('POST', '/admin/clients', { client_id: made.body.client_id, scopes: ['notes:read'] });
    expect(again.status).toBe(409);
  });

  it("when a client is created with a user's id, then 409 client_id_reserved and no client exists (RFC 9068 §5)", async () => {
    const login = await registerAndLogin(auth.url, 'collision-user');
    const res = await admin('POST', '/admin/clients', { client_id: login.id, scopes: ['notes:read'] });
    expect(res.status).toBe(409);
    expect(res.body).toEqual({ error: 'client_id_reserved', error_description: expect.stringContaining("user's id") });
    expect(res.body.client_secret).toBeUndefined();
    const list = await admin('GET', '/admin/clients');
    expect(list.body.clients.map((client: { client_id: string }) => client.client_id)).not.toContain(login.id);
  });

  it('when a client is created with the first-party client id, then 409 client_id_reserved and the public client still works', async () => {
    const firstParty = auth.config.FIRST_PARTY_CLIENT_ID;
    const res = await admin('POST', '/admin/clients', { client_id: firstParty, scopes: ['notes:read'] });
    expect(res.status).toBe(409);
    expect(res.body).toEqual({ error: 'client_id_reserved', error_description: expect.stringContaining('first-party client') });
    const list = await admin('GET', '/admin/clients');
    expect(list.body.clients.map((client: { client_id: string }) => client.client_id)).not.toContain(firstParty);
    const login = await registerAndLogin(auth.url, 'first-party-user');
    const refreshed = await postForm(auth.url, '/oauth/token', { grant_type: 'refresh_token', refresh_token: login.refresh_token, client_id: firstParty });
    expect(refreshed.status).toBe(200);
  });

  it.each([
    ['no scopes', {}],
    ['an empty scope list', { scopes: [] }],
    ['a bad client_id', { client_id: 'has space', scopes: ['a'] }],
    ['an unknown field', { scopes: ['a'], client_secret: 'mine' }],
    ['a private JWK', { scopes: ['a'], jwks: { keys: [{ kty: 'RSA', n: 'x', e: 'AQAB', d: 'secret' }] } }],
  ])('when a client is created with %s, then 400 invalid_request', async (_name, body) => {
    const res = await admin('POST', '/admin/clients', body);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_request');
  });

  it.each([
    ['scopes missing', {}, 'scope: is required'],
    ['scopes as a string', { scopes: 'notes:read' }, 'scopes: must be an array of strings'],
  ])('when a client is created with %s, then the description says what is wrong with the field', async (_name, body, description) => {
    const res = await admin('POST', '/admin/clients', body);
    expect(res.status).toBe(400);
    expect(res.body.error_description).toBe(description);
  });

  it('when a client is created with a jwks, then it gets no secret and authenticates with private_key_jwt', async () => {
    const key = await assertionKey('ES256');
    const created = await admin('POST', '/admin/clients', { client_id: 'signer', scopes: ['notes:read'], jwks: key.jwks });
    expect(created.status).toBe(201);
    expect(created.body.client_secret).toBeUndefined();
    expect(created.body.token_endpoint_auth_methods).toEqual(['private_key_jwt']);
    const assertion = await signAssertion(key.privateKey, 'signer', `${auth.config.AUTH_ISSUER}/oauth/token`, { alg: 'ES256', kid: key.kid });
    const res = await postForm(auth.url, '/oauth/token', { grant_type: 'client_credentials', client_assertion_type: JWT_BEARER, client_assertion: assertion });
    expect(res.status).toBe(200);
  });

  it('when a client is disabled, then its next token request is invalid_client; when deleted, it is gone', async () => {
    const created = await admin('POST', '/admin/clients', { client_id: 'temp', scopes: ['notes:read'] });
    const secret = created.body.client_secret as string;
    expect((await clientToken('temp', secret)).status).toBe(200);

    const disabled = await admin('POST', '/admin/clients/temp/disable');
    expect(disabled.status).toBe(200);
    expect(disabled.body.disabled_at).not.toBeNull();
    const refused = await clientToken('temp', secret);
    expect(refused.status).toBe(401);
    expect(refused.body.error).toBe('invalid_client');

    expect((await admin('DELETE', '/admin/clients/temp')).status).toBe(204);
    expect((await admin('DELETE', '/admin/clients/temp')).status).toBe(404);
    expect((await admin('POST', '/admin/clients/temp/disable')).status).toBe(404);
    const list = await admin('GET', '/admin/clients');
    expect(list.body.clients.map((client: { client_id: string }) => client.client_id)).not.toContain('temp');
  });

  it('when keys are rotated, then the new key is published at once, signs after the delay, and old tokens verify until they expire', async () => {
    const login = await registerAndLogin(auth.url, 'rotation-user');
    const oldKid = decodeProtectedHeader(login.access_token).kid;

    const rotated = await admin('POST', '/admin/keys/rotate');
    expect(rotated.status).toBe(201);
    expect(rotated.body.publish_delay_seconds).toBe(PUBLISH_DELAY_SECONDS);
    const newKid = rotated.body.kid as string;
    expect(newKid).not.toBe(oldKid);

    const jwks = async () => (await get<JSONWebKeySet>(auth.url, '/.well-known/jwks.json')).body;
    expect((await jwks()).keys.map((key) => key.kid)).toEqual([newKid, oldKid]);
    // Not signing yet: verifiers may still hold the old JWKS.
    const early = await registerAndLogin(auth.url, 'rotation-early');
    expect(decodeProtectedHeader(early.access_token).kid).toBe(oldKid);

    auth.clock.advance(PUBLISH_DELAY_SECONDS * 1000);
    const late = await registerAndLogin(auth.url, 'rotation-late');
    expect(decodeProtectedHeader(late.access_token).kid).toBe(newKid);
    // The old token still verifies against the published set, and the service still accepts it.
    const published = createLocalJWKSet(await jwks());
    await expect(jwtVerify(login.access_token, published, { currentDate: new Date(auth.clock.now()) })).resolves.toBeTruthy();
    expect((await get(auth.url, '/auth/me', login.access_token)).status).toBe(200);

    // Once every token the old key signed has expired (TTL + tolerance), it is withdrawn.
    auth.clock.advance((auth.config.ACCESS_TOKEN_TTL + 60) * 1000);
    expect((await jwks()).keys.map((key) => key.kid)).toEqual([newKid]);
  });
});

describe('admin API without AUTH_ADMIN_TOKEN', () => {
  let auth: TestAuth;
  beforeAll(async () => {
    auth = await startTestAuth();
  });
  afterAll(() => auth?.stop());

  it.each([
    ['GET', '/admin/clients'],
    ['POST', '/admin/clients'],
    ['POST', '/admin/keys/rotate'],
    ['GET', '/admin/users?username=alice'],
    ['POST', '/admin/users/x/lock'],
    ['POST', '/admin/users/x/unlock'],
    ['POST', '/oauth/register'],
  ])('when %s %s is asked, even with a token, then 404: the API is off', async (method, path) => {
    const res = await request(auth.url, method, path, { token: ADMIN_TOKEN, ...(method === 'GET' ? {} : { json: {} }) });
    expect(res.status).toBe(404);
  });
});
