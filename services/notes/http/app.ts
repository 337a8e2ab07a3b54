import type { Express } from 'express';
import { createBaseApp, finishApp } from '../../../lib/http/base-app.js';
import type { ReadinessCheck } from '../../../lib/http/health.js';
import type { Logger } from '../../../lib/logger.js';
import type { Metrics } from '../../../lib/metrics/index.js';
import { createRequireAuth } from '../../../lib/express/index.js';
import type { Verifier } from '../../../lib/verifier/index.js';
import type { NoteFeed } from '../domain/note-feed.js';
import type { NoteStore } from '../domain/note-store.js';
import type { FeedSockets } from './note-feed-socket.js';
import { notesRoutes } from './notes-routes.js';

export interface NotesAppDeps {
  logger: Logger;
  verifier: Verifier;
  store: NoteStore;
  /** New notes, published on create; `sockets` streams them on GET /notes/feed. */
  feed: NoteFeed;
  sockets: FeedSockets;
  /** When given: GET /metrics and per-route request metrics. */
  metrics?: Metrics;
  /** Checked by /readyz besides the JWKS (the revocation feed). */
  readiness?: ReadinessCheck[];
}

/**
 * The notes API. It verifies every token itself with lib/verifier even behind the gateway
 * (defence in depth: a request that bypasses the gateway gets no further).
 */
export function createApp({ logger, verifier, store, feed, sockets, metrics, readiness = [] }: NotesAppDeps): Express {
  const app = createBaseApp({
    logger,
    ...(metrics ? { metrics } : {}),
    readiness: [{ name: 'jwks', check: () => (verifier.keysLoaded() ? undefined : verifier.loadKeys()) }, ...readiness],
  });
  app.use(notesRoutes(store, createRequireAuth(verifier, { realm: 'notes' }), feed, sockets));
  return finishApp(app, { realm: 'notes' });
}
