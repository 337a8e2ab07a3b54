import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import { AppError } from '../../../lib/errors.js';
import { parseBodyFields } from '../../../lib/http/body-fields.js';
import { jsonBody } from '../../../lib/http/request-body.js';
import type { AccessRequirements } from '../../../lib/verifier/index.js';
import type { NoteFeed } from '../domain/note-feed.js';
import type { Note, NoteStore } from '../domain/note-store.js';
import type { FeedSockets } from './note-feed-socket.js';

const newNoteSchema = z.object({
  title: z.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters'),
  body: z.string().max(10_000, 'must be at most 10000 characters').default(''),
});

/** What a client sees of a note (the owner is implied: it is always the caller). */
function view({ id, title, body, createdAt }: Note) {
  return { id, title, body, createdAt };
}

/**
 * GET /notes (notes:read), POST /notes (notes:write), GET /notes/:id (notes:read), all per user;
 * GET /notes/feed (notes:read) is a WebSocket of the caller's new notes.
 */
export function notesRoutes(store: NoteStore, requireAuth: (requirements: AccessRequirements) => RequestHandler, feed: NoteFeed, sockets: FeedSockets): Router {
  const router = Router();
  router.get('/notes', requireAuth({ scopes: ['notes:read'] }), async (req, res) => {
    const notes = await store.list(req.auth!.sub);
    res.json({ notes: notes.map(view) });
  });
  router.post('/notes', requireAuth({ scopes: ['notes:write'] }), ...jsonBody(), async (req, res) => {
    // Descriptions name the field ("title: must be a string"), as the auth service's do.
    const note = await store.create({ owner: req.auth!.sub, ...parseBodyFields(newNoteSchema, req.body) });
    feed.publish(note);
    res.status(201).location(`/notes/${note.id}`).json(view(note));
  });
  // Before /notes/:id, which would take "feed" for an id.
  router.get('/notes/feed', requireAuth({ scopes: ['notes:read'] }), (req, res) => sockets.accept(req, res, view));
  router.get('/notes/:id', requireAuth({ scopes: ['notes:read'] }), async (req, res) => {
    const note = await store.get(req.auth!.sub, String(req.params.id));
    if (note === undefined) throw new AppError('NOTE_NOT_FOUND', 404, 'no such note');
    res.json(view(note));
  });
  return router;
}
