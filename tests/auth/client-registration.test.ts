import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryClientStore } from '../../services/auth/adapters/memory/memory-client-store.js';
import { startTestAuthAsIssuer, type TestAuth } from './support/auth-harness.js';
import { request } from './support/http-client.js';
import { assertionKey, postForm, signAssertion, JWT_BEARER } from './support/oauth-client.js';

const ADMIN_TOKEN = 'admin-token-for-registration-tests-0123456789';

describe('RFC 7591 client metadata: admin API and POST /oauth/register', () => {
  let auth: TestAuth;
  let issuer: string;
  const clients = new MemoryClientStore();
  beforeAll(async () => {
    auth = await startTestAuthAsIssuer({ clients, env: { AUTH_ADMIN_TOKEN: ADMIN_TOKEN } });
    issuer = auth.config.AUTH_ISSUER;
  });
  afterAll(() => auth?.stop());

  const admin = (path: string, json: unknown) => request(auth.url, 'POST', path, { json, token: ADMIN_TOKEN });

  it('when a client is created with token_endpoint_auth_method private_key_jwt and scope as a string, then it authenticates with its key', async () => {
    const key = await assertionKey('ES256');
    const created = await admin('/admin/clients', { client_id: 'kc-style', client_name: 'Billing', token_endpoint_auth_method: 'private_key_jwt', scope: 'notes:read notes:write', jwks: key.jwks });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      client_id: 'kc-style',
      client_name: 'Billing',
      scope: 'notes:read notes:write',
      scopes: ['notes:read', 'notes:write'],
      token_endpoint_auth_method: 'private_key_jwt',
      grant_types: ['client_credentials'],
      jwks: key.jwks,
    });
    expect(created.body.client_secret).toBeUndefined();
    const assertion = await signAssertion(key.privateKey, 'kc-style', `${auth.config.AUTH_ISSUER}/oauth/token`, { alg: 'ES256', kid: key.kid });
    const token = await postForm(auth.url, '/oauth/token', { grant_type: 'client_credentials', client_assertion_type: JWT_BEARER, client_assertion: assertion });
    expect(token.status).toBe(200);
    expect(token.body.scope).toBe('notes:read notes:write');
  });

  it('when a public app is created, then it has no secret, the app grants, its redirect URIs and its flags', async () => {
    const created = await admin('/admin/clients', {
      client_id: 'spa-admin',
      token_endpoint_auth_method: 'none',
      scope: 'openid profile',
      redirect_uris: ['https://spa.example/cb'],
      post_logout_redirect_uris: ['https://spa.example/'],
      first_party: true,
      dpop_bound_access_tokens: true,
    });
    expect(created.status).toBe(201);
    expect(created.body.client_secret).toBeUndefined();
    expect(created.body).toMatchObject({
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      redirect_uris: ['https://spa.example/cb'],
      post_logout_redirect_uris: ['https://spa.example/'],
      first_party: true,
      dpop_bound_access_tokens: true,
    });
    expect(await clients.findById('spa-admin')).toMatchObject({ dpopBoundAccessTokens: true, firstParty: true, redirectUris: ['https://spa.example/cb'] });
  });

  it.each([
    ['scope and scopes both', { scope: 'a', scopes: ['a'] }, 'invalid_client_metadata', /^scopes: /],
    ['a scope string of spaces', { scope: '   ' }, 'invalid_request', /^scope: /],
    ['an unknown auth method', { scope: 'a', token_endpoint_auth_method: 'tls_client_auth' }, 'invalid_request', /^token_endpoint_auth_method: /],
    ['private_key_jwt without jwks', { scope: 'a', token_endpoint_auth_method: 'private_key_jwt' }, 'invalid_client_metadata', /private_key_jwt needs jwks/],
    ['none with client_credentials', { scope: 'a', token_endpoint_auth_method: 'none', grant_types: ['client_credentials'] }, 'invalid_client_metadata', /^grant_types: /],
    ['authorization_code without redirect_uris', { scope: 'a', grant_types: ['authorization_code'] }, 'invalid_redirect_uri', /^redirect_uris: /],
    ['an http redirect URI off loopback', { scope: 'a', redirect_uris: ['http://evil.example/cb'] }, 'invalid_request', /^redirect_uris\.0: /],
    ['an implicit grant', { scope: 'a', grant_types: ['implicit'] }, 'invalid_request', /^grant_types\.0: /],
  ])('when the admin API gets %s, then 400 %s naming the field', async (_name, body, error, description) => {
    const res = await admin('/admin/clients', body);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe(error);
    expect(res.body.error_description).toMatch(description);
  });

  it('when openid-client registers an app with the admin token as initial access token, then 201 with the metadata, and the client exists', async () => {
    const config = await client.dynamicClientRegistration(
      new URL(issuer),
      { client_name: 'Registered SPA', redirect_uris: ['http://localhost:9999/cb'], token_endpoint_auth_method: 'none', scope: 'openid email', grant_types: ['authorization_code', 'refresh_token'] },
      client.None(),
      { initialAccessToken: ADMIN_TOKEN, execute: [client.allowInsecureRequests] },
    );
    const metadata = config.clientMetadata();
    expect(metadata.client_id).toMatch(/^client-/);
    expect(metadata).toMatchObject({ client_name: 'Registered SPA', redirect_uris: ['http://localhost:9999/cb'], token_endpoint_auth_method: 'none', scope: 'openid email' });
    expect(await clients.findById(metadata.client_id)).toMatchObject({ clientName: 'Registered SPA', grantTypes: ['authorization_code', 'refresh_token'] });
  });

  it('when a confidential client registers, then the answer carries its secret once, and the secret gets tokens', async () => {
    const res = await request(auth.url, 'POST', '/oauth/register', { json: { client_name: 'svc', scope: 'notes:read' }, token: ADMIN_TOKEN });
    expect(res.status).toBe(201);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.body).toMatchObject({ client_secret_expires_at: 0, token_endpoint_auth_method: 'client_secret_basic', grant_types: ['client_credentials'] });
    const token = await postForm(auth.url, '/oauth/token', { grant_type: 'client_credentials', client_id: res.body.client_id, client_secret: res.body.client_secret });
    expect(token.status).toBe(200);
  });

  it.each([
    ['no token', undefined, { scope: 'a' }, 401, 'unauthorized'],
    ['a wrong token', 'nope', { scope: 'a' }, 401, 'invalid_token'],
    ['a bad redirect URI', ADMIN_TOKEN, { scope: 'a', redirect_uris: ['https://x.example/cb#frag'] }, 400, 'invalid_redirect_uri'],
    ['an unknown field', ADMIN_TOKEN, { scope: 'a', software_statement: 'x' }, 400, 'invalid_client_metadata'],
    ['a public client without grants or redirect URIs', ADMIN_TOKEN, { scope: 'a', token_endpoint_auth_method: 'none' }, 400, 'invalid_client_metadata'],
  ])('when POST /oauth/register gets %s, then the refusal fits', async (_name, token, json, status, error) => {
    const res = await request(auth.url, 'POST', '/oauth/register', { json, ...(token ? { token } : {}) });
    expect(res.status).toBe(status);
    if (status === 401) expect(res.headers.get('www-authenticate')).toMatch(/^Bearer realm="admin"/);
    expect(res.body.error).toBe(error);
  });
});
