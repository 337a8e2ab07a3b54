import type { ClientConfig } from './ports/client-store.js';

/**
 * Only the configuration members of a client, with fresh arrays: every client store stores this,
 * so stray properties on the argument are never stored and the caller's arrays are never shared.
 */
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
  if (client.tokenExchange !== undefined) config.tokenExchange = { audiences: [...client.tokenExchange.audiences], scopes: [...client.tokenExchange.scopes] };
  return config;
}
