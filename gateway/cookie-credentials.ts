import type { IncomingMessage } from 'node:http';
import { readCookie } from '../lib/http/cookies.js';
import { checkCsrf, UNSAFE_METHODS } from '../lib/http/csrf.js';
import { AppError } from '../lib/errors.js';
import { DEFAULT_MAX_TOKEN_LENGTH, extractAccessToken, JWS_COMPACT, tokenError } from '../lib/verifier/index.js';

/** The browser-session cookie the auth service sets (contract: "Browser session"). */
export const ACCESS_COOKIE = 'access_token';


/**
 * The access token of a request on a route, or undefined when it carries none.
 *
 * An Authorization header (`Bearer`, or `DPoP` for a sender-constrained token whose proof the
 * caller then checks), when present, is the only credential looked at: a valid Bearer token
 * always wins, and a stale cookie can never hide (or stand in for) a header that fails. Without
 * one, on routes with `cookies: true`, the `access_token` cookie is used; a cookie-authenticated
 * unsafe request must also pass the CSRF proof (403 csrf_failed otherwise), and the token is then
 * put in the Authorization header, so upstreams verifying it themselves see what a Bearer
 * client would send.
 *
 * A WebSocket upgrade (`upgrade`) is a GET, but browsers send cookies on cross-site upgrades and
 * no CSRF header can ride along: a cookie-authenticated upgrade needs an `Origin` listed in
 * ALLOWED_ORIGINS instead (403 otherwise), so another site's page cannot open a socket as the user.
 */
export function requestAccessToken(req: IncomingMessage, cookies: boolean, allowedOrigins: ReadonlySet<string>, upgrade = false): string | undefined {
  if (!cookies || req.headers.authorization !== undefined) return extractAccessToken(req);
  const found = readCookie(req.headers.cookie, ACCESS_COOKIE);
  if (found.kind === 'absent' || (found.kind === 'present' && found.value === '')) return undefined;
  // Two access cookies (one planted by a sibling host): which one is the user's cannot be known.
  if (found.kind === 'ambiguous') throw tokenError('TOKEN_MALFORMED');
  if (found.value.length > DEFAULT_MAX_TOKEN_LENGTH) throw tokenError('TOKEN_TOO_LARGE');
  // Anything but a compact JWS in the cookie is refused before verification.
  if (!JWS_COMPACT.test(found.value)) throw tokenError('TOKEN_MALFORMED');
  if (upgrade) {
    const origin = req.headers.origin;
    if (origin === undefined || !allowedOrigins.has(origin)) {
      throw new AppError('ORIGIN_NOT_ALLOWED', 403, 'a cookie-authenticated WebSocket needs an Origin listed in ALLOWED_ORIGINS', { error: 'forbidden' });
    }
  } else if (UNSAFE_METHODS.has(req.method ?? '')) {
    const forged = checkCsrf(req.headers, allowedOrigins);
    if (forged) throw forged;
  }
  req.headers.authorization = `Bearer ${found.value}`;
  return found.value;
}
