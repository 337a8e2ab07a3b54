/** What reports needs of a note: nothing of its content. */
export interface NoteHeader {
  id: string;
  /** ISO 8601. */
  createdAt: string;
}

/**
 * Reads the notes visible to the reports service's own identity. The adapter calls notes through
 * the gateway with reports' client-credentials token; it rejects with an AppError (502) when notes
 * or the token endpoint cannot give an answer.
 */
export interface NotesReader {
  listVisibleNotes(): Promise<NoteHeader[]>;
}
