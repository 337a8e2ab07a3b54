/**
 * State of the browser-app flow (authorization code + OIDC): one-time codes, the auth server's
 * login sessions (single sign-on) and remembered consents. Adapters: memory (one process) and
 * Redis (every replica; takeCode one Lua script), both held to
 * tests/auth/contracts/app-sessions.contract.ts. Times are epoch milliseconds.
 */

/** What an authorization code stands for. Stored under the SHA-256 of the code, never the code. */
import type { SessionDevice } from '../tokens/token-store.js';
import type { AuthMethod } from '../mfa/authentication.js';

export interface AuthorizationCodeRecord {
  clientId: string;
  redirectUri: string;
  /** PKCE S256 challenge (RFC 7636 §4.2). */
  codeChallenge: string;
  userId: string;
  scope: string;
  nonce?: string;
  /** The login session the code came from: `sid` of the ID token. */
  sid: string;
  /** When the user last signed in (OIDC `auth_time`), epoch ms. */
  authTime: number;
  /** How (RFC 8176), from the login session; absent on codes stored before it existed (a password). */
  amr?: readonly AuthMethod[];
  expiresAt: number;
  /** The browser request the code was issued to: the user agent and address its session list shows. */
  device?: SessionDevice;
}

/** What was issued from a code, so a replay can revoke it (RFC 6749 §4.1.2). */
export interface IssuedFromCode {
  familyId: string;
  accessTokenJti: string;
  /** `exp` of the access token, epoch seconds. */
  accessTokenExp: number;
}

export type TakenCode =
  /** First redemption: the code is now spent. */
  | { use: 'first'; record: AuthorizationCodeRecord }
  /**
   * The code was already redeemed; `issued` is what the first redemption got, once recorded.
   * Either way the code is marked replayed (see recordIssued).
   */
  | { use: 'replay'; record: AuthorizationCodeRecord; issued: IssuedFromCode | null }
  | null;

export interface LoginSession {
  sid: string;
  userId: string;
  /** When the user signed in (the last step of it), epoch ms. */
  authTime: number;
  /** How (RFC 8176); absent on sessions stored before it existed, which were password sign-ins. */
  amr?: readonly AuthMethod[];
  expiresAt: number;
}

export interface AppSessionStore {
  saveCode(codeHash: string, record: AuthorizationCodeRecord): Promise<void>;
  /**
   * Marks the code spent and returns it, atomically: of concurrent calls for one code exactly
   * one gets `first` (across replicas). Later calls get `replay` until the code's expiry; unknown
   * or expired codes give null.
   */
  takeCode(codeHash: string, now: number): Promise<TakenCode>;
  /**
   * Remembers what the first redemption issued (kept until the code would have expired), so a
   * later replay revokes it. A replay that took the code before this record could not know what
   * to revoke; takeCode leaves a mark for it, and this answers `replayed: true`, in the same
   * atomic step that stores `issued`: the caller then revokes what it issued itself. Every replay
   * is thus either before the record (seen here) or after it (sees `issued`), never neither.
   */
  recordIssued(codeHash: string, issued: IssuedFromCode): Promise<{ replayed: boolean }>;

  saveSession(session: LoginSession): Promise<void>;
  /** The live session, or null when unknown, ended or expired. */
  findSession(sid: string, now: number): Promise<LoginSession | null>;
  /** Adds a refresh family issued under the session, so ending the session can revoke it. */
  addSessionFamily(sid: string, familyId: string, expiresAt: number): Promise<void>;
  /** Ends the session and returns the refresh families issued under it. */
  endSession(sid: string): Promise<string[]>;

  /** Scopes the user granted a third-party client, or an empty list. */
  grantedScopes(userId: string, clientId: string): Promise<string[]>;
  /** Adds scopes to what the user granted the client (never removes). */
  grantScopes(userId: string, clientId: string, scopes: string[]): Promise<void>;

  /** Rejects when the store cannot answer (readiness). */
  ping(): Promise<void>;
  close(): Promise<void>;
}
