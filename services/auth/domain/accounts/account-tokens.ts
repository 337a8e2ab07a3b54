import { createHash, randomBytes } from 'node:crypto';
import type { AccountTokenPurpose, AccountTokenRecord, AccountTokenStore } from './account-token-store.js';

/** 256 random bits as base64url: 43 characters. */
const TOKEN_BYTES = 32;
export const ACCOUNT_TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/** Hex SHA-256 of a token: what stores keep, so a leaked store holds no usable link. */
export function hashAccountToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** A short, stable fingerprint of a secret-derived value (the password hash a reset replaces). */
export function fingerprint(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('base64url').slice(0, 22);
}

export interface IssueAccountToken {
  purpose: AccountTokenPurpose;
  userId: string;
  binding: string;
  ttlSeconds: number;
}

/**
 * Issues and spends single-use account tokens over a store. The token travels only in the mail;
 * the store keeps its hash. Spending is the store's atomic `consume`, so a link works once.
 */
export function createAccountTokens(store: AccountTokenStore, now: () => number = Date.now) {
  return {
    async issue(input: IssueAccountToken): Promise<string> {
      const token = randomBytes(TOKEN_BYTES).toString('base64url');
      await store.save(hashAccountToken(token), { purpose: input.purpose, userId: input.userId, binding: input.binding, expiresAt: now() + input.ttlSeconds * 1000 });
      return token;
    },
    /** The record once, then null forever; null for a token of another shape without asking the store. */
    async consume(purpose: AccountTokenPurpose, token: string): Promise<AccountTokenRecord | null> {
      if (!ACCOUNT_TOKEN_SHAPE.test(token)) return null;
      return store.consume(purpose, hashAccountToken(token), now());
    },
  };
}

export type AccountTokens = ReturnType<typeof createAccountTokens>;
