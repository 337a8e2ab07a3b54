import type { NotesReader } from './notes-reader.js';

/** Who asked for the report, from their verified token. */
export interface Requester {
  sub: string;
  clientId: string;
  username?: string | undefined;
}

/** GET /reports/summary. */
export interface Summary {
  requestedBy: Requester;
  /** The identity notes saw: reports' own client, never the requester. */
  readAs: { clientId: string };
  notes: { count: number; newestCreatedAt: string | null };
  generatedAt: string;
}

/**
 * The summary is built from what notes shows to reports' OWN identity (its client-credentials
 * token: sub = client_id = reports), not from the requester's notes. That is deliberate: notes
 * lets every subject see only its own notes, and reports holds no delegation from the user (the
 * contract forbids forwarding the user's token or cookie; acting for the user would need token
 * exchange, RFC 8693, which is out of scope). So the report is honest about both identities:
 * who asked, and whose view of notes it summarises.
 */
export function createSummary({ notes, clientId, now = () => new Date() }: { notes: NotesReader; clientId: string; now?: () => Date }) {
  return async function summary(requester: Requester): Promise<Summary> {
    const visible = await notes.listVisibleNotes();
    const newest = visible.reduce<string | null>((latest, note) => (latest === null || note.createdAt > latest ? note.createdAt : latest), null);
    return {
      requestedBy: { sub: requester.sub, clientId: requester.clientId, ...(requester.username ? { username: requester.username } : {}) },
      readAs: { clientId },
      notes: { count: visible.length, newestCreatedAt: newest },
      generatedAt: now().toISOString(),
    };
  };
}
