import type { Authentication } from '../mfa/authentication.js';

/**
 * Short-lived security state shared by every auth replica: refresh-token families, the access
 * token denylist, failed-login counters and the replay cache. Adapters: memory (single process)
 * and redis (ioredis). Both run `tests/auth/contracts/token-store.contract.ts`.
 *
 * Time: `*At` fields and `now` are epoch milliseconds unless a member says seconds. Every entry
 * disappears on its own once it can no longer matter (Redis: key TTLs; memory: lazy expiry).
 */

/**
 * Where a presented refresh token is looked up: the family its own tag names (see
 * domain/tokens/refresh-token.ts) and the SHA-256 of the whole token, never the token.
 */
export interface RefreshTokenKey {
  familyId: string;
  tokenHash: string;
}

/** What a refresh token stands for. */
export interface RefreshTokenRecord extends RefreshTokenKey {
  /** User id, or client id for client-only grants. */
  subject: string;
  clientId: string;
  /** Space-separated scopes granted to the family. */
  scope: string;
  issuedAt: number;
  expiresAt: number;
  /** RFC 9449: the DPoP key thumbprint the family is bound to (public clients); inherited by every successor. */
  jkt?: string;
  /**
   * Where the login came from, kept with the family for the user's session list (first token only;
   * successors never change it). Already bounded by the domain (domain/sessions/session-device.ts).
   */
  device?: SessionDevice;
  /**
   * How the login proved the user (auth_time, amr): kept by the family and inherited by every
   * successor, so a refresh never resets `auth_time`. Absent on families of client-only grants and
   * on families stored before it existed (their tokens then carry no auth_time).
   */
  authentication?: Authentication;
}

/** The user agent and client address of a login, as the session list shows them. */
export interface SessionDevice {
  userAgent: string;
  ip: string;
}

/** One live login session (refresh family) of a subject, as `listSessions` describes it. */
export interface SessionSummary extends SessionDevice {
  /** The family id: the `sid` of the session's access tokens. */
  sid: string;
  clientId: string;
  /** When the family's first token was issued (the login), epoch ms. */
  createdAt: number;
  /** The last rotation (refresh) of the family, or `createdAt` when never refreshed; epoch ms. */
  lastUsedAt: number;
}

/** The next token in a family: it inherits familyId, subject, clientId, scope, jkt and authentication from the spent one. */
export interface RefreshSuccessor {
  tokenHash: string;
  issuedAt: number;
  expiresAt: number;
  /**
   * The successor token sealed (encrypted) with a key only the holder of the presented token can
   * derive. The store keeps it beside the spent token for the grace window so a retry of the same
   * token can be given the same successor without the store ever holding a usable token.
   */
  sealedSuccessor: string;
}

/** Which session a refresh token belongs to, and whose it is. */
export interface RefreshFamilyRef {
  familyId: string;
  /** User id, or client id for client-only grants. */
  subject: string;
  clientId: string;
}

export type RotateOutcome =
  /** The presented token was active: it is now spent and `successor` is active. */
  | { outcome: 'rotated'; previous: RefreshTokenRecord }
  /**
   * The presented token was spent less than `graceMs` ago, its successor is still active and the
   * family is not revoked: nothing changed; answer with the same successor (unsealed by caller).
   */
  | { outcome: 'grace'; previous: RefreshTokenRecord; sealedSuccessor: string }
  /**
   * The presented token names a live family but is not its active token, nor a retry within the
   * grace window: an earlier token (however far back) or one made up by someone who holds one.
   * The whole family is now revoked.
   */
  | { outcome: 'reused'; family: RefreshFamilyRef }
  /** Unknown family, expired, or its family was revoked: nothing changed. */
  | { outcome: 'invalid' };

/**
 * Refresh state is per family, not per refresh: a family keeps its active token and the one it
 * replaced (for the grace retry), and recognises any other token of its own as reuse, so a store
 * holds O(families) whatever the refresh rate.
 */
export interface RefreshTokenStore {
  /** Stores the first token of a new family. */
  issueRefreshToken(record: RefreshTokenRecord): Promise<void>;
  /**
   * Spends `presented` and activates `successor`, atomically: of any number of concurrent
   * calls with one presented token exactly one sees 'rotated'; the others see 'grace' (within
   * the window) or 'reused'. A family never has two active tokens.
   */
  rotateRefreshToken(
    presented: RefreshTokenKey,
    successor: RefreshSuccessor,
    options: { now: number; graceMs: number },
  ): Promise<RotateOutcome>;
  /** The active token for `key`, or null if unknown, spent, expired or its family revoked. */
  findActiveRefreshToken(key: RefreshTokenKey, now: number): Promise<RefreshTokenRecord | null>;
  /**
   * The family `key` names, for any token of it, spent or active, whether or not the family is
   * already revoked; null when unknown or past the expiry of its latest token (by `now`).
   * Read-only. Logout and revocation use it so that a stale copy of a token (already rotated)
   * still ends its session: its holder could end the family anyway by presenting it at the
   * refresh endpoint (reuse detection).
   */
  findRefreshFamily(key: RefreshTokenKey, now: number): Promise<RefreshFamilyRef | null>;
  /** Revokes every token of the family, spent or active; idempotent. */
  revokeRefreshFamily(familyId: string): Promise<void>;
  /**
   * The ids of the families (login sessions) of `subject` that may still hold a token, revoked
   * ones possibly included; used to end every session of a locked account. An entry lasts at least
   * as long as its family's longest-lived token.
   */
  findSessions(subject: string): Promise<string[]>;
  /**
   * The live login sessions of `subject` (not revoked, latest token not expired by `now`), oldest
   * first, with their metadata; families stored without a `device` show empty strings there.
   */
  listSessions(subject: string, now: number): Promise<SessionSummary[]>;
}

export interface AccessTokenDenylist {
  /**
   * Denies the access token `jti` until `expiresAtSeconds` (its `exp`, epoch seconds), then
   * forgets it. Also announces it to live revocation subscribers (the gateway) at once.
   */
  denyAccessToken(jti: string, expiresAtSeconds: number): Promise<void>;
  isAccessTokenDenied(jti: string): Promise<boolean>;
  /**
   * Denies every access token of the login session `sid` until `expiresAtSeconds` (the latest
   * `exp` one of them can have), announced on the same feed as jti denials as a session (kind
   * `sid`), so verifiers refuse them within a second; as durable as a jti denial (embedded: in
   * revocations.jsonl). Never the same entry as a jti of that value.
   */
  denySession(sid: string, expiresAtSeconds: number): Promise<void>;
  isSessionDenied(sid: string): Promise<boolean>;
}

export interface AttemptCount {
  count: number;
  /** Seconds until the window ends and the count returns to 0 (0 when count is 0). */
  resetInSeconds: number;
}

export interface AttemptCounter {
  /** Adds one to `key` in a fixed window of `windowSeconds` that starts at the first attempt. */
  recordAttempt(key: string, windowSeconds: number): Promise<AttemptCount>;
  /** Reads without counting. */
  peekAttempts(key: string): Promise<AttemptCount>;
  /** Takes one recorded attempt back (it was never checked), keeping the window; never below 0. */
  releaseAttempt(key: string): Promise<void>;
  clearAttempts(key: string): Promise<void>;
}

export interface ReplayCache {
  /**
   * Claims `key` until `expiresAtSeconds` (epoch seconds). Resolves true the first time, false if
   * it was already claimed and has not expired; atomic across replicas (Redis SET NX).
   */
  claimOnce(key: string, expiresAtSeconds: number): Promise<boolean>;
}

export interface TokenStore extends RefreshTokenStore, AccessTokenDenylist, AttemptCounter, ReplayCache {
  /** Resolves when the backing store answers; rejects otherwise (used by /readyz). */
  ping(): Promise<void>;
  close(): Promise<void>;
}
