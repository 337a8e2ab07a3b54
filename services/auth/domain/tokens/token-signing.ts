import type { VerifiedToken } from '../../../../lib/verifier/claims.js';
import type { PublicJwks } from '../clients/client-store.js';

/**
 * Signs JWTs with the issuer's current signing key (RS256, `kid` in the header). The JOSE library
 * lives in the adapter; the domain only builds claims.
 */
export interface TokenSigner {
  /** A compact JWS of `payload` whose header carries `typ` (e.g. `at+jwt`). Never fails once the key set is open. */
  sign(payload: Record<string, unknown>, typ: string): string;
}

/**
 * This issuer verifying its own access tokens with the shared verification core (lib/verifier)
 * against its own key set, with no clock tolerance (it is the clock that set `exp`).
 */
export interface OwnAccessTokens {
  /**
   * A token acceptable to the first-party API: our audience, unexpired, not revoked (asked of the
   * token store, the authority). Rejects with a token AppError (TOKEN_EXPIRED, TOKEN_REVOKED, ...),
   * or with the store's error when the store is unreachable.
   */
  verify(token: string): Promise<VerifiedToken>;
  /**
   * Any access token this issuer signed, whatever its audience and even when expired, for
   * introspection and revocation; revocation is not looked at. Null for anything else.
   */
  read(token: string): Promise<VerifiedToken | null>;
}

/** How checking a client assertion's signature can fail, before any claim is looked at. */
export type AssertionSignatureFailure = 'MALFORMED' | 'ALGORITHM' | 'CRIT' | 'UNKNOWN_KEY' | 'SIGNATURE';

/** RFC 7523 §3 needs a JWS verified against the client's registered keys; the JOSE work sits in an adapter. */
export interface AssertionSignatureVerifier {
  /**
   * The payload of `assertion` when it is signed with one of `algorithms` by a key of `jwks` that
   * fits (key type, curve, `alg`, `use`); the header's `jku`, `x5u` and `jwk` are never followed.
   */
  verify(assertion: string, jwks: PublicJwks, algorithms: readonly string[]): { payload: Record<string, unknown> } | { failure: AssertionSignatureFailure };
  /** The payload read without verifying anything (only to know whose keys to try), or null. */
  decodeUnverified(assertion: string): Record<string, unknown> | null;
}
