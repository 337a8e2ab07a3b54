import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import express from 'express';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { authgateProxy } from '../../../lib/express/index.js';
import { createVerifier, type Verifier } from '../../../lib/verifier/index.js';
import { startEchoUpstream, type EchoUpstream } from '../../gateway/echo-upstream.js';
import { send } from '../../gateway/http-client.js';
import { startTestIssuer, type TestIssuer } from '../verifier/test-issuer.js';
import { serveApp } from '../verifier/serve-app.js';

/**
 * authgateProxy's routes mode (issue 27, point 3): the gateway's routes.yaml, from a file, under
 * an express mount, in front of a real upstream; matched and enforced by the gateway's own code.
 */
let issuer: TestIssuer;
let verifier: Verifier;
let upstream: EchoUpstream;
let served: Awaited<ReturnType<typeof serveApp>>;
let cleanup: () => Promise<void>;

const ROUTES_YAML = `routes:
  - prefix: /api/notes
    upstream: \${NOTES_URL}
    auth: required
    scopes: { GET: [notes:read], POST: [notes:write] }
    stripPrefix: /api
  - prefix: /api/admin
    upstream: \${NOTES_URL}
    auth: required
    roles: [admin]
  - prefix: /public
    upstream: \${NOTES_URL}
    auth: none
  - prefix: /maybe
    upstream: \${NOTES_URL}
    auth: optional
  - prefix: /limited
    upstream: \${NOTES_URL}
    auth: required
    rate_limit: { requests: 2, per_seconds: 86400, key: subject }
`;

beforeAll(async () => {
  issuer = await startTestIssuer();
  verifier = createVerifier({ issuer: issuer.issuer, audience: issuer.audience, jwksUri: issuer.jwksUri });
  upstream = await startEchoUpstream();
  const dir = await mkdtemp(path.join(tmpdir(), 'authgate-routes-mode-'));
  cleanup = () => rm(dir, { recursive: true, force: true });
  const file = path.join(dir, 'routes.yaml');
  await writeFile(file, ROUTES_YAML);
  const app = express();
  app.use('/edge', authgateProxy({ verifier, routes: file, env: { NOTES_URL: upstream.url } }));
  app.get('/edge/own', (_req, res) => res.json({ own: true }));
  served = await serveApp(app, [() => verifier.close(), () => upstream.close(), () => issuer.close()]);
});
afterAll(async () => {
  await served?.close();
  await cleanup?.();
});
beforeEach(() => {
  upstream.received.length = 0;
});

const bearer = (claims: Record<string, unknown> = {}): [string, string] => ['Authorization', `Bearer ${issuer.sign({ claims })}`];

describe('authgateProxy({ routes }) applies each route as the gateway does', () => {
  it('when a token has the method\'s scope, then the request reaches the route\'s upstream with its prefix stripped and the identity headers', async () => {
    const res = await send(served.base, { path: '/edge/api/notes/1?x=1', headers: [bearer({ scope: 'notes:read', sub: 'alice' }), ['X-Auth-Subject', 'mallory']] });
    expect(res.status).toBe(200);
    expect(upstream.received).toHaveLength(1);
    expect(upstream.received[0]!.url).toBe('/notes/1?x=1');
    expect(upstream.received[0]!.headers['x-auth-subject']).toBe('alice');
    expect(upstream.received[0]!.headers['x-forwarded-prefix']).toBe('/edge/api');
  });

  it('when a token lacks the scope of the method, then 403 insufficient_scope and nothing is proxied', async () => {
    const res = await send(served.base, { method: 'POST', path: '/edge/api/notes', headers: [bearer({ scope: 'notes:read' })], body: '{}' });
    expect(res.status).toBe(403);
    expect(res.headers['www-authenticate']).toContain('error="insufficient_scope"');
    expect(upstream.received).toHaveLength(0);
  });

  it('when a route needs a role the token lacks, or no token comes, then 403 and 401 with the gateway\'s challenge', async () => {
    expect((await send(served.base, { path: '/edge/api/admin/users', headers: [bearer({ roles: ['user'] })] })).status).toBe(403);
    const missing = await send(served.base, { path: '/edge/api/admin/users' });
    expect(missing.status).toBe(401);
    expect(missing.headers['www-authenticate']).toBe('Bearer realm="gateway"');
    expect(upstream.received).toHaveLength(0);
  });

  it('when a path tries to reach a protected route through a public one, then 400 as on the gateway', async () => {
    for (const attempt of ['/edge/public/../api/admin/users', '/edge/public/%2e%2e/api/admin', '/edge/public%2fapi', '/edge/public;x=1/../api/admin']) {
      expect((await send(served.base, { path: attempt })).status, attempt).toBe(400);
    }
    expect((await send(served.base, { path: '/edge/PUBLIC/page' })).status).toBe(200);
    expect(upstream.received.map((request) => request.url)).toEqual(['/PUBLIC/page']);
  });

  it('when an optional route gets no token, then it passes anonymously; with a bad token, then 401', async () => {
    expect((await send(served.base, { path: '/edge/maybe' })).status).toBe(200);
    expect(upstream.received[0]!.headers['x-auth-subject']).toBeUndefined();
    expect((await send(served.base, { path: '/edge/maybe', headers: [['Authorization', 'Bearer a.b.c']] })).status).toBe(401);
  });

  it('when a route has rate_limit, then the subject\'s budget is spent and the next is 429 with Retry-After', async () => {
    const token = bearer({ sub: 'limited-user' });
    const first = await send(served.base, { path: '/edge/limited', headers: [token] });
    expect(first.headers['ratelimit-policy']).toBe('"/limited";q=2;w=86400');
    expect((await send(served.base, { path: '/edge/limited', headers: [token] })).status).toBe(200);
    const refused = await send(served.base, { path: '/edge/limited', headers: [token] });
    expect(refused.status).toBe(429);
    expect(refused.json()).toMatchObject({ error: 'too_many_requests' });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(upstream.received).toHaveLength(2);
  });

  it('when no route matches, then the app\'s own routes answer', async () => {
    const res = await send(served.base, { path: '/edge/own' });
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({ own: true });
    expect(upstream.received).toHaveLength(0);
  });
});

describe('authgateProxy({ routes }) at start', () => {
  const make = (routes: unknown[]) => () => authgateProxy({ verifier, routes, env: {} });
  it('when a route is invalid, then it throws naming the route and field', () => {
    expect(make([{ prefix: '/x', upstream: 'http://127.0.0.1:1', auth: 'sometimes' }])).toThrow(/route 0 \(\/x\): auth: must be required, optional or none/);
    expect(make([{ prefix: '/x', upstream: 'http://127.0.0.1:1', auth: 'none', rate_limit: { requests: 1, per_seconds: 1, key: 'subject' } }])).toThrow(/rate_limit\.key: subject needs auth: required/);
  });

  it('when a route uses a gateway-only field, then it throws rather than ignoring it', () => {
    expect(make([{ prefix: '/x', upstream: 'http://127.0.0.1:1', auth: 'required', cookies: true }])).toThrow(/route 0 \(\/x\): cookies: true .* standalone gateway only/);
    expect(make([{ prefix: '/x', upstream: 'http://127.0.0.1:1', auth: 'required', websocket: true }])).toThrow(/websocket: true/);
  });
});
