import { randomUUID } from 'node:crypto';
import type { Note, NoteStore } from '../domain/note-store.js';

/**
 * In-process notes. notes is a demo resource service whose point is the auth around it, so its
 * data is deliberately not durable: a restart empties it.
 */
export function createMemoryNoteStore(now: () => Date = () => new Date()): NoteStore {
  const byOwner = new Map<string, Map<string, Note>>();
  return {
    async create({ owner, title, body }) {
      const note: Note = { id: randomUUID(), owner, title, body, createdAt: now().toISOString() };
      let notes = byOwner.get(owner);
      if (notes === undefined) byOwner.set(owner, (notes = new Map()));
      notes.set(note.id, note);
      return { ...note };
    },
    async list(owner) {
      return [...(byOwner.get(owner)?.values() ?? [])].map((note) => ({ ...note }));
    },
    async get(owner, id) {
      const note = byOwner.get(owner)?.get(id);
      return note === undefined ? undefined : { ...note };
    },
  };
}
