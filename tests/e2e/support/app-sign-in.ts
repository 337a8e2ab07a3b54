import { createHash, randomBytes } from 'node:crypto';
import type { ClientStore } from '../../../services/auth/domain/clients/client-store.js';
import { postForm } from '../../auth/support/oauth-client.js';
import { AppBrowser } from './app-browser.js';

export const APP_REDIRECT = 'http://localhost:5173/callback';
export const APP_AFTER_LOGOUT = 'http://localhost:5173/';

/** Registers a first-party public app (code + PKCE, OpenID Connect) that may read notes through the gateway. */
export async function registerNotesApp(clients: ClientStore, clientId: string): Promise<void> {
  await clients.create({
    clientId,
    clientName: 'Notes app',
    tokenEndpointAuthMethods: ['none'],
    grantTypes: ['authorization_code', 'refresh_token'],
    audiences: [],
    scopes: ['openid', 'notes:read'],
    redirectUris: [APP_REDIRECT],
    postLogoutRedirectUris: [APP_AFTER_LOGOUT],
    firstParty: true,
  });
}

export interface AppSignIn {
  browser: AppBrowser;
  tokens: { access_token: string; refresh_token: string; id_token: string };
}

/**
 * A user signs in to the app on the hosted page (authorization code + PKCE), as a browser would.
 * `browser`: one that already holds a login session (single sign-on into a second app).
 */
export async function signInToApp(
  authUrl: string,
  clientId: string,
  username: string,
  password: string,
  userAgent?: string,
  { scope = 'openid notes:read', browser = new AppBrowser(authUrl, userAgent) }: { scope?: string; browser?: AppBrowser } = {},
): Promise<AppSignIn> {
  const verifier = randomBytes(32).toString('base64url');
  const url = new URL('/oauth/authorize', authUrl);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: APP_REDIRECT,
    scope,
    state: randomBytes(8).toString('hex'),
    nonce: randomBytes(8).toString('hex'),
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  }).toString();
  const answer = await browser.signIn(url, username, password);
  const code = new URL(answer.headers.get('location') ?? 'http://invalid/').searchParams.get('code');
  if (!code) throw new Error(`sign-in answered ${answer.status} without a code`);
  const token = await postForm(authUrl, '/oauth/token', { grant_type: 'authorization_code', code, redirect_uri: APP_REDIRECT, client_id: clientId, code_verifier: verifier });
  if (token.status !== 200) throw new Error(`code redemption answered ${token.status}`);
  return { browser, tokens: token.body as AppSignIn['tokens'] };
}

/** RP-initiated logout (`GET /oauth/logout`) with the app's ID token as hint, from the browser holding the login session. */
export async function appLogout(authUrl: string, clientId: string, { browser, tokens }: AppSignIn): Promise<Response> {
  const url = new URL('/oauth/logout', authUrl);
  url.search = new URLSearchParams({ id_token_hint: tokens.id_token, client_id: clientId, post_logout_redirect_uri: APP_AFTER_LOGOUT }).toString();
  return browser.open(url);
}
