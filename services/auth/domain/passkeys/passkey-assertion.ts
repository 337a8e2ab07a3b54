import { generateAuthenticationOptions, verifyAuthenticationResponse, type PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import type { PasskeyCeremonyDeps } from './passkey-ceremony-deps.js';
import { isLocked } from '../users/account-lock.js';
import type { UserRecord } from '../users/user-store.js';
import { CHALLENGE_TTL_SECONDS, challengeBytes } from './passkey-challenges.js';
import { passkeyErrors } from './passkey-errors.js';
import type { PasskeyRefusal } from './passkey-events.js';
import type { PasskeyRecord } from './passkey-store.js';
import { userHandleOf } from './relying-party.js';
import { authenticationResponse, signedChallenge } from './webauthn-json.js';

export type AssertionCeremony = 'login' | 'mfa';


/** Who a verified assertion proved, and how. */
export interface AssertedUser {
  user: UserRecord;
  passkey: PasskeyRecord;
  /** The UV flag of this assertion: the authenticator checked a PIN or a biometric (RFC 8176 `user`). */
  userVerified: boolean;
  /** What the challenge was issued against besides the user (a second step's mfa_token). */
  binding: string;
}

/**
 * Signing in with a passkey (WebAuthn §7.2), shared by the passwordless login and the second
 * step: request options with a stored challenge, then the assertion checked in this order, each
 * failure the same 401 and one audit line with its reason: challenge (unknown, spent, expired,
 * of another ceremony), credential (unknown), owner (the challenge's user, the user handle),
 * signature, counter (must move forward; a counter gone back is a cloned authenticator), account.
 */
export function createPasskeyAssertion({ rp, users, passkeys, challenges, events, now }: PasskeyCeremonyDeps) {
  const ceremonyOf = { login: 'webauthn-login', mfa: 'webauthn-mfa' } as const;

  return {
    /**
     * Request options. `userId` null: a discoverable sign-in (no allowCredentials, any user's
     * passkey may answer). Otherwise only that user's passkeys are listed and accepted.
     */
    async options(ceremony: AssertionCeremony, userId: string | null, binding = ''): Promise<PublicKeyCredentialRequestOptionsJSON> {
      const own = userId === null ? [] : await passkeys.listByUser(userId);
      const challenge = await challenges.issue(ceremonyOf[ceremony], userId, binding);
      return generateAuthenticationOptions({
        rpID: rp.id,
        challenge: challengeBytes(challenge),
        timeout: CHALLENGE_TTL_SECONDS * 1000,
        userVerification: 'preferred',
        ...(own.length > 0 ? { allowCredentials: own.map((passkey) => ({ id: passkey.id, transports: passkey.transports as never })) } : {}),
      });
    },

    /**
     * `context.expected`: the user and binding the challenge must have been issued for (a second
     * step: that pending login's user and id), checked before the signature.
     */
    async verify(ceremony: AssertionCeremony, raw: unknown, context: { clientIp: string; field?: string; expected?: { userId: string; binding: string } }): Promise<AssertedUser> {
      const field = context.field ?? 'response';
      const response = authenticationResponse(raw, field);
      const challenge = signedChallenge(response, field);
      const refuse = (reason: PasskeyRefusal, userId: string | null, credentialId: string | null) => {
        events.passkey({ change: 'refused', ceremony, reason, userId, credentialId, clientIp: context.clientIp });
        return passkeyErrors.signInRefused(`WEBAUTHN_${reason.toUpperCase()}`);
      };
      // Spent first: a response that fails here can never be tried again, nor replayed after success.
      const taken = await challenges.take(ceremonyOf[ceremony], challenge);
      if (!taken) throw refuse('challenge_unknown', null, null);
      const { expected } = context;
      if (expected && (taken.userId !== expected.userId || taken.binding !== expected.binding)) throw refuse('challenge_other_user', expected.userId, null);
      const passkey = await passkeys.findById(response.id);
      if (!passkey) throw refuse('credential_unknown', taken.userId, null);
      if (taken.userId !== null && taken.userId !== passkey.userId) throw refuse('challenge_other_user', passkey.userId, passkey.id);
      const handle = response.response.userHandle;
      if (handle !== undefined && handle !== userHandleOf(passkey.userId)) throw refuse('user_handle_mismatch', passkey.userId, passkey.id);
      const verified = await verifyAuthenticationResponse({
        response,
        expectedChallenge: challenge,
        expectedOrigin: rp.origins,
        expectedRPID: rp.id,
        // Counter 0 here: the library's own check would throw before we can tell a clone from a
        // bad signature; the store's recordUse is the check, atomic against a racing replay.
        credential: { id: passkey.id, publicKey: new Uint8Array(Buffer.from(passkey.publicKey, 'base64url')), counter: 0, transports: passkey.transports as never },
        requireUserVerification: false,
      }).catch(() => null);
      if (!verified?.verified) throw refuse('signature_invalid', passkey.userId, passkey.id);
      const info = verified.authenticationInfo;
      const moved = await passkeys.recordUse(passkey.id, { counter: info.newCounter, usedAt: new Date(now()), backedUp: info.credentialBackedUp });
      if (!moved) throw refuse('counter_regressed', passkey.userId, passkey.id);
      const user = await users.findById(passkey.userId);
      if (!user || isLocked(user)) throw refuse('account_locked', passkey.userId, passkey.id);
      events.passkey({ change: 'signed_in', ceremony, userId: user.id, credentialId: passkey.id, userVerified: info.userVerified, clientIp: context.clientIp });
      return { user, passkey, userVerified: info.userVerified, binding: taken.binding };
    },
  };
}

export type PasskeyAssertion = ReturnType<typeof createPasskeyAssertion>;
