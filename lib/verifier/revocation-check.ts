/**
 * Whether an access token's `jti`, or its login session `sid`, was revoked. Verifiers outside the
 * issuer answer from memory (a RevocationList fed by Redis or by auth's feed); the issuer asks its
 * own store, so its answer may be a promise. Without `isSessionRevoked` no session is known revoked.
 */
export interface RevocationCheck {
  isRevoked(jti: string): boolean | Promise<boolean>;
  isSessionRevoked?(sid: string): boolean | Promise<boolean>;
}

/** A check that answers at once: the in-memory lists of lib/revocation. */
export interface SyncRevocationCheck extends RevocationCheck {
  isRevoked(jti: string): boolean;
  isSessionRevoked?(sid: string): boolean;
}

/** The claims a revocation is decided on. */
export interface RevocableToken {
  jti: string;
  sid?: string | undefined;
}

/**
 * The one decision "is this token revoked": its own `jti`, or the login session it belongs to.
 * The verifier asks it on every request and the gateway's WebSocket sweep asks it for every open
 * socket, so a lock or a logout ends both the same way. Synchronous when the check is (no promise
 * hop on the gateway's hot path). Throws what the check throws (REVOCATION_FEED_UNAVAILABLE while a
 * required feed is down).
 */
export function isTokenRevoked(revocations: SyncRevocationCheck, token: RevocableToken): boolean;
export function isTokenRevoked(revocations: RevocationCheck, token: RevocableToken): boolean | Promise<boolean>;
export function isTokenRevoked(revocations: RevocationCheck, token: RevocableToken): boolean | Promise<boolean> {
  const byJti = revocations.isRevoked(token.jti);
  const bySession = token.sid !== undefined && revocations.isSessionRevoked ? revocations.isSessionRevoked(token.sid) : false;
  if (typeof byJti === 'boolean' && typeof bySession === 'boolean') return byJti || bySession;
  return Promise.all([byJti, bySession]).then(([jti, session]) => jti || session);
}
