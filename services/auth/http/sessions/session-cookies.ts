import { randomBytes } from 'node:crypto';
import type { Response } from 'express';
import { serializeCookie, type CookieAttributes } from '../../../../lib/http/cookies.js';
import { CSRF_COOKIE } from '../../../../lib/http/csrf.js';
import type { TokenPair } from '../../domain/tokens/token-pair.js';

/** Cookie names fixed by the contract (access, CSRF) and by the gateway that reads them. */
export const ACCESS_COOKIE = 'access_token';
export const REFRESH_COOKIE = 'refresh_token';
export { CSRF_COOKIE };

/**
 * The refresh cookie goes only to the auth service's own paths: never to /api/*, where every
 * upstream would otherwise receive a long-lived credential it has no use for.
 */
export const REFRESH_COOKIE_PATH = '/auth';

export interface SessionCookieOptions {
  /** `Secure` on every cookie; false only for plain-http setups (docs/browser-sessions.md). */
  secure: boolean;
  /** The refresh and CSRF cookies live as long as the refresh token (the access cookie as long as its token). */
  refreshTokenTtlSeconds: number;
}

/** 256 random bits, base64url: a CSRF secret for one browser session. */
export function newCsrfToken(): string {
  return randomBytes(32).toString('base64url');
}

type CookieRole = 'access' | 'refresh' | 'csrf';

/**
 * Attributes per cookie. The access cookie is SameSite=Lax so a top-level navigation to the demo
 * page still carries it; the refresh cookie is Strict and scoped to /auth; the CSRF cookie is
 * the one cookie script may read (the page echoes it in X-CSRF-Token).
 */
function attributes(role: CookieRole, options: SessionCookieOptions, maxAgeSeconds: number): CookieAttributes {
  switch (role) {
    case 'access':
      return { path: '/', maxAgeSeconds, httpOnly: true, secure: options.secure, sameSite: 'Lax' };
    case 'refresh':
      return { path: REFRESH_COOKIE_PATH, maxAgeSeconds, httpOnly: true, secure: options.secure, sameSite: 'Strict' };
    case 'csrf':
      return { path: '/', maxAgeSeconds, httpOnly: false, secure: options.secure, sameSite: 'Lax' };
  }
}

/**
 * Puts a freshly issued pair into cookies, with `csrfToken` beside it. The response must not be
 * cached by anyone (RFC 6749 §5.1 in spirit: it carries credentials).
 */
export function setSessionCookies(res: Response, pair: TokenPair, csrfToken: string, options: SessionCookieOptions): void {
  res.set({ 'Cache-Control': 'no-store', Pragma: 'no-cache' });
  res.append('Set-Cookie', [
    serializeCookie(ACCESS_COOKIE, pair.access_token, attributes('access', options, pair.expires_in)),
    serializeCookie(REFRESH_COOKIE, pair.refresh_token, attributes('refresh', options, options.refreshTokenTtlSeconds)),
    serializeCookie(CSRF_COOKIE, csrfToken, attributes('csrf', options, options.refreshTokenTtlSeconds)),
  ]);
}

/** Expires every session cookie now, with the Path and attributes it was set with (else the browser keeps it). */
export function clearSessionCookies(res: Response, options: SessionCookieOptions): void {
  res.set({ 'Cache-Control': 'no-store', Pragma: 'no-cache' });
  res.append('Set-Cookie', [
    serializeCookie(ACCESS_COOKIE, '', attributes('access', options, 0)),
    serializeCookie(REFRESH_COOKIE, '', attributes('refresh', options, 0)),
    serializeCookie(CSRF_COOKIE, '', attributes('csrf', options, 0)),
  ]);
}
