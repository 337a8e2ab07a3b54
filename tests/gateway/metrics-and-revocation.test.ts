import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetrics } from '../../lib/metrics/index.js';
import { createFakeRevocations } from '../lib/verifier/fake-revocations.js';
import { startGatewayFixture, type GatewayFixture } from './gateway-fixture.js';
import { send } from './http-client.js';

let f: GatewayFixture;
const revocations = createFakeRevocations();

beforeAll(async () => {
  f = await startGatewayFixture({ revocations, metrics: createMetrics({ service: 'gateway', defaultMetrics: false }) });
});
afterAll(() => f.close());

function counter(text: string, name: string, labels: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && labels.split(',').every((label) => l.includes(label)));
  return line === undefined ? 0 : Number(line.split(' ').pop());
}

describe('revocation at the gateway', () => {
  it('when a token that passed (and is cached) is revoked, then the next request is refused with TOKEN_REVOKED', async () => {
    const token = f.issuer.sign({ claims: { jti: 'gateway-revoke-1' } });
    const headers: Array<[string, string]> = [['Authorization', `Bearer ${token}`]];
    expect((await send(f.gateway.url, { path: '/api/notes', headers })).status).toBe(200);
    expect((await send(f.gateway.url, { path: '/api/notes', headers })).status).toBe(200);
    revocations.revoke('gateway-revoke-1');
    const refused = await send(f.gateway.url, { path: '/api/notes', headers });
    expect(refused.status).toBe(401);
    expect(refused.headers['www-authenticate']).toBe('Bearer realm="gateway", error="invalid_token", error_description="the access token was revoked"');
  });
});

describe('gateway /metrics', () => {
  it('when requests were served, then the counters moved', async () => {
    await send(f.gateway.url, { path: '/api/notes', headers: [['Authorization', `Bearer ${f.issuer.sign()}`]] });
    await send(f.gateway.url, { path: '/api/notes', headers: [['Authorization', `Bearer ${f.issuer.sign().slice(0, -3)}`]] });
    await send(f.gateway.url, { path: '/down/x' });
    await send(f.gateway.url, { path: '/timeouts/slow' });
    const res = await send(f.gateway.opsUrl, { path: '/metrics' });
    expect(res.status).toBe(200);
    expect(counter(res.text, 'gateway_token_verifications_total', 'outcome="ok"')).toBeGreaterThanOrEqual(1);
    expect(counter(res.text, 'gateway_token_verifications_total', 'outcome="TOKEN_SIGNATURE_INVALID"')).toBe(1);
    expect(counter(res.text, 'gateway_jwks_fetches_total', 'result="ok"')).toBeGreaterThanOrEqual(1);
    expect(counter(res.text, 'gateway_upstream_errors_total', 'upstream="/down",kind="connect"')).toBe(1);
    expect(counter(res.text, 'gateway_upstream_errors_total', 'upstream="/timeouts",kind="timeout"')).toBe(1);
    expect(counter(res.text, 'http_requests_total', 'route="/api/notes",status="200"')).toBeGreaterThanOrEqual(1);
    expect(counter(res.text, 'http_requests_total', 'route="/down",status="502"')).toBe(1);
    expect(res.text).not.toMatch(/eyJ/);
  });
});
