import { ClientCredentialsError } from '../../../lib/client-credentials.js';
import { AppError } from '../../../lib/errors.js';
import type { NotesReader, TokenExchanger } from './notes-reader.js';

/** Who asked for the report, from their verified token. */
export interface Requester {
  sub: string;
  clientId: string;
  username?: string | undefined;
  /** The caller's access token: exchanged for one to read their notes. Never logged or returned. */
  token: string;
}

/** GET /reports/summary. */
export interface Summary {
  requestedBy: Omit<Requester, 'token'>;
  /**
   * The identity notes saw: for a user, that user with reports as the actor (a token obtained by
   * token exchange); for a client-credentials caller, reports' own client.
   */
  readAs: { clientId: string; sub?: string; actor?: string };
  notes: { count: number; newestCreatedAt: string | null };
  generatedAt: string;
}

/**
 * A user's summary is built from that user's notes: reports exchanges the user's token (RFC 8693)
 * for one naming reports as the actor, so notes shows exactly what the user would see, and the
 * user's token itself never leaves for another service. A client-credentials caller (no user)
 * gets the summary of what reports' own identity sees. An exchange the auth service refuses (the
 * user's token lacks notes:read, or was revoked meanwhile) is 403: the caller lacks what it takes.
 */
export function createSummary({ notes, exchange, clientId, now = () => new Date() }: { notes: NotesReader; exchange: TokenExchanger; clientId: string; now?: () => Date }) {
  return async function summary(requester: Requester): Promise<Summary> {
    const forUser = requester.sub !== requester.clientId;
    const visible = forUser ? await notes.listVisibleNotes(await delegated(requester.token)) : await notes.listVisibleNotes();
    const newest = visible.reduce<string | null>((latest, note) => (latest === null || note.createdAt > latest ? note.createdAt : latest), null);
    return {
      requestedBy: { sub: requester.sub, clientId: requester.clientId, ...(requester.username ? { username: requester.username } : {}) },
      readAs: forUser ? { clientId, sub: requester.sub, actor: clientId } : { clientId },
      notes: { count: visible.length, newestCreatedAt: newest },
      generatedAt: now().toISOString(),
    };
  };

  async function delegated(token: string): Promise<string> {
    try {
      return await exchange(token);
    } catch (err) {
      if (err instanceof ClientCredentialsError && err.status !== undefined && err.status >= 400 && err.status < 500 && err.status !== 401) {
        throw new AppError('REPORTS_DELEGATION_REFUSED', 403, 'the auth service refused to let reports read notes on your behalf', { error: 'insufficient_scope', cause: err });
      }
      throw new AppError('NOTES_UNAVAILABLE', 502, 'notes could not be read: no delegated token', { error: 'bad_gateway', cause: err });
    }
  }
}
