import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { parseClientsFile } from '../../../services/auth/adapters/clients-file/clients-file-reader.js';
import { ClientsFileError } from '../../../services/auth/domain/clients/clients-file.js';
import { APP_REDIRECT, appLogout, signInToApp } from '../../e2e/support/app-sign-in.js';
import { PASSWORD, request } from '../support/http-client.js';
import { ADMIN_TOKEN, backchannelAuthPerTest, newUser } from './backchannel-harness.js';

const auth = backchannelAuthPerTest();

/** The client as GET /admin/clients lists it, or undefined. */
async function listed(url: string, clientId: string): Promise<Record<string, unknown> | undefined> {
  const res = await request<{ clients: Array<Record<string, unknown>> }>(url, 'GET', '/admin/clients', { token: ADMIN_TOKEN });
  expect(res.status).toBe(200);
  return res.body.clients.find((c) => c.client_id === clientId);
}

const app = (extra: Record<string, unknown>) => ({
  client_id: 'shop',
  token_endpoint_auth_method: 'none',
  grant_types: ['authorization_code', 'refresh_token'],
  redirect_uris: [APP_REDIRECT],
  scope: 'openid notes:read',
  first_party: true,
  ...extra,
});

describe('registering a back-channel logout URI', () => {
  it('when an app registers through RFC 7591 with backchannel_logout_session_required, then both fields are echoed and its logout token carries the sid of its ID token', async () => {
    const service = await auth();
    const registered = await request(service.url, 'POST', '/oauth/register', {
      token: ADMIN_TOKEN,
      json: app({ backchannel_logout_uri: service.receiver.uriFor('shop'), backchannel_logout_session_required: true, post_logout_redirect_uris: ['http://localhost:5173/'] }),
    });
    expect(registered.status).toBe(201);
    expect(registered.body).toMatchObject({ backchannel_logout_uri: service.receiver.uriFor('shop'), backchannel_logout_session_required: true });
    expect(await listed(service.url, 'shop')).toMatchObject({ backchannel_logout_uri: service.receiver.uriFor('shop'), backchannel_logout_session_required: true });

    await newUser(service, 'noor');
    const signIn = await signInToApp(service.url, 'shop', 'noor', PASSWORD);
    expect((await appLogout(service.url, 'shop', signIn)).status).toBe(302);
    const [received] = await service.receiver.waitFor('shop');
    expect(received!.claims.sid).toBeTypeOf('string');
    expect(received!.claims.sid).toBe(decodeJwt(signIn.tokens.id_token).sid);
  });

  it.each([
    ['http to a host that is not loopback', { backchannel_logout_uri: 'http://shop.example.test/logout' }, 'backchannel_logout_uri'],
    ['a fragment', { backchannel_logout_uri: 'https://shop.example.test/logout#now' }, 'backchannel_logout_uri'],
    ['user information', { backchannel_logout_uri: 'https://user:pw@shop.example.test/logout' }, 'backchannel_logout_uri'],
    ['a relative URI', { backchannel_logout_uri: '/logout' }, 'backchannel_logout_uri'],
    ['a private-use scheme (it is fetched, not opened by an app)', { backchannel_logout_uri: 'com.example.shop:/logout' }, 'backchannel_logout_uri'],
    ['a javascript: URI', { backchannel_logout_uri: 'javascript:alert(1)' }, 'backchannel_logout_uri'],
    ['a number', { backchannel_logout_uri: 42 }, 'backchannel_logout_uri'],
    ['session_required that is not a boolean', { backchannel_logout_uri: 'https://shop.example.test/logout', backchannel_logout_session_required: 'yes' }, 'backchannel_logout_session_required'],
    ['session_required without a URI', { backchannel_logout_session_required: true }, 'backchannel_logout_session_required'],
  ])('when an app registers with %s, then 400 invalid_client_metadata naming the field, at the admin API and RFC 7591 alike, and nothing is stored', async (_name, extra, field) => {
    const service = await auth();
    for (const path of ['/admin/clients', '/oauth/register']) {
      const res = await request(service.url, 'POST', path, { token: ADMIN_TOKEN, json: app(extra) });
      expect(res.status).toBe(400);
      expect(['invalid_client_metadata', 'invalid_request']).toContain(res.body.error);
      expect(String(res.body.error_description)).toContain(field);
    }
    expect(await listed(service.url, 'shop')).toBeUndefined();
  });

  it('when a service (client_credentials, no ID tokens) registers a back-channel URI, then it is refused: it would never be called', async () => {
    const service = await auth();
    const res = await request(service.url, 'POST', '/oauth/register', {
      token: ADMIN_TOKEN,
      json: { client_id: 'svc', scope: 'notes:read', backchannel_logout_uri: 'https://svc.example.test/logout' },
    });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'invalid_client_metadata' });
    expect(String(res.body.error_description)).toContain('backchannel_logout_uri');
  });

  it('when the clients file names backchannel_logout_uri and _session_required, then the client carries them; a bad URI is listed among the file\'s problems', () => {
    const good = parseClientsFile(
      `clients:\n  - client_id: notes\n    token_endpoint_auth_method: none\n    redirect_uris: [https://notes.example/callback]\n    scope: openid notes:read\n    backchannel_logout_uri: https://notes.example/backchannel-logout\n    backchannel_logout_session_required: true\n`,
      { file: 'clients.yaml', env: {} },
    );
    expect(good[0]).toMatchObject({ backchannelLogoutUri: 'https://notes.example/backchannel-logout', backchannelLogoutSessionRequired: true });
    let error: unknown;
    try {
      parseClientsFile(
        `clients:\n  - client_id: notes\n    token_endpoint_auth_method: none\n    redirect_uris: [https://notes.example/callback]\n    scope: openid\n    backchannel_logout_uri: http://notes.example/logout#x\n`,
        { file: 'clients.yaml', env: {} },
      );
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ClientsFileError);
    expect(String((error as Error).message)).toContain('backchannel_logout_uri');
  });
});
