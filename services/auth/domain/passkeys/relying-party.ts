/** This deployment as a WebAuthn relying party (WEBAUTHN_RP_ID, WEBAUTHN_ORIGINS). */
export interface RelyingParty {
  /** The RP ID: a registrable domain the origins are on (WebAuthn §5.1.4.1); passkeys are bound to it. */
  id: string;
  /** Shown by the browser and the authenticator when a passkey is created. */
  name: string;
  /** Every origin a ceremony may come from (clientDataJSON.origin), exact match. */
  origins: string[];
}

/** The WebAuthn user handle of an account: its opaque id's bytes (never the name or address, §14.6.1). */
export const userHandleOf = (userId: string): string => Buffer.from(userId, 'utf8').toString('base64url');
