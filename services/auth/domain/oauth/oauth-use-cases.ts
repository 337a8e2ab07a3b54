import { ignoreAuthEvents, type AuthEvents } from '../auth-events.js';
import type { ClientRecord, ClientStore } from '../clients/client-store.js';
import type { AssertionSignatureVerifier, OwnAccessTokens, TokenSigner } from '../tokens/token-signing.js';
import type { ClientSecretHasher } from '../clients/client-secret-hasher.js';
import type { TokenStore } from '../tokens/token-store.js';
import type { UserStore } from '../users/user-store.js';
import type { AuthSettings } from '../settings.js';
import type { TokenPair } from '../tokens/token-pair.js';
import type { RefreshOptions } from '../tokens/refresh-rotation.js';
import { assertionClientIdOf, createClientAssertionVerifier } from '../clients/client-assertion.js';
import { createClientAuthenticator } from '../clients/client-authenticator.js';
import { createClientCredentialsGrant } from '../grants/client-credentials.js';
import { createIntrospection, type IntrospectionResponse, type TokenTypeHint } from './introspection.js';
import { oauthErrors } from './oauth-errors.js';
import { presentedCredentials, type OAuthParams } from '../clients/presented-credentials.js';
import { createRefreshTokenGrant } from '../grants/refresh-token.js';
import { createRevocation } from './revocation.js';
import { createTokenExchangeGrant, TOKEN_EXCHANGE_GRANT, type TokenExchangeResponse } from '../grants/token-exchange.js';
import { createSessionEnder } from '../sessions/session-ender.js';
import type { TokenResponse } from '../tokens/token-response.js';
import type { ProofKey, TokenRequestProof } from '../tokens/proof-key.js';

export interface OAuthDeps {
  settings: AuthSettings;
  clients: ClientStore;
  users: UserStore;
  tokens: TokenStore;
  signer: TokenSigner;
  accessTokens: OwnAccessTokens;
  /** private_key_jwt signature checks (RFC 7523). */
  assertionSignatures: AssertionSignatureVerifier;
  /** Client secrets: HMAC-SHA-256 under a server key; argon2id stays for user passwords. */
  clientSecrets: ClientSecretHasher;
  /** The /auth/refresh rotation use case, so both endpoints rotate by the same rules. */
  rotateRefreshToken: (refreshToken: string, options?: RefreshOptions) => Promise<TokenPair>;
  now?: () => number;
  /** Metrics; the refresh grant reports through the rotation use case it reuses. */
  events?: AuthEvents;
  /** grant_type=authorization_code (domain/app-flow/app-flow.ts), after client authentication. */
  authorizationCode?: (client: ClientRecord, params: OAuthParams, jkt?: string) => Promise<object>;
  /** The key a DPoP proof at the token endpoint proves (RFC 9449 §5): what issued tokens are bound to. */
  proofKey: ProofKey;
}

/** A request to one of the OAuth endpoints: its Authorization header and its form parameters. */
export interface OAuthRequest {
  authorization: string | undefined;
  params: OAuthParams;
  /** The `DPoP` header of a token request, with the method and public URL it must name; absent without one. */
  dpop?: TokenRequestProof | undefined;
}

/** The grants /oauth/token accepts, as discovery documents them. */
export const SUPPORTED_GRANT_TYPES = ['authorization_code', 'client_credentials', 'refresh_token', TOKEN_EXCHANGE_GRANT] as const;
/** Client authentication methods the OAuth endpoints accept, as discovery documents them. */
export const SUPPORTED_AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'] as const;

/** The token endpoint URL RFC 7523 assertions may name as `aud` (besides the issuer). */
export const tokenEndpointOf = (issuer: string) => `${issuer}/oauth/token`;

/**
 * The first-party public client: the user API issues its refresh tokens under this id, and it may
 * rotate them at /oauth/token with only its client_id (RFC 6749 §2.1 public client).
 */
export function firstPartyClient(settings: AuthSettings): ClientRecord {
  const epoch = new Date(0);
  return {
    clientId: settings.firstPartyClientId,
    tokenEndpointAuthMethods: ['none'],
    grantTypes: ['refresh_token'],
    scopes: settings.defaultUserScope.split(' '),
    audiences: [],
    createdAt: epoch,
    updatedAt: epoch,
    disabledAt: null,
  };
}

const hintOf = (value: string | undefined): TokenTypeHint | undefined =>
  value === 'access_token' || value === 'refresh_token' ? value : undefined;

/**
 * The OAuth 2.0 endpoints' use cases (token, introspection, revocation), wired once from the
 * ports. The HTTP layer passes the Authorization header and the form; everything OAuth-specific
 * (which credentials, which grant, which errors) is decided here.
 */
export function createOAuthUseCases({ settings, clients, users, tokens, signer, accessTokens, assertionSignatures, clientSecrets, rotateRefreshToken, now = Date.now, events = ignoreAuthEvents, authorizationCode, proofKey }: OAuthDeps) {
  const authenticate = createClientAuthenticator({
    clients,
    secrets: clientSecrets,
    verifyAssertion: createClientAssertionVerifier({ signatures: assertionSignatures, issuer: settings.issuer, tokenEndpoint: tokenEndpointOf(settings.issuer), replay: tokens, now }),
    assertionClientId: assertionClientIdOf(assertionSignatures),
    builtInClients: [firstPartyClient(settings)],
  });
  const clientCredentials = createClientCredentialsGrant({
    signer,
    issuer: settings.issuer,
    defaultAudience: settings.audience,
    ttlSeconds: settings.accessTokenTtlSeconds,
    now,
  });
  const tokenExchange = createTokenExchangeGrant({ signer, accessTokens, denylist: tokens, issuer: settings.issuer, ttlSeconds: settings.accessTokenTtlSeconds, now, events });
  const refreshGrant = createRefreshTokenGrant({ refreshTokens: tokens, rotate: rotateRefreshToken, now });
  const introspection = createIntrospection({ accessTokens, denylist: tokens, refreshTokens: tokens, users, issuer: settings.issuer, now });
  const revocation = createRevocation({ accessTokens, tokens, endSession: createSessionEnder({ tokens, accessTokenTtlSeconds: settings.accessTokenTtlSeconds, now }), now });

  function requiredToken(params: OAuthParams): string {
    const token = params.token;
    if (token === undefined || token === '') throw oauthErrors.invalidRequest('token is required', 'OAUTH_TOKEN_MISSING');
    return token;
  }

  return {
    /** POST /oauth/token (RFC 6749 §4.4, §6). */
    async token({ authorization, params, dpop }: OAuthRequest): Promise<TokenResponse | TokenExchangeResponse | object> {
      const grantType = params.grant_type;
      if (grantType === undefined || grantType === '') throw oauthErrors.invalidRequest('grant_type is required', 'OAUTH_GRANT_TYPE_MISSING');
      const codeGrant = grantType === 'authorization_code' ? authorizationCode : undefined;
      if (!(SUPPORTED_GRANT_TYPES as readonly string[]).includes(grantType) || (grantType === 'authorization_code' && !codeGrant)) throw oauthErrors.unsupportedGrantType();
      const { client } = await authenticate(presentedCredentials(authorization, params));
      // After client authentication; the proof's jti is spent only once the grant succeeded, so a
      // public client (client_id alone) with a bogus refresh token or code fills no replay cache.
      return proofKey(dpop, client, async (jkt) => {
        if (codeGrant) return codeGrant(client, params, jkt);
        if (grantType === TOKEN_EXCHANGE_GRANT) return tokenExchange(client, params, jkt);
        if (grantType === 'client_credentials') {
          const issued = clientCredentials({ client, scope: params.scope, audience: params.audience, jkt });
          events.accessTokenIssued('client_credentials');
          return issued;
        }
        return refreshGrant({ client, refreshToken: params.refresh_token, scope: params.scope, jkt });
      });
    },

    /** POST /oauth/introspect (RFC 7662): only confidential clients may ask. */
    async introspect({ authorization, params }: OAuthRequest): Promise<IntrospectionResponse> {
      const presented = presentedCredentials(authorization, params);
      if (presented.method === 'none') throw oauthErrors.invalidClient('CLIENT_CREDENTIALS_REQUIRED', false);
      await authenticate(presented);
      return introspection(requiredToken(params), hintOf(params.token_type_hint));
    },

    /**
     * POST /oauth/revoke (RFC 7009): public clients identify with client_id (§2.1). Another client's
     * token is refused with unauthorized_client (§2.1, nothing revoked); unknown, invalid or expired
     * tokens are not errors (§2.2).
     */
    async revoke({ authorization, params }: OAuthRequest): Promise<void> {
      const { client } = await authenticate(presentedCredentials(authorization, params));
      const outcome = await revocation(requiredToken(params), client.clientId, hintOf(params.token_type_hint));
      if (outcome === 'not_owner') throw oauthErrors.notTokenOwner();
    },
  };
}

export type OAuthUseCases = ReturnType<typeof createOAuthUseCases>;
