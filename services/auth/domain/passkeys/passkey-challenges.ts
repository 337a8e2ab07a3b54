import { createAccountTokens } from '../accounts/account-tokens.js';
import type { AccountTokenStore } from '../accounts/account-token-store.js';

/** The three ceremonies; a challenge issued for one is never accepted by another. */
export type Ceremony = 'webauthn-registration' | 'webauthn-login' | 'webauthn-mfa';

/**
 * How long a challenge (and the browser's prompt, WebAuthn `timeout`) lives. WebAuthn §13.4.3
 * asks for a challenge used once within a short window; two minutes leave time for a security
 * key to be found and touched.
 */
export const CHALLENGE_TTL_SECONDS = 120;

/** The user a discoverable sign-in challenge is for: whoever's passkey answers it. */
const ANY_USER = '*';

export interface TakenChallenge {
  /** The user the challenge was issued to; null: any user (a sign-in without a username). */
  userId: string | null;
  /** What else it was issued against (the mfa_token's fingerprint of a second step); '' otherwise. */
  binding: string;
}

/**
 * WebAuthn challenges as single-use account tokens (256 random bits, stored as their SHA-256 in
 * the account token store: Redis when configured, else MongoDB or the embedded file), so every
 * replica accepts a challenge another issued, exactly once, until it expires.
 */
export function createPasskeyChallenges(store: AccountTokenStore, now: () => number) {
  const tokens = createAccountTokens(store, now);
  return {
    /** A new challenge (base64url, as WebAuthn options carry it) for `userId`, or for any user when null. */
    issue: (ceremony: Ceremony, userId: string | null, binding = ''): Promise<string> =>
      // The stores require a non-empty binding; the ceremony name is one that says nothing.
      tokens.issue({ purpose: ceremony, userId: userId ?? ANY_USER, binding: binding || ceremony, ttlSeconds: CHALLENGE_TTL_SECONDS }),
    /** Spends the challenge: the first call gets who it was for, every later one (and an expired or unknown one) null. */
    async take(ceremony: Ceremony, challenge: string): Promise<TakenChallenge | null> {
      const record = await tokens.consume(ceremony, challenge);
      if (!record) return null;
      return { userId: record.userId === ANY_USER ? null : record.userId, binding: record.binding === ceremony ? '' : record.binding };
    },
  };
}

export type PasskeyChallenges = ReturnType<typeof createPasskeyChallenges>;

/** WebAuthn `options.challenge` is base64url; the libraries take the bytes. */
export const challengeBytes = (challenge: string): Uint8Array<ArrayBuffer> => new Uint8Array(Buffer.from(challenge, 'base64url'));
