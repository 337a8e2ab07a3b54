import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { IdTokenSessions } from '../../../services/auth/domain/backchannel-logout/id-token-sessions.js';

export interface IdTokenSessionsFixture {
  store: IdTokenSessions;
  /** Closes the store and opens it again on the same data (a restart); undefined for memory. */
  reopen?: () => Promise<IdTokenSessions>;
  cleanup: () => Promise<void>;
}

const HOUR = 3_600_000;
const byClient = (a: { clientId: string }, b: { clientId: string }) => a.clientId.localeCompare(b.clientId);

/** The IdTokenSessions port's contract (domain/backchannel-logout/id-token-sessions.ts), run against every adapter. */
export function runIdTokenSessionsContract(name: string, factory: () => Promise<IdTokenSessionsFixture>): void {
  describe(`IdTokenSessions contract: ${name}`, () => {
    let fixture: IdTokenSessionsFixture;
    let store: IdTokenSessions;
    beforeEach(async () => {
      fixture = await factory();
      store = fixture.store;
    });
    afterEach(async () => {
      await fixture.cleanup();
    });

    it('when two apps got ID tokens in a session, then both are its participants, and another session has none', async () => {
      const now = Date.now();
      await store.record('sid-1', { clientId: 'notes', sub: 'u-1' }, now + HOUR);
      await store.record('sid-1', { clientId: 'wiki', sub: 'u-1' }, now + HOUR);
      expect((await store.participants('sid-1', now)).sort(byClient)).toEqual([
        { clientId: 'notes', sub: 'u-1' },
        { clientId: 'wiki', sub: 'u-1' },
      ]);
      expect(await store.participants('sid-2', now)).toEqual([]);
    });

    it('when the same app is recorded again, then it is one participant, kept until the later expiry', async () => {
      const now = Date.now();
      await store.record('sid-1', { clientId: 'notes', sub: 'u-1' }, now + 2 * HOUR);
      await store.record('sid-1', { clientId: 'notes', sub: 'u-1' }, now + HOUR);
      expect(await store.participants('sid-1', now + 90 * 60_000)).toEqual([{ clientId: 'notes', sub: 'u-1' }]);
    });

    it('when an entry has expired, then it is no participant', async () => {
      const now = Date.now();
      await store.record('sid-1', { clientId: 'notes', sub: 'u-1' }, now + HOUR);
      expect(await store.participants('sid-1', now + HOUR)).toEqual([]);
    });

    it('when a session is extended (refreshed), then its entries outlive their first expiry; never shortened; a session without entries stays empty', async () => {
      const now = Date.now();
      await store.record('sid-1', { clientId: 'notes', sub: 'u-1' }, now + HOUR);
      await store.extend('sid-1', now + 3 * HOUR);
      await store.extend('sid-1', now + 2 * HOUR);
      expect(await store.participants('sid-1', now + 150 * 60_000)).toEqual([{ clientId: 'notes', sub: 'u-1' }]);
      expect(await store.participants('sid-1', now + 3 * HOUR)).toEqual([]);
      await store.extend('sid-none', now + HOUR);
      expect(await store.participants('sid-none', now)).toEqual([]);
    });

    it('when a session is forgotten, then it has no participants, and forgetting again is fine', async () => {
      const now = Date.now();
      await store.record('sid-1', { clientId: 'notes', sub: 'u-1' }, now + HOUR);
      await store.record('sid-2', { clientId: 'notes', sub: 'u-2' }, now + HOUR);
      await store.forget('sid-1');
      await store.forget('sid-1');
      expect(await store.participants('sid-1', now)).toEqual([]);
      expect(await store.participants('sid-2', now)).toEqual([{ clientId: 'notes', sub: 'u-2' }]);
    });

    it('when the store is reopened (a restart), then the participants are still there', async ({ skip }) => {
      if (!fixture.reopen) skip('memory keeps nothing across a restart');
      const now = Date.now();
      await store.record('sid-1', { clientId: 'notes', sub: 'u-1' }, now + HOUR);
      store = await fixture.reopen!();
      expect(await store.participants('sid-1', now)).toEqual([{ clientId: 'notes', sub: 'u-1' }]);
    });

    it('when the store answers, then ping resolves', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });
  });
}
