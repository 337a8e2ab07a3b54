import { AppError } from '../../../../lib/errors.js';
import type { AuthEvents } from '../auth-events.js';
import { authErrors } from '../errors.js';
import type { AttemptCounter, ReplayCache } from '../tokens/token-store.js';
import { isLocked } from '../users/account-lock.js';
import type { UserRecord, UserStore } from '../users/user-store.js';
import { withSecondFactor, type Authentication } from './authentication.js';
import type { LoginPurpose, MfaTokens, PendingLogin } from './mfa-token.js';
import type { SecondFactors } from './second-factor.js';

export interface SecondStepDeps {
  factors: SecondFactors;
  mfaTokens: MfaTokens;
  /** The shared attempt counts and replay cache (the token store: every replica counts together). */
  counter: AttemptCounter & ReplayCache;
  users: UserStore;
  /** LOGIN_MAX_FAILURES and LOGIN_FAILURE_WINDOW: the second step is throttled like the password. */
  maxFailures: number;
  windowSeconds: number;
  events: AuthEvents;
  now: () => number;
}

/** What a second step owes the caller: the token for it and the factors it may use. */
export interface MfaChallenge {
  mfa_token: string;
  factors: string[];
}

/** 401 `mfa_required` (contract: no token of any kind), carrying the mfa_token and the factors. */
export const mfaRequired = (challenge: MfaChallenge) =>
  new AppError('MFA_REQUIRED', 401, 'a second factor is required to complete the sign-in', { error: 'mfa_required', details: { ...challenge } });

const mfaTokenInvalid = () => authErrors.invalidGrant('MFA_TOKEN_INVALID');

/**
 * The login's second step, shared by the JSON login, the browser session and the hosted login
 * page. `challenge` after a right password: null when the account has no factor (sign in now),
 * else an mfa_token. `complete` checks a proof against the pending login's user, throttled per
 * mfa_token and per account with the password's limits, and spends the token on success.
 */
export function createSecondStep({ factors, mfaTokens, counter, users, maxFailures, windowSeconds, events, now }: SecondStepDeps) {
  return {
    async challenge(user: UserRecord, first: Authentication, login: { clientId: string; purpose: LoginPurpose }): Promise<MfaChallenge | null> {
      const kinds = await factors.kindsOf(user.id);
      if (kinds.length === 0) return null;
      const { token } = mfaTokens.issue({ userId: user.id, clientId: login.clientId, purpose: login.purpose, first });
      return { mfa_token: token, factors: kinds };
    },

    /**
     * The pending login an mfa_token stands for, without spending or counting anything: what a
     * factor needs to prepare its proof (a passkey's challenge, POST /auth/login/mfa/options). Null
     * for anything but a live mfa_token of either purpose.
     */
    pending(mfaToken: unknown): PendingLogin | null {
      if (typeof mfaToken !== 'string' || mfaToken.length === 0 || mfaToken.length > 2048) return null;
      return mfaTokens.read(mfaToken, 'first_party') ?? mfaTokens.read(mfaToken, 'hosted');
    },

    /** The user and how they signed in, or an error: 400 (no token, a proof of no factor's shape), 401 invalid_grant, 429. */
    async complete(mfaToken: unknown, proof: Readonly<Record<string, unknown>>, login: { purpose: LoginPurpose; clientIp: string }): Promise<{ user: UserRecord; authentication: Authentication; clientId: string }> {
      if (typeof mfaToken !== 'string' || mfaToken.length === 0 || mfaToken.length > 2048) throw authErrors.invalidField('mfa_token', 'is required');
      const pending = mfaTokens.read(mfaToken, login.purpose);
      if (!pending) throw mfaTokenInvalid();
      const keys = [`mfa-attempts:token:${pending.id}`, `mfa-attempts:account:${pending.userId}`];
      // Counted before the check, as the password's are: parallel guesses cannot all slip in.
      const counts = await Promise.all(keys.map((key) => counter.recordAttempt(key, windowSeconds)));
      const over = counts.filter((c) => c.count > maxFailures);
      if (over.length > 0) {
        events.secondFactorChanged({ change: 'mfa.failed', userId: pending.userId, reason: 'rate_limited', clientIp: login.clientIp });
        throw authErrors.tooManyAttempts(Math.max(...over.map((c) => c.resetInSeconds)));
      }
      const outcome = await factors.verify(pending, proof, { clientIp: login.clientIp });
      if (outcome === 'not_mine') {
        // Nothing was checked: the attempt is handed back, and the field is named.
        await Promise.all(keys.map((key) => counter.releaseAttempt(key)));
        throw authErrors.invalidField('code', 'must be a 6-digit code from the authenticator app or a recovery code');
      }
      if ('wrong' in outcome) {
        events.secondFactorChanged({ change: 'mfa.failed', userId: pending.userId, reason: outcome.wrong, clientIp: login.clientIp });
        throw authErrors.invalidGrant(outcome.wrong === 'replayed_code' ? 'MFA_CODE_REPLAYED' : 'MFA_CODE_INVALID');
      }
      // Single use: of two right answers racing with one token, one signs in.
      if (!(await counter.claimOnce(`mfa-token:${pending.id}`, pending.expiresAt))) throw mfaTokenInvalid();
      const user = await users.findById(pending.userId);
      if (!user || isLocked(user)) throw mfaTokenInvalid();
      await Promise.all(keys.map((key) => counter.clearAttempts(key)));
      return { user, authentication: withSecondFactor(pending.first, outcome.methods, now()), clientId: pending.clientId };
    },
  };
}

export type SecondStep = ReturnType<typeof createSecondStep>;
