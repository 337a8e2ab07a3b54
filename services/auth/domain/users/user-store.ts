import type { UserPageQuery } from './user-page.js';

/** A stored user. `id` is opaque and stable: it becomes the `sub` of the user's tokens. */
export interface UserRecord {
  id: string;
  /** Normalized (trim, NFKC, lower-case) by the domain before it reaches a store. */
  username: string;
  email?: string;
  /**
   * Whether `email` was proven by a verification link. Records written before verification existed
   * have no value stored: adapters read them as false.
   */
  emailVerified: boolean;
  /** An address the user asked to change to: it replaces `email` only once its link is followed. */
  pendingEmail?: string;
  /** argon2id PHC string; never the password. */
  passwordHash: string;
  roles: string[];
  createdAt: Date;
  /**
   * When an operator locked the account, or null when it is not locked. A locked account cannot
   * log in or refresh (it gets the same answer as a wrong password). Records written before this
   * field existed have no value stored: adapters read them as null (unlocked), never as locked.
   */
  lockedAt: Date | null;
}

/** What registration hands a store: every new account starts unlocked. */
export type NewUser = Omit<UserRecord, 'id' | 'createdAt' | 'lockedAt' | 'emailVerified' | 'pendingEmail'>;

/** The e-mail part of an account as `setEmailState` writes it whole (absent fields are removed). */
export interface EmailState {
  email?: string;
  emailVerified: boolean;
  pendingEmail?: string;
}

/**
 * Where users live. Adapters: memory (tests), embedded (NeDB file under AUTH_DATA_DIR, the
 * default) and mongo (mongoose). All run `tests/auth/contracts/user-store.contract.ts`.
 */
export interface UserStore {
  /**
   * Inserts the user and returns it with its new id and createdAt, unlocked. Uniqueness of
   * `username` is enforced by the store itself (unique index), never by a check-then-insert, so two
   * concurrent registrations of one name give one user; the loser rejects with `authErrors.usernameTaken()`.
   */
  create(user: NewUser): Promise<UserRecord>;
  /** Looks up by normalized username; resolves null when there is none. */
  findByUsername(username: string): Promise<UserRecord | null>;
  /** Resolves null for an unknown id, including ids of a shape the store does not use. */
  findById(id: string): Promise<UserRecord | null>;
  /**
   * Locks (`lockedAt` = the store's current time) or unlocks (`lockedAt` = null) the account.
   * Idempotent: locking a locked account keeps its first `lockedAt`, so the record says since when.
   * Resolves false for an unknown id (any shape, as `findById`), true otherwise. The store only
   * keeps the flag; refusing logins and refreshes is the domain's job.
   */
  setLocked(id: string, locked: boolean): Promise<boolean>;
  /**
   * Replaces the user's roles with `roles` (already validated and deduplicated by the domain) in
   * one write, and resolves the updated user; null for an unknown id (any shape, as `findById`).
   */
  setRoles(id: string, roles: string[]): Promise<UserRecord | null>;
  /**
   * Accounts whose current (not pending) `email` is exactly `email`, verified or not; [] when none.
   * Addresses are not unique: several accounts may share one.
   */
  findByEmail(email: string): Promise<UserRecord[]>;
  /** Replaces `email`, `emailVerified` and `pendingEmail` together; false for an unknown id. */
  setEmailState(id: string, state: EmailState): Promise<boolean>;
  /** Replaces the password hash; false for an unknown id. */
  setPasswordHash(id: string, passwordHash: string): Promise<boolean>;
  /**
   * Removes the user's record (every personal field with it) and frees its username for a new
   * account; resolves false for an unknown id (any shape, as `findById`). The id is never handed
   * out again (ids are random), so a later account of the same name is a different subject.
   */
  delete(id: string): Promise<boolean>;
  /**
   * One page of the admin list or search (see `UserPageQuery`), from an ordered index (never a
   * scan of every user): at most `query.limit` records, in order; [] past the end.
   */
  listPage(query: UserPageQuery): Promise<UserRecord[]>;
  /**
   * Up to `limit` users that have `role` (any order), for checks such as "is this the last admin";
   * [] when none. Roles are few per user and admins few per store: adapters may scan.
   */
  findWithRole(role: string, limit: number): Promise<UserRecord[]>;
  /** Resolves when the backing store answers; rejects otherwise (used by /readyz). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** The stored shape of a user being created (no id yet, not locked): what every adapter writes. */
export type NewUserDocument = Omit<UserRecord, 'id'>;

export function newUserDocument(user: NewUser, createdAt = new Date()): NewUserDocument {
  const doc: NewUserDocument = { username: user.username, passwordHash: user.passwordHash, roles: [...user.roles], createdAt, lockedAt: null, emailVerified: false };
  if (user.email !== undefined) doc.email = user.email;
  return doc;
}
