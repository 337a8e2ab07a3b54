import type { TokenSigner } from '../tokens/token-signing.js';
import type { LogoutDelivery } from './logout-delivery.js';

/** OIDC Back-Channel Logout 1.0 §2.4: the one member of `events`. */
export const BACKCHANNEL_LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';
/** §2.4 recommends the explicit type, so a logout token can never pass as an ID token or the reverse. */
export const LOGOUT_TOKEN_TYPE = 'logout+jwt';
/** A logout token is used at once by the app; two minutes covers clock skew, nothing more. */
export const LOGOUT_TOKEN_TTL_SECONDS = 120;

/**
 * Signs the logout token of one delivery with the auth signing keys (the JWKS apps already trust
 * for ID tokens). `jti` is the delivery's id, the same at every attempt: an app that dedupes by
 * `jti` sees a retry as the replay it is. Never a `nonce` (§2.4 forbids it).
 */
export function createLogoutTokenMinter({ issuer, signer, now = Date.now }: { issuer: string; signer: TokenSigner; now?: () => number }) {
  return function mintLogoutToken(delivery: LogoutDelivery, deliveryId: string): string {
    const iat = Math.floor(now() / 1000);
    return signer.sign(
      {
        iss: issuer,
        sub: delivery.sub,
        aud: delivery.clientId,
        iat,
        exp: iat + LOGOUT_TOKEN_TTL_SECONDS,
        jti: deliveryId,
        events: { [BACKCHANNEL_LOGOUT_EVENT]: {} },
        sid: delivery.sid,
      },
      LOGOUT_TOKEN_TYPE,
    );
  };
}

export type LogoutTokenMinter = ReturnType<typeof createLogoutTokenMinter>;
