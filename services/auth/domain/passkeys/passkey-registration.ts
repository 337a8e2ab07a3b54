import { generateRegistrationOptions, verifyRegistrationResponse, type PublicKeyCredentialCreationOptionsJSON } from '@simplewebauthn/server';
import type { PasskeyCeremonyDeps } from './passkey-ceremony-deps.js';
import { authErrors } from '../errors.js';
import { CHALLENGE_TTL_SECONDS, challengeBytes } from './passkey-challenges.js';
import { passkeyErrors } from './passkey-errors.js';
import type { PasskeyRefusal } from './passkey-events.js';
import { registrationResponse, signedChallenge } from './webauthn-json.js';

/** Enough for every device a person owns, few enough that a list stays a list. */
export const MAX_PASSKEYS_PER_USER = 20;
const MAX_NAME_LENGTH = 64;
/** EdDSA, ES256, RS256: what platform authenticators and security keys create. */
const ALGORITHMS = [-8, -7, -257];


/**
 * Registering a passkey for a signed-in user (WebAuthn §7.1): creation options with a stored
 * single-use challenge, then the attestation checked against that challenge, the RP ID and the
 * origins before anything is written. Discoverable credentials are asked for, so the passkey
 * signs in without a username; user verification is preferred and recorded, not required.
 */
export function createPasskeyRegistration({ rp, users, passkeys, challenges, events, now }: PasskeyCeremonyDeps) {
  async function userOf(userId: string) {
    const user = await users.findById(userId);
    // A token outliving its account: the same refusal as any dead grant.
    if (!user || user.lockedAt) throw authErrors.invalidGrant('WEBAUTHN_USER_GONE');
    return user;
  }

  return {
    async options(userId: string): Promise<PublicKeyCredentialCreationOptionsJSON> {
      const user = await userOf(userId);
      const existing = await passkeys.listByUser(user.id);
      if (existing.length >= MAX_PASSKEYS_PER_USER) throw passkeyErrors.tooMany(MAX_PASSKEYS_PER_USER);
      const challenge = await challenges.issue('webauthn-registration', user.id);
      return generateRegistrationOptions({
        rpName: rp.name,
        rpID: rp.id,
        userID: new Uint8Array(Buffer.from(user.id, 'utf8')),
        userName: user.username,
        userDisplayName: user.username,
        challenge: challengeBytes(challenge),
        timeout: CHALLENGE_TTL_SECONDS * 1000,
        attestationType: 'none',
        // The browser refuses to create a second passkey on an authenticator that holds one already.
        excludeCredentials: existing.map((passkey) => ({ id: passkey.id, transports: passkey.transports as never })),
        authenticatorSelection: { residentKey: 'required', userVerification: 'preferred' },
        supportedAlgorithmIDs: ALGORITHMS,
      });
    },

    async register(userId: string, input: { response: unknown; name?: unknown; clientIp: string }): Promise<{ id: string; name: string }> {
      const response = registrationResponse(input.response);
      const name = nameOf(input.name);
      const challenge = signedChallenge(response);
      const refuse = (reason: PasskeyRefusal, description: string) => {
        events.passkey({ change: 'refused', ceremony: 'registration', reason, userId, credentialId: null, clientIp: input.clientIp });
        return passkeyErrors.registrationRefused(description);
      };
      // Spent before the checks: a response that fails cannot be tried again with the same challenge.
      const taken = await challenges.take('webauthn-registration', challenge);
      if (!taken) throw refuse('challenge_unknown', 'the challenge is unknown, expired or already used; ask for new options');
      if (taken.userId !== userId) throw refuse('challenge_other_user', 'the challenge was issued to another account');
      const user = await userOf(userId);
      const verified = await verifyRegistrationResponse({
        response,
        expectedChallenge: challenge,
        expectedOrigin: rp.origins,
        expectedRPID: rp.id,
        requireUserVerification: false,
        supportedAlgorithmIDs: ALGORITHMS,
      }).catch(() => null);
      if (!verified?.verified) throw refuse('signature_invalid', 'the passkey response does not verify');
      const { credential, credentialDeviceType, credentialBackedUp, userVerified } = verified.registrationInfo;
      const existing = await passkeys.listByUser(user.id);
      if (existing.length >= MAX_PASSKEYS_PER_USER) throw passkeyErrors.tooMany(MAX_PASSKEYS_PER_USER);
      const record = {
        id: credential.id,
        userId: user.id,
        name: name ?? `Passkey ${existing.length + 1}`,
        publicKey: Buffer.from(credential.publicKey).toString('base64url'),
        counter: credential.counter,
        transports: response.response.transports ?? [],
        deviceType: credentialDeviceType,
        backedUp: credentialBackedUp,
        userVerified,
        createdAt: new Date(now()),
        lastUsedAt: null,
      };
      // One write: a duplicate credential id is the store's unique key refusing it (409).
      await passkeys.add(record);
      events.passkey({ change: 'registered', userId: user.id, credentialId: record.id, userVerified, clientIp: input.clientIp });
      return { id: record.id, name: record.name };
    },
  };
}

/** The passkey's label: optional, trimmed, 1-64 characters without control characters. */
function nameOf(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw authErrors.invalidField('name', 'must be a string');
  const name = value.normalize('NFC').trim();
  if (name.length === 0) return undefined;
  if (name.length > MAX_NAME_LENGTH) throw authErrors.invalidField('name', `must be at most ${MAX_NAME_LENGTH} characters`);
  if (/[\u0000-\u001f\u007f]/.test(name)) throw authErrors.invalidField('name', 'must not contain control characters');
  return name;
}
