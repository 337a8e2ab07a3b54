export interface Note {
  id: string;
  /** The token subject that created it; notes are only ever shown to their owner. */
  owner: string;
  title: string;
  body: string;
  /** ISO 8601. */
  createdAt: string;
}

/** Where notes live. Every read is scoped to an owner, so one user can never reach another's notes. */
export interface NoteStore {
  create(input: { owner: string; title: string; body: string }): Promise<Note>;
  /** The owner's notes, oldest first. */
  list(owner: string): Promise<Note[]>;
  /** undefined when the note does not exist or belongs to someone else (callers cannot tell which). */
  get(owner: string, id: string): Promise<Note | undefined>;
}
