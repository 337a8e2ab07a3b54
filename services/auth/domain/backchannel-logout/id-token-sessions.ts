/** An app that was given an ID token in a login session, for a user. */
export interface SessionParticipant {
  clientId: string;
  sub: string;
}

/**
 * Which apps received an ID token in which login session (`sid`), so that when the session ends
 * each of them can be told (OIDC Back-Channel Logout 1.0). Adapters: memory, embedded (NeDB under
 * AUTH_DATA_DIR), Redis; each runs tests/auth/contracts/id-token-sessions.contract.ts.
 *
 * Times are epoch milliseconds. An entry disappears on its own after its `expiresAt` (the
 * session can no longer be in use), and with `forget` once the session ended.
 */
export interface IdTokenSessions {
  /**
   * Records that `participant.clientId` got an ID token of `participant.sub` in session `sid`,
   * kept until `expiresAt`. Recording the same app again keeps one entry with the later expiry.
   */
  record(sid: string, participant: SessionParticipant, expiresAt: number): Promise<void>;
  /** The live participants of `sid` (any order; empty when none or all expired by `now`). Read-only. */
  participants(sid: string, now: number): Promise<SessionParticipant[]>;
  /**
   * The session was refreshed and lives on: every entry of `sid` is kept until `expiresAt` at
   * least (never shortened). Nothing happens for a session without entries.
   */
  extend(sid: string, expiresAt: number): Promise<void>;
  /** Removes every entry of `sid`; idempotent. */
  forget(sid: string): Promise<void>;
  /** Rejects when the store cannot be used. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
