import { createLogger } from '../lib/logger.js';
import { MemoryClientStore } from '../services/auth/adapters/memory/memory-client-store.js';
import { MemoryTokenStore } from '../services/auth/adapters/memory/memory-token-store.js';
import { MemoryUserStore } from '../services/auth/adapters/memory/memory-user-store.js';
import { Argon2PasswordHasher } from '../services/auth/adapters/passwords/argon2-password-hasher.js';
import { loadAuthConfig } from '../services/auth/config.js';
import type { ClientSecretHasher } from '../services/auth/domain/clients/client-secret-hasher.js';
import { startAuthService } from '../services/auth/compose.js';
import { childArgs, serveParent } from './child-ipc.js';

export interface AuthChildArgs {
  /** AUTH_DATA_DIR (signing keys); the parent creates and removes it. */
  dataDir: string;
  /** AUTH_ADMIN_TOKEN: the parent makes the bench client through the admin API with it. */
  adminToken: string;
  /** `argon2`: client secrets verified with argon2id on every call (the behaviour before the keyed hash). */
  clientSecrets: 'hmac' | 'argon2';
  /** More of auth's environment (SMTP_URL, limits), for benches that need it. */
  env?: Record<string, string>;
}

/** Client secrets as they were before the keyed hash: argon2id on every call, never migrated. */
function argon2Only(): ClientSecretHasher {
  const argon2 = new Argon2PasswordHasher();
  return {
    hash: (secret) => argon2.hash(secret),
    verify: async (stored, secret) => ({ matches: await argon2.verify(stored, secret) }),
    verifyAgainstDummy: (secret) => argon2.verifyAgainstDummy(secret),
  };
}

/**
 * The real auth service (startAuthService, in-memory stores, silent) in a process of its own, so
 * the CPU it reports over IPC is what issuing and introspecting cost, not the load generator's.
 */
const args = childArgs<AuthChildArgs>();
const config = loadAuthConfig({ AUTH_PORT: '0', AUTH_DATA_DIR: args.dataDir, AUTH_ADMIN_TOKEN: args.adminToken, LOG_LEVEL: 'silent', ...args.env });
const service = await startAuthService(config, {
  logger: createLogger({ name: 'auth', level: 'silent' }),
  users: new MemoryUserStore(),
  tokens: new MemoryTokenStore(),
  clients: new MemoryClientStore(),
  ...(args.clientSecrets === 'argon2' ? { clientSecrets: argon2Only() } : {}),
});
serveParent(service.url);
