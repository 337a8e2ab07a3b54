import type { Authentication, AuthMethod } from '../mfa/authentication.js';

/**
 * What a passkey proves (RFC 8176): `hwk`, a hardware-bound key, always; with user verification
 * also `user` (the authenticator checked a PIN or biometric). As a second factor these are the
 * methods it adds to the password's.
 */
export function passkeyMethods(userVerified: boolean): AuthMethod[] {
  return userVerified ? ['hwk', 'user'] : ['hwk'];
}

/**
 * A passwordless sign-in with a passkey. With user verification it is two factors in one gesture
 * (something held, the key; something known or are, the PIN or biometric): `mfa` too, which makes
 * it `urn:authgate:acr:mfa`. Without, one factor, as strong as a password: `urn:authgate:acr:pwd`.
 */
export function passkeyAuthentication(userVerified: boolean, time: number): Authentication {
  return { time, amr: userVerified ? [...passkeyMethods(true), 'mfa'] : passkeyMethods(false) };
}
