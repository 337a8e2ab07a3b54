import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningGateway } from '../../gateway/gateway.js';
import { parseRoutes } from '../../lib/edge/route-config.js';
import { startTestIssuer, type TestIssuer } from '../lib/verifier/test-issuer.js';
import { startEchoUpstream, type EchoUpstream } from './echo-upstream.js';
import { decide, get, startRateLimitedGateway } from './rate-limit-fixture.js';
import { ingressAvailable, startIngress, type RunningIngress } from './ingress-processes.js';

/**
 * Issue 27, point 2, one gateway (budgets in this process): `rate_limit` of a route, applied
 * after verification, the same budget on the proxy port and the decision port, 429 with
 * Retry-After and the draft's RateLimit-Policy / RateLimit fields, on allowed answers too.
 */
let issuer: TestIssuer;
let upstream: EchoUpstream;
let gateway: RunningGateway;

beforeAll(async () => {
  issuer = await startTestIssuer();
  upstream = await startEchoUpstream();
  gateway = await startRateLimitedGateway({ issuer: issuer.issuer, upstreamUrl: upstream.url });
});

afterAll(async () => {
  await gateway?.close(500);
  await Promise.all([upstream?.close(), issuer?.close()]);
});

const tokenOf = (sub: string, claims: Record<string, unknown> = {}) => issuer.sign({ claims: { sub, ...claims } });
const reached = (path: string) => upstream.received.filter((request) => request.url === path).length;

describe('a route with rate_limit keyed by subject', () => {
  it('when a subject spends its budget, then each answer counts down and the next is 429 with Retry-After, and the upstream is not called', async () => {
    const token = tokenOf(`alice-${randomUUID()}`);
    const path = `/limited/${randomUUID()}`;
    const remaining: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await get(gateway.url, path, token);
      expect(res.status).toBe(200);
      expect(res.headers['ratelimit-policy']).toBe('"/limited";q=3;w=86400');
      remaining.push(String(res.headers.ratelimit).replace(/;t=\d+$/, ''));
    }
    expect(remaining).toEqual(['"/limited";r=2', '"/limited";r=1', '"/limited";r=0']);
    const refused = await get(gateway.url, path, token);
    expect(refused.status).toBe(429);
    expect(refused.json()).toMatchObject({ error: 'too_many_requests' });
    const retryAfter = Number(refused.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(86_400);
    expect(refused.headers.ratelimit).toBe(`"/limited";r=0;t=${retryAfter}`);
    expect(refused.headers['ratelimit-policy']).toBe('"/limited";q=3;w=86400');
    expect(refused.headers['www-authenticate']).toBeUndefined();
    expect(reached(path)).toBe(3);
  });

  it('when one subject is limited, then another subject still has its whole budget', async () => {
    const spent = tokenOf(`spent-${randomUUID()}`);
    for (let i = 0; i < 4; i++) await get(gateway.url, '/limited/x', spent);
    expect((await get(gateway.url, '/limited/x', spent)).status).toBe(429);
    expect((await get(gateway.url, '/limited/x', tokenOf(`other-${randomUUID()}`))).status).toBe(200);
  });

  it('when forged, expired and wrongly signed tokens name a victim, then they are 401 and spend none of its budget', async () => {
    const victim = `victim-${randomUUID()}`;
    const forgedKey = await startTestIssuer();
    try {
      const attacks = [
        forgedKey.sign({ claims: { sub: victim } }),
        tokenOf(victim, { exp: Math.floor(Date.now() / 1000) - 600 }),
        `${tokenOf(victim).slice(0, -4)}AAAA`,
        tokenOf(victim, { aud: 'someone-else' }),
      ];
      for (let round = 0; round < 3; round++) {
        for (const token of attacks) expect((await get(gateway.url, '/limited/x', token)).status).toBe(401);
      }
    } finally {
      await forgedKey.close();
    }
    const token = tokenOf(victim);
    for (let i = 0; i < 3; i++) expect((await get(gateway.url, '/limited/x', token)).status).toBe(200);
  });

  it('when the proxy port and the decision port are asked, then they spend one budget, and the decision 200 carries the fields', async () => {
    const token = tokenOf(`both-${randomUUID()}`);
    expect((await get(gateway.url, '/limited/a', token)).status).toBe(200);
    expect((await get(gateway.url, '/limited/a', token)).status).toBe(200);
    const last = await decide(gateway.decisionUrl, '/limited/a', token);
    expect(last.status).toBe(200);
    expect(last.headers.ratelimit).toMatch(/^"\/limited";r=0;t=\d+$/);
    expect(last.headers['x-auth-subject']).toMatch(/^both-/);
    const refused = await decide(gateway.decisionUrl, '/limited/a', token);
    expect(refused.status).toBe(429);
    expect(refused.headers['retry-after']).toMatch(/^\d+$/);
    expect(refused.headers['x-auth-subject']).toBeUndefined();
    expect((await get(gateway.url, '/limited/a', token)).status).toBe(429);
  });

  it('when requests come without a token, then their 401s spend no budget', async () => {
    for (let i = 0; i < 5; i++) expect((await get(gateway.url, '/limited/x')).status).toBe(401);
    const token = tokenOf(`fresh-${randomUUID()}`);
    expect((await get(gateway.url, '/limited/x', token)).headers.ratelimit).toMatch(/;r=2;/);
  });
});

describe('a route with rate_limit keyed by client or address', () => {
  it('when two users of one client call, then they share the client\'s budget', async () => {
    const clientId = `client-${randomUUID()}`;
    expect((await get(gateway.url, '/by-client/x', tokenOf('u1', { client_id: clientId }))).status).toBe(200);
    expect((await get(gateway.url, '/by-client/x', tokenOf('u2', { client_id: clientId }))).status).toBe(200);
    expect((await get(gateway.url, '/by-client/x', tokenOf('u3', { client_id: clientId }))).status).toBe(429);
    expect((await get(gateway.url, '/by-client/x', tokenOf('u3', { client_id: `other-${randomUUID()}` }))).status).toBe(200);
  });

  it('when an untrusted peer sends a new X-Forwarded-For each time, then it still spends its own address\'s budget', async () => {
    // Every test request comes from 127.0.0.1; TRUSTED_PROXIES is empty, so the header is not believed.
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await get(gateway.url, '/by-address/x', undefined, [['X-Forwarded-For', `203.0.113.${i}`]])).status);
    expect(statuses).toEqual([200, 200, 429, 429]);
  });

  it('when the upstream limits too, then the client gets both policies: the upstream\'s field lines and the gateway\'s', async () => {
    const res = await get(gateway.url, '/limited/own-limit', tokenOf(`both-limits-${randomUUID()}`));
    expect(res.status).toBe(200);
    const lines = (name: string) => res.rawHeaders.filter((_, i) => i % 2 === 0 && res.rawHeaders[i]!.toLowerCase() === name).length;
    expect(lines('ratelimit-policy')).toBe(2);
    expect(lines('ratelimit')).toBe(2);
    expect(res.headers['ratelimit-policy']).toBe('"upstream";q=100;w=60, "/limited";q=3;w=86400');
    expect(res.headers.ratelimit).toMatch(/^"upstream";r=99;t=60, "\/limited";r=2;t=\d+$/);
    expect(res.headers['x-request-id']).toBeDefined();
  });

  it('when the upstream is down after the budget was spent, then the 502 still carries the RateLimit fields', async () => {
    const deadEnd = await startRateLimitedGateway({ issuer: issuer.issuer, upstreamUrl: 'http://127.0.0.1:1' });
    try {
      const res = await get(deadEnd.url, '/limited/x', tokenOf(`down-${randomUUID()}`));
      expect(res.status).toBe(502);
      expect(res.headers['ratelimit-policy']).toBe('"/limited";q=3;w=86400');
      expect(res.headers.ratelimit).toMatch(/^"\/limited";r=2;t=\d+$/);
      expect(res.headers['x-request-id']).toBeDefined();
    } finally {
      await deadEnd.close(500);
    }
  });

  it('when a route has no rate_limit, then no RateLimit fields are sent', async () => {
    const res = await get(gateway.url, '/unlimited/x', tokenOf('plain'));
    expect(res.status).toBe(200);
    expect(res.headers.ratelimit).toBeUndefined();
    expect(res.headers['ratelimit-policy']).toBeUndefined();
  });
});

describe('rate_limit in routes.yaml', () => {
  const route = (extra: Record<string, unknown>) => ({ routes: [{ prefix: '/x', upstream: 'http://127.0.0.1:1', auth: 'required', ...extra }] });
  const cases: Array<[string, Record<string, unknown>, RegExp]> = [
    ['a missing key', { rate_limit: { requests: 1, per_seconds: 1 } }, /route 0 \(\/x\): rate_limit\.key: is missing: expected client, subject or address/],
    ['an unknown key', { rate_limit: { requests: 1, per_seconds: 1, key: 'ip' } }, /rate_limit\.key: must be client, subject or address/],
    ['zero requests', { rate_limit: { requests: 0, per_seconds: 1, key: 'client' } }, /rate_limit\.requests: must be more than 0/],
    ['a fractional window', { rate_limit: { requests: 1, per_seconds: 1.5, key: 'client' } }, /rate_limit\.per_seconds: must be a whole number of seconds/],
    ['an unknown field', { rate_limit: { requests: 1, per_seconds: 1, key: 'client', burst: 3 } }, /rate_limit: unknown key "burst" \(allowed: requests, per_seconds, key\)/],
    ['not a mapping', { rate_limit: 10 }, /rate_limit: must be a mapping with requests, per_seconds, key/],
    ['a client key without tokens', { auth: 'optional', rate_limit: { requests: 1, per_seconds: 1, key: 'client' } }, /rate_limit\.key: client needs auth: required/],
  ];
  for (const [name, extra, message] of cases) {
    it(`when a route has ${name}, then start-up fails naming the field`, () => {
      expect(() => parseRoutes(route(extra), {})).toThrow(message);
    });
  }

  it('when a route without tokens is limited by address, then it is accepted', () => {
    const [parsed] = parseRoutes(route({ auth: 'none', rate_limit: { requests: 5, per_seconds: 60, key: 'address' } }), {});
    expect(parsed!.rateLimit).toEqual({ requests: 5, perSeconds: 60, key: 'address' });
  });
});

describe.runIf(ingressAvailable('nginx'))('the decision port behind a real nginx (auth_request)', () => {
  let nginx: RunningIngress;
  beforeAll(async () => {
    nginx = await startIngress('nginx', gateway.decisionUrl, upstream.url);
  }, 30_000);
  afterAll(() => nginx?.close());

  it('when a subject spends its budget through nginx, then the client gets the RateLimit fields, then 429 with Retry-After, and the upstream is not called', async () => {
    const token = tokenOf(`nginx-${randomUUID()}`);
    const path = `/limited/nginx-${randomUUID()}`;
    const through = () => fetch(`${nginx.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
    for (const remaining of [2, 1, 0]) {
      const res = await through();
      expect(res.status).toBe(200);
      expect(res.headers.get('ratelimit')).toMatch(new RegExp(`^"/limited";r=${remaining};t=\\d+$`));
      expect(res.headers.get('ratelimit-policy')).toBe('"/limited";q=3;w=86400');
    }
    const refused = await through();
    expect(refused.status).toBe(429);
    expect(await refused.json()).toMatchObject({ error: 'too_many_requests' });
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(refused.headers.get('ratelimit')).toMatch(/^"\/limited";r=0;t=\d+$/);
    expect(reached(path)).toBe(3);
  });
});
