import type { AuthEvents } from '../auth-events.js';
import type { ClientRecord } from '../clients/client-store.js';
import type { OAuthParams } from '../clients/presented-credentials.js';
import type { AuthSettings } from '../settings.js';
import type { OwnAccessTokens, TokenSigner } from '../tokens/token-signing.js';
import type { TokenStore } from '../tokens/token-store.js';
import type { RefreshRotation } from '../tokens/refresh-rotation.js';
import { createClientCredentialsGrant } from './client-credentials.js';
import { createRefreshTokenGrant } from './refresh-token.js';
import { GrantRegistry } from './registry.js';
import { createTokenExchangeGrant, TOKEN_EXCHANGE_GRANT } from './token-exchange.js';

export interface TokenEndpointGrantDeps {
  settings: AuthSettings;
  signer: TokenSigner;
  accessTokens: OwnAccessTokens;
  tokens: TokenStore;
  /** The rotation behind /auth/refresh, so both endpoints rotate by the same rules. */
  rotateRefreshToken: RefreshRotation;
  /** The app flow's code redemption (app-flow/app-flow.ts). */
  redeemCode: (client: ClientRecord, params: OAuthParams, jkt?: string) => Promise<object>;
  events: AuthEvents;
  now: () => number;
}

/** Every grant of /oauth/token, each from its own file, registered by `grant_type`. */
export function tokenEndpointGrants({ settings, signer, accessTokens, tokens, rotateRefreshToken, redeemCode, events, now }: TokenEndpointGrantDeps): GrantRegistry {
  const ttlSeconds = settings.accessTokenTtlSeconds;
  const clientCredentials = createClientCredentialsGrant({ signer, issuer: settings.issuer, defaultAudience: settings.audience, ttlSeconds, now });
  const refreshToken = createRefreshTokenGrant({ refreshTokens: tokens, rotate: rotateRefreshToken, now });
  const tokenExchange = createTokenExchangeGrant({ signer, accessTokens, denylist: tokens, issuer: settings.issuer, defaultAudience: settings.audience, ttlSeconds, now, events });
  return new GrantRegistry([
    ['authorization_code', ({ client, params, jkt }) => redeemCode(client, params, jkt)],
    [
      'client_credentials',
      ({ client, params, jkt }) => {
        const issued = clientCredentials({ client, scope: params.scope, audience: params.audience, jkt });
        events.accessTokenIssued('client_credentials');
        return issued;
      },
    ],
    ['refresh_token', ({ client, params, jkt }) => refreshToken({ client, refreshToken: params.refresh_token, scope: params.scope, jkt })],
    [TOKEN_EXCHANGE_GRANT, ({ client, params, jkt }) => tokenExchange(client, params, jkt)],
  ]);
}
