import { randomBytes } from 'node:crypto';

/** 256 bits: well past the 2^-160 guessing bound RFC 6749 §10.10 recommends for generated credentials. */
export const CLIENT_SECRET_BYTES = 32;

/**
 * A new client secret from the OS CSPRNG, base64url-encoded (43 characters, no padding) so it can
 * travel in a Basic header, a form body or an environment variable without escaping. Shown to
 * the operator once; only its argon2id hash is stored.
 */
export function generateClientSecret(): string {
  return randomBytes(CLIENT_SECRET_BYTES).toString('base64url');
}
