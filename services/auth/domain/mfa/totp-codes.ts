import { Secret, TOTP } from 'otpauth';

/** RFC 6238 as every authenticator app does it: SHA-1, 6 digits, 30-second steps. */
const PERIOD_SECONDS = 30;
const DIGITS = 6;
/** One step of clock drift each way (RFC 6238 §5.2 suggests at most one). */
const WINDOW = 1;
/** 160 bits, the HMAC-SHA-1 block RFC 4226 §4 recommends. */
const SECRET_BYTES = 20;
export const TOTP_CODE = /^\d{6}$/;

/** The issuer name apps show beside the account. */
const ISSUER = 'authgate';

const totpOf = (secretBase32: string, label = '') =>
  new TOTP({ issuer: ISSUER, label, secret: Secret.fromBase32(secretBase32), algorithm: 'SHA1', digits: DIGITS, period: PERIOD_SECONDS });

/** A new random secret (base32) and its `otpauth://` URI for an authenticator app (the QR code's content). */
export function newTotpSecret(accountName: string): { secret: string; uri: string } {
  const secret = new Secret({ size: SECRET_BYTES }).base32;
  return { secret, uri: totpOf(secret, accountName).toString() };
}

/**
 * The time step `code` is valid for at `nowMs` (within one step each way), or null. The caller
 * must then record the step as used (it is accepted once).
 */
export function stepOfCode(secretBase32: string, code: string, nowMs: number): number | null {
  if (!TOTP_CODE.test(code)) return null;
  const totp = totpOf(secretBase32);
  const delta = totp.validate({ token: code, timestamp: nowMs, window: WINDOW });
  return delta === null ? null : totp.counter({ timestamp: nowMs }) + delta;
}
