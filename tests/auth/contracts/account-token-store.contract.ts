import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AccountTokenRecord, AccountTokenStore } from '../../../services/auth/domain/accounts/account-token-store.js';
import { createAccountTokens, hashAccountToken } from '../../../services/auth/domain/accounts/account-tokens.js';

export interface AccountTokenStoreFixture {
  store: AccountTokenStore;
  /** A second store over the same records (another replica); undefined for memory and embedded. */
  replica?: AccountTokenStore;
  /** Closes the store and opens it again on the same data (a restart); undefined for memory. */
  reopen?: () => Promise<AccountTokenStore>;
  /** What the backing store holds, as text, to show no token is kept in clear. */
  rawContents?: () => Promise<string>;
  cleanup: () => Promise<void>;
}

const HOUR = 3_600_000;

const record = (extra: Partial<AccountTokenRecord> = {}): AccountTokenRecord => ({
  purpose: 'password-reset',
  userId: 'user-1',
  binding: 'fp-1',
  expiresAt: Date.now() + HOUR,
  ...extra,
});

/** The AccountTokenStore port's contract (domain/accounts/account-token-store.ts), run against every adapter. */
export function runAccountTokenStoreContract(name: string, factory: () => Promise<AccountTokenStoreFixture>): void {
  describe(`AccountTokenStore contract: ${name}`, () => {
    let fixture: AccountTokenStoreFixture;
    let store: AccountTokenStore;

    beforeEach(async () => {
      fixture = await factory();
      store = fixture.store;
    });
    afterEach(async () => {
      await fixture.cleanup();
    });

    it('when a token is issued, then it is spent once: the record the first time, null ever after', async () => {
      const tokens = createAccountTokens(store);
      const token = await tokens.issue({ purpose: 'email-verification', userId: 'u-7', binding: 'a@example.test', ttlSeconds: 60 });
      expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(await tokens.consume('email-verification', token)).toMatchObject({ purpose: 'email-verification', userId: 'u-7', binding: 'a@example.test' });
      expect(await tokens.consume('email-verification', token)).toBeNull();
    });

    it('when a hash is unknown, then consume resolves null', async () => {
      expect(await store.consume('password-reset', hashAccountToken('never-issued'), Date.now())).toBeNull();
    });

    it('when a token is presented for another purpose, then it is refused and still spendable for its own', async () => {
      const hash = hashAccountToken('t-purpose');
      await store.save(hash, record({ purpose: 'email-verification' }));
      expect(await store.consume('password-reset', hash, Date.now())).toBeNull();
      expect(await store.consume('email-verification', hash, Date.now())).toMatchObject({ purpose: 'email-verification' });
    });

    it('when a record has expired, then consume resolves null, and it stays spent', async () => {
      const hash = hashAccountToken('t-expired');
      const at = Date.now();
      await store.save(hash, record({ expiresAt: at + HOUR }));
      expect(await store.consume('password-reset', hash, at + HOUR)).toBeNull();
      expect(await store.consume('password-reset', hash, at)).toBeNull();
    });

    it('when many consume one token at once (on every replica), then exactly one gets the record', async () => {
      const hash = hashAccountToken('t-race');
      await store.save(hash, record());
      const stores = fixture.replica ? [store, fixture.replica] : [store];
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) => stores[i % stores.length]!.consume('password-reset', hash, Date.now())));
      expect(results.filter((r) => r !== null)).toHaveLength(1);
    });

    it('when tokens are stored, then the store holds only their hashes, never a token', async () => {
      if (!fixture.rawContents) return;
      const tokens = createAccountTokens(store);
      const token = await tokens.issue({ purpose: 'password-reset', userId: 'u-8', binding: 'fp', ttlSeconds: 60 });
      const raw = await fixture.rawContents();
      expect(raw).toContain(hashAccountToken(token));
      expect(raw).not.toContain(token);
    });

    it('when the store is reopened, then a pending token is still spendable once', async () => {
      if (!fixture.reopen) return;
      const hash = hashAccountToken('t-restart');
      await store.save(hash, record({ userId: 'u-restart' }));
      store = await fixture.reopen();
      expect(await store.consume('password-reset', hash, Date.now())).toMatchObject({ userId: 'u-restart' });
      expect(await store.consume('password-reset', hash, Date.now())).toBeNull();
    });
  });
}
