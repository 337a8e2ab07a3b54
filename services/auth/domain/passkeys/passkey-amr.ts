/**
 * How a passkey sign-in is described in tokens (RFC 8176): `hwk` (proof of a hardware-bound key)
 * always; with user verification also `user` (the authenticator checked a PIN or biometric) and
 * `mfa`, since the key (something held) and the check (something known or are) are two factors,
 * which makes the sign-in `urn:authgate:acr:mfa`. Without user verification a passkey is one
 * factor, as strong a sign-in as a password: `urn:authgate:acr:pwd`.
 */
export function passkeyAuthentication(userVerified: boolean): { amr: string[]; acr: string } {
  return userVerified ? { amr: ['hwk', 'user', 'mfa'], acr: 'urn:authgate:acr:mfa' } : { amr: ['hwk'], acr: 'urn:authgate:acr:pwd' };
}
