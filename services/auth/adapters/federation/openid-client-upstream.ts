import * as client from 'openid-client';
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import type { IdentityProviderDefinition } from '../../domain/federation/identity-providers-file.js';
import { UpstreamFailure, type UpstreamChecks, type UpstreamIdentity, type UpstreamLogout, type UpstreamProvider } from '../../domain/federation/upstream-provider.js';

/** OIDC Back-Channel Logout 1.0 §2.4: the one event a logout token carries. */
const BACKCHANNEL_LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';
/** Signatures only: `none` and HMAC (a shared secret would let the client forge) are refused. */
const LOGOUT_TOKEN_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];
/** A logout token without `exp` has its `jti` remembered this long past `iat`. */
const JTI_MEMORY_WITHOUT_EXP_SECONDS = 600;
const CLOCK_TOLERANCE_SECONDS = 30;

/**
 * One upstream provider through openid-client v6: OpenID Connect with discovery (the ID token's
 * signature, `iss`, `aud`, `nonce`, expiry and the RFC 9207 `iss` of the authorization response
 * when the provider sends it, all checked by openid-client), or plain OAuth 2.0 with the file's
 * endpoints and a userinfo URL (GitHub's kind). Every HTTP call it makes ends within `timeoutSeconds`.
 */
export function openidClientUpstream(definition: IdentityProviderDefinition, { timeoutSeconds }: { timeoutSeconds: number }): UpstreamProvider {
  const secret = definition.clientSecret?.reveal();
  const authentication = secret === undefined ? client.None() : client.ClientSecretPost(secret);
  // http only passes the file's check on a loopback host (development).
  const insecure = new URL(definition.issuer).protocol === 'http:';
  let configuration: Promise<client.Configuration> | undefined;
  let logoutKeys: ReturnType<typeof createRemoteJWKSet> | undefined;

  /** Discovered once; a failed discovery is forgotten, so the next sign-in tries again. */
  function configured(): Promise<client.Configuration> {
    configuration ??= build().catch((err: unknown) => {
      configuration = undefined;
      throw err;
    });
    return configuration;
  }

  async function build(): Promise<client.Configuration> {
    if (definition.type === 'oauth2') {
      const { authorization, token, userinfo } = definition.endpoints!;
      const config = new client.Configuration(
        { issuer: definition.issuer, authorization_endpoint: authorization, token_endpoint: token, userinfo_endpoint: userinfo },
        definition.clientId,
        undefined,
        authentication,
      );
      config.timeout = timeoutSeconds;
      if (insecure) client.allowInsecureRequests(config);
      return config;
    }
    const config = await client.discovery(new URL(definition.issuer), definition.clientId, undefined, authentication, {
      timeout: timeoutSeconds,
      ...(insecure ? { execute: [client.allowInsecureRequests] } : {}),
    });
    config.timeout = timeoutSeconds;
    return config;
  }

  const guarded = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (err) {
      throw failureOf(err);
    }
  };

  async function userinfo(config: client.Configuration, accessToken: string): Promise<Record<string, unknown>> {
    const url = config.serverMetadata().userinfo_endpoint;
    if (!url) return {};
    // Not fetchUserInfo: a plain OAuth 2.0 userinfo (GitHub's /user) has no `sub`.
    const res = await client.fetchProtectedResource(config, accessToken, new URL(url), 'GET', undefined, new Headers({ accept: 'application/json' }));
    if (!res.ok) throw new UpstreamFailure('invalid', `userinfo answered ${res.status}`);
    const body: unknown = await res.json().catch(() => null);
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new UpstreamFailure('invalid', 'userinfo is not a JSON object');
    return body as Record<string, unknown>;
  }

  return {
    id: definition.id,
    name: definition.name,
    issuer: definition.issuer,

    authorizationUrl: (checks: UpstreamChecks) =>
      guarded(async () => {
        const config = await configured();
        return client.buildAuthorizationUrl(config, {
          redirect_uri: checks.redirectUri,
          response_type: 'code',
          scope: definition.scopes.join(' '),
          state: checks.state,
          ...(definition.type === 'oidc' ? { nonce: checks.nonce } : {}),
          code_challenge: await client.calculatePKCECodeChallenge(checks.codeVerifier),
          code_challenge_method: 'S256',
        });
      }),

    finish: (callback: URL, checks: UpstreamChecks) =>
      guarded(async () => {
        const config = await configured();
        // The URL the upstream redirected to, as registered: the callback's own host may differ behind the gateway.
        const current = new URL(checks.redirectUri);
        current.search = callback.search;
        const oidc = definition.type === 'oidc';
        const tokens = await client.authorizationCodeGrant(config, current, {
          pkceCodeVerifier: checks.codeVerifier,
          expectedState: checks.state,
          ...(oidc ? { expectedNonce: checks.nonce, idTokenExpected: true } : {}),
        });
        const idClaims = (tokens.claims() ?? {}) as Record<string, unknown>;
        const extra = await userinfo(config, tokens.access_token);
        if (oidc && extra.sub !== undefined && extra.sub !== idClaims.sub) throw new UpstreamFailure('invalid', 'userinfo names another subject than the ID token');
        const claims = { ...extra, ...idClaims };
        const subjectValue = claims[definition.claims.subject];
        const subject = typeof subjectValue === 'string' ? subjectValue : typeof subjectValue === 'number' && Number.isSafeInteger(subjectValue) ? String(subjectValue) : '';
        if (subject === '' || subject.length > 255) throw new UpstreamFailure('invalid', `no usable ${definition.claims.subject} claim`);
        const identity: UpstreamIdentity = { subject, claims };
        if (typeof idClaims.sid === 'string' && idClaims.sid !== '') identity.sid = idClaims.sid;
        return identity;
      }),

    readLogoutToken: (token: string) =>
      guarded(async (): Promise<UpstreamLogout> => {
        const config = await configured();
        const metadata = config.serverMetadata();
        if (!metadata.jwks_uri) throw new UpstreamFailure('invalid', 'the provider publishes no jwks_uri');
        logoutKeys ??= createRemoteJWKSet(new URL(metadata.jwks_uri), { timeoutDuration: timeoutSeconds * 1000 });
        const { payload } = await jwtVerify(token, logoutKeys, {
          issuer: metadata.issuer,
          audience: definition.clientId,
          typ: 'logout+jwt',
          algorithms: LOGOUT_TOKEN_ALGORITHMS,
          requiredClaims: ['iat', 'jti'],
          clockTolerance: CLOCK_TOLERANCE_SECONDS,
        });
        return logoutOf(payload);
      }),
  };
}

/** §2.6 steps 4-8: the claims a logout token must and must not have. */
function logoutOf(payload: JWTPayload): UpstreamLogout {
  const events = payload.events as Record<string, unknown> | undefined;
  const event = events?.[BACKCHANNEL_LOGOUT_EVENT];
  if (typeof event !== 'object' || event === null || Array.isArray(event)) throw new UpstreamFailure('invalid', 'no back-channel logout event');
  if ('nonce' in payload) throw new UpstreamFailure('invalid', 'a logout token must not carry a nonce');
  const sub = typeof payload.sub === 'string' && payload.sub !== '' ? payload.sub : undefined;
  const sid = typeof payload.sid === 'string' && payload.sid !== '' ? payload.sid : undefined;
  if (!sub && !sid) throw new UpstreamFailure('invalid', 'neither sub nor sid');
  if (typeof payload.jti !== 'string' || payload.jti === '' || payload.jti.length > 256) throw new UpstreamFailure('invalid', 'no usable jti');
  const exp = typeof payload.exp === 'number' ? payload.exp : payload.iat! + JTI_MEMORY_WITHOUT_EXP_SECONDS;
  return { jti: payload.jti, exp, ...(sub ? { sub } : {}), ...(sid ? { sid } : {}) };
}

/** Sorts an openid-client or jose failure into refused / invalid / unreachable; the message never quotes a token. */
function failureOf(err: unknown): UpstreamFailure {
  if (err instanceof UpstreamFailure) return err;
  if (err instanceof client.AuthorizationResponseError) return new UpstreamFailure('refused', `the provider answered ${err.error}`, err.error);
  if (err instanceof client.ResponseBodyError) return new UpstreamFailure('invalid', `the token endpoint answered ${err.error}`, err.error);
  if (err instanceof joseErrors.JWKSTimeout) return new UpstreamFailure('unreachable', 'the provider JWKS did not answer in time');
  if (err instanceof joseErrors.JOSEError) return new UpstreamFailure('invalid', `logout token: ${err.code}`);
  if (isNetworkFailure(err)) return new UpstreamFailure('unreachable', 'the provider did not answer in time or could not be reached');
  const code = (err as { code?: unknown }).code;
  return new UpstreamFailure('invalid', typeof code === 'string' ? `check failed: ${code}` : 'check failed');
}

/** A timeout (AbortSignal.timeout), a refused connection or a reset, anywhere in the cause chain. */
function isNetworkFailure(err: unknown): boolean {
  for (let current: unknown = err, depth = 0; current && depth < 5; current = (current as { cause?: unknown }).cause, depth++) {
    const name = (current as { name?: unknown }).name;
    const code = (current as { code?: unknown }).code;
    if (name === 'TimeoutError' || name === 'AbortError') return true;
    if (current instanceof TypeError && current.message === 'fetch failed') return true;
    if (typeof code === 'string' && ['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'OAUTH_RESPONSE_IS_NOT_JSON'].includes(code)) return true;
  }
  return false;
}
