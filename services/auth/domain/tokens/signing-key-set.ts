import type { KeyObject } from 'node:crypto';
import { ACCESS_TOKEN_ALGORITHM } from '../../../../lib/verifier/jws-header.js';

/** The only algorithm this service signs with (contract: RS256, RSA keys of 2048 bits or more). */
export const SIGNING_ALGORITHM = ACCESS_TOKEN_ALGORITHM;

/** A key that may sign tokens now. `kid` is the RFC 7638 thumbprint of its public key. */
export interface SigningKey {
  kid: string;
  privateKey: KeyObject;
}

/** A published verification key: public members only, never d p q dp dq qi. */
export interface PublicJwk {
  kty: 'RSA';
  n: string;
  e: string;
  kid: string;
  use: 'sig';
  alg: typeof SIGNING_ALGORITHM;
}

export interface JsonWebKeySet {
  keys: PublicJwk[];
}

/**
 * The signing key set of this issuer (not to be confused with a verifier's JWKS cache). Keys are loaded before the app starts, so every member answers
 * from memory without I/O. Several keys may be published at once (rotation): the newest key whose
 * activation time has come signs; older ones stay published so tokens they signed keep verifying
 * until they expire. An adapter whose keys live in a shared place (a file on a volume or a mounted
 * Secret) may swap in a newer set at any time; activation is by the stored time, not by the moment
 * a process loaded the set, so every replica signs with the same key at the same moment.
 */
export interface SigningKeySet {
  /** The key that signs new tokens now; always present once the store is open. */
  currentSigningKey(): SigningKey;
  /** The public key published under `kid`, or null when no published key has that kid. */
  verificationKey(kid: string): KeyObject | null;
  /** The JWKS to publish: every published key, public members only. */
  publicJwks(): JsonWebKeySet;
}

/** A key made by rotation: published at once, signing from `activatesAt`. */
export interface RotatedKey {
  kid: string;
  activatesAt: Date;
}

/**
 * Refusal of `KeyRotation.rotate` where this process may not write the key set (read-only Secret
 * or file mount). Not a fault: the set is then managed outside the service, so the admin API
 * answers 409 and points the operator at the offline tool instead of failing with a 500.
 */
export class KeySetReadOnlyError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KeySetReadOnlyError';
  }
}

/**
 * Signing-key rotation (admin API). `rotate` adds a new key that is published in the JWKS at once
 * and signs only after the publish delay, so every verifier has had the chance to fetch it first.
 * A key that a newer one has replaced stays published for the retention time (ACCESS_TOKEN_TTL
 * plus clock tolerance), so every token it signed still verifies until it expires; then it is
 * dropped. The change is persisted before `rotate` resolves, and concurrent calls run one by one.
 * Rejects with KeySetReadOnlyError when the key set cannot be written from this process.
 */
export interface KeyRotation {
  rotate(): Promise<RotatedKey>;
}
