import { afterAll, beforeAll, beforeEach } from 'vitest';
import { Writable } from 'node:stream';
import { createLogger } from '../../lib/logger.js';
import type { Metrics } from '../../lib/metrics/index.js';
import type { RevocationList } from '../../lib/revocation/revocation-list.js';
import { loadGatewayConfig } from '../../gateway/config.js';
import { startGateway, type RunningGateway } from '../../gateway/gateway.js';
import { parseRoutes } from '../../lib/edge/route-config.js';
import { freePort } from '../support/free-port.js';
import { startCountingListener, startEchoUpstream, type EchoUpstream } from './echo-upstream.js';
import { startTestIssuer, type TestIssuer } from '../lib/verifier/test-issuer.js';

export interface GatewayFixture {
  issuer: TestIssuer;
  upstream: EchoUpstream;
  gateway: RunningGateway;
  jkuListener: Awaited<ReturnType<typeof startCountingListener>>;
  /** Every log line the gateway wrote. */
  logs: string[];
  close(): Promise<void>;
}

/** A running gateway in front of an echo upstream, with a test issuer for tokens. */
export async function startGatewayFixture(options: { revocations?: RevocationList; metrics?: Metrics } = {}): Promise<GatewayFixture> {
  const issuer = await startTestIssuer();
  const upstream = await startEchoUpstream();
  const jkuListener = await startCountingListener();
  const down = await freePort();
  const logs: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logs.push(chunk.toString('utf8'));
      done();
    },
  });
  const env = { ECHO_URL: upstream.url };
  const routes = parseRoutes(
    {
      routes: [
        { prefix: '/api/notes', upstream: '${ECHO_URL}', auth: 'required', scopes: { GET: ['notes:read'], POST: ['notes:write'] }, stripPrefix: '/api' },
        { prefix: '/public', upstream: '${ECHO_URL}', auth: 'none' },
        { prefix: '/browser', upstream: '${ECHO_URL}', auth: 'required', cookies: true, scopes: { POST: ['notes:write'] } },
        { prefix: '/optional', upstream: '${ECHO_URL}', auth: 'optional' },
        { prefix: '/admin', upstream: '${ECHO_URL}', auth: 'required', roles: ['admin'] },
        { prefix: '/on-behalf', upstream: '${ECHO_URL}', auth: 'required', delegation: 'required', scopes: { POST: ['notes:write'] } },
        { prefix: '/direct', upstream: '${ECHO_URL}', auth: 'required', delegation: 'refused' },
        { prefix: '/step-up/mfa', upstream: '${ECHO_URL}', auth: 'required', acr: 'mfa' },
        { prefix: '/step-up/recent', upstream: '${ECHO_URL}', auth: 'required', max_age: 300 },
        { prefix: '/step-up/both', upstream: '${ECHO_URL}', auth: 'required', acr: 'mfa', max_age: 60, scopes: { '*': ['notes:read'] } },
        { prefix: '/step-up/browser', upstream: '${ECHO_URL}', auth: 'required', cookies: true, acr: 'mfa' },
        { prefix: '/timeouts', upstream: '${ECHO_URL}', auth: 'none', timeoutMs: 300 },
        { prefix: '/down', upstream: `http://127.0.0.1:${down}`, auth: 'none' },
      ],
    },
    env,
  );
  const config = loadGatewayConfig({ GATEWAY_PORT: '0', GATEWAY_OPS_PORT: '0', GATEWAY_DECISION_PORT: '0', AUTH_ISSUER: issuer.issuer, LOG_LEVEL: 'info', ALLOWED_ORIGINS: 'http://app.example' });
  const logger = createLogger({ name: 'gateway', level: 'info', destination });
  const gateway = await startGateway(config, { routes, logger, env, ...(options.revocations ? { revocations: options.revocations } : {}), ...(options.metrics ? { metrics: options.metrics } : {}) });
  return {
    issuer,
    upstream,
    gateway,
    jkuListener,
    logs,
    async close() {
      await gateway.close(1_000);
      await Promise.all([upstream.close(), issuer.close(), jkuListener.close()]);
    },
  };
}

/**
 * One gateway fixture for the whole file: started before its tests, closed after them, and the
 * upstream's record of received requests emptied before each test. `use` receives the fixture.
 */
export function useGatewayFixture(use: (fixture: GatewayFixture) => void): void {
  let fixture: GatewayFixture | undefined;
  beforeAll(async () => {
    fixture = await startGatewayFixture();
    use(fixture);
  });
  afterAll(() => fixture?.close());
  beforeEach(() => {
    if (fixture) fixture.upstream.received.length = 0;
  });
}
