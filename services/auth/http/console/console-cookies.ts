import type { Request, Response } from 'express';
import type { AccessTokenClaims } from '../../../../lib/verifier/claims.js';
import { CONSOLE_PATH } from '../../domain/admin/console-client.js';
import { boundFormCsrf } from '../app-flow/form-csrf.js';
import { cookieValue, hostedCookie } from '../app-flow/hosted-cookies.js';

/** The admin's access token: the console is a BFF, no script of the browser ever sees a token. */
const ACCESS_COOKIE = 'auth_console';
/** The refresh token of the console's session, for a new access token when the last one expired. */
const REFRESH_COOKIE = 'auth_console_refresh';
/** state, PKCE verifier and where to return, between the start of a sign-in and its callback. */
const FLOW_COOKIE = 'auth_console_flow';
/** The secret of the console's forms (form-csrf.ts), one per sign-in. */
const CSRF_COOKIE = 'auth_console_csrf';
/** How long a console sign-in lasts at most without a new password (the single sign-on session's length). */
const CONSOLE_SESSION_SECONDS = 8 * 3600;
const FLOW_TTL_SECONDS = 600;

/** What the token endpoint answers the console (authorization_code and refresh_token grants). */
export interface TokenPair {
  access_token: string;
  expires_in: number;
  refresh_token: string;
}

/** The sign-in in progress: its state, PKCE verifier and the console path to return to. */
export interface SignInFlow {
  state: string;
  verifier: string;
  returnTo: string;
}

/**
 * The console's cookies, all HttpOnly, host-only and at Path /console: the token pair (Lax, so
 * the redirect back from the sign-in carries them), the sign-in in progress, and the secret of the
 * forms (Strict), whose values are bound to the session's sid so a form of another sign-in fails.
 */
export function consoleCookies(secure: boolean) {
  const cookie = (name: string, value: string, maxAgeSeconds: number) => hostedCookie(name, value, { maxAgeSeconds, sameSite: 'Lax', secure, path: CONSOLE_PATH });
  const csrf = boundFormCsrf({ secure, cookie: CSRF_COOKIE, path: CONSOLE_PATH, ttlSeconds: CONSOLE_SESSION_SECONDS });
  const bindingOf = (claims: AccessTokenClaims) => `console\0${claims.sid ?? claims.jti}`;
  const forgetTokens = (res: Response) => {
    res.append('Set-Cookie', cookie(ACCESS_COOKIE, '', 0));
    res.append('Set-Cookie', cookie(REFRESH_COOKIE, '', 0));
  };

  return {
    accessToken: (req: Request) => cookieValue(req, ACCESS_COOKIE),
    refreshToken: (req: Request) => cookieValue(req, REFRESH_COOKIE),
    keepTokens(res: Response, pair: TokenPair): void {
      res.append('Set-Cookie', cookie(ACCESS_COOKIE, pair.access_token, pair.expires_in));
      res.append('Set-Cookie', cookie(REFRESH_COOKIE, pair.refresh_token, CONSOLE_SESSION_SECONDS));
    },
    forgetTokens,
    /** Everything of the sign-in: tokens and the forms' secret. */
    forgetAll(res: Response): void {
      forgetTokens(res);
      res.append('Set-Cookie', hostedCookie(CSRF_COOKIE, '', { maxAgeSeconds: 0, sameSite: 'Strict', secure, path: CONSOLE_PATH }));
    },

    startFlow(res: Response, flow: SignInFlow): void {
      res.append('Set-Cookie', cookie(FLOW_COOKIE, `${flow.state}.${flow.verifier}.${Buffer.from(flow.returnTo).toString('base64url')}`, FLOW_TTL_SECONDS));
    },
    /** The sign-in this browser started (undefined without one); the cookie is spent either way. */
    takeFlow(req: Request, res: Response): SignInFlow | undefined {
      res.append('Set-Cookie', cookie(FLOW_COOKIE, '', 0));
      const [state, verifier, returnTo] = (cookieValue(req, FLOW_COOKIE) ?? '').split('.');
      if (!state || !verifier) return undefined;
      return { state, verifier, returnTo: Buffer.from(returnTo ?? '', 'base64url').toString('utf8') };
    },

    /** A fresh forms secret for a new sign-in. */
    issueCsrf: (res: Response, claims: AccessTokenClaims) => csrf.issue(res, bindingOf(claims)),
    /** The forms' value of this sign-in, or undefined when the browser has no secret. */
    currentCsrf: (req: Request, claims: AccessTokenClaims) => csrf.current(req, bindingOf(claims)),
    validCsrf: (req: Request, presented: unknown, claims: AccessTokenClaims) => csrf.valid(req, presented, bindingOf(claims)),
  };
}

export type ConsoleCookies = ReturnType<typeof consoleCookies>;
