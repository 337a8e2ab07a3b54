import type { Logger } from '../../lib/logger.js';
import type { AuthConfig } from './config.js';
import type { AccountTokenStore } from './domain/accounts/account-token-store.js';
import type { AppSessionStore } from './domain/app-flow/app-sessions.js';
import type { ClientStore } from './domain/clients/client-store.js';
import type { FederationStateStore } from './domain/federation/federation-state.js';
import type { LinkedIdentityStore } from './domain/federation/linked-identities.js';
import type { PasskeyStore } from './domain/passkeys/passkey-store.js';
import type { TokenStore } from './domain/tokens/token-store.js';
import type { UserStore } from './domain/users/user-store.js';
import type { TotpStore } from './domain/mfa/totp-store.js';

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

/** Passkeys live beside the users: MongoDB when MONGODB_URI is set, else embedded under AUTH_DATA_DIR. */
export async function openPasskeyStore(config: AuthConfig): Promise<{ store: PasskeyStore; kind: string }> {
  if (config.MONGODB_URI) {
    const { connectMongoPasskeyStore } = await import('./adapters/passkeys/mongo-passkeys.js');
    return { store: await naming('MONGODB_URI', connectMongoPasskeyStore(config.MONGODB_URI)), kind: 'mongo' };
  }
  const { openEmbeddedPasskeyStore } = await import('./adapters/passkeys/embedded-passkeys.js');
  return { store: await naming('AUTH_DATA_DIR', openEmbeddedPasskeyStore(config.AUTH_DATA_DIR)), kind: 'embedded' };
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
 * Verification and reset tokens (as hashes) live where the deployment keeps shared state: Redis
 * when configured, else MongoDB, else a NeDB file under AUTH_DATA_DIR.
 */
export async function openAccountTokenStore(config: AuthConfig, logger: Logger): Promise<{ store: AccountTokenStore; kind: string }> {
  if (config.redis) {
    const { connectRedisAccountTokenStore } = await import('./adapters/account-tokens/redis-account-tokens.js');
    const { redisVariable } = await import('../../lib/redis/env.js');
    return { store: await naming(redisVariable(config.redis), connectRedisAccountTokenStore(config.redis, { logger })), kind: 'redis' };
  }
  if (config.MONGODB_URI) {
    const { connectMongoAccountTokenStore } = await import('./adapters/account-tokens/mongo-account-tokens.js');
    return { store: await naming('MONGODB_URI', connectMongoAccountTokenStore(config.MONGODB_URI)), kind: 'mongo' };
  }
  const { openEmbeddedAccountTokenStore } = await import('./adapters/account-tokens/embedded-account-tokens.js');
  return { store: await naming('AUTH_DATA_DIR', openEmbeddedAccountTokenStore(config.AUTH_DATA_DIR)), kind: 'embedded' };
}

/**
 * Codes, login sessions and consents of the app flow: in Redis whenever Redis is configured (the
 * same REDIS_* settings and key prefix as the token store), so any replica redeems any code and
 * single sign-on holds across replicas; in process memory otherwise (one auth process).
 */
export async function openAppSessionStore(config: AuthConfig, logger: Logger, now: () => number): Promise<{ store: AppSessionStore; kind: string }> {
  if (config.redis) {
    const { connectRedisAppSessionStore } = await import('./adapters/redis/redis-app-sessions.js');
    const { redisVariable } = await import('../../lib/redis/env.js');
    const store = await naming(redisVariable(config.redis), connectRedisAppSessionStore(config.redis, { logger, now }));
    return { store, kind: `redis ${config.redis.target.mode}` };
  }
  const { MemoryAppSessionStore } = await import('./adapters/memory/memory-app-sessions.js');
  return { store: new MemoryAppSessionStore({ now }), kind: 'memory' };
}

/** Linked upstream identities live beside the users: MongoDB when MONGODB_URI is set, else embedded. */
export async function openLinkedIdentityStore(config: AuthConfig): Promise<{ store: LinkedIdentityStore; kind: string }> {
  if (config.MONGODB_URI) {
    const { connectMongoLinkedIdentityStore } = await import('./adapters/mongo/mongo-linked-identities.js');
    return { store: await naming('MONGODB_URI', connectMongoLinkedIdentityStore(config.MONGODB_URI)), kind: 'mongo' };
  }
  const { openEmbeddedLinkedIdentityStore } = await import('./adapters/embedded/embedded-linked-identities.js');
  return { store: await naming('AUTH_DATA_DIR', openEmbeddedLinkedIdentityStore(config.AUTH_DATA_DIR)), kind: 'embedded' };
}

/** Pending federated sign-ins and upstream sessions: where the app sessions are (Redis, else memory). */
export async function openFederationStateStore(config: AuthConfig, logger: Logger, now: () => number): Promise<{ store: FederationStateStore; kind: string }> {
  if (config.redis) {
    const { connectRedisFederationStateStore } = await import('./adapters/redis/redis-federation-state.js');
    const { redisVariable } = await import('../../lib/redis/env.js');
    return { store: await naming(redisVariable(config.redis), connectRedisFederationStateStore(config.redis, { logger })), kind: `redis ${config.redis.target.mode}` };
  }
  const { MemoryFederationStateStore } = await import('./adapters/memory/memory-federation-state.js');
  return { store: new MemoryFederationStateStore({ now }), kind: 'memory' };
}

/** TOTP secrets and recovery codes live beside the users: MongoDB when MONGODB_URI is set, else embedded under AUTH_DATA_DIR. */
export async function openTotpStore(config: AuthConfig): Promise<{ store: TotpStore; kind: string }> {
  if (config.MONGODB_URI) {
    const { connectMongoTotpStore } = await import('./adapters/mfa/mongo-totp-store.js');
    return { store: await naming('MONGODB_URI', connectMongoTotpStore(config.MONGODB_URI)), kind: 'mongo' };
  }
  const { openEmbeddedTotpStore } = await import('./adapters/mfa/embedded-totp-store.js');
  return { store: await naming('AUTH_DATA_DIR', openEmbeddedTotpStore(config.AUTH_DATA_DIR)), kind: 'embedded' };
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
