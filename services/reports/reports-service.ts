import { createClientCredentialsSource, type ClientCredentialsSource } from '../../lib/client-credentials.js';
import { createLogger, type Logger } from '../../lib/logger.js';
import { tracedFetch } from '../../lib/tracing/traced-fetch.js';
import type { Metrics } from '../../lib/metrics/index.js';
import type { RevocationList } from '../../lib/revocation/revocation-list.js';
import { startResourceService, type RunningResourceService } from '../../lib/resource-service.js';
import { createGatewayNotesReader } from './adapters/gateway-notes-reader.js';
import { createTokenExchanger } from './adapters/token-exchanger.js';
import type { ReportsConfig } from './config.js';
import { createSummary } from './domain/summary.js';
import { createApp } from './http/app.js';

/** The scope reports asks for: it only reads notes. */
export const REPORTS_NOTES_SCOPE = 'notes:read';

export interface ReportsDeps {
  logger?: Logger;
  /** Owned by the caller. */
  revocations?: RevocationList;
  /** A token source of the caller's (tests count its requests); built from the config otherwise. */
  tokens?: ClientCredentialsSource;
  /** Used for the token endpoint and the gateway (tests wrap it to watch calls). */
  fetch?: typeof fetch;
  /** Prometheus registry of this process; /metrics is served when given. */
  metrics?: Metrics;
}

export type RunningReportsService = RunningResourceService;

/** Starts the reports service on `config.port` (0 in tests). */
export async function startReportsService(config: ReportsConfig, deps: ReportsDeps = {}): Promise<RunningReportsService> {
  const logger = deps.logger ?? createLogger({ name: 'reports', level: config.logLevel });
  // Every outgoing call (token endpoint, notes through the gateway) carries the trace on.
  const doFetch = tracedFetch(deps.fetch);
  const tokens =
    deps.tokens ??
    createClientCredentialsSource({
      tokenEndpoint: config.tokenEndpoint,
      clientId: config.clientId,
      clientSecret: config.clientSecret,
      scope: REPORTS_NOTES_SCOPE,
      fetch: doFetch,
    });
  const exchange = createTokenExchanger({
    tokenEndpoint: config.tokenEndpoint,
    clientId: config.clientId,
    clientSecret: config.clientSecret,
    scope: REPORTS_NOTES_SCOPE,
    fetch: doFetch,
  });
  const notes = createGatewayNotesReader({ gatewayUrl: config.gatewayUrl, tokens, fetch: doFetch });
  return startResourceService({
    name: 'reports',
    port: config.port,
    host: config.host,
    logger,
    verifier: config.verifier,
    ...(deps.revocations ? { revocations: deps.revocations } : {}),
    describe: { gateway: config.gatewayUrl, clientId: config.clientId },
    createApp: (verifier, readiness) =>
      createApp({
        logger,
        verifier,
        readiness,
        summary: createSummary({ notes, exchange, clientId: config.clientId }),
        ...(deps.metrics ? { metrics: deps.metrics } : {}),
      }),
  });
}
