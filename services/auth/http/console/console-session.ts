import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { Router, type Request, type RequestHandler, type Response } from 'express';
import { isAppError } from '../../../../lib/errors.js';
import type { AccessTokenClaims } from '../../../../lib/verifier/claims.js';
import { CONSOLE_CLIENT_ID, CONSOLE_PATH, consoleRedirectUri } from '../../domain/admin/console-client.js';
import type { OAuthUseCases } from '../../domain/oauth/oauth-use-cases.js';
import type { EndSessionInput } from '../../domain/sessions/end-session.js';
import { adminRefusal } from '../admin/admin-auth.js';
import { boundFormCsrf } from '../app-flow/form-csrf.js';
import { cookieValue, hostedCookie } from '../app-flow/hosted-cookies.js';
import { queryParams } from '../app-flow/query-params.js';
import { formBody } from '../../../../lib/http/request-body.js';
import { escapeHtml } from '../app-flow/app-pages.js';
import { sendConsolePage } from './console-layout.js';

/** The admin's access token (HttpOnly, Path /console): the console is a BFF, the browser never sees the token to script with. */
const SESSION_COOKIE = 'auth_console';
/** The refresh token of the console's session, for a new access token when the last one expired. */
const REFRESH_COOKIE = 'auth_console_refresh';
/** How long a console sign-in lasts without a new password at most (the single sign-on session's length). */
const CONSOLE_SESSION_SECONDS = 8 * 3600;
/** state, PKCE verifier and where to return, between the start of a sign-in and its callback. */
const FLOW_COOKIE = 'auth_console_flow';
/** The secret of the console's forms (form-csrf.ts), one per sign-in. */
const CSRF_COOKIE = 'auth_console_csrf';
const FLOW_TTL_SECONDS = 600;

export interface ConsoleSessionDeps {
  /** The OAuth use cases: the code is redeemed through the same token endpoint logic as any app's. */
  oauth: OAuthUseCases;
  /** The verifier of this service's access tokens (signature, expiry, revocation). */
  verifyAccessToken: (token: string) => Promise<AccessTokenClaims>;
  /** Ends a token session (its refresh family and every access token of its sid), as a logout does. */
  endSession: (input: EndSessionInput) => Promise<void>;
  issuer: string;
  /** AUTH_PUBLIC_URL: where the browser reaches the authorization endpoint and the console. */
  publicUrl: string;
  secure: boolean;
}

/** The signed-in admin of a console request (after `requireAdmin`). */
export interface ConsoleAdmin {
  claims: AccessTokenClaims;
  /** The value every form of this sign-in carries. */
  csrf: string;
}

const sha256 = (value: string) => createHash('sha256').update(value, 'ascii').digest('base64url');
const random = () => randomBytes(32).toString('base64url');
const sameText = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
/** Only a console page may be returned to after sign-in: never another path or site (open redirect). */
const consoleReturn = (value: string | undefined) => (value && /^\/console\/[\w\-/]*$/.test(value) ? value : `${CONSOLE_PATH}/`);

/**
 * The console's sign-in as a backend-for-frontend: authorization code + PKCE (RFC 7636) against
 * this server's own /oauth/authorize as the public client `authgate-console`, the code redeemed
 * here, server-side, through the token endpoint's use case; the access token kept in an HttpOnly
 * cookie at Path /console. Every request checks that token with the service's verifier and the
 * admin API's rule (role `admin` and scope `admin`, admin-auth.ts `adminRefusal`), so a token
 * revoked, expired or without the role stops working here at once, as it does at /admin.
 */
export function consoleSession({ oauth, verifyAccessToken, endSession, issuer, publicUrl, secure }: ConsoleSessionDeps) {
  const cookie = (name: string, value: string, maxAgeSeconds: number, sameSite: 'Lax' | 'Strict' = 'Lax') =>
    hostedCookie(name, value, { maxAgeSeconds, sameSite, secure, path: CONSOLE_PATH });
  const csrf = boundFormCsrf({ secure, cookie: CSRF_COOKIE, path: CONSOLE_PATH, ttlSeconds: CONSOLE_SESSION_SECONDS });
  const redirectUri = consoleRedirectUri(publicUrl);
  // The session's sid (one per sign-in) binds the forms: a form of an earlier sign-in does not post.
  const bindingOf = (claims: AccessTokenClaims) => `console\0${claims.sid ?? claims.jti}`;
  const forget = (res: Response) => {
    res.append('Set-Cookie', cookie(SESSION_COOKIE, '', 0));
    res.append('Set-Cookie', cookie(REFRESH_COOKIE, '', 0));
  };
  /** Keeps a token pair of the console's session in its cookies. */
  const keep = (res: Response, pair: TokenPair) => {
    res.append('Set-Cookie', cookie(SESSION_COOKIE, pair.access_token, pair.expires_in));
    res.append('Set-Cookie', cookie(REFRESH_COOKIE, pair.refresh_token, CONSOLE_SESSION_SECONDS));
  };

  /** A new pair from the refresh token (rotated), through the token endpoint's use case; null when the session is over. */
  async function refreshed(refreshToken: string | undefined): Promise<TokenPair | null> {
    if (refreshToken === undefined) return null;
    try {
      return (await oauth.token({ authorization: undefined, params: { grant_type: 'refresh_token', client_id: CONSOLE_CLIENT_ID, refresh_token: refreshToken } })) as TokenPair;
    } catch (err) {
      if (!isAppError(err) || err.status >= 500) throw err;
      return null;
    }
  }

  function startSignIn(res: Response, returnTo: string | undefined): void {
    const state = random();
    const verifier = random();
    res.append('Set-Cookie', cookie(FLOW_COOKIE, `${state}.${verifier}.${Buffer.from(consoleReturn(returnTo)).toString('base64url')}`, FLOW_TTL_SECONDS));
    const query = new URLSearchParams({
      response_type: 'code',
      client_id: CONSOLE_CLIENT_ID,
      redirect_uri: redirectUri,
      scope: 'openid admin',
      state,
      code_challenge: sha256(verifier),
      code_challenge_method: 'S256',
    });
    res.set('Cache-Control', 'no-store').redirect(302, `${publicUrl}/oauth/authorize?${query}`);
  }

  function refusedPage(res: Response, status: number, heading: string, text: string): void {
    sendConsolePage(
      res,
      status,
      heading,
      `<h1>${escapeHtml(heading)}</h1>
<p class="error" role="alert">${escapeHtml(text)}</p>
<p><a href="/console/login">Sign in again</a> (with another account, sign out of authgate first: <a href="/oauth/logout">sign out</a>).</p>`,
    );
  }

  const notAdmin = (res: Response) =>
    refusedPage(res, 403, 'No access to the console', 'You are signed in, but your account does not have the admin role. Ask an administrator to give it to you.');

  const router = Router();

  router.get(`${CONSOLE_PATH}/login`, (req, res) => startSignIn(res, queryParams(req.url).get('return_to')?.[0]));

  router.get(`${CONSOLE_PATH}/callback`, async (req, res) => {
    const params = queryParams(req.url);
    const one = (name: string) => (params.get(name)?.length === 1 ? params.get(name)![0] : undefined);
    const [state, verifier, encodedReturn] = (cookieValue(req, FLOW_COOKIE) ?? '').split('.');
    res.append('Set-Cookie', cookie(FLOW_COOKIE, '', 0));
    // RFC 6749 §10.12: the answer must belong to the sign-in this browser started.
    const returned = one('state');
    if (!state || !verifier || !returned || !sameText(returned, state) || (one('iss') !== undefined && one('iss') !== issuer)) {
      return refusedPage(res, 400, 'Sign-in did not complete', 'This sign-in answer does not belong to a sign-in started here, or it took too long. Nothing was changed.');
    }
    const error = one('error');
    // The user holds none of the scopes the console asks for (no admin role): the authorization server says so.
    if (error === 'invalid_scope' || error === 'access_denied') return notAdmin(res);
    if (error !== undefined || one('code') === undefined) return refusedPage(res, 400, 'Sign-in did not complete', 'The sign-in was not completed. Nothing was changed.');
    let pair: TokenPair;
    try {
      pair = (await oauth.token({
        authorization: undefined,
        params: { grant_type: 'authorization_code', client_id: CONSOLE_CLIENT_ID, code: one('code'), redirect_uri: redirectUri, code_verifier: verifier },
      })) as TokenPair;
    } catch (err) {
      if (!isAppError(err) || err.status >= 500) throw err;
      return refusedPage(res, 400, 'Sign-in did not complete', 'The sign-in code was not accepted (used, expired or not for the console). Nothing was changed.');
    }
    const claims = await verifyAccessToken(pair.access_token);
    if (adminRefusal(claims)) {
      // The session is of no use here: it is ended rather than left alive.
      await endSession({ accessToken: pair.access_token, refreshToken: pair.refresh_token });
      return notAdmin(res);
    }
    keep(res, pair);
    csrf.issue(res, bindingOf(claims));
    res.set('Cache-Control', 'no-store').redirect(303, consoleReturn(Buffer.from(encodedReturn ?? '', 'base64url').toString('utf8')));
  });

  /** The verified claims of a live token, or undefined for one refused (expired, revoked, not ours). */
  async function verified(token: string | undefined): Promise<AccessTokenClaims | undefined> {
    if (token === undefined) return undefined;
    try {
      return await verifyAccessToken(token);
    } catch (err) {
      if (!isAppError(err) || err.status >= 500) throw err;
      return undefined;
    }
  }

  /**
   * Every console page and form after sign-in: the admin's live token (renewed with the refresh
   * token once expired), or else a new sign-in for a page; a post is not replayed after one (the
   * admin sees what happened and sends it again). A session ended elsewhere (role taken away, lock,
   * deletion, sign-out) has no live token and no usable refresh token, so it stops here at once.
   */
  const requireAdmin: RequestHandler = async (req, res, next) => {
    let claims = await verified(cookieValue(req, SESSION_COOKIE));
    if (claims === undefined) {
      const pair = await refreshed(cookieValue(req, REFRESH_COOKIE));
      if (pair) {
        keep(res, pair);
        claims = await verified(pair.access_token);
      }
    }
    // Without the form secret (cookies cleared) no form could post: a new sign-in brings a fresh one.
    const value = claims === undefined ? undefined : csrf.current(req, bindingOf(claims));
    if (claims === undefined || value === undefined) {
      forget(res);
      if (req.method === 'GET' || req.method === 'HEAD') return startSignIn(res, req.path);
      return refusedPage(res, 401, 'Signed out', 'Your console sign-in has ended. Nothing was changed; sign in and send it again.');
    }
    if (adminRefusal(claims)) {
      forget(res);
      return notAdmin(res);
    }
    res.locals.consoleAdmin = { claims, csrf: value } satisfies ConsoleAdmin;
    next();
  };

  /** After requireAdmin on every POST: the form must carry this sign-in's CSRF value (403 and nothing done otherwise). */
  const form = formBody();
  const requireForm: RequestHandler[] = [
    form,
    (req, res, next) => {
      const admin = consoleAdminOf(res);
      const body = (req.body ?? {}) as Record<string, unknown>;
      if (!csrf.valid(req, body.csrf, bindingOf(admin.claims))) {
        return refusedPage(res, 403, 'Form refused', 'This form has expired or was not sent from the console. Nothing was changed.');
      }
      next();
    },
  ];

  router.post(`${CONSOLE_PATH}/logout`, requireAdmin, ...requireForm, async (req, res) => {
    // The console's session ends (every verifier refuses its tokens); the single sign-on session at /oauth stays.
    await endSession({ accessToken: cookieValue(req, SESSION_COOKIE), refreshToken: cookieValue(req, REFRESH_COOKIE) });
    forget(res);
    res.append('Set-Cookie', cookie(CSRF_COOKIE, '', 0, 'Strict'));
    sendConsolePage(res, 200, 'Signed out', '<h1>You are signed out of the console</h1><p role="status"><a href="/console/login">Sign in again</a>.</p>');
  });

  return { router, requireAdmin, requireForm };
}

/** What the token endpoint answers the console (authorization_code and refresh_token grants). */
interface TokenPair {
  access_token: string;
  expires_in: number;
  refresh_token: string;
}

export function consoleAdminOf(res: Response): ConsoleAdmin {
  const admin = res.locals.consoleAdmin as ConsoleAdmin | undefined;
  if (!admin) throw new Error('consoleAdminOf used on a route without requireAdmin');
  return admin;
}

/** Whether a form's destructive act was confirmed (its checkbox ticked). */
export const confirmed = (req: Request) => ((req.body ?? {}) as Record<string, unknown>).confirm === 'yes';
