import type { ClientRecord, ClientStore } from '../clients/client-store.js';
import type { AssertionSignatureVerifier, OwnAccessTokens } from '../tokens/token-signing.js';
import type { ClientSecretHasher } from '../clients/client-secret-hasher.js';
import type { TokenStore } from '../tokens/token-store.js';
import type { UserStore } from '../users/user-store.js';
import type { AuthSettings } from '../settings.js';
import { assertionClientIdOf, createClientAssertionVerifier } from '../clients/client-assertion.js';
import { createClientAuthenticator } from '../clients/client-authenticator.js';
import { createIntrospection, type IntrospectionResponse, type TokenTypeHint } from './introspection.js';
import { oauthErrors } from './oauth-errors.js';
import { presentedCredentials, type OAuthParams } from '../clients/presented-credentials.js';
import { createRevocation } from './revocation.js';
import type { ProofKey, TokenRequestProof } from '../tokens/proof-key.js';
import type { GrantRegistry } from '../grants/registry.js';
import type { SessionEnder } from '../sessions/session-ender.js';

export interface OAuthDeps {
  settings: AuthSettings;
  clients: ClientStore;
  users: UserStore;
  tokens: TokenStore;
  accessTokens: OwnAccessTokens;
  /** private_key_jwt signature checks (RFC 7523). */
  assertionSignatures: AssertionSignatureVerifier;
  /** Client secrets: HMAC-SHA-256 under a server key; argon2id stays for user passwords. */
  clientSecrets: ClientSecretHasher;
  /** The grants /oauth/token runs, by grant_type (grants/token-endpoint-grants.ts). */
  grants: GrantRegistry;
  /** Ends a token session: what revoking a refresh token does (RFC 7009 §2.1). */
  endTokenSession: SessionEnder;
  now?: () => number;
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
export function createOAuthUseCases({ settings, clients, users, tokens, accessTokens, assertionSignatures, clientSecrets, grants, endTokenSession, now = Date.now, proofKey }: OAuthDeps) {
  const authenticate = createClientAuthenticator({
    clients,
    secrets: clientSecrets,
    verifyAssertion: createClientAssertionVerifier({ signatures: assertionSignatures, issuer: settings.issuer, tokenEndpoint: tokenEndpointOf(settings.issuer), replay: tokens, now }),
    assertionClientId: assertionClientIdOf(assertionSignatures),
    builtInClients: [firstPartyClient(settings)],
  });
  const introspection = createIntrospection({ accessTokens, denylist: tokens, refreshTokens: tokens, users, issuer: settings.issuer, now });
  const revocation = createRevocation({ accessTokens, tokens, endSession: endTokenSession, now });

  function requiredToken(params: OAuthParams): string {
    const token = params.token;
    if (token === undefined || token === '') throw oauthErrors.invalidRequest('token is required', 'OAUTH_TOKEN_MISSING');
    return token;
  }

  return {
    /** POST /oauth/token (RFC 6749 §4.4, §6): the grant registered for `grant_type`, after client authentication. */
    async token({ authorization, params, dpop }: OAuthRequest): Promise<object> {
      const grantType = params.grant_type;
      if (grantType === undefined || grantType === '') throw oauthErrors.invalidRequest('grant_type is required', 'OAUTH_GRANT_TYPE_MISSING');
      const grant = grants.find(grantType);
      if (grant === undefined) throw oauthErrors.unsupportedGrantType();
      const { client } = await authenticate(presentedCredentials(authorization, params));
      // After client authentication; the proof's jti is spent only once the grant succeeded, so a
      // public client (client_id alone) with a bogus refresh token or code fills no replay cache.
      return proofKey(dpop, client, async (jkt) => grant({ client, params, jkt }));
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
