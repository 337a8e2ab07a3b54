import { onShutdownSignal } from './http/server.js';
import { createLogger, type Logger } from './logger.js';
import { runMain } from './main.js';
import { createMetrics, type Metrics } from './metrics/index.js';
import { openRevocationList, type RevocationSourceConfig } from './revocation/open-revocation-list.js';
import type { RevocationList } from './revocation/revocation-list.js';
import { startTracing } from './tracing/start-tracing.js';

interface ServiceConfig extends RevocationSourceConfig {
  logLevel: string;
}

interface ServiceDeps {
  logger: Logger;
  revocations: RevocationList;
  metrics: Metrics;
}

/**
 * The composition root of a service that verifies tokens itself (notes, reports, or yours):
 * tracing first, then config, logger, metrics and the revocation list, the service, and an
 * orderly shutdown on SIGTERM/SIGINT.
 */
export function runResourceServiceMain<C extends ServiceConfig>(
  name: string,
  loadConfig: () => C,
  start: (config: C, deps: ServiceDeps) => Promise<{ close(): Promise<void> }>,
): void {
  runMain(name, async () => {
    // First, so every span of the start-up has a provider; off unless OTEL_EXPORTER_OTLP_ENDPOINT is set.
    const tracing = await startTracing(name);
    const config = loadConfig();
    const logger = createLogger({ name, level: config.logLevel });
    const metrics = createMetrics({ service: name });
    const revocations = await openRevocationList(config, { connectionName: `authgate-${name}`, logger, metrics });
    const service = await start(config, { logger, revocations, metrics });
    onShutdownSignal(logger, [() => service.close(), () => revocations.close(), () => tracing.shutdown()]);
  });
}
