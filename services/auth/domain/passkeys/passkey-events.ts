/** Why a passkey ceremony was refused: closed set, for the audit trail and the metric label. */
export type PasskeyRefusal =
  | 'challenge_unknown'
  | 'challenge_other_user'
  | 'credential_unknown'
  | 'user_handle_mismatch'
  | 'signature_invalid'
  | 'counter_regressed'
  | 'account_locked';

export type PasskeyEvent =
  | { change: 'registered'; userId: string; credentialId: string; userVerified: boolean; clientIp: string }
  /** One passkey its owner removed (`credentialId`), or every one of an account (null: the factors reset, the account deleted). */
  | { change: 'removed'; userId: string; credentialId: string | null; count: number }
  | { change: 'signed_in'; ceremony: 'login' | 'mfa'; userId: string; credentialId: string; userVerified: boolean; clientIp: string }
  /** `userId`/`credentialId` only when known (a registered credential, the caller of a registration). */
  | { change: 'refused'; ceremony: 'registration' | 'login' | 'mfa'; reason: PasskeyRefusal; userId: string | null; credentialId: string | null; clientIp: string };
