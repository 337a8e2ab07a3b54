import { createLogger, type Logger } from '../../lib/logger.js';
import type { Metrics } from '../../lib/metrics/index.js';
import type { RevocationList } from '../../lib/revocation/revocation-list.js';
import { startResourceService, type RunningResourceService } from '../../lib/resource-service.js';
import { createMemoryNoteStore } from './adapters/memory-note-store.js';
import type { NotesConfig } from './config.js';
import type { NoteStore } from './domain/note-store.js';
import { createNoteFeed } from './domain/note-feed.js';
import { createApp } from './http/app.js';
import { createFeedSockets } from './http/note-feed-socket.js';

export interface NotesDeps {
  logger?: Logger;
  store?: NoteStore;
  /** Owned by the caller. */
  revocations?: RevocationList;
  metrics?: Metrics;
}

export type RunningNotesService = RunningResourceService;

/** Starts the notes service on `config.port` (0 in tests). */
export async function startNotesService(config: NotesConfig, deps: NotesDeps = {}): Promise<RunningNotesService> {
  const logger = deps.logger ?? createLogger({ name: 'notes', level: config.logLevel });
  const store = deps.store ?? createMemoryNoteStore();
  const feed = createNoteFeed();
  const sockets = createFeedSockets(feed);
  const service = await startResourceService({
    name: 'notes',
    port: config.port,
    host: config.host,
    logger,
    verifier: config.verifier,
    ...(deps.revocations ? { revocations: deps.revocations } : {}),
    upgrades: true,
    createApp: (verifier, readiness) => createApp({ logger, verifier, store, feed, sockets, readiness, ...(deps.metrics ? { metrics: deps.metrics } : {}) }),
  });
  return {
    ...service,
    async close(graceMs) {
      // Open feed sockets would hold the server's close open until they end by themselves.
      sockets.closeAll();
      await service.close(graceMs);
    },
  };
}
