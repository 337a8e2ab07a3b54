import { createHash, randomBytes } from 'node:crypto';

/** 256 bits from the CSPRNG: guessing one is not a strategy. */
const REFRESH_TOKEN_BYTES = 32;
const REFRESH_TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/** A new opaque refresh token (base64url, 43 characters). */
export function newRefreshToken(): string {
  return randomBytes(REFRESH_TOKEN_BYTES).toString('base64url');
}

/** Whether a presented string can be one of ours; anything else is refused before any lookup. */
export function isRefreshTokenShaped(value: string): boolean {
  return REFRESH_TOKEN_SHAPE.test(value);
}

/**
 * What the token store keys on. A plain SHA-256 is enough (no salt, no slow hash): the token has
 * 256 bits of entropy, so a leaked store cannot be brute-forced back into tokens.
 */
export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('base64url');
}
