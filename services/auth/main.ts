import { onShutdownSignal } from '../../lib/http/server.js';
import { createLogger } from '../../lib/logger.js';
import { runMain } from '../../lib/main.js';
import { startTracing } from '../../lib/tracing/start-tracing.js';
import { loadAuthConfig } from './config.js';
import { startAuthService } from './compose.js';

/** Composition root: `npx tsx services/auth/main.ts`. */
runMain('auth', async () => {
  // First, so every span of the start-up has a provider; off unless OTEL_EXPORTER_OTLP_ENDPOINT is set.
  const tracing = await startTracing('auth');
  const config = loadAuthConfig(process.env);
  const logger = createLogger({ name: 'auth', level: config.LOG_LEVEL });
  const service = await startAuthService(config, { logger });
  onShutdownSignal(logger, [() => service.close(), () => tracing.shutdown()]);
});
