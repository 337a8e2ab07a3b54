import type { PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import type { AccountTokenStore } from '../accounts/account-token-store.js';
import { accountErrors } from '../accounts/account-errors.js';
import type { AuthEvents } from '../auth-events.js';
import { sessionDevice } from '../sessions/session-device.js';
import type { TokenPair, TokenPairIssuer } from '../tokens/token-pair.js';
import type { Authentication } from '../mfa/authentication.js';
import type { SecondFactor } from '../mfa/second-factor.js';
import type { PendingLogin } from '../mfa/mfa-token.js';
import { isAppError } from '../../../../lib/errors.js';
import { authErrors } from '../errors.js';
import { passkeyAuthentication, passkeyMethods } from './passkey-amr.js';
import { normalizeUsername, usernameProblem } from '../users/username.js';
import type { UserRecord, UserStore } from '../users/user-store.js';
import { createPasskeyAssertion } from './passkey-assertion.js';
import { createPasskeyChallenges } from './passkey-challenges.js';
import { passkeyErrors } from './passkey-errors.js';
import { createPasskeyRegistration } from './passkey-registration.js';
import type { PasskeyStore } from './passkey-store.js';
import type { RelyingParty } from './relying-party.js';

export interface PasskeyUseCaseDeps {
  rp: RelyingParty;
  users: UserStore;
  passkeys: PasskeyStore;
  /** Where the single-use challenges live (the account token store). */
  challengeStore: AccountTokenStore;
  pairs: TokenPairIssuer;
  firstPartyClientId: string;
  scopesOf: (user: UserRecord) => string[];
  emailVerificationRequired: boolean;
  events: AuthEvents;
  now: () => number;
}

/** A passkey as its owner sees it in the list: never the key or the counter. */
export interface PasskeyView {
  id: string;
  name: string;
  created_at: string;
  last_used_at: string | null;
  user_verified: boolean;
  /** A synced passkey (backup eligible), which survives the loss of one device. */
  synced: boolean;
}

/** /auth/webauthn/*: register, list and remove a user's passkeys, and sign in with one. */
export function createPasskeyUseCases(deps: PasskeyUseCaseDeps) {
  const { users, passkeys, events, now } = deps;
  const challenges = createPasskeyChallenges(deps.challengeStore, now);
  const registration = createPasskeyRegistration({ ...deps, challenges });
  const assertion = createPasskeyAssertion({ ...deps, challenges });

  /** Who a passkey proved and how, for the JSON login and the hosted login page (the app flow starts its login session). */
  async function signIn(response: unknown, clientIp: string): Promise<{ user: UserRecord; authentication: Authentication }> {
    const { user, userVerified } = await assertion.verify('login', response, { clientIp });
    if (deps.emailVerificationRequired && !user.emailVerified) throw accountErrors.emailNotVerified();
    return { user, authentication: passkeyAuthentication(userVerified, now()) };
  }

  /**
   * A passkey as a second factor (mfa/second-factor.ts): enrolled when the user holds one; the
   * proof is `webauthn`, an assertion over a challenge issued for this pending login
   * (`mfaOptions`). A refused assertion is a wrong answer (counted by the second step's throttle).
   */
  const secondFactor: SecondFactor = {
    kind: 'webauthn',
    isEnrolled: async (userId) => (await passkeys.listByUser(userId)).length > 0,
    summarize: async (userId) => ({ passkeys: (await passkeys.listByUser(userId)).length }),
    // An operator's removal of the factors, or the account's deletion: who asked is their audit line's (mfa.removed, account.deleted).
    removeAll: async (userId) => {
      const count = await passkeys.removeAllOf(userId);
      if (count > 0) events.passkey({ change: 'removed', userId, credentialId: null, count });
      return count > 0;
    },
    async verify(pending, proof, context) {
      if (proof.webauthn === undefined) return 'not_mine';
      try {
        const asserted = await assertion.verify('mfa', proof.webauthn, { clientIp: context.clientIp, field: 'webauthn', expected: { userId: pending.userId, binding: pending.id } });
        return { methods: passkeyMethods(asserted.userVerified) };
      } catch (err) {
        if (isAppError(err) && err.status === 401) return { wrong: 'wrong_code' };
        throw err;
      }
    },
  };

  return {
    registrationOptions: registration.options,
    register: registration.register,
    secondFactor,

    /** POST /auth/login/mfa/options: request options for the pending login's user's passkeys, its challenge bound to that login. */
    async mfaOptions(pending: PendingLogin | null): Promise<PublicKeyCredentialRequestOptionsJSON> {
      if (!pending) throw authErrors.invalidGrant('MFA_TOKEN_INVALID');
      return assertion.options('mfa', pending.userId, pending.id);
    },

    async list(userId: string): Promise<PasskeyView[]> {
      return (await passkeys.listByUser(userId)).map((passkey) => ({
        id: passkey.id,
        name: passkey.name,
        created_at: passkey.createdAt.toISOString(),
        last_used_at: passkey.lastUsedAt?.toISOString() ?? null,
        user_verified: passkey.userVerified,
        synced: passkey.deviceType === 'multiDevice',
      }));
    },

    async remove(userId: string, credentialId: string): Promise<void> {
      if (!(await passkeys.remove(userId, credentialId))) throw passkeyErrors.notFound();
      events.passkey({ change: 'removed', userId, credentialId, count: 1 });
    },

    /**
     * POST /auth/webauthn/login/options. Without a username: a discoverable sign-in. With one:
     * that account's passkeys; a name with no account gets a challenge no passkey can answer, so
     * it fails as a wrong passkey would, after the browser's prompt.
     */
    async loginOptions(username: string | undefined): Promise<PublicKeyCredentialRequestOptionsJSON> {
      if (username === undefined) return assertion.options('login', null);
      const normalized = normalizeUsername(username);
      const user = usernameProblem(normalized) ? null : await users.findByUsername(normalized);
      return assertion.options('login', user?.id ?? NO_ONE);
    },

    signIn,

    /** POST /auth/webauthn/login: a passwordless sign-in to the first-party API, answered with a new token family. */
    async login(input: { response: unknown; clientIp: string; userAgent?: string | undefined; jkt?: string | undefined }): Promise<TokenPair> {
      const { user, authentication } = await signIn(input.response, input.clientIp);
      const pair = await deps.pairs.startFamily(
        user,
        { clientId: deps.firstPartyClientId, scope: deps.scopesOf(user).join(' '), jkt: input.jkt, authentication },
        { bindRefreshToken: true, device: sessionDevice(input.userAgent, input.clientIp) },
      );
      events.accessTokenIssued('passkey');
      return pair;
    },
  };
}

/** The owner of a sign-in challenge for a name without an account: no passkey belongs to it. */
const NO_ONE = '!no-account';

export type PasskeyUseCases = ReturnType<typeof createPasskeyUseCases>;
