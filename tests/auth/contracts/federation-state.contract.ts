import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FederationStateStore, PendingSignIn } from '../../../services/auth/domain/federation/federation-state.js';

export interface FederationStateStoreFixture {
  store: FederationStateStore;
  /** A second store over the same state (another replica); undefined for memory. */
  replica?: FederationStateStore;
  cleanup: () => Promise<void>;
}

const MINUTE = 60_000;
const pending = (extra: Partial<PendingSignIn> = {}): PendingSignIn => ({
  providerId: 'corp',
  nonce: 'n',
  codeVerifier: 'v'.repeat(64),
  returnTo: '/',
  browserHash: 'h',
  expiresAt: Date.now() + MINUTE,
  ...extra,
});

/** The FederationStateStore port's contract (domain/federation/federation-state.ts), run against every adapter. */
export function runFederationStateStoreContract(name: string, factory: () => Promise<FederationStateStoreFixture>): void {
  describe(`FederationStateStore contract: ${name}`, () => {
    let fixture: FederationStateStoreFixture;
    let store: FederationStateStore;
    let other: FederationStateStore;
    beforeEach(async () => {
      fixture = await factory();
      store = fixture.store;
      other = fixture.replica ?? store;
    });
    afterEach(() => fixture.cleanup());
    const unique = () => `state-${Math.random().toString(36).slice(2)}`;

    it('when a pending sign-in is taken, then it is gone: of concurrent takes exactly one gets it', async () => {
      const state = unique();
      await store.savePending(state, pending({ linkUserId: 'user-1' }));
      const taken = await Promise.all([store.takePending(state, Date.now()), other.takePending(state, Date.now()), store.takePending(state, Date.now())]);
      expect(taken.filter(Boolean)).toEqual([pending({ linkUserId: 'user-1', expiresAt: taken.find(Boolean)!.expiresAt })]);
      expect(await store.takePending(state, Date.now())).toBeNull();
    });

    it('when a pending sign-in has expired, then it cannot be taken', async () => {
      const state = unique();
      await store.savePending(state, pending({ expiresAt: Date.now() + 50 }));
      await new Promise((resolve) => setTimeout(resolve, 120));
      expect(await other.takePending(state, Date.now())).toBeNull();
    });

    it('when an upstream session is named by sid, then its local sessions are returned once; by subject, every one of that subject', async () => {
      const at = Date.now();
      const provider = unique();
      await store.rememberUpstreamSession({ providerId: provider, sid: 'up-1', subject: 'ursula' }, 'local-a', at + MINUTE);
      await store.rememberUpstreamSession({ providerId: provider, sid: 'up-1', subject: 'ursula' }, 'local-b', at + MINUTE);
      await store.rememberUpstreamSession({ providerId: provider, sid: 'up-2', subject: 'ursula' }, 'local-c', at + MINUTE);
      await store.rememberUpstreamSession({ providerId: `${provider}-other`, sid: 'up-1', subject: 'ursula' }, 'local-x', at + MINUTE);
      expect((await other.takeUpstreamSessions({ providerId: provider, sid: 'up-1' }, at)).sort()).toEqual(['local-a', 'local-b']);
      expect(await store.takeUpstreamSessions({ providerId: provider, sid: 'up-1' }, at)).toEqual([]);
      expect((await store.takeUpstreamSessions({ providerId: provider, subject: 'ursula' }, at)).sort()).toEqual(['local-a', 'local-b', 'local-c']);
      expect(await store.takeUpstreamSessions({ providerId: provider, sid: 'unknown' }, at)).toEqual([]);
    });

    it('when a key is seen, then only the first sighting is first, on every replica', async () => {
      const key = unique();
      const at = Date.now();
      const sightings = await Promise.all([store.firstSight(key, at + MINUTE, at), other.firstSight(key, at + MINUTE, at)]);
      expect(sightings.sort()).toEqual([false, true]);
      expect(await store.firstSight(key, at + MINUTE, at)).toBe(false);
    });

    it('when asked, then ping answers', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });
  });
}
