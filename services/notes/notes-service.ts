import { listen } from '../../lib/http/server.js';
import { createLogger, type Logger } from '../../lib/logger.js';
import type { Metrics } from '../../lib/metrics/index.js';
import type { RevocationList } from '../../lib/revocation/revocation-list.js';
import { createVerifier } from '../../lib/verifier/index.js';
import { createMemoryNoteStore } from './adapters/memory-note-store.js';
import type { NotesConfig } from './config.js';
import type { NoteStore } from './domain/note-store.js';
import { createApp } from './http/app.js';

export interface NotesDeps {
  logger?: Logger;
  store?: NoteStore;
  /** Owned by the caller. */
  revocations?: RevocationList;
  metrics?: Metrics;
}

export interface RunningNotesService {
  url: string;
  port: number;
  close(graceMs?: number): Promise<void>;
}

/** Starts the notes service on `config.port` (0 in tests). */
export async function startNotesService(config: NotesConfig, deps: NotesDeps = {}): Promise<RunningNotesService> {
  const logger = deps.logger ?? createLogger({ name: 'notes', level: config.logLevel });
  const verifier = createVerifier({ ...config.verifier, logger, ...(deps.revocations ? { revocations: deps.revocations } : {}) });
  const app = createApp({ logger, verifier, store: deps.store ?? createMemoryNoteStore(), ...(deps.metrics ? { metrics: deps.metrics } : {}) });
  const server = await listen(app, { port: config.port, host: config.host });
  verifier.loadKeys().catch(() => logger.warn({ jwksUri: config.verifier.jwksUri }, 'JWKS not reachable yet; /readyz reports it'));
  logger.info({ url: server.url }, 'notes listening');
  return {
    url: server.url,
    port: server.port,
    async close(graceMs) {
      await server.close(graceMs);
      verifier.close();
    },
  };
}
