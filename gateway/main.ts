import { createLogger } from '../lib/logger.js';
import { createMetrics } from '../lib/metrics/index.js';
import { runMain } from '../lib/main.js';
import { onShutdownSignal } from '../lib/http/server.js';
import { createRedisRevocationList } from '../lib/revocation/redis-revocation-list.js';
import { noRevocations } from '../lib/revocation/revocation-list.js';
import { loadGatewayConfig } from './config.js';
import { startGateway } from './gateway.js';

runMain('gateway', async () => {
  const config = loadGatewayConfig();
  // Buffered: the gateway writes a line per request, and a write per line is a syscall per request.
  const logger = createLogger({ name: 'gateway', level: config.logLevel, bufferBytes: 32 * 1024 });
  // With Redis, logouts and admin revocations reach the gateway within a second; without it,
  // tokens stay valid until they expire (the contract's in-process mode).
  const revocations = config.redisUrl
    ? createRedisRevocationList({ url: config.redisUrl, keyPrefix: config.redisKeyPrefix, logger, connectionName: 'authgate-gateway' })
    : noRevocations;
  const gateway = await startGateway(config, { logger, revocations, metrics: createMetrics({ service: 'gateway' }) });
  onShutdownSignal(logger, [() => gateway.close(), () => revocations.close()]);
});
