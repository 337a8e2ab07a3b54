import { tokenError } from './errors.js';

/** JWS compact serialization: three non-empty base64url segments (RFC 7515 §7.1). */
export const JWS_COMPACT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/** Key ids we are willing to look up: the base64url / uuid / dotted shapes issuers use, nothing path-like. */
export const KID_PATTERN = /^[A-Za-z0-9_-][A-Za-z0-9._:-]{0,127}$/;

/** RFC 9068 §2.1 media type in the JOSE `typ` header of every access token. */
export const ACCESS_TOKEN_TYPE = 'at+jwt';

/** RFC 9068 §2.1: `at+jwt`, also written as the full media type, compared case-insensitively. */
const ACCESS_TOKEN_TYPES = new Set([ACCESS_TOKEN_TYPE, `application/${ACCESS_TOKEN_TYPE}`]);

/** The only algorithm access tokens are signed with (contract: RS256, RSA keys of 2048 bits or more). */
export const ACCESS_TOKEN_ALGORITHM = 'RS256';

/**
 * Refuses, before any key is looked up or any signature is computed, a protected header that no
 * access token of ours can have: another algorithm (`none` in any case, HS256, ...), another
 * `typ`, a `crit` list (we understand no extensions, RFC 7515 §4.1.11), a kid that is not a plain
 * identifier. `jku`, `x5u`, `jwk` and `x5c` are simply never read: keys come only from the
 * configured key source. Returns the kid.
 */
export function checkAccessTokenHeader(header: unknown): string {
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw tokenError('TOKEN_MALFORMED');
  const { alg, typ, kid } = header as Record<string, unknown>;
  if ('crit' in header) throw tokenError('TOKEN_CRIT_UNSUPPORTED');
  if (alg !== ACCESS_TOKEN_ALGORITHM) throw tokenError('TOKEN_ALGORITHM_INVALID');
  if (typeof typ !== 'string' || !ACCESS_TOKEN_TYPES.has(typ.toLowerCase())) throw tokenError('TOKEN_TYPE_INVALID');
  if (typeof kid !== 'string' || !KID_PATTERN.test(kid)) throw tokenError('KEY_ID_INVALID');
  return kid;
}

/**
 * The `iat` of a compact JWS's payload, read without verifying anything, or undefined. Only for
 * the rare unknown-kid path, where it decides whether the key set may be fetched again.
 */
export function unverifiedIssuedAt(token: string): number | undefined {
  const first = token.indexOf('.');
  const second = token.indexOf('.', first + 1);
  try {
    const { iat } = JSON.parse(Buffer.from(token.slice(first + 1, second), 'base64url').toString('utf8')) as { iat?: unknown };
    return typeof iat === 'number' && Number.isFinite(iat) ? iat : undefined;
  } catch {
    return undefined;
  }
}
