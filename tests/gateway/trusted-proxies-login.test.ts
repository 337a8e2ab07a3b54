import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../lib/logger.js';
import { loadGatewayConfig } from '../../gateway/config.js';
import { startGateway, type RunningGateway } from '../../gateway/gateway.js';
import { parseRoutes } from '../../lib/edge/route-config.js';
import { startTestAuth, type TestAuth } from '../auth/support/auth-harness.js';
import { send } from './http-client.js';

/**
 * Behind a TLS-terminating ingress every user arrives from the ingress address. Here the test
 * client plays the ingress (it connects from 127.0.0.1 and says who the user is in
 * X-Forwarded-For); auth's per-IP login limit must count users, not the ingress.
 */
const PASSWORD = 'correct horse battery';
let auth: TestAuth;
const gateways: RunningGateway[] = [];

async function gatewayTrusting(trustedProxies: string): Promise<RunningGateway> {
  const env = { AUTH: auth.url };
  const routes = parseRoutes({ routes: [{ prefix: '/auth', upstream: '${AUTH}', auth: 'none' }] }, env);
  const config = loadGatewayConfig({ GATEWAY_PORT: '0', GATEWAY_OPS_PORT: '0', GATEWAY_DECISION_PORT: '0', AUTH_URL: auth.url, TRUSTED_PROXIES: trustedProxies, LOG_LEVEL: 'silent' });
  const gateway = await startGateway(config, { routes, env, logger: createLogger({ name: 'gateway', level: 'silent' }) });
  gateways.push(gateway);
  return gateway;
}

beforeAll(async () => {
  auth = await startTestAuth({ env: { LOGIN_MAX_FAILURES_PER_IP: '3', LOGIN_MAX_FAILURES: '50' } });
  for (const username of ['ip-user-a', 'ip-user-b']) {
    const res = await send(auth.url, { method: 'POST', path: '/auth/register', headers: [['Content-Type', 'application/json']], body: JSON.stringify({ username, password: PASSWORD }) });
    expect(res.status).toBe(201);
  }
});
afterAll(async () => {
  await Promise.all(gateways.map((gateway) => gateway.close(500)));
  await auth.stop();
});

const login = (gateway: RunningGateway, username: string, password: string, clientAddress: string) =>
  send(gateway.url, { method: 'POST', path: '/auth/login', headers: [['Content-Type', 'application/json'], ['X-Forwarded-For', clientAddress]], body: JSON.stringify({ username, password }) });

describe("auth's per-IP login limit behind an ingress", () => {
  it('when the ingress is in TRUSTED_PROXIES, then one address hitting the limit does not lock out another', async () => {
    const gateway = await gatewayTrusting('127.0.0.1');
    for (let i = 0; i < 3; i++) expect((await login(gateway, 'ip-user-a', 'wrong password!!', '203.0.113.1')).status).toBe(401);
    expect((await login(gateway, 'ip-user-a', PASSWORD, '203.0.113.1')).status).toBe(429);
    expect((await login(gateway, 'ip-user-b', PASSWORD, '203.0.113.2')).status).toBe(200);
  });

  it('when nothing is trusted, then X-Forwarded-For is the gateway\'s peer and a client cannot pick its own address', async () => {
    const gateway = await gatewayTrusting('');
    // Every claimed address is overwritten with the peer (127.0.0.1), so these all count as one.
    for (let i = 0; i < 3; i++) expect((await login(gateway, 'ip-user-b', 'wrong password!!', `198.51.100.${i}`)).status).toBe(401);
    expect((await login(gateway, 'ip-user-b', PASSWORD, '198.51.100.200')).status).toBe(429);
  });
});
