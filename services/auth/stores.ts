import type { Logger } from '../../lib/logger.js';
import type { AuthConfig } from './config.js';
import type { ClientStore } from './domain/ports/client-store.js';
import type { TokenStore } from './domain/ports/token-store.js';
import type { UserStore } from './domain/ports/user-store.js';

/**
 * Adapter choice by configuration. Imports are dynamic so a process without MONGODB_URI never
 * loads mongoose, and one without Redis configured never loads ioredis.
 */
export async function openUserStore(config: AuthConfig): Promise<{ store: UserStore; kind: string }> {
  if (config.MONGODB_URI) {
    const { connectMongoUserStore } = await import('./adapters/mongo/mongo-user-store.js');
    return { store: await naming('MONGODB_URI', connectMongoUserStore(config.MONGODB_URI)), kind: 'mongo' };
  }
  const { openEmbeddedUserStore } = await import('./adapters/embedded/embedded-user-store.js');
  return { store: await naming('AUTH_DATA_DIR', openEmbeddedUserStore(config.AUTH_DATA_DIR)), kind: 'embedded' };
}

/** OAuth clients live beside the users: MongoDB when MONGODB_URI is set, else embedded under AUTH_DATA_DIR. */
export async function openClientStore(config: AuthConfig): Promise<{ store: ClientStore; kind: string }> {
  if (config.MONGODB_URI) {
    const { connectMongoClientStore } = await import('./adapters/mongo/mongo-client-store.js');
    return { store: await naming('MONGODB_URI', connectMongoClientStore(config.MONGODB_URI)), kind: 'mongo' };
  }
  const { openEmbeddedClientStore } = await import('./adapters/embedded/embedded-client-store.js');
  return { store: await naming('AUTH_DATA_DIR', openEmbeddedClientStore(config.AUTH_DATA_DIR)), kind: 'embedded' };
}

export async function openTokenStore(config: AuthConfig, logger: Logger): Promise<{ store: TokenStore; kind: string }> {
  if (config.redis) {
    const { connectRedisTokenStore } = await import('./adapters/redis/redis-token-store.js');
    const { redisVariable } = await import('../../lib/redis/env.js');
    const store = await naming(redisVariable(config.redis), connectRedisTokenStore(config.redis, { logger }));
    return { store, kind: `redis ${config.redis.target.mode}` };
  }
  // Refresh state in memory; revocations under AUTH_DATA_DIR, served to verifiers as the feed.
  const { openEmbeddedTokenStore } = await import('./adapters/embedded/embedded-token-store.js');
  return { store: await naming('AUTH_DATA_DIR', openEmbeddedTokenStore(config.AUTH_DATA_DIR)), kind: 'embedded' };
}

/**
 * Says which variable led to a store that cannot be opened. The value is not repeated: a
 * connection URL may carry a password.
 */
async function naming<T>(variable: string, opening: Promise<T>): Promise<T> {
  try {
    return await opening;
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new Error(`cannot open the store configured by ${variable}: ${reason}`, { cause: err });
  }
}
