import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { createLogger } from '../../../lib/logger.js';
import { createAuditLogger } from '../../../services/auth/adapters/audit/pino-audit-events.js';
import { MemoryTokenStore } from '../../../services/auth/adapters/memory/memory-token-store.js';
import { MemoryUserStore } from '../../../services/auth/adapters/memory/memory-user-store.js';
import { loadAuthConfig, type AuthConfig } from '../../../services/auth/config.js';
import type { UserStore } from '../../../services/auth/domain/users/user-store.js';
import { startAuthService, type RunningAuthService } from '../../../services/auth/compose.js';

/** Every pino line written to it, as text (for greps) and parsed (for fields). */
export class LineSink extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    callback();
  }

  /** Parsed audit lines (logger name `audit`), from line index `from` on. */
  audit(from = 0): Array<Record<string, unknown>> {
    return this.lines
      .slice(from)
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((line) => line.name === 'audit');
  }
}

export interface AuditedAuth extends RunningAuthService {
  config: AuthConfig;
  users: UserStore;
}

/**
 * The real auth service on port 0 with every logger it has (the service's, the key set's via it,
 * and the audit logger) writing to `sink` at `LOG_LEVEL` (env). Memory tokens and users unless a
 * user store is given (a restart shares it); clients in the embedded store under AUTH_DATA_DIR;
 * the service's clock when `now` is given (a TestClock's, to let challenges and links expire).
 */
export async function startAuditedAuth(sink: LineSink, env: Record<string, string>, users: UserStore = new MemoryUserStore(), now?: () => number): Promise<AuditedAuth> {
  const config = loadAuthConfig({ AUTH_PORT: '0', ...env });
  const service = await startAuthService(config, {
    ...(now ? { now } : {}),
    logger: createLogger({ name: 'auth', level: config.LOG_LEVEL, destination: sink }),
    auditLogger: createAuditLogger({ logLevel: config.LOG_LEVEL, destination: sink }),
    users,
    tokens: new MemoryTokenStore(),
    env,
  });
  return { ...service, config, users };
}

export const tempDir = (name: string) => mkdtemp(path.join(tmpdir(), `auth-${name}-`));
export const removeDir = (dir: string) => rm(dir, { recursive: true, force: true });
