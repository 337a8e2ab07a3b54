import type { KeyObject } from 'node:crypto';

/** The only algorithm this service signs with (contract: RS256, RSA keys of 2048 bits or more). */
export const SIGNING_ALGORITHM = 'RS256';

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
 * The signing keys of this issuer. Keys are loaded before the app starts, so every member answers
 * from memory without I/O. Several keys may be published at once (rotation): the newest active
 * key signs; older ones stay published so tokens they signed keep verifying until they expire.
 */
export interface KeyStore {
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
 * Signing-key rotation (admin API). `rotate` adds a new key that is published in the JWKS at once
 * and signs only after the publish delay, so every verifier has had the chance to fetch it first.
 * A key that a newer one has replaced stays published for the retention time (ACCESS_TOKEN_TTL
 * plus clock tolerance), so every token it signed still verifies until it expires; then it is
 * dropped. The change is persisted before `rotate` resolves, and concurrent calls run one by one.
 */
export interface KeyRotation {
  rotate(): Promise<RotatedKey>;
}
