import type { AuthMethod } from './authentication.js';
import type { PendingLogin } from './mfa-token.js';
import { NO_SECOND_FACTORS, type AccountSecondFactors, type MfaSummary } from '../users/account-second-factors.js';

/**
 * The extension point of second factors. A factor (TOTP, recovery codes, passkeys) is one object
 * in the list `domain/use-cases.ts` builds: the login's second step asks each whether the user has
 * it (`factors` of mfa_required) and hands each the proof of `POST /auth/login/mfa`; none of the
 * login code knows any factor by name.
 */
export interface SecondFactor {
  /** The name `factors` of mfa_required lists: `totp`, `recovery_code`, `webauthn`. */
  readonly kind: string;
  /** Whether `userId` has this factor ready to use (confirmed, with something left to use). */
  isEnrolled(userId: string): Promise<boolean>;
  /**
   * Checks the proof the second step was sent (`code`, `webauthn`, ... : the request's fields
   * beyond `mfa_token`) for the pending login's user. 'not_mine': the proof is not of this
   * factor's shape (the next factor is asked); 'wrong': it is, and it does not prove the user
   * (or was used already); else the RFC 8176 methods it proved (`['otp']`, `['hwk']`). A factor
   * that spends something (a code's time step, a recovery code) spends it here, atomically.
   */
  verify(pending: PendingLogin, proof: Readonly<Record<string, unknown>>, context: { clientIp: string }): Promise<FactorOutcome>;
  /** This factor's part of the account's `mfa` summary (GET /auth/account, the admin UserView). */
  summarize?(userId: string): Promise<Partial<MfaSummary>>;
  /** Removes everything the user has of this factor (an operator's removal, the account's deletion); whether there was anything. */
  removeAll?(userId: string): Promise<boolean>;
}

export type { MfaSummary };

export type FactorOutcome = 'not_mine' | { wrong: 'wrong_code' | 'replayed_code' } | { methods: AuthMethod[] };

/** The factors of the deployment, asked in order; also the admin API's port to them (AccountSecondFactors). */
export class SecondFactors implements AccountSecondFactors {
  constructor(private readonly factors: readonly SecondFactor[]) {}

  /** The kinds `userId` has enrolled, in the list's order; [] means the password alone signs in. */
  async kindsOf(userId: string): Promise<string[]> {
    const enrolled = await Promise.all(this.factors.map(async (factor) => ((await factor.isEnrolled(userId)) ? factor.kind : null)));
    return enrolled.filter((kind): kind is string => kind !== null);
  }

  /** The account's `mfa` summary, each factor filling in its part. */
  async summaryOf(userId: string): Promise<MfaSummary> {
    const parts = await Promise.all(this.factors.map(async (factor) => (await factor.summarize?.(userId)) ?? {}));
    return Object.assign({ ...NO_SECOND_FACTORS }, ...parts) as MfaSummary;
  }

  /** Removes every factor of `userId`; how many kinds had something to remove (0: none). */
  async removeAll(userId: string): Promise<number> {
    const removed = await Promise.all(this.factors.map(async (factor) => (await factor.removeAll?.(userId)) ?? false));
    return removed.filter(Boolean).length;
  }

  /** The first factor's answer that recognises the proof; 'not_mine' when none does. */
  async verify(pending: PendingLogin, proof: Readonly<Record<string, unknown>>, context: { clientIp: string }): Promise<FactorOutcome> {
    for (const factor of this.factors) {
      const outcome = await factor.verify(pending, proof, context);
      if (outcome !== 'not_mine') return outcome;
    }
    return 'not_mine';
  }
}
