import { onShutdownSignal } from '../../lib/http/server.js';
import { createLogger } from '../../lib/logger.js';
import { runMain } from '../../lib/main.js';
import { startTracing } from '../../lib/tracing/start-tracing.js';
import { createMetrics } from '../../lib/metrics/index.js';
import { openRevocationList } from '../../lib/revocation/open-revocation-list.js';
import { loadReportsConfig } from './config.js';
import { startReportsService } from './reports-service.js';

/** Composition root: `npx tsx services/reports/main.ts`. */
runMain('reports', async () => {
  // First, so every span of the start-up has a provider; off unless OTEL_EXPORTER_OTLP_ENDPOINT is set.
  const tracing = await startTracing('reports');
  const config = loadReportsConfig();
  const logger = createLogger({ name: 'reports', level: config.logLevel });
  const metrics = createMetrics({ service: 'reports' });
  const revocations = await openRevocationList(config, { connectionName: 'authgate-reports', logger, metrics });
  const reports = await startReportsService(config, { logger, revocations, metrics });
  onShutdownSignal(logger, [() => reports.close(), () => revocations.close(), () => tracing.shutdown()]);
});
