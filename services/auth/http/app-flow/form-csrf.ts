import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';
import { cookieValue, hostedCookie, LOGIN_SESSION_COOKIE } from './hosted-cookies.js';

/** The browser's secret of the hosted forms; Strict, so no other site's post carries it. */
export const FORM_CSRF_COOKIE = 'auth_form_csrf';
const FORM_CSRF_TTL_SECONDS = 3600;
const LABEL = 'authgate hosted form v1';

/** The form's token: HMAC of the login session it belongs to (none yet: empty), keyed by the cookie's secret. */
const tokenOf = (secret: string, sid: string | undefined) => createHmac('sha256', secret).update(`${LABEL}\0${sid ?? ''}`).digest('base64url');

/**
 * CSRF of the hosted forms (login, consent, logout confirmation), bound to the browser's state
 * rather than a plain double submit. The cookie holds a fresh random secret that never appears in
 * a page; the form carries an HMAC, under that secret, of the login session (`auth_session`) the
 * page was made for. A cookie planted by a sibling host together with the same value in a form
 * therefore fails; and once the browser has a login session, a forged post would need that
 * session's id, which is HttpOnly and never shown, so consent and logout cannot be forged even
 * with a planted secret. (Before any session exists nothing is secret to bind to; a host able to
 * plant cookies could as well plant its own `auth_session`, see the README.)
 */
export function formCsrf({ secure }: { secure: boolean }) {
  return {
    /** Sets a fresh secret on `res` and returns the form value for a page of login session `sid`. */
    issue(res: Response, sid: string | undefined): string {
      const secret = randomBytes(32).toString('base64url');
      res.append('Set-Cookie', hostedCookie(FORM_CSRF_COOKIE, secret, { maxAgeSeconds: FORM_CSRF_TTL_SECONDS, sameSite: 'Strict', secure }));
      return tokenOf(secret, sid);
    },
    /** Whether the posted value was made for this browser's secret and its current login session. */
    valid(req: Request, presented: unknown): boolean {
      const secret = cookieValue(req, FORM_CSRF_COOKIE);
      if (!secret || typeof presented !== 'string') return false;
      const expected = Buffer.from(tokenOf(secret, cookieValue(req, LOGIN_SESSION_COOKIE)));
      const given = Buffer.from(presented);
      return given.length === expected.length && timingSafeEqual(given, expected);
    },
  };
}

export type FormCsrf = ReturnType<typeof formCsrf>;
