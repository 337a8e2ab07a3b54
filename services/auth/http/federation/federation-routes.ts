import { Router, type Response } from 'express';
import { z } from 'zod';
import { isAppError } from '../../../../lib/errors.js';
import { clientAddressOf } from '../../../../lib/http/client-address.js';
import { parseBodyFields, stringField } from '../../../../lib/http/body-fields.js';
import { formBody } from '../../../../lib/http/request-body.js';
import { LOGIN_SESSION_TTL_SECONDS } from '../../domain/app-flow/app-flow.js';
import type { Federation } from '../../domain/federation/federation.js';
import { PENDING_SIGN_IN_TTL_SECONDS } from '../../domain/federation/federation.js';
import { sessionDevice } from '../../domain/sessions/session-device.js';
import { errorPage, sendPage } from '../app-flow/app-pages.js';
import { cookieValue, hostedCookie, LOGIN_SESSION_COOKIE } from '../app-flow/hosted-cookies.js';
import { newCsrfToken, setSessionCookies, type SessionCookieOptions } from '../sessions/session-cookies.js';

/** The browser's secret of its pending federated sign-ins: the callback must carry it back. */
export const FEDERATION_COOKIE = 'auth_federation';
const FEDERATION_COOKIE_PATH = '/auth/federation';
/** Only the app flow's own page continues a pending authorization request; anything else is a page. */
const AUTHORIZE_PATH = '/oauth/authorize';

const logoutBody = z.object({ logout_token: stringField().max(16_384) });

export interface FederationRoutesDeps {
  federation: Federation;
  /** Cookie attributes of the browser session (COOKIE_SECURE, refresh TTL). */
  cookies: SessionCookieOptions;
}

/**
 * GET /auth/federation/:id/start and /callback (the round trip to an upstream provider, answered
 * with pages: a browser is at the other end) and POST /auth/federation/:id/backchannel-logout
 * (the upstream's server, answered in JSON per OIDC Back-Channel Logout 1.0 §2.8).
 */
export function federationRoutes({ federation, cookies }: FederationRoutesDeps): Router {
  const router = Router();
  const secure = cookies.secure;

  router.get('/auth/federation/:id/start', async (req, res) => {
    await asPage(res, async () => {
      const returnTo = typeof req.query.return_to === 'string' ? req.query.return_to : Array.isArray(req.query.return_to) ? '\u0000' : undefined;
      const { location, browserSecret } = await federation.start(String(req.params.id), { returnTo, browserSecret: cookieValue(req, FEDERATION_COOKIE) });
      setFederationCookie(res, browserSecret, secure);
      res.set('Cache-Control', 'no-store').redirect(302, location);
    });
  });

  router.get('/auth/federation/:id/callback', async (req, res) => {
    await asPage(res, async () => {
      const callback = new URL(req.originalUrl, 'http://callback.invalid');
      const { user, session, returnTo } = await federation.callback(String(req.params.id), callback, cookieValue(req, FEDERATION_COOKIE), clientAddressOf(req));
      // The login session of the hosted pages (single sign-on), as the password form sets it.
      res.append('Set-Cookie', hostedCookie(LOGIN_SESSION_COOKIE, session.sid, { maxAgeSeconds: LOGIN_SESSION_TTL_SECONDS, sameSite: 'Lax', secure }));
      if (!isAuthorizeRequest(returnTo)) {
        // Back to a page: it is signed in with the browser-session cookies.
        const pair = await federation.browserSession(user, session, sessionDevice(req.get('user-agent'), clientAddressOf(req)));
        setSessionCookies(res, pair, newCsrfToken(), cookies);
      }
      res.set('Cache-Control', 'no-store').redirect(302, returnTo);
    });
  });

  router.post('/auth/federation/:id/backchannel-logout', formBody(), async (req, res) => {
    const { logout_token: token } = parseBodyFields(logoutBody, req.body);
    await federation.backchannelLogout(String(req.params.id), token);
    res.set('Cache-Control', 'no-store').status(200).end();
  });

  return router;
}

export function setFederationCookie(res: Response, browserSecret: string, secure: boolean): void {
  // Lax: the callback is a top-level navigation from the upstream's site, which Strict would strip.
  res.append('Set-Cookie', hostedCookie(FEDERATION_COOKIE, browserSecret, { maxAgeSeconds: PENDING_SIGN_IN_TTL_SECONDS, sameSite: 'Lax', secure, path: FEDERATION_COOKIE_PATH }));
}

function isAuthorizeRequest(returnTo: string): boolean {
  return returnTo === AUTHORIZE_PATH || returnTo.startsWith(`${AUTHORIZE_PATH}?`);
}

/** A refusal shown as a page with its status; anything unexpected goes to the one error renderer. */
async function asPage(res: Response, work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (err) {
    if (!isAppError(err) || (err.status >= 500 && err.status !== 504)) throw err;
    sendPage(res, err.status, 'Sign-in error', errorPage(`${capitalize(err.message)}.`));
  }
}

/** A sentence for the page; a message that starts with a field's name (`return_to: ...`) keeps it as written. */
const capitalize = (text: string) => (/^[a-z_]+:/.test(text) ? text : text.charAt(0).toUpperCase() + text.slice(1));
