import { onShutdownSignal } from '../../lib/http/server.js';
import { createLogger } from '../../lib/logger.js';
import { runMain } from '../../lib/main.js';
import { createMetrics } from '../../lib/metrics/index.js';
import { createRedisRevocationList } from '../../lib/revocation/redis-revocation-list.js';
import { noRevocations } from '../../lib/revocation/revocation-list.js';
import { loadNotesConfig } from './config.js';
import { startNotesService } from './notes-service.js';

runMain('notes', async () => {
  const config = loadNotesConfig();
  const logger = createLogger({ name: 'notes', level: config.logLevel });
  const revocations = config.redis
    ? createRedisRevocationList({ redis: config.redis, logger, connectionName: 'authgate-notes' })
    : noRevocations;
  const notes = await startNotesService(config, { logger, revocations, metrics: createMetrics({ service: 'notes' }) });
  onShutdownSignal(logger, [() => notes.close(), () => revocations.close()]);
});
