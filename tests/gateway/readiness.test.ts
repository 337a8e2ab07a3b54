import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../lib/logger.js';
import { loadGatewayConfig } from '../../gateway/config.js';
import { startGateway, type RunningGateway } from '../../gateway/gateway.js';
import { parseRoutes } from '../../lib/edge/route-config.js';
import { freePort } from '../support/free-port.js';
import { send } from './http-client.js';

let gateway: RunningGateway;
beforeAll(async () => {
  // Reserved and never listened on: the issuer stays unreachable.
  const port = await freePort();
  const config = loadGatewayConfig({ GATEWAY_PORT: '0', GATEWAY_OPS_PORT: '0', GATEWAY_DECISION_PORT: '0', AUTH_URL: `http://127.0.0.1:${port}`, LOG_LEVEL: 'silent' });
  const routes = parseRoutes({ routes: [{ prefix: '/api', upstream: 'http://127.0.0.1:1', auth: 'required' }] }, {});
  gateway = await startGateway(config, { routes, logger: createLogger({ name: 'gateway', level: 'silent' }) });
});
afterAll(() => gateway.close());

describe('when the issuer is unreachable', () => {
  it('then /healthz is 200 but /readyz is 503 naming jwks', async () => {
    expect((await send(gateway.url, { path: '/healthz' })).status).toBe(200);
    const ready = await send(gateway.url, { path: '/readyz' });
    expect(ready.status).toBe(503);
    expect(ready.json()).toMatchObject({ status: 'not_ready', checks: { routes: 'ok' } });
    expect((ready.json() as { checks: { jwks: string } }).checks.jwks).not.toBe('ok');
  });

  it('then a token gets 503 temporarily_unavailable with Retry-After, not a 401', async () => {
    const res = await send(gateway.url, { path: '/api/x', headers: [['Authorization', 'Bearer eyJhbGciOiJSUzI1NiIsInR5cCI6ImF0K2p3dCIsImtpZCI6ImsxIn0.eyJzdWIiOiJ4In0.c2ln']] });
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('5');
    expect(res.json()).toMatchObject({ error: 'temporarily_unavailable' });
  });
});
