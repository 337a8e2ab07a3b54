import { z } from 'zod';
import { TOKEN_EXCHANGE_GRANT, type ClientConfig, type ClientGrantType, type PublicJwks, type TokenEndpointAuthMethod } from './client-store.js';
import {
  audienceSchema,
  backchannelLogoutUriSchema,
  authMethodSchema,
  clientIdSchema,
  clientNameSchema,
  grantTypeSchema,
  publicJwksSchema,
  redirectUriSchema,
  scopeStringSchema,
  scopeTokenSchema,
  uniqueList,
  tokenExchangeSchema,
} from './client-fields.js';

/**
 * Client metadata as RFC 7591 §2 names it (plus OIDC RP-Initiated Logout's
 * `post_logout_redirect_uris`, Back-Channel Logout's `backchannel_logout_uri` and
 * `backchannel_logout_session_required`, and RFC 9449's `dpop_bound_access_tokens`), shared by the clients
 * file, the admin API and `POST /oauth/register`, so one name means one thing everywhere. The
 * earlier names stay accepted: `scopes` (array) for `scope`, `token_endpoint_auth_methods` (array)
 * for `token_endpoint_auth_method`; giving both spellings of one field is an error.
 * `audiences` and `first_party` are this server's own (RFC 7591 §2 allows extensions).
 */
export const clientMetadataShape = {
  client_id: clientIdSchema.optional(),
  client_name: clientNameSchema.optional(),
  scope: scopeStringSchema.optional(),
  scopes: uniqueList(scopeTokenSchema).min(1, 'must list at least one scope').optional(),
  audiences: uniqueList(audienceSchema).optional(),
  jwks: publicJwksSchema.optional(),
  grant_types: uniqueList(grantTypeSchema).min(1, 'must list at least one grant type').optional(),
  token_endpoint_auth_method: authMethodSchema.optional(),
  token_endpoint_auth_methods: uniqueList(authMethodSchema).min(1, 'must list at least one method').optional(),
  redirect_uris: uniqueList(redirectUriSchema).optional(),
  post_logout_redirect_uris: uniqueList(redirectUriSchema).optional(),
  /** OIDC Back-Channel Logout 1.0 §2.2: where this app hears that a session it took part in ended. */
  backchannel_logout_uri: backchannelLogoutUriSchema.optional(),
  /** §2.2: the app needs `sid` in its logout tokens (every logout token here carries one). */
  backchannel_logout_session_required: z.boolean().optional(),
  /** Consent is skipped for first-party apps; third-party ones (the default) ask the user. */
  first_party: z.boolean().optional(),
  dpop_bound_access_tokens: z.boolean().optional(),
  /** RFC 8693 allowance (this server's own): the audiences and scopes it may obtain on a user's behalf. */
  token_exchange: tokenExchangeSchema.optional(),
};
export const clientMetadataSchema = z.strictObject(clientMetadataShape);
export type ClientMetadata = z.output<typeof clientMetadataSchema>;

/** Reports one cross-field problem at a metadata field (`field` is the RFC 7591 name). */
export type MetadataProblem = (field: string, message: string) => void;

/**
 * Whether the client has a secret: `given` (the clients file names one), `absent` (it does not),
 * or `generated` (the admin API makes one exactly when a client_secret_* method is allowed).
 */
export type SecretSource = 'given' | 'absent' | 'generated';

/** Configuration resolved from metadata; the caller adds `clientId` and the secret hash. */
export type ResolvedClient = Omit<ClientConfig, 'clientId' | 'secretHash'> & { needsSecret: boolean };

/**
 * The cross-field rules zod's shape check cannot see, the same for every way of registering:
 * defaults (auth method from the credentials, grant types from the redirect URIs), public
 * clients without credentials, authorization_code needing redirect URIs, one spelling per field.
 * Every problem goes to `report`; the result is only meaningful when none was reported.
 */
export function resolveClientMetadata(metadata: ClientMetadata, secret: SecretSource, report: MetadataProblem): ResolvedClient {
  if (metadata.scope !== undefined && metadata.scopes !== undefined) report('scopes', 'give scope (space-separated) or scopes (array), not both');
  const scopes = metadata.scope ?? metadata.scopes;
  if (scopes === undefined) report('scope', 'is required');
  if (metadata.token_endpoint_auth_method !== undefined && metadata.token_endpoint_auth_methods !== undefined) {
    report('token_endpoint_auth_methods', 'give token_endpoint_auth_method or token_endpoint_auth_methods, not both');
  }

  const hasJwks = metadata.jwks !== undefined;
  const explicit = metadata.token_endpoint_auth_methods ?? (metadata.token_endpoint_auth_method ? [metadata.token_endpoint_auth_method] : undefined);
  const methods: TokenEndpointAuthMethod[] = explicit ?? defaultMethods(secret, hasJwks);
  const usesSecret = methods.some((m) => m === 'client_secret_basic' || m === 'client_secret_post');
  const hasSecret = secret === 'given' || (secret === 'generated' && usesSecret);
  const usesJwks = methods.includes('private_key_jwt');
  const isPublic = methods.includes('none');
  const methodField = metadata.token_endpoint_auth_methods ? 'token_endpoint_auth_methods' : 'token_endpoint_auth_method';
  if (isPublic && methods.length > 1) report(methodField, 'none cannot be combined with other methods');
  if (isPublic && (hasSecret || hasJwks)) report(methodField, 'none is for public clients, which have no client_secret or jwks');
  if (usesSecret && !hasSecret) report(methodField, 'client_secret_* methods need client_secret');
  if (usesJwks && !hasJwks) report(methodField, 'private_key_jwt needs jwks');
  if (secret === 'given' && !usesSecret && !isPublic) report('client_secret', 'is set but no client_secret_* method is allowed');
  if (hasJwks && !usesJwks && !isPublic) report('jwks', 'is set but private_key_jwt is not allowed');

  const redirectUris = metadata.redirect_uris ?? [];
  const grantTypes: ClientGrantType[] = metadata.grant_types ?? defaultGrantTypes(isPublic, redirectUris.length > 0);
  if (isPublic && metadata.grant_types === undefined && redirectUris.length === 0) {
    // A forgotten secret must not quietly turn a service into a public client that can refresh.
    report('grant_types', 'must be given for a client without client_secret or jwks (a public client): [refresh_token] or [authorization_code, refresh_token]');
  }
  if (isPublic && grantTypes.includes('client_credentials')) report('grant_types', 'client_credentials needs a confidential client: add client_secret or jwks');
  if (isPublic && (grantTypes.includes(TOKEN_EXCHANGE_GRANT) || metadata.token_exchange !== undefined)) report('grant_types', 'token exchange needs a confidential client: add client_secret or jwks');
  if (grantTypes.includes('authorization_code') && redirectUris.length === 0) report('redirect_uris', 'authorization_code needs at least one redirect URI');
  if (redirectUris.length > 0 && !grantTypes.includes('authorization_code')) report('redirect_uris', 'are only used by the authorization_code grant, which grant_types does not list');
  if (metadata.post_logout_redirect_uris !== undefined && !grantTypes.includes('authorization_code')) {
    report('post_logout_redirect_uris', 'are only used by apps that log in with authorization_code');
  }
  if (metadata.backchannel_logout_uri !== undefined && !grantTypes.includes('authorization_code')) {
    report('backchannel_logout_uri', 'is only used by apps that log in with authorization_code (they receive ID tokens)');
  }
  if (metadata.backchannel_logout_session_required !== undefined && metadata.backchannel_logout_uri === undefined) {
    report('backchannel_logout_session_required', 'needs backchannel_logout_uri');
  }

  const resolved: ResolvedClient = {
    tokenEndpointAuthMethods: methods,
    scopes: scopes ?? [],
    audiences: metadata.audiences ?? [],
    grantTypes,
    needsSecret: hasSecret,
  };
  if (metadata.jwks) resolved.jwks = metadata.jwks as PublicJwks;
  if (metadata.client_name !== undefined) resolved.clientName = metadata.client_name;
  if (metadata.redirect_uris !== undefined) resolved.redirectUris = metadata.redirect_uris;
  if (metadata.post_logout_redirect_uris !== undefined) resolved.postLogoutRedirectUris = metadata.post_logout_redirect_uris;
  if (metadata.backchannel_logout_uri !== undefined) resolved.backchannelLogoutUri = metadata.backchannel_logout_uri;
  if (metadata.backchannel_logout_session_required !== undefined) resolved.backchannelLogoutSessionRequired = metadata.backchannel_logout_session_required;
  if (metadata.first_party !== undefined) resolved.firstParty = metadata.first_party;
  if (metadata.dpop_bound_access_tokens !== undefined) resolved.dpopBoundAccessTokens = metadata.dpop_bound_access_tokens;
  if (metadata.token_exchange !== undefined) resolved.tokenExchange = metadata.token_exchange;
  return resolved;
}

/** A secret allows both client_secret_* methods, a jwks private_key_jwt, neither makes the client public. */
function defaultMethods(secret: SecretSource, hasJwks: boolean): TokenEndpointAuthMethod[] {
  if (secret === 'generated') return hasJwks ? ['private_key_jwt'] : ['client_secret_basic', 'client_secret_post'];
  const methods: TokenEndpointAuthMethod[] = [];
  if (secret === 'given') methods.push('client_secret_basic', 'client_secret_post');
  if (hasJwks) methods.push('private_key_jwt');
  return methods.length > 0 ? methods : ['none'];
}

/** Apps (redirect URIs) log users in and refresh; services without them use client_credentials. */
function defaultGrantTypes(isPublic: boolean, hasRedirectUris: boolean): ClientGrantType[] {
  if (hasRedirectUris) return ['authorization_code', 'refresh_token'];
  return isPublic ? ['refresh_token'] : ['client_credentials'];
}
