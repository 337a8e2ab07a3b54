import { fetchWithClientToken } from '../../../lib/authorized-fetch.js';
import { ClientCredentialsError, type ClientCredentialsSource } from '../../../lib/client-credentials.js';
import { AppError } from '../../../lib/errors.js';
import type { NoteHeader, NotesReader } from '../domain/notes-reader.js';

export interface GatewayNotesReaderOptions {
  /** Gateway base URL; notes is at `${gatewayUrl}/api/notes`. */
  gatewayUrl: string;
  tokens: ClientCredentialsSource;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

const notesUnavailable = (why: string, cause?: unknown) =>
  new AppError('NOTES_UNAVAILABLE', 502, `notes could not be read: ${why}`, { error: 'bad_gateway', cause });

/**
 * NotesReader over HTTP through the gateway, with Bearer only (no cookie is ever sent). With its own
 * token a 401 gets one retry with a fresh one (the cached one may have been revoked or signed by a
 * withdrawn key); a delegated token is fresh from the exchange, so it gets none.
 */
export function createGatewayNotesReader({ gatewayUrl, tokens, timeoutMs = 10_000, fetch: doFetch = fetch }: GatewayNotesReaderOptions): NotesReader {
  const url = `${gatewayUrl}/api/notes`;
  return {
    async listVisibleNotes(delegatedToken?: string): Promise<NoteHeader[]> {
      let response: Response;
      try {
        const init = { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(timeoutMs) };
        response = delegatedToken
          ? await doFetch(url, { ...init, headers: { ...init.headers, authorization: `Bearer ${delegatedToken}` } })
          : await fetchWithClientToken(tokens, url, init, doFetch);
      } catch (err) {
        if (err instanceof ClientCredentialsError) throw notesUnavailable(`no token (${err.message})`, err);
        throw notesUnavailable('the gateway did not answer', err);
      }
      if (!response.ok) {
        await response.body?.cancel();
        throw notesUnavailable(`the gateway answered ${response.status}`);
      }
      const body = (await response.json().catch(() => null)) as { notes?: unknown } | null;
      if (!body || !Array.isArray(body.notes)) throw notesUnavailable('the answer had no notes list');
      return body.notes
        .filter((note): note is { id: string; createdAt: string } => typeof note?.id === 'string' && typeof note?.createdAt === 'string')
        .map(({ id, createdAt }) => ({ id, createdAt }));
    },
  };
}
