import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryClientStore } from '../../services/auth/adapters/memory/memory-client-store.js';
import { startTestAuth, type TestAuth } from './support/auth-harness.js';
import { get, post, registerAndLogin } from './support/http-client.js';
import { postForm } from './support/oauth-client.js';

describe('POST /oauth/token grant_type=refresh_token', () => {
  let auth: TestAuth;
  let firstParty: string;

  beforeAll(async () => {
    const clients = new MemoryClientStore();
    auth = await startTestAuth({ clients, env: { REFRESH_REUSE_GRACE_SECONDS: '0' } });
    firstParty = auth.config.FIRST_PARTY_CLIENT_ID;
    // Another public first-party client, to prove tokens are bound to the client they were issued to.
    await clients.create({ clientId: 'mobile', tokenEndpointAuthMethods: ['none'], grantTypes: ['refresh_token'], scopes: ['notes:read'], audiences: [] });
  });
  afterAll(() => auth?.stop());

  const refresh = (refreshToken: string, clientId: string, extra: Record<string, string> = {}) =>
    postForm(auth.url, '/oauth/token', { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: clientId, ...extra });

  it('when the public first-party client refreshes, then it gets a new pair, uncached, and the old token is spent', async () => {
    const login = await registerAndLogin(auth.url, 'oauth-refresher');
    const res = await refresh(login.refresh_token, firstParty);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('pragma')).toBe('no-cache');
    expect(res.body).toMatchObject({ token_type: 'Bearer', expires_in: 900, scope: login.scope });
    expect(res.body.refresh_token).not.toBe(login.refresh_token);
    expect((await get(auth.url, '/auth/me', res.body.access_token)).body.username).toBe('oauth-refresher');
    // Same rotation as /auth/refresh: the new token works there too.
    expect((await post(auth.url, '/auth/refresh', { refresh_token: res.body.refresh_token })).status).toBe(200);
  });

  it('when a spent refresh token is presented again, then 400 invalid_grant and the family is revoked', async () => {
    const login = await registerAndLogin(auth.url, 'oauth-reuser');
    const first = await refresh(login.refresh_token, firstParty);
    expect(first.status).toBe(200);
    const reuse = await refresh(login.refresh_token, firstParty);
    expect(reuse.status).toBe(400);
    expect(reuse.body.error).toBe('invalid_grant');
    expect((await refresh(first.body.refresh_token, firstParty)).body.error).toBe('invalid_grant');
  });

  it("when another client presents the user's refresh token, then 400 invalid_grant and the token is not spent", async () => {
    const login = await registerAndLogin(auth.url, 'oauth-victim');
    const stolen = await refresh(login.refresh_token, 'mobile');
    expect(stolen.status).toBe(400);
    expect(stolen.body.error).toBe('invalid_grant');
    expect((await refresh(login.refresh_token, firstParty)).status).toBe(200);
  });

  it("when another client presents the user's spent refresh token, then 400 invalid_grant and the user's family lives on", async () => {
    const login = await registerAndLogin(auth.url, 'oauth-spent-victim');
    const rotated = await refresh(login.refresh_token, firstParty);
    expect(rotated.status).toBe(200);
    // Grace is 0 here: had the owner presented it, this would be reuse and end the family.
    const stolen = await refresh(login.refresh_token, 'mobile');
    expect(stolen.status).toBe(400);
    expect(stolen.body.error).toBe('invalid_grant');
    expect((await refresh(rotated.body.refresh_token, firstParty)).status).toBe(200);
  });

  it('when a narrower scope is asked for, then the access token gets it and the refresh token keeps the whole grant (RFC 6749 §6)', async () => {
    const login = await registerAndLogin(auth.url, 'oauth-narrower');
    const narrowed = await refresh(login.refresh_token, firstParty, { scope: 'notes:read' });
    expect(narrowed.status).toBe(200);
    expect(narrowed.body.scope).toBe('notes:read');
    expect(decodeJwt(narrowed.body.access_token).scope).toBe('notes:read');
    expect((await get(auth.url, '/auth/me', narrowed.body.access_token)).body.scope).toBe('notes:read');
    // The next refresh without a scope gets the original grant back.
    const widened = await refresh(narrowed.body.refresh_token, firstParty);
    expect(widened.status).toBe(200);
    expect(widened.body.scope).toBe(login.scope);
    expect(decodeJwt(widened.body.access_token).scope).toBe(login.scope);
  });

  it('when the whole grant is asked for explicitly, in another order, then it is granted', async () => {
    const login = await registerAndLogin(auth.url, 'oauth-same-scope');
    const reordered = login.scope.split(' ').reverse().join(' ');
    const res = await refresh(login.refresh_token, firstParty, { scope: reordered });
    expect(res.status).toBe(200);
    expect(new Set(res.body.scope.split(' '))).toEqual(new Set(login.scope.split(' ')));
  });

  it('when a scope outside the grant is asked for, then 400 invalid_scope and the refresh token is not spent', async () => {
    const login = await registerAndLogin(auth.url, 'oauth-wider');
    const wider = await refresh(login.refresh_token, firstParty, { scope: 'notes:read admin:all' });
    expect(wider.status).toBe(400);
    expect(wider.body.error).toBe('invalid_scope');
    expect(wider.headers.get('cache-control')).toBe('no-store');
    expect((await refresh(login.refresh_token, firstParty)).status).toBe(200);
  });

  it.each([
    ['an unknown refresh token', () => refresh('C'.repeat(43), firstParty), 400, 'invalid_grant'],
    ['a malformed refresh token', () => refresh('short', firstParty), 400, 'invalid_grant'],
    ['no refresh_token', () => postForm(auth.url, '/oauth/token', { grant_type: 'refresh_token', client_id: firstParty }), 400, 'invalid_request'],
    ['an unknown public client', () => refresh('C'.repeat(43), 'nobody'), 401, 'invalid_client'],
  ] as const)('when the request has %s, then %s %s', async (_name, send, status, error) => {
    const res = await send();
    expect(res.status).toBe(status);
    expect(res.body.error).toBe(error);
  });
});
