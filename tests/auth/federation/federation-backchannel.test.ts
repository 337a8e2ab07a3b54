import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postForm } from '../support/oauth-client.js';
import { request } from '../support/http-client.js';
import { ADMIN_TOKEN, PROVIDER_ID, startFederationStack, type FederationStack } from './support/federation-stack.js';

const PATH = `/auth/federation/${PROVIDER_ID}/backchannel-logout`;

/**
 * The inbound back-channel logout's checks (OIDC Back-Channel Logout 1.0 §2.6) with tokens signed
 * by the real upstream's key; that a valid one ends the sessions the upstream started is shown
 * with the upstream's own logout in tests/e2e/federation-sign-in.test.ts.
 */
describe('federation: the upstream back-channel logout endpoint refuses every logout token §2.6 refuses', () => {
  let stack: FederationStack;
  beforeAll(async () => {
    stack = await startFederationStack({ people: {} });
  });
  afterAll(() => stack?.stop());

  const send = (token: string | undefined) => postForm(stack.auth.url, PATH, token === undefined ? {} : { logout_token: token });

  it('when a valid logout token comes, then 200 no-store; the same token again (its jti) is refused', async () => {
    const token = await stack.upstream.signLogoutToken({ sub: 'someone', sid: 'upstream-sid' });
    const first = await send(token);
    expect(first.status).toBe(200);
    expect(first.headers.get('cache-control')).toBe('no-store');
    const again = await send(token);
    expect(again.status).toBe(400);
    expect(again.body).toMatchObject({ error: 'invalid_request' });
  });

  it.each([
    ['signed by another key', { sub: 'x' }, { key: 'foreign' as const }],
    ['typed JWT rather than logout+jwt', { sub: 'x' }, { typ: 'JWT' }],
    ['for another audience', { sub: 'x' }, { audience: 'someone-else' }],
    ['with a nonce', { sub: 'x', nonce: 'n' }, {}],
    ['without the logout event', { sub: 'x' }, { events: { 'http://example.com/other': {} } }],
    ['with neither sub nor sid', {}, {}],
  ])('when the token is %s, then 400 invalid_request', async (_what, claims, options) => {
    const res = await send(await stack.upstream.signLogoutToken(claims, options));
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: 'invalid_request' });
  });

  it('when there is no token, a malformed one, or an unknown provider, then a 400 or 404 JSON answer', async () => {
    expect((await send(undefined)).status).toBe(400);
    expect((await send('not.a.jwt')).status).toBe(400);
    const unknown = await postForm(stack.auth.url, '/auth/federation/nobody/backchannel-logout', { logout_token: 'x' });
    expect(unknown.status).toBe(404);
  });

  it('when logout tokens were accepted and refused, then the audit trail says which (with the sessions ended or the reason), and holds no token', async () => {
    const token = await stack.upstream.signLogoutToken({ sub: 'audited', sid: 'audited-sid' });
    expect((await send(token)).status).toBe(200);
    expect((await send(token)).status).toBe(400);
    const res = await request(stack.auth.url, 'GET', '/admin/audit-events?limit=1000', { token: ADMIN_TOKEN });
    const lines = (res.body.events as Array<Record<string, unknown>>).filter((line) => line.event === 'federation.backchannel_logout');
    expect(lines.slice(0, 2).map(({ provider_id, outcome, sessions_ended, reason, level }) => ({ provider_id, outcome, sessions_ended, reason, level }))).toEqual([
      { provider_id: PROVIDER_ID, outcome: 'refused', sessions_ended: undefined, reason: 'logout_token', level: 'warn' },
      { provider_id: PROVIDER_ID, outcome: 'accepted', sessions_ended: 0, reason: undefined, level: 'info' },
    ]);
    // The unknown provider of the test above is not reported: its id is only what a caller sent.
    expect(lines.every((line) => line.provider_id === PROVIDER_ID)).toBe(true);
    expect(JSON.stringify(res.body)).not.toContain(token);
  });
});
