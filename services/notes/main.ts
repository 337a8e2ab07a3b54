import { onShutdownSignal } from '../../lib/http/server.js';
import { createLogger } from '../../lib/logger.js';
import { runMain } from '../../lib/main.js';
import { startTracing } from '../../lib/tracing/start-tracing.js';
import { createMetrics } from '../../lib/metrics/index.js';
import { openRevocationList } from '../../lib/revocation/open-revocation-list.js';
import { loadNotesConfig } from './config.js';
import { startNotesService } from './notes-service.js';

runMain('notes', async () => {
  // First, so every span of the start-up has a provider; off unless OTEL_EXPORTER_OTLP_ENDPOINT is set.
  const tracing = await startTracing('notes');
  const config = loadNotesConfig();
  const logger = createLogger({ name: 'notes', level: config.logLevel });
  const metrics = createMetrics({ service: 'notes' });
  const revocations = await openRevocationList(config, { connectionName: 'authgate-notes', logger, metrics });
  const notes = await startNotesService(config, { logger, revocations, metrics });
  onShutdownSignal(logger, [() => notes.close(), () => revocations.close(), () => tracing.shutdown()]);
});
