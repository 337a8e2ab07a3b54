import type { AccountTokenPurpose, AccountTokenRecord, AccountTokenStore } from '../../domain/accounts/account-token-store.js';

/**
 * Account tokens in process memory (tests, throwaway runs). `consume` reads and deletes in one
 * synchronous step, so concurrent calls cannot both get a record.
 */
export class MemoryAccountTokenStore implements AccountTokenStore {
  private readonly byHash = new Map<string, AccountTokenRecord>();

  async save(tokenHash: string, record: AccountTokenRecord): Promise<void> {
    this.byHash.set(tokenHash, { ...record });
  }

  async consume(purpose: AccountTokenPurpose, tokenHash: string, now: number): Promise<AccountTokenRecord | null> {
    const record = this.byHash.get(tokenHash);
    if (!record || record.purpose !== purpose) return null;
    this.byHash.delete(tokenHash);
    return record.expiresAt > now ? { ...record } : null;
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    this.byHash.clear();
  }
}
