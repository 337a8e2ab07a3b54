import { onShutdownSignal } from '../../lib/http/server.js';
import { createLogger } from '../../lib/logger.js';
import { runMain } from '../../lib/main.js';
import { createMetrics } from '../../lib/metrics/index.js';
import { createRedisRevocationList } from '../../lib/revocation/redis-revocation-list.js';
import { noRevocations } from '../../lib/revocation/revocation-list.js';
import { loadReportsConfig } from './config.js';
import { startReportsService } from './reports-service.js';

/** Composition root: `npx tsx services/reports/main.ts`. */
runMain('reports', async () => {
  const config = loadReportsConfig();
  const logger = createLogger({ name: 'reports', level: config.logLevel });
  const revocations = config.redis
    ? createRedisRevocationList({ redis: config.redis, logger, connectionName: 'authgate-reports' })
    : noRevocations;
  const reports = await startReportsService(config, { logger, revocations, metrics: createMetrics({ service: 'reports' }) });
  onShutdownSignal(logger, [() => reports.close(), () => revocations.close()]);
});
