import { onShutdownSignal } from '../../lib/http/server.js';
import { createLogger } from '../../lib/logger.js';
import { runMain } from '../../lib/main.js';
import { loadAuthConfig } from './config.js';
import { startAuthService } from './start.js';

/** Composition root: `npx tsx services/auth/main.ts`. */
runMain('auth', async () => {
  const config = loadAuthConfig(process.env);
  const logger = createLogger({ name: 'auth', level: config.LOG_LEVEL });
  const service = await startAuthService(config, { logger });
  onShutdownSignal(logger, [() => service.close()]);
});
