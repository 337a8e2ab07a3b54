import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../lib/logger.js';
import { createMetrics } from '../../lib/metrics/index.js';
import { loadGatewayConfig } from '../../gateway/config.js';
import { startGateway, type RunningGateway } from '../../gateway/gateway.js';
import { parseRoutes } from '../../lib/edge/route-config.js';
import { startEchoUpstream, type EchoUpstream } from './echo-upstream.js';
import { send, waitFor } from './http-client.js';
import { startTestIssuer, type TestIssuer } from '../lib/verifier/test-issuer.js';

let issuer: TestIssuer;
let upstream: EchoUpstream;
beforeAll(async () => {
  issuer = await startTestIssuer();
  upstream = await startEchoUpstream();
});
afterAll(async () => {
  await Promise.all([issuer.close(), upstream.close()]);
});

async function gatewayWith(env: Record<string, string>, withRoot: boolean): Promise<RunningGateway> {
  const routes = parseRoutes({ routes: [{ prefix: withRoot ? '/' : '/api', upstream: '${UP}', auth: 'none' }] }, { UP: upstream.url });
  const config = loadGatewayConfig({ GATEWAY_PORT: '0', GATEWAY_OPS_PORT: '0', GATEWAY_DECISION_PORT: '0', AUTH_ISSUER: issuer.issuer, LOG_LEVEL: 'silent', ...env });
  return startGateway(config, { routes, env: { UP: upstream.url }, logger: createLogger({ name: 'gateway', level: 'silent' }), metrics: createMetrics({ service: 'gateway', defaultMetrics: true }) });
}

describe('GATEWAY_OPS_PORT', () => {
  let gateway: RunningGateway;
  beforeAll(async () => {
    gateway = await gatewayWith({}, false);
  });
  afterAll(() => gateway.close(500));

  it('when /metrics is asked on the public port, then it is not served there (404, nothing about the process)', async () => {
    const res = await send(gateway.url, { path: '/metrics' });
    expect(res.status).toBe(404);
    expect(res.text).not.toMatch(/nodejs_version_info|gateway_token_verifications_total/);
  });

  it('when /metrics is asked on the ops port, then Prometheus text with the gateway counters comes back', async () => {
    await send(gateway.url, { path: '/api/x' });
    const res = await send(gateway.opsUrl, { path: '/metrics' });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.text).toMatch(/http_requests_total\{[^}]*route="\/api"/);
    expect(res.text).toMatch(/nodejs_version_info/);
  });

  it.each(['url', 'opsUrl'] as const)('when /healthz and /readyz are asked on %s, then both answer', async (which) => {
    const base = gateway[which];
    expect((await send(base, { path: '/healthz' })).status).toBe(200);
    await waitFor(async () => (await send(base, { path: '/readyz' })).status === 200);
  });

  it('when the ops port is asked for anything else, then 404: it proxies nothing', async () => {
    const res = await send(gateway.opsUrl, { path: '/api/x' });
    expect(res.status).toBe(404);
    expect(upstream.received.some((r) => r.url === '/api/x' && r.headers.host === new URL(gateway.opsUrl).host)).toBe(false);
  });

  it('when GATEWAY_OPS_PORT is not a port, then the config error names it', () => {
    expect(() => loadGatewayConfig({ GATEWAY_OPS_PORT: 'metrics' })).toThrow(/GATEWAY_OPS_PORT/);
    expect(loadGatewayConfig({}).opsPort).toBe(8081);
  });
});

describe('GATEWAY_DEMO_PAGE', () => {
  it('when it is off (the default), then / is routed like any path, to a team\'s own app', async () => {
    const gateway = await gatewayWith({}, true);
    try {
      upstream.received.length = 0;
      const res = await send(gateway.url, { path: '/' });
      expect(res.status).toBe(200);
      expect(upstream.received.map((r) => r.url)).toEqual(['/']);
      expect((await send(gateway.url, { path: '/app.js' })).headers['content-type']).toMatch(/json/);
    } finally {
      await gateway.close(500);
    }
  });

  it('when it is true, then the gateway serves the demo page at / itself', async () => {
    const gateway = await gatewayWith({ GATEWAY_DEMO_PAGE: 'true' }, true);
    try {
      upstream.received.length = 0;
      const page = await send(gateway.url, { path: '/' });
      expect(page.status).toBe(200);
      expect(page.headers['content-type']).toMatch(/text\/html/);
      expect(page.headers['content-security-policy']).toMatch(/default-src 'none'/);
      expect((await send(gateway.url, { path: '/app.js' })).headers['content-type']).toMatch(/javascript/);
      expect(upstream.received).toEqual([]);
    } finally {
      await gateway.close(500);
    }
  });
});
