import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isAppError } from '../../../lib/errors.js';
import type { LinkedIdentityStore, NewLinkedIdentity } from '../../../services/auth/domain/federation/linked-identities.js';

export interface LinkedIdentityStoreFixture {
  store: LinkedIdentityStore;
  /** A second store over the same records (another replica); undefined for memory and embedded. */
  replica?: LinkedIdentityStore;
  /** Closes the store and opens it again on the same data (a restart); undefined for memory. */
  reopen?: () => Promise<LinkedIdentityStore>;
  cleanup: () => Promise<void>;
}

const identity = (extra: Partial<NewLinkedIdentity> = {}): NewLinkedIdentity => ({
  userId: 'user-1',
  providerId: 'corp',
  issuer: 'https://sso.example.com',
  subject: 'sub-1',
  label: 'ursula',
  ...extra,
});

/** The LinkedIdentityStore port's contract (domain/federation/linked-identities.ts), run against every adapter. */
export function runLinkedIdentityStoreContract(name: string, factory: () => Promise<LinkedIdentityStoreFixture>): void {
  describe(`LinkedIdentityStore contract: ${name}`, () => {
    let fixture: LinkedIdentityStoreFixture;
    let store: LinkedIdentityStore;
    beforeEach(async () => {
      fixture = await factory();
      store = fixture.store;
    });
    afterEach(() => fixture.cleanup());

    it('when an identity is linked, then it is found by (issuer, subject) and listed for its user', async () => {
      const linked = await store.link(identity());
      expect(linked).toMatchObject({ ...identity(), id: expect.any(String) });
      expect(linked.linkedAt).toBeInstanceOf(Date);
      expect(await store.find('https://sso.example.com', 'sub-1')).toEqual(linked);
      expect(await store.listForUser('user-1')).toEqual([linked]);
      expect(await store.find('https://sso.example.com', 'sub-2')).toBeNull();
      expect(await store.find('https://other.example.com', 'sub-1')).toBeNull();
      expect(await store.listForUser('nobody')).toEqual([]);
    });

    it('when one identity is linked twice at once, then exactly one link exists and the other call is identity_taken', async () => {
      const results = await Promise.allSettled([store.link(identity({ userId: 'a' })), (fixture.replica ?? store).link(identity({ userId: 'b' }))]);
      const won = results.filter((result) => result.status === 'fulfilled');
      const lost = results.filter((result): result is PromiseRejectedResult => result.status === 'rejected');
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      expect(isAppError(lost[0]!.reason) && lost[0]!.reason.code).toBe('FEDERATION_IDENTITY_TAKEN');
    });

    it('when the same subject comes from two issuers, then they are two identities', async () => {
      await store.link(identity());
      await store.link(identity({ issuer: 'https://other.example.com', userId: 'user-2' }));
      expect((await store.find('https://other.example.com', 'sub-1'))?.userId).toBe('user-2');
    });

    it('when a link is removed, then only that user may remove it, and the identity is free again', async () => {
      const linked = await store.link(identity());
      expect(await store.unlink('user-2', linked.id)).toBe(false);
      expect(await store.unlink('user-1', 'no-such-id')).toBe(false);
      expect(await store.unlink('user-1', linked.id)).toBe(true);
      expect(await store.find('https://sso.example.com', 'sub-1')).toBeNull();
      await store.link(identity({ userId: 'user-2' }));
    });

    it('when every link of a user is removed, then others keep theirs', async () => {
      await store.link(identity());
      await store.link(identity({ subject: 'sub-1b', providerId: 'github', issuer: 'https://github.com' }));
      await store.link(identity({ userId: 'user-2', subject: 'sub-2' }));
      expect(await store.unlinkAll('user-1')).toBe(2);
      expect(await store.listForUser('user-1')).toEqual([]);
      expect(await store.listForUser('user-2')).toHaveLength(1);
    });

    it('when the store restarts, then the links are still there', async () => {
      if (!fixture.reopen) return;
      const linked = await store.link(identity());
      store = await fixture.reopen();
      expect(await store.find('https://sso.example.com', 'sub-1')).toEqual(linked);
    });

    it('when asked, then ping answers', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });
  });
}
