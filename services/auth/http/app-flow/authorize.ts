import { clientAddressOf } from '../../../../lib/http/client-address.js';
import { Router, type Request, type RequestHandler, type Response } from 'express';
import { formBody } from '../../../../lib/http/request-body.js';
import { type AppError, isAppError } from '../../../../lib/errors.js';
import type { AppFlow, AuthorizeStep } from '../../domain/app-flow/app-flow.js';
import { LOGIN_SESSION_TTL_SECONDS } from '../../domain/app-flow/app-flow.js';
import { redirectWith, type AuthorizationRequest, type ParsedAuthorization, type RawParams } from '../../domain/app-flow/authorization-request.js';
import { queryParams } from './query-params.js';
import { consentPage, errorPage, hiddenFields, LOGIN_PAGE_SCRIPTS, loginPage, mfaPage, sendPage } from './app-pages.js';
import { callerTokenOf } from '../bearer-auth.js';
import { ACR_MFA } from '../../../../lib/verifier/index.js';
import { formCsrf } from './form-csrf.js';
import { cookieValue, hostedCookie, LOGIN_SESSION_COOKIE } from './hosted-cookies.js';

/** Authorization parameters the forms carry on; anything else in the form is the form's own. */
const CARRIED = ['client_id', 'redirect_uri', 'response_type', 'scope', 'state', 'nonce', 'code_challenge', 'code_challenge_method', 'max_age', 'acr_values'] as const;

export interface AuthorizeRoutesDeps {
  flow: AppFlow;
  /** RFC 9207 `iss` of every authorization response, errors included. */
  issuer: string;
  /** Checks an authorization request against the registered clients (domain/app-flow/authorization-request.ts). */
  parseRequest: (params: RawParams) => Promise<ParsedAuthorization>;
  /** bearerAuth: the access token (Bearer, or DPoP with its proof) that /oauth/userinfo answers for. */
  authenticated: RequestHandler;
  /** `Secure` on the cookies (COOKIE_SECURE). */
  secure: boolean;
  /** Upstream providers (docs/federation.md): one button each on the login page. */
  identityProviders?: ReadonlyArray<{ id: string; name: string }>;
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

/**
 * GET|POST /oauth/authorize (the hosted login and consent pages post back to it) and GET|POST
 * /oauth/userinfo. Mounted before the form-only /oauth token routes.
 */
export function authorizeRoutes({ flow, issuer, parseRequest, secure, authenticated, identityProviders = [] }: AuthorizeRoutesDeps): Router {
  const router = Router();
  const form = formBody();
  const csrf = formCsrf({ secure });

  function carried(request: AuthorizationRequest, csrfToken: string): string {
    const fields: Record<string, string> = {
      client_id: request.client.clientId,
      redirect_uri: request.redirectUri,
      response_type: 'code',
      scope: request.scopes.join(' '),
      code_challenge: request.codeChallenge,
      code_challenge_method: 'S256',
      csrf: csrfToken,
    };
    if (request.state !== undefined) fields.state = request.state;
    if (request.nonce !== undefined) fields.nonce = request.nonce;
    if (request.maxAge !== undefined) fields.max_age = String(request.maxAge);
    if (request.acr !== undefined) fields.acr_values = ACR_MFA;
    return hiddenFields(fields);
  }

  /** `sid`: the login session the browser will hold when it posts the page (see form-csrf.ts). */
  function render(req: Request, res: Response, request: AuthorizationRequest, step: AuthorizeStep, sid: string | undefined, extra: { error?: string; username?: string; status?: number } = {}): void {
    if (step.step === 'redirect') {
      res.set('Cache-Control', 'no-store').redirect(req.method === 'POST' ? 303 : 302, step.location);
      return;
    }
    // A fresh CSRF secret per page; the post must carry the token bound to it and to the session.
    const token = csrf.issue(res, sid);
    const appName = request.client.clientName ?? request.client.clientId;
    const targets = [new URL(request.redirectUri).origin].filter((origin) => origin !== 'null');
    if (step.step === 'consent') {
      sendPage(res, 200, `Allow ${appName}?`, consentPage({ appName, action: '/oauth/authorize', hidden: carried(request, token), scopes: step.scopes }), targets);
      return;
    }
    if (step.step === 'mfa') {
      const { mfa_token: mfaToken, factors } = step.challenge;
      sendPage(res, extra.status ?? 200, 'Two-step verification', mfaPage({ appName, action: '/oauth/authorize', hidden: carried(request, token), mfaToken, factors, ...(extra.error ? { error: extra.error } : {}) }), targets, {
        scripts: factors.includes('webauthn') ? LOGIN_PAGE_SCRIPTS : [],
      });
      return;
    }
    sendPage(
      res,
      extra.status ?? 200,
      'Sign in',
      loginPage({
        appName,
        action: '/oauth/authorize',
        hidden: carried(request, token),
        ...(extra.error ? { error: extra.error } : {}),
        ...(extra.username ? { username: extra.username } : {}),
        ...(identityProviders.length > 0 ? { providers: providerLinks(identityProviders, request) } : {}),
      }),
      targets,
      { scripts: LOGIN_PAGE_SCRIPTS },
    );
  }

  async function parsed(req: Request, res: Response, params: RawParams): Promise<AuthorizationRequest | null> {
    const result = await parseRequest(params);
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
    const request = await parsed(req, res, queryParams(req.url));
    if (!request) return;
    const sid = cookieValue(req, LOGIN_SESSION_COOKIE);
    render(req, res, request, await flow.authorize(request, sid, originOf(req)), sid);
  });

  router.post('/oauth/authorize', form, async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const request = await parsed(req, res, paramsOf(body, CARRIED));
    if (!request) return;
    if (!csrf.valid(req, body.csrf)) {
      sendPage(res, 403, 'Sign-in error', errorPage('This form has expired or was not sent from this site. Start the sign-in again from the application.'));
      return;
    }
    const sid = cookieValue(req, LOGIN_SESSION_COOKIE);
    if (body.step === 'consent') {
      render(req, res, request, await flow.consent(request, sid, body.decision === 'allow', originOf(req)), sid);
      return;
    }
    if (body.step === 'mfa') {
      await secondStep(req, res, request, body, sid);
      return;
    }
    const passkey = body.step === 'passkey';
    const username = !passkey && typeof body.username === 'string' ? body.username : '';
    const password = typeof body.password === 'string' ? body.password : '';
    try {
      const { session, next } = passkey
        ? await flow.passkeyLogin(request, { response: parsedJson(body.webauthn), ...originOf(req) })
        : await flow.login(request, { username, password, ...originOf(req) });
      if (session) res.append('Set-Cookie', hostedCookie(LOGIN_SESSION_COOKIE, session.sid, { maxAgeSeconds: LOGIN_SESSION_TTL_SECONDS, sameSite: 'Lax', secure }));
      render(req, res, request, next, session?.sid ?? sid);
    } catch (err) {
      if (!isAppError(err) || !shownOnLoginPage(err, passkey)) throw err;
      const tooMany = err.status === 429;
      if (tooMany && err.headers['Retry-After']) res.set('Retry-After', err.headers['Retry-After']);
      // The same words for an unknown user, a wrong password and a locked account.
      render(req, res, request, { step: 'login' }, sid, {
        status: err.status === 400 ? 400 : tooMany ? 429 : 401,
        error: passkey ? passkeyFormError(err) : loginFormError(err),
        username,
      });
    }
  });

  async function secondStep(req: Request, res: Response, request: AuthorizationRequest, body: Record<string, unknown>, sid: string | undefined): Promise<void> {
    const mfaToken = typeof body.mfa_token === 'string' ? body.mfa_token : '';
    const code = typeof body.code === 'string' ? body.code.trim() : '';
    // The page's passkey button posts the assertion in `webauthn`; the code field otherwise.
    const proof = typeof body.webauthn === 'string' && body.webauthn !== '' ? { webauthn: parsedJson(body.webauthn) } : { code };
    try {
      const { session, next } = await flow.completeSecondStep(request, { mfaToken, proof, sid, ...originOf(req) });
      res.append('Set-Cookie', hostedCookie(LOGIN_SESSION_COOKIE, session.sid, { maxAgeSeconds: LOGIN_SESSION_TTL_SECONDS, sameSite: 'Lax', secure }));
      render(req, res, request, next, session.sid);
    } catch (err) {
      if (!isAppError(err) || err.status >= 500) throw err;
      if (err.code === 'MFA_TOKEN_INVALID' || err.code === 'MFA_TOKEN_OTHER_CLIENT' || err.code === 'INVALID_FIELD' && mfaToken === '') {
        render(req, res, request, { step: 'login' }, sid, { status: 401, error: 'The sign-in took too long or was already used. Sign in again.' });
        return;
      }
      if (err.status === 429 && err.headers['Retry-After']) res.set('Retry-After', err.headers['Retry-After']);
      const error = err.status === 429 ? 'Too many failed attempts. Wait a few minutes, then sign in again.' : 'webauthn' in proof ? 'That passkey could not verify you. Try again.' : err.status === 400 ? 'Enter the 6-digit code from your authenticator app, or a recovery code.' : 'That code is not right, or was already used.';
      render(req, res, request, { step: 'mfa', challenge: { mfa_token: mfaToken, factors: factorsOf(body.factors) } }, sid, { status: err.status, error });
    }
  }

  const userinfo = async (_req: Request, res: Response) => {
    res.set('Cache-Control', 'no-store').json(await flow.userinfo(callerTokenOf(res)));
  };
  router.get('/oauth/userinfo', authenticated, userinfo);
  router.post('/oauth/userinfo', authenticated, userinfo);

  return router;
}

/**
 * One start link per upstream provider; `return_to` is this very authorization request (without
 * `prompt`, which the federated sign-in has just answered), so the callback continues it.
 */
function providerLinks(providers: ReadonlyArray<{ id: string; name: string }>, request: AuthorizationRequest): Array<{ name: string; href: string }> {
  const query = new URLSearchParams({ client_id: request.client.clientId, redirect_uri: request.redirectUri, response_type: 'code', scope: request.scopes.join(' '), code_challenge: request.codeChallenge, code_challenge_method: 'S256' });
  if (request.state !== undefined) query.set('state', request.state);
  if (request.nonce !== undefined) query.set('nonce', request.nonce);
  const returnTo = `/oauth/authorize?${query.toString()}`;
  return providers.map(({ id, name }) => ({ name, href: `/auth/federation/${encodeURIComponent(id)}/start?${new URLSearchParams({ return_to: returnTo }).toString()}` }));
}

/** The factors the second-step page was shown with (its hidden field), known kinds only. */
function factorsOf(value: unknown): string[] {
  const known = ['totp', 'recovery_code', 'webauthn'];
  const posted = typeof value === 'string' ? value.split(' ').filter((kind) => known.includes(kind)) : [];
  return posted.length > 0 ? [...new Set(posted)] : ['totp', 'recovery_code'];
}

/** Refusals the login page explains; anything else (a store down, 503) is the error renderer's. */
function shownOnLoginPage(err: AppError, passkey: boolean): boolean {
  if (passkey) return err.status >= 400 && err.status < 500;
  return err.code === 'LOGIN_FAILED' || err.status === 429;
}

/** The posted `webauthn` field: the assertion as JSON text (the domain names what is wrong with it). */
function parsedJson(value: unknown): unknown {
  if (typeof value !== 'string') return undefined;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return undefined;
  }
}

/** One sentence for every passkey refusal: which check failed is the audit trail's, not the page's. */
function passkeyFormError(err: AppError): string {
  if (err.code === 'EMAIL_NOT_VERIFIED') return 'Verify your e-mail address first: follow the link in the mail we sent.';
  return 'That passkey could not sign you in. Try again, or use your password.';
}

/** What the hosted login form says of a refusal: a busy account is not a lockout, so it is not told to wait minutes. */
function loginFormError(err: AppError): string {
  if (err.code === 'PASSWORD_HASHING_SHARE_USED') return 'Too many sign-ins at once for this account. Try again in a moment.';
  if (err.status === 429) return 'Too many failed attempts. Wait a few minutes, then try again.';
  return 'The username or password is incorrect.';
}

/** The browser's user agent and address, for the session list of the tokens this sign-in leads to. */
function originOf(req: Request): { userAgent: string | undefined; clientIp: string } {
  return { userAgent: req.get('user-agent'), clientIp: clientAddressOf(req) };
}
