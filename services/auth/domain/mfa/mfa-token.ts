import { randomUUID } from 'node:crypto';
import { decodeAuthentication, encodeAuthentication, type Authentication } from './authentication.js';
import type { SecretBox } from './secret-box.js';

/** Five minutes: time to open an authenticator app, short enough that a stolen token is soon worthless. */
export const MFA_TOKEN_TTL_SECONDS = 300;

/** Where the first step happened, so the second step finishes the same kind of login. */
export type LoginPurpose = 'first_party' | 'hosted';

/** A login whose password was right and whose second factor is still owed. */
export interface PendingLogin {
  /** Single-use id: spent (replay cache) when the second step succeeds; the per-token attempt count's key. */
  id: string;
  userId: string;
  clientId: string;
  purpose: LoginPurpose;
  /** What the first step proved (the password, when it happened). */
  first: Authentication;
  /** Epoch seconds. */
  expiresAt: number;
}

const CONTEXT = 'mfa_token';

/**
 * The mfa_token: the pending login sealed (AES-256-GCM, its own subkey of the MFA key) so no store
 * holds it and no one can make or alter one; it means nothing anywhere but the second step, and
 * is spent there (see second-step.ts). Expiry, purpose and user are checked by `read`.
 */
export class MfaTokens {
  constructor(
    private readonly box: SecretBox,
    private readonly now: () => number,
  ) {}

  issue(login: Omit<PendingLogin, 'id' | 'expiresAt'>): { token: string; pending: PendingLogin } {
    const pending: PendingLogin = { ...login, id: randomUUID(), expiresAt: Math.floor(this.now() / 1000) + MFA_TOKEN_TTL_SECONDS };
    const body = JSON.stringify({ i: pending.id, u: pending.userId, c: pending.clientId, p: pending.purpose, a: encodeAuthentication(pending.first), e: pending.expiresAt });
    return { token: this.box.seal(body, CONTEXT), pending };
  }

  /** The pending login, or null when the token is not one of ours, is for another purpose, or has expired. */
  read(token: string, purpose: LoginPurpose): PendingLogin | null {
    const body = this.box.open(token, CONTEXT);
    if (body === null) return null;
    const raw = JSON.parse(body) as { i: string; u: string; c: string; p: LoginPurpose; a: string; e: number };
    const first = decodeAuthentication(raw.a);
    if (!first || raw.p !== purpose || raw.e <= this.now() / 1000) return null;
    return { id: raw.i, userId: raw.u, clientId: raw.c, purpose: raw.p, first, expiresAt: raw.e };
  }
}
