import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';
import { cookieValue, hostedCookie, LOGIN_SESSION_COOKIE } from './hosted-cookies.js';

/** The browser's secret of the hosted forms under /oauth; Strict, so no other site's post carries it. */
export const FORM_CSRF_COOKIE = 'auth_form_csrf';
/** The same secret for the account pages under /account (forgot, reset, verify): its own cookie and path. */
export const ACCOUNT_FORM_CSRF_COOKIE = 'auth_account_csrf';
const FORM_CSRF_TTL_SECONDS = 3600;
const LABEL = 'authgate hosted form v1';

/** The form's token: HMAC of what the form is bound to (none: empty), keyed by the cookie's secret. */
const tokenOf = (secret: string, binding: string | undefined) => createHmac('sha256', secret).update(`${LABEL}\0${binding ?? ''}`).digest('base64url');

/**
 * The one CSRF mechanism of the hosted forms, bound to the browser's state rather than a plain
 * double submit: the cookie (`cookie` at `path`) holds a fresh random secret that never appears in
 * a page; the form carries an HMAC, under that secret, of what the page was made for (`binding`).
 * A cookie planted by a sibling host together with the same value in a form therefore fails
 * unless the binding is known too.
 */
export function boundFormCsrf({ secure, cookie, path, ttlSeconds = FORM_CSRF_TTL_SECONDS }: { secure: boolean; cookie: string; path?: string; ttlSeconds?: number }) {
  return {
    /** Sets a fresh secret on `res` and returns the form value for a page bound to `binding`. */
    issue(res: Response, binding: string | undefined): string {
      const secret = randomBytes(32).toString('base64url');
      res.append('Set-Cookie', hostedCookie(cookie, secret, { maxAgeSeconds: ttlSeconds, sameSite: 'Strict', secure, ...(path ? { path } : {}) }));
      return tokenOf(secret, binding);
    },
    /**
     * The form value for `binding` under the secret the browser already holds (undefined without
     * one), for pages that must not replace it: the console keeps one secret per sign-in, so
     * several of its tabs stay usable.
     */
    current(req: Request, binding: string | undefined): string | undefined {
      const secret = cookieValue(req, cookie);
      return secret ? tokenOf(secret, binding) : undefined;
    },
    /** Whether the posted value was made for this browser's secret and `binding`. */
    valid(req: Request, presented: unknown, binding: string | undefined): boolean {
      const secret = cookieValue(req, cookie);
      if (!secret || typeof presented !== 'string') return false;
      const expected = Buffer.from(tokenOf(secret, binding));
      const given = Buffer.from(presented);
      return given.length === expected.length && timingSafeEqual(given, expected);
    },
  };
}

/**
 * CSRF of the forms under /oauth (login, consent, logout confirmation), bound to the login
 * session (`auth_session`) the page was made for: once the browser has a login session, a forged
 * post would need that session's id, which is HttpOnly and never shown, so consent and logout
 * cannot be forged even with a planted secret. (Before any session exists nothing is secret to
 * bind to; a host able to plant cookies could as well plant its own `auth_session`, see the README.)
 */
export function formCsrf({ secure }: { secure: boolean }) {
  const bound = boundFormCsrf({ secure, cookie: FORM_CSRF_COOKIE });
  return {
    /** Sets a fresh secret on `res` and returns the form value for a page of login session `sid`. */
    issue: (res: Response, sid: string | undefined): string => bound.issue(res, sid),
    /** Whether the posted value was made for this browser's secret and its current login session. */
    valid: (req: Request, presented: unknown): boolean => bound.valid(req, presented, cookieValue(req, LOGIN_SESSION_COOKIE)),
  };
}

export type FormCsrf = ReturnType<typeof formCsrf>;
