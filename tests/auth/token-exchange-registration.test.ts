import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryClientStore } from '../../services/auth/adapters/memory/memory-client-store.js';
import { startTestAuthAsIssuer, type TestAuth } from './support/auth-harness.js';
import { registerAndLogin, request } from './support/http-client.js';
import { basic, postForm } from './support/oauth-client.js';

const ADMIN_TOKEN = 'admin-token-for-exchange-registration-0123456789';
const EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS = 'urn:ietf:params:oauth:token-type:access_token';

/**
 * A client registered the standard way (RFC 7591 `grant_types` naming RFC 8693's grant type, no
 * `token_exchange` allowance of ours) may exchange, within its own registered audiences (or
 * AUTH_AUDIENCE) and scopes; a public client may not be registered for it.
 */
describe('token exchange named in grant_types (RFC 7591 + RFC 8693)', () => {
  let auth: TestAuth;
  beforeAll(async () => {
    auth = await startTestAuthAsIssuer({ clients: new MemoryClientStore(), env: { AUTH_ADMIN_TOKEN: ADMIN_TOKEN } });
  });
  afterAll(() => auth?.stop());

  const admin = (path: string, json: unknown) => request(auth.url, 'POST', path, { json, token: ADMIN_TOKEN });
  const exchange = (clientId: string, secret: string, params: Record<string, string>) =>
    postForm(auth.url, '/oauth/token', { grant_type: EXCHANGE, ...params }, { authorization: basic(clientId, secret) });

  it.each(['/admin/clients', '/oauth/register'])('when %s is given the token-exchange grant type, then the client is created and may exchange for its own scopes', async (path) => {
    const clientId = `std-exchanger-${path.length}`;
    const created = await admin(path, { client_id: clientId, grant_types: ['client_credentials', EXCHANGE], scope: 'notes:read' });
    expect(created.status).toBe(201);
    expect(created.body.grant_types).toEqual(['client_credentials', EXCHANGE]);

    const user = await registerAndLogin(auth.url, `exchange-std-${path.length}`);
    const exchanged = await exchange(clientId, created.body.client_secret, { subject_token: user.access_token, subject_token_type: ACCESS });
    expect(exchanged.status).toBe(200);
    expect(decodeJwt(exchanged.body.access_token)).toMatchObject({ sub: user.id, client_id: clientId, act: { sub: clientId }, aud: 'api', scope: 'notes:read' });

    // Nothing beyond what it registered: another audience is invalid_target.
    const elsewhere = await exchange(clientId, created.body.client_secret, { subject_token: user.access_token, subject_token_type: ACCESS, audience: 'billing' });
    expect(elsewhere.status).toBe(400);
    expect(elsewhere.body.error).toBe('invalid_target');
  });

  it('when a client registered without the grant type or an allowance tries to exchange, then unauthorized_client', async () => {
    const created = await admin('/admin/clients', { client_id: 'no-exchange', grant_types: ['client_credentials'], scope: 'notes:read' });
    expect(created.status).toBe(201);
    const user = await registerAndLogin(auth.url, 'exchange-denied');
    const refused = await exchange('no-exchange', created.body.client_secret, { subject_token: user.access_token, subject_token_type: ACCESS });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toBe('unauthorized_client');
  });

  it('when a public client asks for the token-exchange grant type, then 400 naming grant_types and nothing is created', async () => {
    const refused = await admin('/admin/clients', { client_id: 'public-exchanger', token_endpoint_auth_method: 'none', grant_types: ['refresh_token', EXCHANGE], scope: 'notes:read' });
    expect(refused.status).toBe(400);
    expect(refused.body.error_description).toMatch(/grant_types/);
    expect((await request(auth.url, 'GET', '/admin/clients/public-exchanger', { token: ADMIN_TOKEN })).status).toBe(404);
  });
});
