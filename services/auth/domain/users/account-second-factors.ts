/** What an account has as second factors, as `GET /auth/account` and the admin `UserView` show it. */
export interface MfaSummary {
  totp: boolean;
  passkeys: number;
  recovery_codes_left: number;
}

/**
 * The port through which the admin API reads and removes a user's second factors without knowing
 * where they are stored. The second-factors capability supplies the real one (compose.ts passes
 * it to `createUseCases` as `secondFactors`); until then `noSecondFactors` answers for every
 * account: none, and nothing to remove.
 */
export interface AccountSecondFactors {
  /** The summary; for an unknown id too (none), never rejects for it. */
  summaryOf(userId: string): Promise<MfaSummary>;
  /**
   * Removes every second factor of the account (TOTP, passkeys, recovery codes), so the next login
   * asks for the password alone; resolves how many were removed (0 when none). For an operator
   * helping someone who lost their device: `DELETE /admin/users/:id/factors`.
   */
  removeAll(userId: string): Promise<number>;
}

export const NO_SECOND_FACTORS: MfaSummary = Object.freeze({ totp: false, passkeys: 0, recovery_codes_left: 0 });

export const noSecondFactors: AccountSecondFactors = { summaryOf: async () => ({ ...NO_SECOND_FACTORS }), removeAll: async () => 0 };
