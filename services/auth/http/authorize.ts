import { randomBytes, timingSafeEqual } from 'node:crypto';
import express, { Router, type Request, type RequestHandler, type Response } from 'express';
import { isAppError } from '../../../lib/errors.js';
import { readCookie, serializeCookie } from '../../../lib/http/cookies.js';
import type { AppFlow, AuthorizeStep } from '../domain/authorize/app-flow.js';
import { LOGIN_SESSION_TTL_SECONDS } from '../domain/authorize/app-flow.js';
import { parseAuthorizationRequest, redirectWith, type AuthorizationRequest, type RawParams } from '../domain/authorize/authorization-request.js';
import type { ClientStore } from '../domain/ports/client-store.js';
import { authorizeQuery } from './authorize-query.js';
import { consentPage, errorPage, hiddenFields, loginPage, sendPage } from './app-pages.js';
import { callerTokenOf } from './bearer-auth.js';

/** The auth server's login session (single sign-on): only /oauth/* (authorize, logout) sees it. */
export const LOGIN_SESSION_COOKIE = 'auth_session';
/** Double-submit CSRF token of the hosted forms; Strict, so no other site's post carries it. */
export const FORM_CSRF_COOKIE = 'auth_form_csrf';
const COOKIE_PATH = '/oauth';
/** Authorization parameters the forms carry on; anything else in the form is the form's own. */
const CARRIED = ['client_id', 'redirect_uri', 'response_type', 'scope', 'state', 'nonce', 'code_challenge', 'code_challenge_method', 'max_age'] as const;

export interface AuthorizeRoutesDeps {
  flow: AppFlow;
  /** RFC 9207 `iss` of every authorization response, errors included. */
  issuer: string;
  clients: ClientStore;
  /** bearerAuth: the access token (Bearer, or DPoP with its proof) that /oauth/userinfo answers for. */
  authenticated: RequestHandler;
  /** `Secure` on the cookies (COOKIE_SECURE). */
  secure: boolean;
}

function paramsOf(source: Record<string, unknown>, only?: readonly string[]): RawParams {
  const params = new Map<string, string[]>();
  for (const [name, value] of Object.entries(source)) {
    if (only && !only.includes(name)) continue;
    const values = (Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === 'string');
    if (values.length > 0) params.set(name, values);
  }
  return params;
}

function cookieValue(req: Request, name: string): string | undefined {
  const found = readCookie(req.headers.cookie, name);
  return found.kind === 'present' && found.value !== '' ? found.value : undefined;
}

const sameSecret = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/**
 * GET|POST /oauth/authorize (the hosted login and consent pages post back to it), GET|POST
 * /oauth/userinfo and GET /oauth/logout. Mounted before the form-only /oauth token routes.
 */
export function authorizeRoutes({ flow, issuer, clients, secure, authenticated }: AuthorizeRoutesDeps): Router {
  const router = Router();
  const form = express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 50 });
  const cookie = (name: string, value: string, maxAgeSeconds: number, sameSite: 'Lax' | 'Strict') =>
    serializeCookie(name, value, { path: COOKIE_PATH, maxAgeSeconds, httpOnly: true, secure, sameSite });

  function carried(request: AuthorizationRequest, csrf: string): string {
    const fields: Record<string, string> = {
      client_id: request.client.clientId,
      redirect_uri: request.redirectUri,
      response_type: 'code',
      scope: request.scopes.join(' '),
      code_challenge: request.codeChallenge,
      code_challenge_method: 'S256',
      csrf,
    };
    if (request.state !== undefined) fields.state = request.state;
    if (request.nonce !== undefined) fields.nonce = request.nonce;
    return hiddenFields(fields);
  }

  function render(req: Request, res: Response, request: AuthorizationRequest, step: AuthorizeStep, extra: { error?: string; username?: string; status?: number } = {}): void {
    if (step.step === 'redirect') {
      res.set('Cache-Control', 'no-store').redirect(req.method === 'POST' ? 303 : 302, step.location);
      return;
    }
    // A fresh CSRF token per page; the post must echo it.
    const csrf = randomBytes(24).toString('base64url');
    res.append('Set-Cookie', cookie(FORM_CSRF_COOKIE, csrf, 3600, 'Strict'));
    const appName = request.client.clientName ?? request.client.clientId;
    const targets = [new URL(request.redirectUri).origin].filter((origin) => origin !== 'null');
    if (step.step === 'consent') {
      sendPage(res, 200, `Allow ${appName}?`, consentPage({ appName, action: '/oauth/authorize', hidden: carried(request, csrf), scopes: step.scopes }), targets);
      return;
    }
    sendPage(
      res,
      extra.status ?? 200,
      'Sign in',
      loginPage({ appName, action: '/oauth/authorize', hidden: carried(request, csrf), ...(extra.error ? { error: extra.error } : {}), ...(extra.username ? { username: extra.username } : {}) }),
      targets,
    );
  }

  async function parsed(req: Request, res: Response, params: RawParams): Promise<AuthorizationRequest | null> {
    const result = await parseAuthorizationRequest(params, clients);
    if (result.kind === 'fatal') {
      sendPage(res, 400, 'Sign-in error', errorPage(result.message));
      return null;
    }
    if (result.kind === 'redirect') {
      const location = redirectWith(result.redirectUri, { error: result.error, error_description: result.description, state: result.state, iss: issuer });
      res.set('Cache-Control', 'no-store').redirect(req.method === 'POST' ? 303 : 302, location);
      return null;
    }
    return result.request;
  }

  router.get('/oauth/authorize', async (req, res) => {
    const request = await parsed(req, res, authorizeQuery(req.url));
    if (!request) return;
    render(req, res, request, await flow.authorize(request, cookieValue(req, LOGIN_SESSION_COOKIE)));
  });

  router.post('/oauth/authorize', form, async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const request = await parsed(req, res, paramsOf(body, CARRIED));
    if (!request) return;
    const expected = cookieValue(req, FORM_CSRF_COOKIE);
    const presented = typeof body.csrf === 'string' ? body.csrf : '';
    if (!expected || !sameSecret(expected, presented)) {
      sendPage(res, 403, 'Sign-in error', errorPage('This form has expired or was not sent from this site. Start the sign-in again from the application.'));
      return;
    }
    if (body.step === 'consent') {
      render(req, res, request, await flow.consent(request, cookieValue(req, LOGIN_SESSION_COOKIE), body.decision === 'allow'));
      return;
    }
    const username = typeof body.username === 'string' ? body.username : '';
    const password = typeof body.password === 'string' ? body.password : '';
    try {
      const { session, next } = await flow.login(request, { username, password, clientIp: req.ip ?? req.socket.remoteAddress ?? 'unknown' });
      res.append('Set-Cookie', cookie(LOGIN_SESSION_COOKIE, session.sid, LOGIN_SESSION_TTL_SECONDS, 'Lax'));
      render(req, res, request, next);
    } catch (err) {
      if (!isAppError(err) || (err.code !== 'LOGIN_FAILED' && err.status !== 429)) throw err;
      const tooMany = err.status === 429;
      if (tooMany && err.headers['Retry-After']) res.set('Retry-After', err.headers['Retry-After']);
      // The same words for an unknown user, a wrong password and a locked account.
      render(req, res, request, { step: 'login' }, {
        status: tooMany ? 429 : 401,
        error: tooMany ? 'Too many failed attempts. Wait a few minutes, then try again.' : 'The username or password is incorrect.',
        username,
      });
    }
  });

  const userinfo = async (_req: Request, res: Response) => {
    res.set('Cache-Control', 'no-store').json(await flow.userinfo(callerTokenOf(res)));
  };
  router.get('/oauth/userinfo', authenticated, userinfo);
  router.post('/oauth/userinfo', authenticated, userinfo);

  router.get('/oauth/logout', async (req, res) => {
    const query = new URLSearchParams(req.url.split('?')[1] ?? '');
    const clientId = query.get('client_id') ?? audienceOfHint(query.get('id_token_hint'));
    const client = clientId ? await clients.findById(clientId) : null;
    const postLogout = query.get('post_logout_redirect_uri') ?? undefined;
    try {
      const { location } = await flow.logout(cookieValue(req, LOGIN_SESSION_COOKIE), client, postLogout, query.get('state') ?? undefined);
      res.append('Set-Cookie', cookie(LOGIN_SESSION_COOKIE, '', 0, 'Lax'));
      if (location) return void res.set('Cache-Control', 'no-store').redirect(302, location);
      sendPage(res, 200, 'Signed out', '<h1>You are signed out</h1><p>You can close this window.</p>');
    } catch (err) {
      if (!isAppError(err) || err.code !== 'LOGOUT_REDIRECT_UNREGISTERED') throw err;
      res.append('Set-Cookie', cookie(LOGIN_SESSION_COOKIE, '', 0, 'Lax'));
      sendPage(res, 400, 'Signed out', errorPage('You are signed out, but the application asked to return to an address it has not registered.'));
    }
  });

  return router;
}

/**
 * Which client an `id_token_hint` names. Read without verifying: it only picks whose registered
 * post-logout URIs are allowed, and the session ended is the browser's own cookie.
 */
function audienceOfHint(hint: string | null): string | undefined {
  const payload = hint?.split('.')[1];
  if (!payload) return undefined;
  try {
    const aud = (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { aud?: unknown }).aud;
    return typeof aud === 'string' ? aud : Array.isArray(aud) && typeof aud[0] === 'string' ? aud[0] : undefined;
  } catch {
    return undefined;
  }
}
