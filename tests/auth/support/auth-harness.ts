import { withFreePorts } from '../../support/free-port.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { DestinationStream } from 'pino';
import { createLogger } from '../../../lib/logger.js';
import { MemoryTokenStore } from '../../../services/auth/adapters/memory/memory-token-store.js';
import { MemoryUserStore } from '../../../services/auth/adapters/memory/memory-user-store.js';
import { loadAuthConfig, type AuthConfig } from '../../../services/auth/config.js';
import type { AppSessionStore } from '../../../services/auth/domain/app-flow/app-sessions.js';
import type { ClientStore } from '../../../services/auth/domain/clients/client-store.js';
import type { PasswordHasher } from '../../../services/auth/domain/users/password-hasher.js';
import type { TokenStore } from '../../../services/auth/domain/tokens/token-store.js';
import type { UserStore } from '../../../services/auth/domain/users/user-store.js';
import { startAuthService, type RunningAuthService } from '../../../services/auth/compose.js';
import { TestClock } from './clock.js';

export interface TestAuthOptions {
  /** Extra environment, e.g. LOGIN_MAX_FAILURES; AUTH_PORT is always 0. */
  env?: Record<string, string>;
  /** A data dir to reuse (restart tests); a fresh temp dir otherwise. */
  dataDir?: string;
  /** Memory stores unless given; `'config'` lets the config pick (embedded / REDIS_URL). */
  users?: UserStore | 'config';
  /** Memory unless given; `'config'` lets the config pick (embedded under the data dir / REDIS_URL), as `npm start` does. */
  tokens?: TokenStore | ((clock: TestClock) => TokenStore) | 'config';
  /** The app flow's codes and login sessions; the config picks (memory / REDIS_URL) unless given. */
  appSessions?: (clock: TestClock) => AppSessionStore;
  passwords?: PasswordHasher;
  /** The embedded store under the data dir unless given. */
  clients?: ClientStore;
  logDestination?: DestinationStream;
  shutdownGraceMs?: number;
}

export interface TestAuth extends RunningAuthService {
  config: AuthConfig;
  clock: TestClock;
  dataDir: string;
  /** Closes the service and removes the temp dir it made. */
  stop(): Promise<void>;
}

/** Starts the real auth service on port 0 with memory stores and a key file in a temp dir. */
export async function startTestAuth(options: TestAuthOptions = {}): Promise<TestAuth> {
  const ownDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? (await mkdtemp(path.join(tmpdir(), 'auth-test-')));
  const config = loadAuthConfig({ AUTH_PORT: '0', AUTH_DATA_DIR: dataDir, LOG_LEVEL: 'silent', ...options.env });
  const clock = new TestClock();
  const tokens =
    options.tokens === 'config' ? undefined : typeof options.tokens === 'function' ? options.tokens(clock) : (options.tokens ?? new MemoryTokenStore({ now: clock.now }));
  const logger = createLogger({ name: 'auth', level: options.logDestination ? 'info' : 'silent', destination: options.logDestination });
  const service = await startAuthService(config, {
    logger,
    now: clock.now,
    ...(tokens ? { tokens } : {}),
    ...(options.appSessions ? { appSessions: options.appSessions(clock) } : {}),
    ...(options.users === 'config' ? {} : { users: options.users ?? new MemoryUserStore() }),
    ...(options.passwords ? { passwords: options.passwords } : {}),
    ...(options.clients ? { clients: options.clients } : {}),
    // AUTH_CLIENTS_FILE secret references resolve from the test's env, not the runner's.
    env: { ...options.env },
    ...(options.shutdownGraceMs === undefined ? {} : { shutdownGraceMs: options.shutdownGraceMs }),
  });
  return {
    ...service,
    config,
    clock,
    dataDir,
    stop: async () => {
      await service.close();
      if (ownDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * The auth service on a free port whose URL is also its issuer, as OAuth client libraries expect
 * (discovery, RFC 7523 audiences): what tests driving openid-client or jose need.
 */
export type IssuerTestAuth = TestAuth & { issuer: string };

export async function startTestAuthAsIssuer(options: TestAuthOptions = {}, host: '127.0.0.1' | 'localhost' = '127.0.0.1'): Promise<IssuerTestAuth> {
  // Told its port in advance (the issuer names it): started again on another should it be taken meanwhile.
  return withFreePorts(1, async ([port]) => {
    const issuer = `http://${host}:${port!}`;
    // On localhost (a WebAuthn RP ID needs a name, not an address) the browser pages' own origin is allowed too.
    const origins: Record<string, string> = host === 'localhost' ? { ALLOWED_ORIGINS: issuer } : {};
    const auth = await startTestAuth({ ...options, env: { ...origins, ...options.env, AUTH_PORT: String(port), AUTH_ISSUER: issuer } });
    return Object.assign(auth, { issuer });
  });
}
