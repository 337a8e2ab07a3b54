import { Router, type Request, type RequestHandler } from 'express';
import { z } from 'zod';
import { isAppError } from '../../../../lib/errors.js';
import { readCookie } from '../../../../lib/http/cookies.js';
import { checkCsrf, checkOriginIfPresent, CSRF_COOKIE } from '../../../../lib/http/csrf.js';
import { jsonBody } from '../../../../lib/http/request-body.js';
import { clientAddressOf } from '../../../../lib/http/client-address.js';
import type { AuthUseCases } from '../../domain/first-party-use-cases.js';
import { authErrors } from '../../domain/errors.js';
import { parseBodyFields, stringField } from '../../../../lib/http/body-fields.js';
import { parseSecondStep } from '../mfa/second-step-body.js';
import { ACCESS_COOKIE, clearSessionCookies, newCsrfToken, REFRESH_COOKIE, setSessionCookies, type SessionCookieOptions } from './session-cookies.js';

/** How the browser-session endpoints behave in this deployment (from COOKIE_SECURE, ALLOWED_ORIGINS, the TTLs). */
export interface BrowserSessionOptions extends SessionCookieOptions {
  /** Origins whose pages may use the session (the gateway's public origin(s)). */
  allowedOrigins: ReadonlySet<string>;
}

const loginBody = z.object({ username: stringField(), password: stringField() });

/** The value of a session cookie; a name sent twice counts as absent (which one would we trust?). */
function cookie(req: Request, name: string): string | undefined {
  const found = readCookie(req.headers.cookie, name);
  return found.kind === 'present' && found.value !== '' ? found.value : undefined;
}

/**
 * Cookie mode of the user API (contract, "Browser session"): the same login, refresh (with its
 * reuse detection) and logout use cases as the JSON API, with tokens carried in cookies. The
 * CSRF proof for the cookie-authenticated endpoints is checked here, not in the gateway, so it
 * holds whether the browser comes through the gateway or straight to this service.
 */
export function browserSessionRoutes(auth: AuthUseCases, options: BrowserSessionOptions): Router {
  const router = Router();
  // Login has no CSRF cookie to compare yet; a foreign Origin is still refused (login CSRF).
  const sameOriginLogin: RequestHandler = (req, _res, next) => next(checkOriginIfPresent(req.headers, options.allowedOrigins));
  const csrfProof: RequestHandler = (req, _res, next) => next(checkCsrf(req.headers, options.allowedOrigins));
  router.use('/auth/session', jsonBody());

  router.post('/auth/session', sameOriginLogin, async (req, res) => {
    const { username, password } = parseBodyFields(loginBody, req.body);
    const pair = await auth.login({ username, password, clientIp: clientAddressOf(req), userAgent: req.get('user-agent') });
    setSessionCookies(res, pair, newCsrfToken(), options);
    res.status(204).end();
  });

  // After 401 mfa_required from POST /auth/session: the second step, then the same cookies.
  router.post('/auth/session/mfa', sameOriginLogin, async (req, res) => {
    const pair = await auth.completeLogin({ ...parseSecondStep(req.body), clientIp: clientAddressOf(req), userAgent: req.get('user-agent') });
    setSessionCookies(res, pair, newCsrfToken(), options);
    res.status(204).end();
  });

  router.post('/auth/session/refresh', csrfProof, async (req, res) => {
    const refreshToken = cookie(req, REFRESH_COOKIE);
    try {
      if (refreshToken === undefined) throw authErrors.invalidGrant('REFRESH_TOKEN_MISSING');
      const pair = await auth.refresh(refreshToken);
      // The CSRF secret stays the same for the session: a request already in flight with the
      // current header value must not fail because a refresh ran beside it.
      setSessionCookies(res, pair, cookie(req, CSRF_COOKIE) ?? newCsrfToken(), options);
      res.status(204).end();
    } catch (err) {
      // A refused refresh (spent, reused, unknown) ends the browser session: the page logs in again.
      if (isAppError(err) && err.status === 401) clearSessionCookies(res, options);
      throw err;
    }
  });

  router.delete('/auth/session', csrfProof, async (req, res) => {
    await auth.endSession({ accessToken: cookie(req, ACCESS_COOKIE), refreshToken: cookie(req, REFRESH_COOKIE) });
    clearSessionCookies(res, options);
    res.status(204).end();
  });

  return router;
}
