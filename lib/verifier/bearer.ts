import type { IncomingMessage } from 'node:http';
import { tokenError } from './errors.js';

/** Longer than any token the auth service issues, short enough that nobody pays for parsing junk. */
export const DEFAULT_MAX_TOKEN_LENGTH = 8 * 1024;

type RequestHeaders = Pick<IncomingMessage, 'headers' | 'rawHeaders'>;

/**
 * The scheme and credentials of a request's one Authorization header (RFC 9110 §11.6.2), or
 * undefined when it has none. Node keeps only the first Authorization header in req.headers; a
 * second one is an ambiguity an attacker could exploit between hops, so it is refused
 * (AUTHORIZATION_INVALID, RFC 6750 §3.1 invalid_request). The scheme is lower-cased.
 */
export function parseAuthorization(req: RequestHeaders): { scheme: string; credentials: string } | undefined {
  const value = req.headers.authorization;
  if (value === undefined) return undefined;
  if (countRawHeader(req.rawHeaders, 'authorization') > 1) throw tokenError('AUTHORIZATION_INVALID');
  const space = value.indexOf(' ');
  const scheme = space === 6 && value.startsWith('Bearer') ? 'bearer' : (space === -1 ? value : value.slice(0, space)).toLowerCase();
  return { scheme, credentials: space === -1 ? '' : value.slice(space + 1).trim() };
}

/**
 * The bearer token of a request (RFC 6750 §2.1), or undefined when it carries none (no
 * Authorization header, or another scheme such as Basic: the caller then answers with a bare
 * challenge). Throws AUTHORIZATION_INVALID for a repeated header or a `Bearer` without a token,
 * TOKEN_TOO_LARGE for a token over the size limit. Which characters a token may hold is the
 * verifier's to judge: it refuses anything but a compact JWS (TOKEN_MALFORMED) before it decodes,
 * and a token it has cached already passed that check, so a cache hit does not scan ~1 KB again.
 */
export function extractBearerToken(req: RequestHeaders, maxTokenLength = DEFAULT_MAX_TOKEN_LENGTH): string | undefined {
  return extractToken(req, maxTokenLength, false);
}

/**
 * The access token of `Authorization: Bearer <token>` or `Authorization: DPoP <token>` (RFC 9449
 * §7.1), with the same refusals as extractBearerToken. Which scheme it was is `isDpopScheme`'s
 * answer; the caller must then hold the token to its binding (dpop-binding.ts).
 */
export function extractAccessToken(req: RequestHeaders, maxTokenLength = DEFAULT_MAX_TOKEN_LENGTH): string | undefined {
  return extractToken(req, maxTokenLength, true);
}

/**
 * Whether an Authorization header that extractAccessToken accepted used the DPoP scheme. Its
 * first letter tells the two accepted schemes apart, so this costs no parse on the hot path.
 */
export function isDpopScheme(authorization: string | undefined): boolean {
  const first = authorization?.charCodeAt(0);
  return first === 68 /* D */ || first === 100 /* d */;
}

function extractToken(req: RequestHeaders, maxTokenLength: number, dpop: boolean): string | undefined {
  const authorization = parseAuthorization(req);
  if (authorization === undefined || (authorization.scheme !== 'bearer' && !(dpop && authorization.scheme === 'dpop'))) return undefined;
  const token = authorization.credentials;
  if (token === '') throw tokenError('AUTHORIZATION_INVALID');
  if (token.length > maxTokenLength) throw tokenError('TOKEN_TOO_LARGE');
  return token;
}

function countRawHeader(rawHeaders: readonly string[], lowerName: string): number {
  let count = 0;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    if (name.length === lowerName.length && name.toLowerCase() === lowerName) count++;
  }
  return count;
}
