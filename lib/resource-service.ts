import type { RequestListener } from 'node:http';
import type { ReadinessCheck } from './http/health.js';
import { listen } from './http/server.js';
import { responseForUpgrade } from './http/upgrade-response.js';
import type { Logger } from './logger.js';
import { revocationFeedReadiness } from './revocation/feed-observability.js';
import type { RevocationList } from './revocation/revocation-list.js';
import type { VerifierSettings } from './verifier/env.js';
import { createVerifier, type Verifier } from './verifier/index.js';

export interface ResourceServiceOptions {
  /** Names the service in its log lines. */
  name: string;
  port: number;
  host: string;
  logger: Logger;
  verifier: VerifierSettings;
  /** Owned by the caller, who closes it (see openRevocationList). */
  revocations?: RevocationList;
  /** Builds the app around the service's own verifier; `readiness` goes into its /readyz. */
  createApp: (verifier: Verifier, readiness: ReadinessCheck[]) => RequestListener;
  /** Hand upgrade requests (WebSocket) to the app too, with a response bound to the socket (lib/http/upgrade-response.ts). */
  upgrades?: boolean;
  /** Extra fields for the "listening" log line (never secrets). */
  describe?: Record<string, unknown>;
}

export interface RunningResourceService {
  url: string;
  port: number;
  /** Stops accepting, lets in-flight requests finish, then stops the verifier's JWKS refresh. */
  close(graceMs?: number): Promise<void>;
}

/**
 * The lifecycle every service that verifies tokens itself shares (notes, reports, or yours): a
 * verifier of its own, the app, listening, and a first JWKS fetch that does not block start-up
 * (an auth service that is not up yet shows in /readyz, not as a crash).
 */
export async function startResourceService(options: ResourceServiceOptions): Promise<RunningResourceService> {
  const { name, logger, revocations } = options;
  const verifier = createVerifier({ ...options.verifier, logger, ...(revocations ? { revocations } : {}) });
  const readiness = revocations ? [revocationFeedReadiness(revocations)] : [];
  const app = options.createApp(verifier, readiness);
  const server = await listen(app, { port: options.port, host: options.host });
  if (options.upgrades) server.server.on('upgrade', (req, socket, head) => app(req, responseForUpgrade(req, socket, head)));
  verifier.loadKeys().catch(() => logger.warn({ jwksUri: options.verifier.jwksUri }, 'JWKS not reachable yet; /readyz reports it'));
  logger.info({ url: server.url, ...options.describe }, `${name} listening`);
  return {
    url: server.url,
    port: server.port,
    async close(graceMs) {
      await server.close(graceMs);
      verifier.close();
    },
  };
}
