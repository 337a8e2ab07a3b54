import type { Note } from './note-store.js';

/**
 * New notes as they are created, per owner, for the WebSocket feed. In-process: every replica
 * tells its own subscribers about the notes it created (the demo store is in memory too).
 */
export interface NoteFeed {
  publish(note: Note): void;
  /** Calls `listener` with each new note of `owner`; returns the unsubscribe. */
  subscribe(owner: string, listener: (note: Note) => void): () => void;
}

export function createNoteFeed(): NoteFeed {
  const byOwner = new Map<string, Set<(note: Note) => void>>();
  return {
    publish(note) {
      for (const listener of byOwner.get(note.owner) ?? []) listener(note);
    },
    subscribe(owner, listener) {
      let listeners = byOwner.get(owner);
      if (listeners === undefined) byOwner.set(owner, (listeners = new Set()));
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0) byOwner.delete(owner);
      };
    },
  };
}
