import { authErrors } from '../errors.js';
import { tokenError } from '../../../../lib/verifier/errors.js';
import type { UserStore } from '../users/user-store.js';
import type { AuthEvents } from '../auth-events.js';
import type { ConfirmPassword } from '../accounts/confirm-password.js';
import { mfaErrors } from './mfa-errors.js';
import { canonicalRecoveryCode, hashRecoveryCode, newRecoveryCodes } from './recovery-codes.js';
import type { FactorOutcome, SecondFactor } from './second-factor.js';
import type { SecretBox } from './secret-box.js';
import { newTotpSecret, stepOfCode, TOTP_CODE } from './totp-codes.js';
import type { TotpRecord, TotpStore } from './totp-store.js';

export interface TotpDeps {
  store: TotpStore;
  users: Pick<UserStore, 'findById'>;
  /** Seals secrets at rest (its own purpose of AUTH_MFA_ENCRYPTION_KEY), with the user id as context. */
  box: SecretBox;
  confirmPassword: ConfirmPassword;
  events: AuthEvents;
  now: () => number;
}

/**
 * TOTP (RFC 6238) and its recovery codes: enrolment (a pending secret, confirmed by a first code,
 * which returns the recovery codes once), removal with the password, and the two second factors
 * the login asks (`totp`, `recovery_code`). A code's time step and a recovery code are each
 * spent atomically in the store, so neither works twice.
 */
export function createTotp({ store, users, box, confirmPassword, events, now }: TotpDeps) {
  const context = (userId: string) => `totp:${userId}`;

  /** The plain secret; one sealed under an older key is sealed again under the current one (rotation). */
  async function secretOf(record: TotpRecord): Promise<string | null> {
    const secret = box.open(record.sealedSecret, context(record.userId));
    if (secret !== null && box.sealedWithOldKey(record.sealedSecret)) {
      await store.reseal(record.userId, record.sealedSecret, box.seal(secret, context(record.userId)));
    }
    return secret;
  }

  const codeOf = (proof: Readonly<Record<string, unknown>>) => (typeof proof.code === 'string' ? proof.code.trim() : null);

  const totpFactor: SecondFactor = {
    kind: 'totp',
    isEnrolled: async (userId) => (await store.find(userId))?.confirmed === true,
    async verify(pending, proof): Promise<FactorOutcome> {
      const code = codeOf(proof);
      if (code === null || !TOTP_CODE.test(code)) return 'not_mine';
      const record = await store.find(pending.userId);
      const secret = record?.confirmed ? await secretOf(record) : null;
      const step = secret === null ? null : stepOfCode(secret, code, now());
      if (step === null) return { wrong: 'wrong_code' };
      // RFC 6238 §5.2: this step (or an earlier one) was already used.
      if (!(await store.useStep(pending.userId, step))) return { wrong: 'replayed_code' };
      return { methods: ['otp'] };
    },
    // One record holds the secret and the recovery codes: this factor speaks for both.
    async summarize(userId) {
      const record = await store.find(userId);
      return record?.confirmed ? { totp: true, recovery_codes_left: record.recoveryCodes.length } : {};
    },
    removeAll: (userId) => store.remove(userId),
  };

  const recoveryCodeFactor: SecondFactor = {
    kind: 'recovery_code',
    isEnrolled: async (userId) => {
      const record = await store.find(userId);
      return record?.confirmed === true && record.recoveryCodes.length > 0;
    },
    async verify(pending, proof, { clientIp }): Promise<FactorOutcome> {
      const code = codeOf(proof);
      const canonical = code === null ? null : canonicalRecoveryCode(code);
      if (canonical === null) return 'not_mine';
      if (!(await store.useRecoveryCode(pending.userId, hashRecoveryCode(canonical)))) return { wrong: 'wrong_code' };
      const left = (await store.find(pending.userId))?.recoveryCodes.length ?? 0;
      events.secondFactorChanged({ change: 'mfa.recovery_code_used', userId: pending.userId, left, clientIp });
      // RFC 8176 has no value of its own for it: a recovery code is a one-time password.
      return { methods: ['otp'] };
    },
  };

  return {
    /** The factors the login asks, in this order (use-cases.ts puts them in the list). */
    factors: [totpFactor, recoveryCodeFactor] as const,

    /** POST /auth/mfa/totp: a new pending secret (replacing a pending one); 409 when TOTP is already set up. */
    async begin(userId: string): Promise<{ secret: string; otpauth_uri: string }> {
      const user = await users.findById(userId);
      // A client's own token has no account behind it: the same answer as a deleted user.
      if (!user) throw tokenError('TOKEN_SUBJECT_GONE');
      const { secret, uri } = newTotpSecret(user.username);
      if (!(await store.savePending(user.id, box.seal(secret, context(user.id)), new Date(now())))) throw mfaErrors.alreadyEnrolled();
      return { secret, otpauth_uri: uri };
    },

    /** POST /auth/mfa/totp/confirm: a current code of the pending secret -> confirmed, and ten recovery codes shown this once. */
    async confirm(userId: string, code: string, clientIp: string): Promise<{ recovery_codes: string[] }> {
      const trimmed = code.trim();
      if (!TOTP_CODE.test(trimmed)) throw authErrors.invalidField('code', 'must be the 6 digits the authenticator app shows');
      const record = await store.find(userId);
      if (!record) throw mfaErrors.notPending();
      if (record.confirmed) throw mfaErrors.alreadyEnrolled();
      const secret = box.open(record.sealedSecret, context(userId));
      const step = secret === null ? null : stepOfCode(secret, trimmed, now());
      if (step === null) throw mfaErrors.wrongConfirmationCode();
      const codes = newRecoveryCodes();
      // One write: confirmed, the codes' hashes and the step just used (so this code cannot sign in).
      const hashes = codes.map((c) => hashRecoveryCode(canonicalRecoveryCode(c)!));
      if (!(await store.confirm(userId, record.sealedSecret, hashes, step))) throw mfaErrors.enrolmentChanged();
      events.secondFactorChanged({ change: 'mfa.enrolled', userId, factor: 'totp', clientIp });
      return { recovery_codes: codes };
    },

    /** DELETE /auth/mfa/totp: the account password again (throttled like a login), then TOTP and its recovery codes are gone. */
    async remove(userId: string, password: string, clientIp: string): Promise<void> {
      await confirmPassword({ userId, password, clientIp, field: 'password' });
      if (!(await store.remove(userId))) throw mfaErrors.notEnrolled();
      events.secondFactorChanged({ change: 'mfa.removed', userId, factor: 'totp', by: 'user' });
    },
  };
}

export type Totp = ReturnType<typeof createTotp>;
