import { scopedUserClaims } from './user-claims.js';
import type { SessionEnder } from '../sessions/session-ender.js';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { AppError } from '../../../../lib/errors.js';
import { oauthErrors } from '../oauth/oauth-errors.js';
import type { AppSessionStore, IssuedFromCode, LoginSession } from './app-sessions.js';
import type { ClientRecord } from '../clients/client-store.js';
import type { OwnAccessTokens, TokenSigner } from '../tokens/token-signing.js';
import type { TokenStore } from '../tokens/token-store.js';
import { sessionDevice } from '../sessions/session-device.js';
import type { UserRecord, UserStore } from '../users/user-store.js';
import { hashRefreshToken } from '../tokens/refresh-token.js';
import type { TokenPairIssuer } from '../tokens/token-pair.js';
import type { PasswordCheck } from '../users/password-check.js';
import { redirectWith, type AuthorizationRequest } from './authorization-request.js';
import { capToUser, type UserScopes } from './user-scope-cap.js';
import { sessionShortfall } from './session-shortfall.js';
import { authenticationClaims, passwordAuthentication, type Authentication } from '../mfa/authentication.js';
import type { MfaChallenge, SecondStep } from '../mfa/second-step.js';

/** The browser request behind a step of the flow: what the session list shows of the sign-in. */
export interface RequestOrigin {
  userAgent?: string | undefined;
  clientIp: string;
}

/** RFC 9700 §4.2.1 asks for short-lived codes; the issue fixes 60 s. */
export const CODE_TTL_SECONDS = 60;
/** How long a login at the auth server lets apps in without the password again. */
export const LOGIN_SESSION_TTL_SECONDS = 8 * 3600;
const ID_TOKEN_TTL_SECONDS = 300;
const PKCE_VERIFIER = /^[A-Za-z0-9._~-]{43,128}$/;

export interface AppFlowDeps {
  issuer: string;
  sessions: AppSessionStore;
  users: UserStore;
  tokens: TokenStore;
  pairs: TokenPairIssuer;
  signer: TokenSigner;
  accessTokens: OwnAccessTokens;
  checkPassword: PasswordCheck;
  /** The login's second step (shared with the JSON login; its own purpose here). */
  secondStep: SecondStep;
  /** The passwordless sign-in's check (passkeys/passkey-use-cases.ts): who a passkey assertion proved, and how. */
  passkeySignIn: (response: unknown, clientIp: string) => Promise<{ user: UserRecord; authentication: Authentication }>;
  /** What a first-party token of the user carries: no app gets more on the user's behalf. */
  userScopes: UserScopes;
  /** Ends a token session (the refresh family and every access token carrying its `sid`). */
  endTokenSession: SessionEnder;
  /** Told of each ID token issued (its `sid`, app and user), so back-channel logout knows whom to tell. */
  idTokenIssued?: (sid: string, clientId: string, sub: string) => Promise<void>;
  now?: () => number;
}

/** What the authorization endpoint does next for one request. */
export type AuthorizeStep =
  | { step: 'login'; error?: string }
  /** The password was right and the account has a second factor: the page asks for it. */
  | { step: 'mfa'; challenge: MfaChallenge }
  | { step: 'consent'; session: LoginSession; scopes: string[] }
  | { step: 'redirect'; location: string };

const sha256 = (value: string) => createHash('sha256').update(value, 'ascii').digest('base64url');

/**
 * The browser-app flow: authorization (login session, consent, code), the code grant with its ID
 * token and userinfo (RP-initiated logout: rp-logout.ts). The HTTP layer renders pages and sets the cookie.
 */
export function createAppFlow({ issuer, sessions, users, tokens, pairs, signer, accessTokens, checkPassword, secondStep, passkeySignIn, userScopes, endTokenSession, idTokenIssued, now = Date.now }: AppFlowDeps) {
  const errorRedirect = (request: AuthorizationRequest, error: string, description: string): AuthorizeStep => ({
    step: 'redirect',
    location: redirectWith(request.redirectUri, { error, error_description: description, state: request.state, iss: issuer }),
  });

  async function issueCode(request: AuthorizationRequest, session: LoginSession, origin: RequestOrigin | undefined): Promise<AuthorizeStep> {
    const code = randomBytes(32).toString('base64url');
    await sessions.saveCode(sha256(code), {
      clientId: request.client.clientId,
      redirectUri: request.redirectUri,
      codeChallenge: request.codeChallenge,
      userId: session.userId,
      scope: request.scopes.join(' '),
      ...(request.nonce === undefined ? {} : { nonce: request.nonce }),
      sid: session.sid,
      authTime: session.authTime,
      amr: session.amr ?? ['pwd'],
      expiresAt: now() + CODE_TTL_SECONDS * 1000,
      // The app fetches the tokens itself; the session list should show the browser that signed in.
      ...(origin ? { device: sessionDevice(origin.userAgent, origin.clientIp) } : {}),
    });
    // RFC 9207 `iss`, so a client talking to several servers can tell which one answered.
    return { step: 'redirect', location: redirectWith(request.redirectUri, { code, state: request.state, iss: issuer }) };
  }

  /** The request with its scopes capped by what the user holds (RFC 6749 §3.3 lets the server grant less). */
  const forUser = (request: AuthorizationRequest, user: UserRecord): AuthorizationRequest => ({ ...request, scopes: capToUser(request.scopes, userScopes(user)) });

  /** With a live session: consent for third-party apps (remembered), then the code. */
  async function afterLogin(asked: AuthorizationRequest, session: LoginSession, user: UserRecord, consentJustGiven: boolean, origin: RequestOrigin | undefined): Promise<AuthorizeStep> {
    const request = forUser(asked, user);
    if (request.scopes.length === 0) return errorRedirect(request, 'invalid_scope', 'none of the requested scopes can be granted to this user');
    if (!request.client.firstParty && !consentJustGiven) {
      const granted = await sessions.grantedScopes(session.userId, request.client.clientId);
      const missing = request.scopes.filter((scope) => !granted.includes(scope));
      if (missing.length > 0 || request.prompt.has('consent')) {
        if (request.prompt.has('none')) return errorRedirect(request, 'consent_required', 'the user has not granted this application access');
        return { step: 'consent', session, scopes: request.scopes };
      }
    }
    return issueCode(request, session, origin);
  }

  /** `sid`: the login session to sign in again (a step-up upgrades it in place); a new one otherwise. */
  async function startSession(request: AuthorizationRequest, user: UserRecord, authentication: Authentication, origin: RequestOrigin, sid: string = randomUUID()): Promise<{ session: LoginSession; next: AuthorizeStep }> {
    const session: LoginSession = { sid, userId: user.id, authTime: authentication.time, amr: authentication.amr, expiresAt: now() + LOGIN_SESSION_TTL_SECONDS * 1000 };
    await sessions.saveSession(session);
    return { session, next: await afterLogin(request, session, user, false, { userAgent: origin.userAgent, clientIp: origin.clientIp }) };
  }

  /** What a replayed code gave is withdrawn: the family is the token session, so ending it also refuses every access token refreshed from it. */
  async function withdraw(issued: IssuedFromCode): Promise<void> {
    await endTokenSession(issued.familyId);
    await tokens.denyAccessToken(issued.accessTokenJti, issued.accessTokenExp);
  }

  async function liveSession(sid: string | undefined): Promise<{ session: LoginSession; user: UserRecord } | null> {
    if (!sid) return null;
    const session = await sessions.findSession(sid, now());
    if (!session) return null;
    // A user deleted or locked since the login no longer has a session.
    const user = await users.findById(session.userId);
    return user && !user.lockedAt ? { session, user } : null;
  }

  return {
    /** GET /oauth/authorize with a valid request and the browser's session cookie (if any). */
    async authorize(request: AuthorizationRequest, sid: string | undefined, origin?: RequestOrigin): Promise<AuthorizeStep> {
      const live = await liveSession(sid);
      const shortfall = live === null ? undefined : sessionShortfall(request, live.session, now());
      if (!live || shortfall === 'stale' || request.prompt.has('login')) {
        if (request.prompt.has('none')) return errorRedirect(request, 'login_required', 'the user is not logged in');
        return { step: 'login' };
      }
      if (shortfall === 'one-factor') {
        // Step-up (acr_values asks for mfa) of a password-only session: the second factor alone.
        const first: Authentication = { time: live.session.authTime, amr: live.session.amr ?? ['pwd'] };
        const challenge = await secondStep.challenge(live.user, first, { clientId: request.client.clientId, purpose: 'hosted' });
        if (challenge) {
          if (request.prompt.has('none')) return errorRedirect(request, 'login_required', 'the sign-in needs a second factor');
          return { step: 'mfa', challenge };
        }
        // No factor enrolled: the sign-in is what the user can give (OIDC Core §3.1.2.1, a voluntary
        // acr_values); the tokens say acr pwd, and a step-up route refuses them again.
      }
      return afterLogin(request, live.session, live.user, false, origin);
    },

    /**
     * The login form: the password check (throttled, enumeration-safe), then a new login session,
     * or (an account with a second factor) the second step's page and no session yet.
     */
    async login(request: AuthorizationRequest, input: { username: string; password: string } & RequestOrigin): Promise<{ session?: LoginSession; next: AuthorizeStep }> {
      const { userAgent, ...credentials } = input;
      const user = await checkPassword({ ...credentials, clientId: request.client.clientId });
      const first = passwordAuthentication(now());
      const challenge = await secondStep.challenge(user, first, { clientId: request.client.clientId, purpose: 'hosted' });
      if (challenge) return { next: { step: 'mfa', challenge } };
      return startSession(request, user, first, { userAgent, clientIp: input.clientIp });
    },

    /** The login page's passkey button: the assertion it posted, checked, then a new login session (no second step: the passkey is it). */
    async passkeyLogin(request: AuthorizationRequest, input: { response: unknown } & RequestOrigin): Promise<{ session: LoginSession; next: AuthorizeStep }> {
      const { user, authentication } = await passkeySignIn(input.response, input.clientIp);
      return startSession(request, user, authentication, input);
    },

    /** The second step's form: the factor's proof for the mfa_token the page carried, then the login session. */
    async completeSecondStep(request: AuthorizationRequest, input: { mfaToken: unknown; proof: Readonly<Record<string, unknown>>; sid?: string | undefined } & RequestOrigin): Promise<{ session: LoginSession; next: AuthorizeStep }> {
      const done = await secondStep.complete(input.mfaToken, input.proof, { purpose: 'hosted', clientIp: input.clientIp });
      // Finished for the app it was started for, or not at all.
      if (done.clientId !== request.client.clientId) throw oauthErrors.invalidGrant('MFA_TOKEN_OTHER_CLIENT');
      // The browser's own session of this user (a step-up) is upgraded in place: the tokens issued
      // under it before keep ending with it at logout. Another user's session is left as it was.
      const live = await liveSession(input.sid);
      const { sid: _cookie, ...origin } = input;
      return startSession(request, done.user, done.authentication, origin, live?.user.id === done.user.id ? live.session.sid : undefined);
    },

    /** The consent form's answer. */
    async consent(request: AuthorizationRequest, sid: string | undefined, approved: boolean, origin?: RequestOrigin): Promise<AuthorizeStep> {
      const live = await liveSession(sid);
      if (!live) return { step: 'login' };
      if (!approved) return errorRedirect(request, 'access_denied', 'the user denied access');
      const granted = forUser(request, live.user).scopes;
      if (granted.length > 0) await sessions.grantScopes(live.user.id, request.client.clientId, granted);
      return afterLogin(request, live.session, live.user, true, origin);
    },

    /** POST /oauth/token grant_type=authorization_code (RFC 6749 §4.1.3, RFC 7636 §4.6). */
    async redeemCode(client: ClientRecord, params: { code?: string | undefined; redirect_uri?: string | undefined; code_verifier?: string | undefined }, jkt?: string) {
      if (!client.grantTypes.includes('authorization_code')) {
        throw new AppError('OAUTH_UNAUTHORIZED_CLIENT', 400, 'the client may not use the authorization_code grant', { error: 'unauthorized_client' });
      }
      if (!params.code) throw oauthErrors.invalidRequest('code is required', 'OAUTH_CODE_MISSING');
      if (!params.code_verifier) throw oauthErrors.invalidRequest('code_verifier is required (PKCE)', 'OAUTH_CODE_VERIFIER_MISSING');
      const codeHash = sha256(params.code);
      const taken = await sessions.takeCode(codeHash, now());
      if (!taken) throw oauthErrors.invalidGrant('CODE_INVALID');
      const { record } = taken;
      if (taken.use === 'replay') {
        // RFC 6749 §4.1.2: a code used twice may be stolen; what it gave is withdrawn. Not yet
        // recorded: the first redemption is still issuing, and its recordIssued will see this replay.
        if (taken.issued) await withdraw(taken.issued);
        throw oauthErrors.invalidGrant('CODE_REPLAYED');
      }
      // The code is spent whatever happens next: a wrong client, URI or verifier burns it.
      if (record.clientId !== client.clientId) throw oauthErrors.invalidGrant('CODE_OTHER_CLIENT');
      if (params.redirect_uri !== record.redirectUri) throw oauthErrors.invalidGrant('CODE_REDIRECT_URI_MISMATCH');
      if (!PKCE_VERIFIER.test(params.code_verifier) || sha256(params.code_verifier) !== record.codeChallenge) {
        throw oauthErrors.invalidGrant('CODE_VERIFIER_MISMATCH');
      }
      const user = await users.findById(record.userId);
      if (!user || user.lockedAt) throw oauthErrors.invalidGrant('CODE_USER_GONE');

      // RFC 9449 §5: a public client's refresh family is bound to the key it proved; a confidential one's is not.
      const authentication = authenticationOf(record);
      const pair = await pairs.startFamily(user, { clientId: client.clientId, scope: record.scope, jkt, authentication }, { bindRefreshToken: client.tokenEndpointAuthMethods.includes('none'), ...(record.device ? { device: record.device } : {}) });
      const family = await tokens.findRefreshFamily(hashRefreshToken(pair.refresh_token), now());
      const access = await accessTokens.read(pair.access_token);
      const scopes = record.scope.split(' ');
      const sid = family?.familyId ?? record.sid;
      // Before anything below can end the session (a replay's withdrawal), so that end reaches the app too.
      if (scopes.includes('openid')) await idTokenIssued?.(sid, client.clientId, user.id);
      if (family && access) {
        const issued = { familyId: family.familyId, accessTokenJti: access.jti, accessTokenExp: access.expiresAt };
        const { replayed } = await sessions.recordIssued(codeHash, issued);
        await sessions.addSessionFamily(record.sid, family.familyId, now() + LOGIN_SESSION_TTL_SECONDS * 1000);
        // A replay came between the take and the record: it could not withdraw these, so this does.
        // The answer is still 200, as it is when the replay comes a moment later: the tokens are dead either way.
        if (replayed) await withdraw(issued);
      }
      const { refresh_token: refreshToken, ...accessPart } = pair;
      return {
        ...accessPart,
        ...(client.grantTypes.includes('refresh_token') ? { refresh_token: refreshToken } : {}),
        // One `sid` for the ID token and the access tokens of this sign-in: the token session, which
        // logout ends and which a resource server can tie an access token to (back-channel logout).
        ...(scopes.includes('openid') ? { id_token: idToken(user, client.clientId, { ...record, authentication, sid }) } : {}),
      };
    },

    /** GET|POST /oauth/userinfo: the claims the token's scopes allow (OIDC Core §5.3). */
    async userinfo(token: string): Promise<Record<string, string | boolean | number | string[]>> {
      const verified = await accessTokens.verify(token);
      if (!verified.scopes.includes('openid')) {
        throw new AppError('USERINFO_SCOPE', 403, 'the token was not issued with scope openid', { error: 'insufficient_scope', challenge: { scope: 'openid' } });
      }
      const user = await users.findById(verified.sub);
      if (!user) throw new AppError('USERINFO_USER_GONE', 401, 'the user no longer exists', { error: 'invalid_token' });
      // How the token's sign-in went, as its own claims say (a refresh never changes them).
      const { authTime, amr, acr } = verified;
      return { sub: user.id, ...scopedUserClaims(user, verified.scopes), ...(authTime !== undefined ? { auth_time: authTime, amr: [...amr], ...(acr ? { acr } : {}) } : {}) };
    },
  };

  function idToken(user: UserRecord, clientId: string, record: { nonce?: string; sid: string; authentication: Authentication; scope: string }): string {
    const iat = Math.floor(now() / 1000);
    return signer.sign(
      {
        iss: issuer,
        sub: user.id,
        aud: clientId,
        exp: iat + ID_TOKEN_TTL_SECONDS,
        iat,
        ...authenticationClaims(record.authentication),
        ...(record.nonce === undefined ? {} : { nonce: record.nonce }),
        sid: record.sid,
        ...scopedUserClaims(user, record.scope.split(' ')),
      },
      'JWT',
    );
  }
}

export type AppFlow = ReturnType<typeof createAppFlow>;

/** How the sign-in behind a code went; a code stored before amr existed was a password sign-in. */
function authenticationOf(record: { authTime: number; amr?: Authentication['amr'] }): Authentication {
  return { time: record.authTime, amr: record.amr ?? ['pwd'] };
}
