import { describe, expect, it } from 'vitest';
import { useGatewayFixture, type GatewayFixture } from './gateway-fixture.js';
import { send } from './http-client.js';

let f: GatewayFixture;
useGatewayFixture((fixture) => (f = fixture));

const bearer = (token: string): Array<[string, string]> => [['Authorization', `Bearer ${token}`]];
// What token exchange issues: the user as sub, the acting client in act (test-issuer signed).
const delegated = () => f.issuer.sign({ claims: { sub: 'user-1', client_id: 'reports', act: { sub: 'reports' } } });
const direct = () => f.issuer.sign({ claims: { sub: 'user-1' } });

describe('routes.yaml delegation: required | refused (token exchange, RFC 8693)', () => {
  it.each([
    ['delegation: required, a delegated token', 'GET', '/on-behalf/x', delegated, 200, undefined],
    ['delegation: required, a direct token', 'GET', '/on-behalf/x', direct, 403, 'needs a token obtained on a user\'s behalf'],
    ['delegation: required on a POST with its scope, a direct token', 'POST', '/on-behalf/x', direct, 403, 'needs a token obtained on a user\'s behalf'],
    ['delegation: refused, a direct token', 'GET', '/direct/x', direct, 200, undefined],
    ['delegation: refused, a delegated token', 'GET', '/direct/x', delegated, 403, 'refuses delegated (exchanged) tokens'],
    ['no delegation key, a delegated token', 'GET', '/api/notes', delegated, 200, undefined],
    ['no delegation key, a direct token', 'GET', '/api/notes', direct, 200, undefined],
  ])('when the route has %s, then the gateway answers %s %s accordingly', async (_label, method, path, token, status, description) => {
    const res = await send(f.gateway.url, { method, path, headers: bearer(token()) });
    expect(res.status).toBe(status);
    if (status === 200) {
      expect(f.upstream.received).toHaveLength(1);
      return;
    }
    // The same error require-auth gives: 403 insufficient_scope, with the RFC 6750 challenge; nothing reaches the upstream.
    expect(res.json()).toMatchObject({ error: 'insufficient_scope', error_description: expect.stringContaining(description!) });
    expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="gateway".*error="insufficient_scope"/);
    expect(f.upstream.received).toHaveLength(0);
  });

  it('when a delegated token lacks the scope a delegation: required route needs, then the scope refusal still applies', async () => {
    const token = f.issuer.sign({ claims: { sub: 'user-1', scope: 'notes:read', act: { sub: 'reports' } } });
    const res = await send(f.gateway.url, { method: 'POST', path: '/on-behalf/x', headers: bearer(token) });
    expect(res.status).toBe(403);
    expect(res.headers['www-authenticate']).toContain('scope="notes:write"');
    expect(f.upstream.received).toHaveLength(0);
  });
});
