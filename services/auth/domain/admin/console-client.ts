import type { ClientConfig, ClientStore } from '../clients/client-store.js';
import { ADMIN_SCOPE } from '../users/roles.js';

/** The console's OAuth client: public (PKCE, no secret), registered at every start. */
export const CONSOLE_CLIENT_ID = 'authgate-console';
/** Where the console lives under AUTH_PUBLIC_URL. */
export const CONSOLE_PATH = '/console';

/** The console's redirect URI: the only place its codes may go. */
export const consoleRedirectUri = (publicUrl: string) => `${publicUrl}${CONSOLE_PATH}/callback`;

/**
 * The console as a registered client: a first-party public client (no consent page, no secret;
 * the code is redeemed with its PKCE verifier) that may ask for `openid admin` and nothing else.
 * Its refresh token renews the access token, so one console sign-in is one session of the admin's,
 * which sign-out ends; a role taken away ends it too, so the next refresh fails.
 */
export function consoleClientConfig(publicUrl: string): ClientConfig {
  return {
    clientId: CONSOLE_CLIENT_ID,
    clientName: 'authgate console',
    tokenEndpointAuthMethods: ['none'],
    grantTypes: ['authorization_code', 'refresh_token'],
    scopes: ['openid', ADMIN_SCOPE],
    audiences: [],
    redirectUris: [consoleRedirectUri(publicUrl)],
    firstParty: true,
  };
}

/**
 * Registers (or re-registers, converging on this configuration) the console's client; idempotent,
 * safe for several replicas starting at once. An operator who disabled it keeps it disabled.
 */
export async function registerConsoleClient(clients: ClientStore, publicUrl: string): Promise<{ created: boolean }> {
  const { created } = await clients.upsert(consoleClientConfig(publicUrl));
  return { created };
}
