/** What an account has as second factors, as `GET /auth/account` and the admin `UserView` show it. */
export interface MfaSummary {
  totp: boolean;
  passkeys: number;
  recovery_codes_left: number;
}

/**
 * The port through which the admin API reads a user's second factors without knowing where they
 * are stored. The second-factors capability supplies the real one (compose.ts passes it to
 * `createUseCases` as `secondFactors`); until then `noSecondFactors` answers for every account.
 * Resolves the summary for an unknown id too (none), never rejects for it.
 */
export interface SecondFactorSummaries {
  summaryOf(userId: string): Promise<MfaSummary>;
}

export const NO_SECOND_FACTORS: MfaSummary = Object.freeze({ totp: false, passkeys: 0, recovery_codes_left: 0 });

export const noSecondFactors: SecondFactorSummaries = { summaryOf: async () => ({ ...NO_SECOND_FACTORS }) };
