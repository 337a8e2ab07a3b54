import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isAppError } from '../../../lib/errors.js';
import type { PasskeyRecord, PasskeyStore } from '../../../services/auth/domain/passkeys/passkey-store.js';

export interface PasskeyStoreFixture {
  store: PasskeyStore;
  /** A second store over the same records (another replica); undefined for memory and embedded. */
  replica?: PasskeyStore;
  /** Closes the store and opens it again on the same data (a restart); undefined for memory. */
  reopen?: () => Promise<PasskeyStore>;
  cleanup: () => Promise<void>;
}

let sequence = 0;
const passkey = (extra: Partial<PasskeyRecord> = {}): PasskeyRecord => {
  sequence += 1;
  return {
    id: `cred-${sequence}-${Math.random().toString(36).slice(2)}`,
    userId: 'user-1',
    name: `Key ${sequence}`,
    publicKey: 'pQECAyYgASFYIA',
    counter: 0,
    transports: ['internal', 'hybrid'],
    deviceType: 'multiDevice',
    backedUp: true,
    userVerified: true,
    createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, sequence)),
    lastUsedAt: null,
    ...extra,
  };
};

const use = (counter: number) => ({ counter, usedAt: new Date(Date.UTC(2026, 5, 1)), backedUp: false });

/** The PasskeyStore port's contract (domain/passkeys/passkey-store.ts), run against every adapter. */
export function runPasskeyStoreContract(name: string, factory: () => Promise<PasskeyStoreFixture>): void {
  describe(`PasskeyStore contract: ${name}`, () => {
    let fixture: PasskeyStoreFixture;
    let store: PasskeyStore;

    beforeEach(async () => {
      fixture = await factory();
      store = fixture.store;
    });
    afterEach(async () => {
      await fixture.cleanup();
    });

    it('when a passkey is added, then it is found by its credential id with every field as written', async () => {
      const record = passkey();
      await store.add(record);
      expect(await store.findById(record.id)).toEqual(record);
    });

    it('when a credential id is added twice, then the second add is 409 credential_exists and the first record stays', async () => {
      const first = passkey();
      await store.add(first);
      const refusal = await store.add({ ...first, userId: 'user-2', name: 'thief' }).catch((err: unknown) => err);
      expect(isAppError(refusal) && refusal.status === 409 && refusal.code).toBe('WEBAUTHN_CREDENTIAL_EXISTS');
      expect(await store.findById(first.id)).toMatchObject({ userId: 'user-1', name: first.name });
    });

    it('when concurrent adds race with one credential id, then exactly one is stored', async () => {
      const record = passkey();
      const results = await Promise.allSettled(Array.from({ length: 5 }, (_, i) => store.add({ ...record, userId: `user-${i}` })));
      expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    });

    it('when ids of other shapes are looked up, then null (never a query operator)', async () => {
      await store.add(passkey());
      expect(await store.findById('unknown')).toBeNull();
      expect(await store.findById({ $gt: '' } as unknown as string)).toBeNull();
    });

    it('when a user has several passkeys, then the list is theirs only, oldest first', async () => {
      const newer = passkey({ createdAt: new Date(Date.UTC(2026, 2, 1)) });
      const older = passkey({ createdAt: new Date(Date.UTC(2026, 1, 1)) });
      await store.add(newer);
      await store.add(older);
      await store.add(passkey({ userId: 'user-2' }));
      expect((await store.listByUser('user-1')).map((record) => record.id)).toEqual([older.id, newer.id]);
      expect(await store.listByUser('nobody')).toEqual([]);
    });

    it('when a counting authenticator is used, then the counter must move forward; equal or lower is refused and changes nothing', async () => {
      const record = passkey({ counter: 5 });
      await store.add(record);
      expect(await store.recordUse(record.id, use(5))).toBe(false);
      expect(await store.recordUse(record.id, use(3))).toBe(false);
      expect(await store.recordUse(record.id, use(0))).toBe(false);
      expect(await store.findById(record.id)).toMatchObject({ counter: 5, lastUsedAt: null });
      expect(await store.recordUse(record.id, use(6))).toBe(true);
      expect(await store.findById(record.id)).toMatchObject({ counter: 6, lastUsedAt: use(6).usedAt, backedUp: false });
    });

    it('when an authenticator does not count (0), then 0 is accepted again, until it once reports a count', async () => {
      const record = passkey({ counter: 0 });
      await store.add(record);
      expect(await store.recordUse(record.id, use(0))).toBe(true);
      expect(await store.recordUse(record.id, use(0))).toBe(true);
      expect(await store.recordUse(record.id, use(2))).toBe(true);
      expect(await store.recordUse(record.id, use(0))).toBe(false);
    });

    it('when two uses race with the same counter, then exactly one is accepted', async () => {
      const record = passkey({ counter: 1 });
      await store.add(record);
      const results = await Promise.all(Array.from({ length: 6 }, () => (fixture.replica ?? store).recordUse(record.id, use(2)).then((ok) => ok)).concat([store.recordUse(record.id, use(2))]));
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it('when an unknown id is used, then false', async () => {
      expect(await store.recordUse('unknown', use(1))).toBe(false);
    });

    it("when a user removes a passkey, then it is gone; another user's passkey is never removed by them", async () => {
      const own = passkey();
      const theirs = passkey({ userId: 'user-2' });
      await store.add(own);
      await store.add(theirs);
      expect(await store.remove('user-1', theirs.id)).toBe(false);
      expect(await store.findById(theirs.id)).not.toBeNull();
      expect(await store.remove('user-1', own.id)).toBe(true);
      expect(await store.remove('user-1', own.id)).toBe(false);
      expect(await store.findById(own.id)).toBeNull();
    });

    it("when every passkey of a user is removed, then the count is returned and other users' stay", async () => {
      await store.add(passkey());
      await store.add(passkey());
      const other = passkey({ userId: 'user-2' });
      await store.add(other);
      expect(await store.removeAllOf('user-1')).toBe(2);
      expect(await store.removeAllOf('user-1')).toBe(0);
      expect(await store.listByUser('user-1')).toEqual([]);
      expect(await store.findById(other.id)).not.toBeNull();
    });

    it('when the store is reopened, then passkeys and their counters are still there', async () => {
      if (!fixture.reopen) return;
      const record = passkey({ counter: 1 });
      await store.add(record);
      await store.recordUse(record.id, use(4));
      store = await fixture.reopen();
      expect(await store.findById(record.id)).toMatchObject({ counter: 4, lastUsedAt: use(4).usedAt });
    });

    it('when asked, then ping resolves', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });
  });
}
