import type { OutboxPayload } from '../mail/mail.js';

export const BACKCHANNEL_LOGOUT_PURPOSE = 'backchannel-logout';

/**
 * One logout token to deliver (OIDC Back-Channel Logout 1.0 §2.5), as the outbox keeps it: the
 * app, its `backchannel_logout_uri` (resolved when the session ended) and the session. The token
 * itself is signed at each attempt, so a retry hours later still carries a fresh `iat`/`exp` and
 * the queue never holds a token.
 */
export interface LogoutDelivery extends OutboxPayload {
  purpose: typeof BACKCHANNEL_LOGOUT_PURPOSE;
  /** The app's `backchannel_logout_uri`. */
  to: string;
  clientId: string;
  /** The user whose session ended. */
  sub: string;
  /** The session: the `sid` of the ID token (and access tokens) the app was given. */
  sid: string;
}
