import { createHash, randomBytes } from 'node:crypto';
import type { RefreshTokenKey } from './token-store.js';

/**
 * A refresh token is `<family tag>.<secret>`, both base64url from the CSPRNG. The tag (128 bits) is
 * drawn at login and carried unchanged by every token of the family; the secret (256 bits) is new
 * at each rotation. The tag lets the store recognise any earlier token of a family as reuse while
 * keeping only the family's current and previous token hashes: refresh state is per family, not
 * per refresh. The tag is as secret as the token (it appears nowhere else), so only a holder of
 * some token of the family can name it; the family id (the access tokens' `sid`) is a one-way hash
 * of it, so knowing a `sid` does not let anyone make a token of its family.
 */
const FAMILY_TAG_BYTES = 16;
const SECRET_BYTES = 32;
const REFRESH_TOKEN_SHAPE = /^([A-Za-z0-9_-]{22})\.[A-Za-z0-9_-]{43}$/;
const FAMILY_ID_INFO = 'authgate refresh family id v1\0';

/**
 * A new opaque refresh token: of a new family (login) without an argument, else of the family of
 * `sameFamilyAs` (a token already checked with isRefreshTokenShaped), as its successor.
 */
export function newRefreshToken(sameFamilyAs?: string): string {
  const tag = sameFamilyAs === undefined ? randomBytes(FAMILY_TAG_BYTES).toString('base64url') : familyTagOf(sameFamilyAs);
  return `${tag}.${randomBytes(SECRET_BYTES).toString('base64url')}`;
}

/** Whether a presented string can be one of ours; anything else is refused before any lookup. */
export function isRefreshTokenShaped(value: string): boolean {
  return REFRESH_TOKEN_SHAPE.test(value);
}

/**
 * What the token store keys on: the token's family id and the SHA-256 of the whole token. A plain
 * hash is enough (no salt, no slow hash): the token has 384 bits of entropy, so a leaked store
 * cannot be brute-forced back into tokens. Only for tokens that passed isRefreshTokenShaped.
 */
export function hashRefreshToken(token: string): RefreshTokenKey {
  return { familyId: familyIdOf(familyTagOf(token)), tokenHash: createHash('sha256').update(token, 'utf8').digest('base64url') };
}

function familyTagOf(token: string): string {
  const tag = REFRESH_TOKEN_SHAPE.exec(token)?.[1];
  if (tag === undefined) throw new Error('not a refresh token');
  return tag;
}

/** UUID-shaped (RFC 9562 version 8: derived, not random) SHA-256 of the tag, as `sid` always looked. */
function familyIdOf(tag: string): string {
  const bytes = createHash('sha256').update(FAMILY_ID_INFO).update(tag, 'utf8').digest().subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x80;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
