import type { Request } from 'express';
import { readCookie, serializeCookie } from '../../../../lib/http/cookies.js';

/** The auth server's login session (single sign-on): only /oauth/* (authorize, logout) sees it. */
export const LOGIN_SESSION_COOKIE = 'auth_session';
const COOKIE_PATH = '/oauth';

/** A cookie of the hosted pages: HttpOnly, host-only, Path /oauth unless given (the account pages use /account). */
export function hostedCookie(name: string, value: string, options: { maxAgeSeconds: number; sameSite: 'Lax' | 'Strict'; secure: boolean; path?: string }): string {
  return serializeCookie(name, value, { path: options.path ?? COOKIE_PATH, maxAgeSeconds: options.maxAgeSeconds, httpOnly: true, secure: options.secure, sameSite: options.sameSite });
}

/**
 * The cookie's value, or undefined when absent, empty or sent twice (a second one is most likely
 * planted on the parent domain by a sibling host: which one we set cannot be told).
 */
export function cookieValue(req: Request, name: string): string | undefined {
  const found = readCookie(req.headers.cookie, name);
  return found.kind === 'present' && found.value !== '' ? found.value : undefined;
}
