/** What reports needs of a note: nothing of its content. */
export interface NoteHeader {
  id: string;
  /** ISO 8601. */
  createdAt: string;
}

/**
 * Reads notes through the gateway: with `delegatedToken` (a token reports obtained on a user's
 * behalf) the notes that user sees; without, those visible to reports' own client-credentials
 * identity. Rejects with an AppError (502) when notes or the token endpoint cannot answer.
 */
export interface NotesReader {
  listVisibleNotes(delegatedToken?: string): Promise<NoteHeader[]>;
}

/**
 * Swaps a user's access token for one reports may use on that user's behalf (RFC 8693). Rejects
 * with a ClientCredentialsError carrying the token endpoint's status and error.
 */
export type TokenExchanger = (subjectToken: string) => Promise<string>;
