import { createLogger } from '../lib/logger.js';
import { createMetrics } from '../lib/metrics/index.js';
import { runMain } from '../lib/main.js';
import { startTracing } from '../lib/tracing/start-tracing.js';
import { onShutdownSignal } from '../lib/http/server.js';
import { openRevocationList } from '../lib/revocation/open-revocation-list.js';
import { loadGatewayConfig } from './config.js';
import { startGateway } from './gateway.js';

runMain('gateway', async () => {
  // First, so every span of the start-up has a provider; off unless OTEL_EXPORTER_OTLP_ENDPOINT is set.
  const tracing = await startTracing('gateway');
  const config = loadGatewayConfig();
  // Buffered: the gateway writes a line per request, and a write per line is a syscall per request.
  const logger = createLogger({ name: 'gateway', level: config.logLevel, bufferBytes: 32 * 1024 });
  const metrics = createMetrics({ service: 'gateway' });
  // Redis pub/sub when REDIS_URL is set, else the auth service's own feed: logouts and admin
  // revocations reach the gateway within a second either way.
  const revocations = await openRevocationList(config, { connectionName: 'authgate-gateway', logger, metrics });
  const gateway = await startGateway(config, { logger, revocations, metrics });
  onShutdownSignal(logger, [() => gateway.close(), () => revocations.close(), () => tracing.shutdown()]);
});
