import type { ClientConfig, ClientRecord } from './client-store.js';

/**
 * Only the configuration members of a client, with fresh arrays: every client store stores this,
 * so stray properties on the argument are never stored and the caller's arrays are never shared.
 */
/** A stored document (embedded, mongo) back to a record: configuration members only, nulls dropped. */
export function clientRecordOf(doc: ClientConfig & { createdAt: Date; updatedAt: Date; disabledAt?: Date | null }): ClientRecord {
  const withoutNulls = Object.fromEntries(Object.entries(doc).filter(([, value]) => value !== null)) as unknown as ClientConfig;
  return { ...clientConfigOf(withoutNulls), createdAt: doc.createdAt, updatedAt: doc.updatedAt, disabledAt: doc.disabledAt ?? null };
}

export function clientConfigOf(client: ClientConfig): ClientConfig {
  const config: ClientConfig = {
    clientId: client.clientId,
    tokenEndpointAuthMethods: [...client.tokenEndpointAuthMethods],
    scopes: [...client.scopes],
    audiences: [...client.audiences],
    grantTypes: [...client.grantTypes],
  };
  if (client.secretHash !== undefined) config.secretHash = client.secretHash;
  if (client.jwks !== undefined) config.jwks = client.jwks;
  if (client.clientName !== undefined) config.clientName = client.clientName;
  if (client.redirectUris !== undefined) config.redirectUris = [...client.redirectUris];
  if (client.postLogoutRedirectUris !== undefined) config.postLogoutRedirectUris = [...client.postLogoutRedirectUris];
  if (client.backchannelLogoutUri !== undefined) config.backchannelLogoutUri = client.backchannelLogoutUri;
  if (client.backchannelLogoutSessionRequired !== undefined) config.backchannelLogoutSessionRequired = client.backchannelLogoutSessionRequired;
  if (client.firstParty !== undefined) config.firstParty = client.firstParty;
  if (client.dpopBoundAccessTokens !== undefined) config.dpopBoundAccessTokens = client.dpopBoundAccessTokens;
  if (client.tokenExchange !== undefined) config.tokenExchange = { audiences: [...client.tokenExchange.audiences], scopes: [...client.tokenExchange.scopes] };
  return config;
}
