/**
 * Short-lived state of federated sign-in, kept server-side: pending round trips (single use),
 * which local login sessions each upstream session started (for its back-channel logout), and
 * the logout tokens' `jti`s already seen. Adapters: memory (one process) and Redis (every replica),
 * both held to tests/auth/contracts/federation-state.contract.ts. Times are epoch milliseconds.
 */

export interface PendingSignIn {
  providerId: string;
  nonce: string;
  codeVerifier: string;
  /** Where the browser goes afterwards (already checked). */
  returnTo: string;
  /** SHA-256 of the browser's cookie secret: the callback must come from the browser that started. */
  browserHash: string;
  /** Set when a signed-in user links this identity to their account. */
  linkUserId?: string;
  expiresAt: number;
}

export interface UpstreamSessionKey {
  providerId: string;
  /** The upstream's `sid`, when it sent one. */
  sid?: string;
  subject: string;
}

export interface FederationStateStore {
  savePending(state: string, pending: PendingSignIn): Promise<void>;
  /** Returns and removes the pending sign-in, atomically: of concurrent takes one gets it. */
  takePending(state: string, now: number): Promise<PendingSignIn | null>;
  /** Remembers that the upstream session started local login session `localSid`. */
  rememberUpstreamSession(key: UpstreamSessionKey, localSid: string, expiresAt: number): Promise<void>;
  /**
   * Returns and forgets the local sessions started by the upstream session `sid` (when given) or,
   * without one, by every session of `subject`.
   */
  takeUpstreamSessions(query: { providerId: string; sid?: string; subject?: string }, now: number): Promise<string[]>;
  /** True the first time `key` is seen before `expiresAt`, false on every later call (replay). */
  firstSight(key: string, expiresAt: number, now: number): Promise<boolean>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
