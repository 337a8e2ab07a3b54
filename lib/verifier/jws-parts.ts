import { tokenError } from './errors.js';
import { KID_PATTERN } from './key-store.js';

/** JWS compact serialization: three base64url segments (RFC 7515 §7.1). */
const JWS_COMPACT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/** RFC 9068 §2.1: `at+jwt`, also written as the full media type, compared case-insensitively. */
const ACCESS_TOKEN_TYPES = new Set(['at+jwt', 'application/at+jwt']);

export interface CheckedHeader {
  kid: string;
}

/**
 * Decodes the header and payload and refuses, before any key is looked up or any signature is
 * computed, what no valid token of ours can have: another algorithm (`none` in any case,
 * HS256, ...), another `typ`, a `crit` list (we understand no extensions, RFC 7515 §4.1.11), a kid
 * that is not a plain identifier, a payload that is not a JSON object. `jku`, `x5u`, `jwk` and
 * `x5c` are simply never read: keys come only from the configured JWKS.
 */
export function checkJwsParts(token: string): CheckedHeader {
  if (!JWS_COMPACT.test(token)) throw tokenError('TOKEN_MALFORMED');
  const firstDot = token.indexOf('.');
  const secondDot = token.indexOf('.', firstDot + 1);
  const header = decodeJsonObject(token.slice(0, firstDot));
  if ('crit' in header) throw tokenError('TOKEN_CRIT_UNSUPPORTED');
  if (header.alg !== 'RS256') throw tokenError('TOKEN_ALGORITHM_INVALID');
  if (typeof header.typ !== 'string' || !ACCESS_TOKEN_TYPES.has(header.typ.toLowerCase())) throw tokenError('TOKEN_TYPE_INVALID');
  if (typeof header.kid !== 'string' || !KID_PATTERN.test(header.kid)) throw tokenError('KEY_ID_INVALID');
  decodeJsonObject(token.slice(firstDot + 1, secondDot));
  return { kid: header.kid };
}

function decodeJsonObject(segment: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch (err) {
    throw tokenError('TOKEN_MALFORMED', { cause: err });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw tokenError('TOKEN_MALFORMED');
  return value as Record<string, unknown>;
}
