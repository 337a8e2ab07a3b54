import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../lib/logger.js';
import { loadGatewayConfig } from '../../gateway/config.js';
import { startGateway, type RunningGateway } from '../../gateway/gateway.js';
import { parseRoutes } from '../../lib/edge/route-config.js';
import { startTestIssuer, type TestIssuer } from '../lib/verifier/test-issuer.js';
import { send } from './http-client.js';

/**
 * Nested routes on one upstream: /pub is public, /pub/private needs the admin role. Each row is a
 * path some framework could serve from its /pub/private handler; the gateway must either
 * authorise it as /pub/private or refuse it. Run against a real express app (case-insensitive
 * routing, cuts at #) and a raw node:http server (sees the bytes exactly).
 */
interface Upstream {
  url: string;
  /** What the upstream's handlers saw: 'private' / 'public' (express) or the raw url (node:http). */
  hits: string[];
  close(): Promise<void>;
}

async function serve(server: http.Server, hits: string[]): Promise<Upstream> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hits,
    close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}

function expressUpstream(): Promise<Upstream> {
  const hits: string[] = [];
  const app = express();
  app.use('/pub/private', (_req, res) => (hits.push('private'), res.json({ handler: 'private' })));
  app.use('/pub', (_req, res) => (hits.push('public'), res.json({ handler: 'public' })));
  return serve(http.createServer(app), hits);
}

function rawUpstream(): Promise<Upstream> {
  const hits: string[] = [];
  return serve(
    http.createServer((req, res) => {
      hits.push(req.url ?? '');
      res.setHeader('content-type', 'application/json');
      res.end('{}');
    }),
    hits,
  );
}

type Who = 'none' | 'user' | 'admin';
interface Row {
  path: string;
  who: Who;
  status: number;
  /** Expected express handler on 200. */
  handler?: 'private' | 'public';
}

const table: Row[] = [
  // Plain paths: the baseline behaviour.
  { path: '/pub/hello', who: 'none', status: 200, handler: 'public' },
  { path: '/pub/privatex', who: 'none', status: 200, handler: 'public' },
  { path: '/pub/private', who: 'none', status: 401 },
  { path: '/pub/private/x', who: 'user', status: 403 },
  { path: '/pub/private/x', who: 'admin', status: 200, handler: 'private' },
  // Letter case: express routes case-insensitively, so these are /pub/private.
  { path: '/pub/PRIVATE', who: 'none', status: 401 },
  { path: '/PUB/Private/x', who: 'user', status: 403 },
  { path: '/pub/PRIVATE', who: 'admin', status: 200, handler: 'private' },
  // A fragment is not allowed in a request-target; express would cut there and serve /pub/private.
  { path: '/pub/private#', who: 'none', status: 400 },
  { path: '/pub/private#x', who: 'admin', status: 400 },
  // ;parameters: Tomcat and Spring drop them.
  { path: '/pub/private;x=1', who: 'none', status: 400 },
  { path: '/pub;x=1/private', who: 'none', status: 400 },
  { path: '/pub/hello;v=2', who: 'none', status: 200, handler: 'public' },
  // Percent-encoded unreserved characters: Go and Spring decode before matching.
  { path: '/pub/%70rivate', who: 'none', status: 400 },
  { path: '/pub/priv%61te/x', who: 'admin', status: 400 },
  { path: '/pub/hello%20world', who: 'none', status: 200, handler: 'public' },
  // Merged slashes: nginx (merge_slashes) serves //private as /private.
  { path: '/pub//private', who: 'none', status: 400 },
  // NUL and control characters, raw ones are refused by node's parser already (also a 400).
  { path: '/pub/private%00', who: 'none', status: 400 },
  { path: '/pub/%0d%0aX-Auth-Subject:%20admin', who: 'none', status: 400 },
  { path: '/pub/%7f', who: 'none', status: 400 },
  // Malformed escapes.
  { path: '/pub/%ZZ', who: 'none', status: 400 },
  { path: '/pub/%4', who: 'none', status: 400 },
  { path: '/pub/%C3', who: 'none', status: 400 },
];

let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await startTestIssuer();
});
afterAll(() => issuer.close());

describe.each([
  ['express', expressUpstream],
  ['raw node:http', rawUpstream],
])('nested routes /pub (none) and /pub/private (roles: [admin]) in front of %s', (kind, start) => {
  let upstream: Upstream;
  let gateway: RunningGateway;
  beforeAll(async () => {
    upstream = await start();
    const env = { UP: upstream.url };
    const routes = parseRoutes(
      {
        routes: [
          { prefix: '/pub', upstream: '${UP}', auth: 'none' },
          { prefix: '/pub/private', upstream: '${UP}', auth: 'required', roles: ['admin'] },
        ],
      },
      env,
    );
    const config = loadGatewayConfig({ GATEWAY_PORT: '0', GATEWAY_OPS_PORT: '0', GATEWAY_DECISION_PORT: '0', AUTH_ISSUER: issuer.issuer, LOG_LEVEL: 'silent' });
    gateway = await startGateway(config, { routes, env, logger: createLogger({ name: 'gateway', level: 'silent' }) });
  });
  afterAll(async () => {
    await gateway.close(500);
    await upstream.close();
  });

  const headersFor = (who: Who): Array<[string, string]> =>
    who === 'none' ? [] : [['Authorization', `Bearer ${issuer.sign({ claims: { roles: who === 'admin' ? ['admin'] : ['user'] } })}`]];

  it.each(table)(`${kind}: $path as $who answers $status`, async ({ path, who, status, handler }) => {
    upstream.hits.length = 0;
    const res = await send(gateway.url, { path, headers: headersFor(who) });
    expect(res.status).toBe(status);
    if (status !== 200) {
      expect(upstream.hits).toEqual([]);
      expect(res.json()).toMatchObject({ error: expect.any(String) });
      return;
    }
    // The upstream gets the path byte for byte as sent.
    if (kind === 'express') expect(upstream.hits).toEqual([handler]);
    else expect(upstream.hits).toEqual([path]);
  });
});
