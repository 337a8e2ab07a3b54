import type { ClientRecord } from '../clients/client-store.js';
import type { TokenSigner } from '../tokens/token-signing.js';
import { createAudienceIssuers, tokenTypeOf } from '../tokens/access-token-issuer.js';
import { oauthErrors } from '../oauth/oauth-errors.js';
import { grantedScope } from '../tokens/scope.js';
import type { TokenResponse } from '../tokens/token-response.js';

export interface ClientCredentialsGrantDeps {
  signer: TokenSigner;
  issuer: string;
  /** AUTH_AUDIENCE: the audience of clients that registered none, and the default when allowed. */
  defaultAudience: string;
  ttlSeconds: number;
  now: () => number;
}

export interface ClientCredentialsRequest {
  client: ClientRecord;
  scope?: string | undefined;
  audience?: string | undefined;
  /** The DPoP key proven with the request (RFC 9449): the token is bound to it. */
  jkt?: string | undefined;
}

/**
 * RFC 6749 §4.4: the client acts for itself, so the token's `sub` and `client_id` are the client
 * id, with no user claims (roles, username) and no refresh token (§4.4.3).
 *
 * Audience: a client may ask for one of its registered audiences, or AUTH_AUDIENCE when it
 * registered none; anything else is 400 invalid_target (RFC 8707 §2). Without `audience` the token
 * is for AUTH_AUDIENCE when the client may have it, else for its first registered audience.
 */
export function createClientCredentialsGrant({ signer, issuer, defaultAudience, ttlSeconds, now }: ClientCredentialsGrantDeps) {
  const issuerFor = createAudienceIssuers({ signer, issuer, ttlSeconds, now });

  return function clientCredentialsGrant({ client, scope, audience, jkt }: ClientCredentialsRequest): TokenResponse {
    if (!client.grantTypes.includes('client_credentials') || client.tokenEndpointAuthMethods.includes('none')) {
      throw oauthErrors.unauthorizedClient('client_credentials');
    }
    const granted = grantedScope(scope, client.scopes);
    const allowed = client.audiences.length > 0 ? client.audiences : [defaultAudience];
    const aud = audience === undefined || audience === '' ? (allowed.includes(defaultAudience) ? defaultAudience : allowed[0]!) : audience;
    if (!allowed.includes(aud)) throw oauthErrors.invalidTarget();
    const issued = issuerFor(aud)({ sub: client.clientId, clientId: client.clientId, scope: granted, jkt });
    return { access_token: issued.token, token_type: tokenTypeOf(jkt), expires_in: issued.expiresIn, scope: granted };
  };
}
