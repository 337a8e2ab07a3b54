import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { Router, type Response } from 'express';
import { isAppError } from '../../../../lib/errors.js';
import type { AccessTokenClaims } from '../../../../lib/verifier/claims.js';
import { CONSOLE_CLIENT_ID, CONSOLE_PATH, consoleRedirectUri } from '../../domain/admin/console-client.js';
import type { OAuthUseCases } from '../../domain/oauth/oauth-use-cases.js';
import type { EndSessionInput } from '../../domain/sessions/end-session.js';
import { adminRefusal } from '../admin/admin-auth.js';
import { queryParams } from '../app-flow/query-params.js';
import type { ConsoleCookies, TokenPair } from './console-cookies.js';
import { notAdminPage, refusedPage } from './console-refusals.js';

export interface ConsoleSignInDeps {
  /** The OAuth use cases: the code is redeemed through the same token endpoint logic as any app's. */
  oauth: OAuthUseCases;
  /** The verifier of this service's access tokens (signature, expiry, revocation). */
  verifyAccessToken: (token: string) => Promise<AccessTokenClaims>;
  /** Ends a token session (its refresh family and every access token of its sid), as a logout does. */
  endSession: (input: EndSessionInput) => Promise<void>;
  /** RFC 9207: the `iss` an authorization answer from this server carries. */
  issuer: string;
  /** AUTH_PUBLIC_URL: where the browser reaches the authorization endpoint and the console. */
  publicUrl: string;
}

const sha256 = (value: string) => createHash('sha256').update(value, 'ascii').digest('base64url');
const random = () => randomBytes(32).toString('base64url');
const sameText = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
/** Only a console page may be returned to after sign-in: never another path or site (open redirect). */
const consoleReturn = (value: string | undefined) => (value && /^\/console\/[\w\-/]*$/.test(value) ? value : `${CONSOLE_PATH}/`);

/**
 * The console's sign-in as a backend-for-frontend: authorization code + PKCE (RFC 7636, S256)
 * against this server's own /oauth/authorize as the public client `authgate-console`; the code
 * redeemed here, server-side, through the token endpoint's use case; the pair kept in the
 * console's HttpOnly cookies. A user without the admin rule's role and scope gets a refusal page,
 * and the session the sign-in made is ended at once.
 */
export function consoleSignIn({ oauth, verifyAccessToken, endSession, issuer, publicUrl }: ConsoleSignInDeps, cookies: ConsoleCookies) {
  const redirectUri = consoleRedirectUri(publicUrl);

  function startSignIn(res: Response, returnTo: string | undefined): void {
    const state = random();
    const verifier = random();
    cookies.startFlow(res, { state, verifier, returnTo: consoleReturn(returnTo) });
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

  const router = Router();

  router.get(`${CONSOLE_PATH}/login`, (req, res) => startSignIn(res, queryParams(req.url).get('return_to')?.[0]));

  router.get(`${CONSOLE_PATH}/callback`, async (req, res) => {
    const params = queryParams(req.url);
    const one = (name: string) => (params.get(name)?.length === 1 ? params.get(name)![0] : undefined);
    const flow = cookies.takeFlow(req, res);
    // RFC 6749 §10.12: the answer must belong to the sign-in this browser started (and RFC 9207: come from this issuer).
    const returned = one('state');
    if (!flow || !returned || !sameText(returned, flow.state) || (one('iss') !== undefined && one('iss') !== issuer)) {
      return refusedPage(res, 400, 'Sign-in did not complete', 'This sign-in answer does not belong to a sign-in started here, or it took too long. Nothing was changed.');
    }
    const error = one('error');
    // The user holds none of the scopes the console asks for (no admin role): the authorization server says so.
    if (error === 'invalid_scope' || error === 'access_denied') return notAdminPage(res);
    if (error !== undefined || one('code') === undefined) return refusedPage(res, 400, 'Sign-in did not complete', 'The sign-in was not completed. Nothing was changed.');
    let pair: TokenPair;
    try {
      pair = (await oauth.token({
        authorization: undefined,
        params: { grant_type: 'authorization_code', client_id: CONSOLE_CLIENT_ID, code: one('code'), redirect_uri: redirectUri, code_verifier: flow.verifier },
      })) as TokenPair;
    } catch (err) {
      if (!isAppError(err) || err.status >= 500) throw err;
      return refusedPage(res, 400, 'Sign-in did not complete', 'The sign-in code was not accepted (used, expired or not for the console). Nothing was changed.');
    }
    const claims = await verifyAccessToken(pair.access_token);
    if (adminRefusal(claims)) {
      // The session is of no use here: it is ended rather than left alive.
      await endSession({ accessToken: pair.access_token, refreshToken: pair.refresh_token });
      return notAdminPage(res);
    }
    cookies.keepTokens(res, pair);
    cookies.issueCsrf(res, claims);
    res.set('Cache-Control', 'no-store').redirect(303, consoleReturn(flow.returnTo));
  });

  return { router, startSignIn };
}
