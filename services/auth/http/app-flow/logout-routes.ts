import { Router, type Request, type Response } from 'express';
import { formBody } from '../../../../lib/http/request-body.js';
import type { LogoutParams, LogoutStep, LogoutTarget, RpLogout } from '../../domain/app-flow/rp-logout.js';
import { errorPage, hiddenFields, logoutConfirmPage, sendPage, SIGNED_OUT_PAGE } from './app-pages.js';
import { formCsrf } from './form-csrf.js';
import { cookieValue, hostedCookie, LOGIN_SESSION_COOKIE } from './hosted-cookies.js';
import { queryParams } from './query-params.js';

export interface LogoutRoutesDeps {
  logout: RpLogout;
  /** `Secure` on the cookies (COOKIE_SECURE). */
  secure: boolean;
}

/** A single string parameter; a repeated or absent one is undefined. */
function single(values: readonly string[] | undefined): string | undefined {
  return values?.length === 1 && values[0] !== '' ? values[0] : undefined;
}

/**
 * GET /oauth/logout (RP-Initiated Logout 1.0: `id_token_hint`, `client_id`,
 * `post_logout_redirect_uri`, `state`) and POST /oauth/logout, the confirmation page's form. The
 * hosted-page rules hold: strict CSP, no script, the bound CSRF token of form-csrf.ts.
 */
export function logoutRoutes({ logout, secure }: LogoutRoutesDeps): Router {
  const router = Router();
  const form = formBody();
  const csrf = formCsrf({ secure });

  function answer(req: Request, res: Response, step: LogoutStep): void {
    if (step.step === 'refused') {
      sendPage(res, 400, 'Sign-out error', errorPage(step.message, 'Sign-out cannot continue'));
      return;
    }
    if (step.step === 'confirm') {
      confirmation(req, res, step.target);
      return;
    }
    res.append('Set-Cookie', hostedCookie(LOGIN_SESSION_COOKIE, '', { maxAgeSeconds: 0, sameSite: 'Lax', secure }));
    if (step.location) return void res.set('Cache-Control', 'no-store').redirect(req.method === 'POST' ? 303 : 302, step.location);
    sendPage(res, 200, 'Signed out', SIGNED_OUT_PAGE);
  }

  function confirmation(req: Request, res: Response, target: LogoutTarget): void {
    const fields: Record<string, string> = { csrf: csrf.issue(res, cookieValue(req, LOGIN_SESSION_COOKIE)) };
    if (target.client) fields.client_id = target.client.clientId;
    if (target.postLogoutRedirectUri !== undefined) fields.post_logout_redirect_uri = target.postLogoutRedirectUri;
    if (target.state !== undefined) fields.state = target.state;
    // Chromium applies form-action to the redirect that follows the post: allow the registered URI's origin.
    const targets = target.postLogoutRedirectUri === undefined ? [] : [new URL(target.postLogoutRedirectUri).origin].filter((origin) => origin !== 'null');
    const appName = target.client ? (target.client.clientName ?? target.client.clientId) : undefined;
    sendPage(res, 200, 'Sign out?', logoutConfirmPage({ ...(appName ? { appName } : {}), action: '/oauth/logout', hidden: hiddenFields(fields) }), targets);
  }

  router.get('/oauth/logout', async (req, res) => {
    const query = queryParams(req.url);
    const params: LogoutParams = {
      idTokenHint: single(query.get('id_token_hint')),
      clientId: single(query.get('client_id')),
      postLogoutRedirectUri: single(query.get('post_logout_redirect_uri')),
      state: single(query.get('state')),
    };
    answer(req, res, await logout.request(params, cookieValue(req, LOGIN_SESSION_COOKIE)));
  });

  router.post('/oauth/logout', form, async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (!csrf.valid(req, body.csrf)) {
      sendPage(res, 403, 'Sign-out error', errorPage('This form has expired or was not sent from this site. You are still signed in.', 'Sign-out cannot continue'));
      return;
    }
    const text = (name: string) => (typeof body[name] === 'string' && body[name] !== '' ? (body[name] as string) : undefined);
    const params: LogoutParams = { clientId: text('client_id'), postLogoutRedirectUri: text('post_logout_redirect_uri'), state: text('state') };
    answer(req, res, await logout.confirm(params, cookieValue(req, LOGIN_SESSION_COOKIE)));
  });

  return router;
}
