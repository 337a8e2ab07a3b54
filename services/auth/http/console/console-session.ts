import { Router, type Request, type RequestHandler, type Response } from 'express';
import { isAppError } from '../../../../lib/errors.js';
import { formBody } from '../../../../lib/http/request-body.js';
import type { AccessTokenClaims } from '../../../../lib/verifier/claims.js';
import { CONSOLE_CLIENT_ID, CONSOLE_PATH } from '../../domain/admin/console-client.js';
import { adminRefusal } from '../admin/admin-auth.js';
import { consoleCookies, type TokenPair } from './console-cookies.js';
import { sendConsolePage } from './console-layout.js';
import { notAdminPage, refusedPage } from './console-refusals.js';
import { consoleSignIn, type ConsoleSignInDeps } from './console-sign-in.js';

export interface ConsoleSessionDeps extends ConsoleSignInDeps {
  /** `Secure` on the cookies (COOKIE_SECURE). */
  secure: boolean;
}

/** The signed-in admin of a console request (after `requireAdmin`). */
export interface ConsoleAdmin {
  claims: AccessTokenClaims;
  /** The value every form of this sign-in carries. */
  csrf: string;
}

/**
 * The console's session: every request checks the admin's token with the service's verifier and
 * the admin API's rule (role `admin` and scope `admin`, admin-auth.ts `adminRefusal`), so a token
 * revoked, expired or without the role stops working here at once, as it does at /admin; every
 * post must carry the sign-in's CSRF value. Sign-out ends the session.
 */
export function consoleSession(deps: ConsoleSessionDeps) {
  const { oauth, verifyAccessToken, endSession } = deps;
  const cookies = consoleCookies(deps.secure);
  const signIn = consoleSignIn(deps, cookies);

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

  /**
   * Every console page and form after sign-in: the admin's live token (renewed with the refresh
   * token once expired), or else a new sign-in for a page; a post is not replayed after one (the
   * admin sees what happened and sends it again). A session ended elsewhere (role taken away, lock,
   * deletion, sign-out) has no live token and no usable refresh token, so it stops here at once.
   */
  const requireAdmin: RequestHandler = async (req, res, next) => {
    let claims = await verified(cookies.accessToken(req));
    if (claims === undefined) {
      const pair = await refreshed(cookies.refreshToken(req));
      if (pair) {
        cookies.keepTokens(res, pair);
        claims = await verified(pair.access_token);
      }
    }
    // Without the forms' secret (cookies cleared) no form could post: a new sign-in brings a fresh one.
    const csrf = claims === undefined ? undefined : cookies.currentCsrf(req, claims);
    if (claims === undefined || csrf === undefined) {
      // Cleared only when they came: a cross-site post (which carries none) must not sign the admin out.
      if (cookies.accessToken(req) !== undefined || cookies.refreshToken(req) !== undefined) cookies.forgetTokens(res);
      if (req.method === 'GET' || req.method === 'HEAD') return signIn.startSignIn(res, req.path);
      return refusedPage(res, 401, 'Signed out', 'Your console sign-in has ended. Nothing was changed; sign in and send it again.');
    }
    if (adminRefusal(claims)) {
      cookies.forgetTokens(res);
      return notAdminPage(res);
    }
    res.locals.consoleAdmin = { claims, csrf } satisfies ConsoleAdmin;
    next();
  };

  /** After requireAdmin on every POST: the form must carry this sign-in's CSRF value (403 and nothing done otherwise). */
  const requireForm: RequestHandler[] = [
    formBody(),
    (req, res, next) => {
      const body = (req.body ?? {}) as Record<string, unknown>;
      if (!cookies.validCsrf(req, body.csrf, consoleAdminOf(res).claims)) {
        return refusedPage(res, 403, 'Form refused', 'This form has expired or was not sent from the console. Nothing was changed.');
      }
      next();
    },
  ];

  const router = Router();
  router.use(signIn.router);
  router.post(`${CONSOLE_PATH}/logout`, requireAdmin, ...requireForm, async (req, res) => {
    // The console's session ends (every verifier refuses its tokens); the single sign-on session at /oauth stays.
    await endSession({ accessToken: cookies.accessToken(req), refreshToken: cookies.refreshToken(req) });
    cookies.forgetAll(res);
    sendConsolePage(res, 200, 'Signed out', '<h1>You are signed out of the console</h1><p role="status"><a href="/console/login">Sign in again</a>.</p>');
  });

  return { router, requireAdmin, requireForm };
}

export function consoleAdminOf(res: Response): ConsoleAdmin {
  const admin = res.locals.consoleAdmin as ConsoleAdmin | undefined;
  if (!admin) throw new Error('consoleAdminOf used on a route without requireAdmin');
  return admin;
}

/** Whether a form's destructive act was confirmed (its checkbox ticked). */
export const confirmed = (req: Request) => ((req.body ?? {}) as Record<string, unknown>).confirm === 'yes';
