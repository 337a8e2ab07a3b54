import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadGatewayConfig } from '../../gateway/config.js';
import { startGateway, type RunningGateway } from '../../gateway/gateway.js';
import { parseRoutes } from '../../lib/edge/route-config.js';
import { createLogger } from '../../lib/logger.js';
import { openRevocationList } from '../../lib/revocation/open-revocation-list.js';
import type { RevocationList } from '../../lib/revocation/revocation-list.js';
import { startTestAuth, type TestAuth } from '../auth/support/auth-harness.js';
import { post, registerAndLogin } from '../auth/support/http-client.js';
import { newSecret } from '../auth/support/oauth-client.js';
import { startEchoUpstream, type EchoUpstream } from './echo-upstream.js';
import { waitFor } from './http-client.js';
import { ingressAvailable, startIngress, type IngressName, type RunningIngress } from './ingress-processes.js';

/**
 * Issue 27: the gateway as the auth decision of a real ingress. Debian's nginx (auth_request) and
 * caddy (forward_auth) run on loopback ports with the configs docs/edge.md shows, in front of an
 * echo upstream, asking the decision port of a real gateway whose tokens come from a real auth
 * service (embedded revocation feed, as `npm start` runs it).
 */
const logger = createLogger({ name: 'edge-ingresses', level: 'silent' });
let auth: TestAuth;
let upstream: EchoUpstream;
let gateway: RunningGateway;
let revocations: RevocationList;

beforeAll(async () => {
  const feedEnv = { REVOCATION_FEED_TOKEN: newSecret() };
  auth = await startTestAuth({ tokens: 'config', env: feedEnv });
  upstream = await startEchoUpstream();
  const env = { UP: upstream.url };
  const routes = parseRoutes(
    {
      routes: [
        { prefix: '/api/notes', upstream: '${UP}', auth: 'required', scopes: { GET: ['notes:read'] } },
        { prefix: '/api/admin', upstream: '${UP}', auth: 'required', scopes: { GET: ['admin'] } },
        { prefix: '/public', upstream: '${UP}', auth: 'none' },
      ],
    },
    env,
  );
  const config = loadGatewayConfig({ GATEWAY_PORT: '0', GATEWAY_OPS_PORT: '0', GATEWAY_DECISION_PORT: '0', AUTH_URL: auth.url, LOG_LEVEL: 'silent', ...feedEnv });
  revocations = await openRevocationList(config, { connectionName: 'edge-ingresses', logger, env: feedEnv });
  await revocations.ready();
  gateway = await startGateway(config, { routes, env, logger, revocations });
}, 60_000);

afterAll(async () => {
  await gateway?.close(500);
  await revocations?.close();
  await Promise.all([auth?.stop(), upstream?.close()]);
});

const INGRESSES: IngressName[] = ['nginx', 'caddy'];

for (const name of INGRESSES) {
  describe.runIf(ingressAvailable(name))(`${name} in front of the decision port`, () => {
    let ingress: RunningIngress;
    beforeAll(async () => {
      ingress = await startIngress(name, gateway.decisionUrl, upstream.url);
    }, 30_000);
    afterAll(() => ingress?.close());

    const through = (path: string, headers: Record<string, string> = {}) => fetch(`${ingress.url}${path}`, { headers });
    /** What the upstream received for `path` (the last such request), undefined when it got none. */
    const received = (path: string) => upstream.received.filter((request) => request.url === path).at(-1);

    it('when a request carries no token, then 401 with the Bearer challenge and the upstream is not called', async () => {
      const res = await through(`/api/notes/${name}-none`);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer /);
      expect(received(`/api/notes/${name}-none`)).toBeUndefined();
    });

    it('when a request carries a valid token, then it reaches the upstream with the identity headers of the decision', async () => {
      const login = await registerAndLogin(auth.url, `${name}-valid`);
      const res = await through(`/api/notes/${name}-valid`, { authorization: `Bearer ${login.access_token}`, 'x-auth-roles': 'admin' });
      expect(res.status).toBe(200);
      const seen = received(`/api/notes/${name}-valid`)!;
      expect(seen.headers['x-auth-subject']).toBe(login.id);
      expect(seen.headers['x-auth-scope']).toBe(login.scope);
      expect(seen.headers['x-auth-client-id']).toEqual(expect.any(String));
      // Not a delegated token: no actor.
      expect(seen.headers['x-auth-actor']).toBeUndefined();
      // The client's own X-Auth-Roles did not survive: the decision's (the user's roles) did.
      expect(seen.headers['x-auth-roles']).not.toBe('admin');
    });

    it('when the token lacks the route\'s scope, then 403 insufficient_scope and the upstream is not called', async () => {
      const login = await registerAndLogin(auth.url, `${name}-scope`);
      const res = await through(`/api/admin/${name}`, { authorization: `Bearer ${login.access_token}` });
      expect(res.status).toBe(403);
      // nginx hands the decision's WWW-Authenticate on with a 401 only; caddy hands the whole answer on.
      if (name === 'caddy') expect(res.headers.get('www-authenticate')).toMatch(/insufficient_scope/);
      expect(received(`/api/admin/${name}`)).toBeUndefined();
    });

    it('when the token\'s session was logged out, then it is refused (401) within a second', async () => {
      const login = await registerAndLogin(auth.url, `${name}-revoked`);
      const ask = () => through(`/api/notes/${name}-revoked`, { authorization: `Bearer ${login.access_token}` });
      expect((await ask()).status).toBe(200);
      expect((await post(auth.url, '/auth/logout', {}, login.access_token)).status).toBe(204);
      await waitFor(async () => (await ask()).status === 401, { timeoutMs: 1_000, intervalMs: 20 });
      expect((await ask()).headers.get('www-authenticate')).toMatch(/revoked/);
    });

    it('when a public route is asked without a token, then it passes, with no identity headers (a spoofed one is dropped)', async () => {
      const res = await through(`/public/${name}`, { 'x-auth-subject': 'admin', 'x-auth-scope': 'admin' });
      expect(res.status).toBe(200);
      const seen = received(`/public/${name}`)!;
      expect(Object.entries(seen.headers).filter(([header]) => header.startsWith('x-auth'))).toEqual([]);
    });

    it('when a path escapes to another route by dot segments, then it is refused, never passed', async () => {
      const res = await through(`/public/%2e%2e/api/admin/${name}`);
      expect(res.status).not.toBe(200);
      expect(upstream.received.some((request) => request.url.includes(`/api/admin/${name}`) && request.url.includes('%2e'))).toBe(false);
    });
  });
}
