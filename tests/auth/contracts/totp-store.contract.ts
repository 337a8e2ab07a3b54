import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TotpStore } from '../../../services/auth/domain/mfa/totp-store.js';

export interface TotpStoreFixture {
  store: TotpStore;
  /** The store reopened on the same data (restart); memory has none. */
  reopen?: () => Promise<TotpStore>;
  cleanup: () => Promise<void>;
}

const user = () => `user-${randomUUID()}`;
const at = new Date('2026-12-07T01:00:00.000Z');

/** The TotpStore port's contract (services/auth/domain/mfa/totp-store.ts), run against every adapter. */
export function runTotpStoreContract(name: string, factory: () => Promise<TotpStoreFixture>): void {
  describe(`TotpStore contract: ${name}`, () => {
    let fixture: TotpStoreFixture;
    let store: TotpStore;
    beforeEach(async () => {
      fixture = await factory();
      store = fixture.store;
    });
    afterEach(async () => {
      await fixture.cleanup();
    });

    async function confirmed(id: string, codes = ['h1', 'h2', 'h3']): Promise<void> {
      expect(await store.savePending(id, 'sealed-1', at)).toBe(true);
      expect(await store.confirm(id, 'sealed-1', codes, 100)).toBe(true);
    }

    it('when nothing was saved, then find is null and every change is false', async () => {
      const id = user();
      expect(await store.find(id)).toBeNull();
      expect(await store.confirm(id, 's', [], 1)).toBe(false);
      expect(await store.useStep(id, 1)).toBe(false);
      expect(await store.useRecoveryCode(id, 'h')).toBe(false);
      expect(await store.reseal(id, 's', 't')).toBe(false);
      expect(await store.remove(id)).toBe(false);
    });

    it('when an enrolment is started and restarted, then the newest pending secret is the one kept, unconfirmed', async () => {
      const id = user();
      expect(await store.savePending(id, 'sealed-1', at)).toBe(true);
      expect(await store.savePending(id, 'sealed-2', at)).toBe(true);
      expect(await store.find(id)).toEqual({ userId: id, sealedSecret: 'sealed-2', confirmed: false, lastStep: -1, recoveryCodes: [], createdAt: at });
      // A pending record signs no one in: steps and codes are refused.
      expect(await store.useStep(id, 5)).toBe(false);
      // Confirming the replaced secret changes nothing.
      expect(await store.confirm(id, 'sealed-1', ['h'], 5)).toBe(false);
      expect((await store.find(id))?.confirmed).toBe(false);
    });

    it('when confirmed, then it keeps the codes and the step, and a new enrolment is refused until removal', async () => {
      const id = user();
      await confirmed(id);
      expect(await store.find(id)).toMatchObject({ confirmed: true, lastStep: 100, recoveryCodes: ['h1', 'h2', 'h3'] });
      expect(await store.confirm(id, 'sealed-1', ['x'], 200)).toBe(false);
      expect(await store.savePending(id, 'sealed-9', at)).toBe(false);
      expect((await store.find(id))?.sealedSecret).toBe('sealed-1');
      expect(await store.remove(id)).toBe(true);
      expect(await store.find(id)).toBeNull();
      expect(await store.savePending(id, 'sealed-9', at)).toBe(true);
    });

    it('when steps are used, then each later step once, never the same or an earlier one', async () => {
      const id = user();
      await confirmed(id);
      expect(await store.useStep(id, 100)).toBe(false);
      expect(await store.useStep(id, 99)).toBe(false);
      expect(await store.useStep(id, 101)).toBe(true);
      expect(await store.useStep(id, 101)).toBe(false);
      expect((await store.find(id))?.lastStep).toBe(101);
    });

    it('when one step is used by many callers at once, then exactly one succeeds', async () => {
      const id = user();
      await confirmed(id);
      const results = await Promise.all(Array.from({ length: 10 }, () => store.useStep(id, 150)));
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it('when a recovery code is used, then once only, also when many try at once', async () => {
      const id = user();
      await confirmed(id);
      const results = await Promise.all(Array.from({ length: 10 }, () => store.useRecoveryCode(id, 'h2')));
      expect(results.filter(Boolean)).toHaveLength(1);
      expect((await store.find(id))?.recoveryCodes).toEqual(['h1', 'h3']);
      expect(await store.useRecoveryCode(id, 'nope')).toBe(false);
    });

    it('when one user has a record, then another user\'s calls never touch it', async () => {
      const id = user();
      await confirmed(id);
      const other = user();
      expect(await store.useRecoveryCode(other, 'h1')).toBe(false);
      expect(await store.remove(other)).toBe(false);
      expect((await store.find(id))?.recoveryCodes).toHaveLength(3);
    });

    it('when a secret is resealed, then only from the value it replaces', async () => {
      const id = user();
      await confirmed(id);
      expect(await store.reseal(id, 'stale', 'sealed-x')).toBe(false);
      expect(await store.reseal(id, 'sealed-1', 'sealed-2')).toBe(true);
      expect((await store.find(id))?.sealedSecret).toBe('sealed-2');
    });

    it('when the store is reopened, then the record is still there', async () => {
      if (!fixture.reopen) return;
      const id = user();
      await confirmed(id);
      store = await fixture.reopen();
      expect(await store.find(id)).toMatchObject({ confirmed: true, lastStep: 100, recoveryCodes: ['h1', 'h2', 'h3'], createdAt: at });
    });
  });
}
