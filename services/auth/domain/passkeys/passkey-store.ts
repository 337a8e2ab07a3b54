/** One registered passkey (a WebAuthn public-key credential) of one user. */
export interface PasskeyRecord {
  /** The credential id (base64url), unique across every user: the authenticator's handle. */
  id: string;
  userId: string;
  /** What the user called it ("laptop"), shown in the list. */
  name: string;
  /** COSE public key (base64url); public, but bound to this credential only. */
  publicKey: string;
  /** The signature counter last seen; 0 for authenticators that do not count (synced passkeys). */
  counter: number;
  /** Transport hints the browser reported (`internal`, `usb`, `hybrid`, ...), passed back in allowCredentials. */
  transports: string[];
  /** WebAuthn backup eligibility: `multiDevice` (a synced passkey) or `singleDevice`. */
  deviceType: 'singleDevice' | 'multiDevice';
  backedUp: boolean;
  /** Whether the authenticator verified the user (PIN, biometrics) when the passkey was created. */
  userVerified: boolean;
  createdAt: Date;
  /** The last accepted sign-in with it, or null when never used. */
  lastUsedAt: Date | null;
}

/** What a sign-in with a passkey writes back (WebAuthn §7.2 steps 21-22). */
export interface PasskeyUse {
  /** The counter the authenticator reported in this assertion. */
  counter: number;
  usedAt: Date;
  backedUp: boolean;
}

/**
 * Where passkeys live, beside the users: memory (tests), embedded (NeDB under AUTH_DATA_DIR) and
 * mongo. Every adapter runs `tests/auth/contracts/passkey-store.contract.ts`.
 */
export interface PasskeyStore {
  /**
   * Stores a new passkey. The credential id is unique (enforced by the store itself, not a
   * check-then-insert): a second add of one id rejects with `passkeyErrors.alreadyRegistered()`
   * and leaves the first record as it was.
   */
  add(record: PasskeyRecord): Promise<void>;
  /** The passkey with this credential id, or null (any shape of id, including non-strings). */
  findById(id: string): Promise<PasskeyRecord | null>;
  /** The user's passkeys, oldest first; [] when none. */
  listByUser(userId: string): Promise<PasskeyRecord[]>;
  /**
   * Accepts a use only if the counter moved forward, in one atomic step (WebAuthn §6.1.1): a
   * reported counter of 0 is accepted only while the stored one is 0 (an authenticator that does
   * not count); any other must be greater than the stored one. Resolves false, changing nothing,
   * when it is not (a cloned authenticator, or a replay racing the first use) or the id is unknown.
   */
  recordUse(id: string, use: PasskeyUse): Promise<boolean>;
  /** Removes the user's passkey `id`; false when the user has no such passkey (another user's is not touched). */
  remove(userId: string, id: string): Promise<boolean>;
  /** Removes every passkey of the user (an operator resetting factors, a deleted account); resolves how many. */
  removeAllOf(userId: string): Promise<number>;
  /** Rejects when the backing store cannot answer (readiness). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** The one rule of `recordUse`, shared by the adapters that cannot express it in a query. */
export function counterMovesForward(stored: number, reported: number): boolean {
  return reported === 0 ? stored === 0 : reported > stored;
}
