import { describe, expect, it } from 'vitest';
import { MemoryTokenStore } from '../../../services/auth/adapters/memory/memory-token-store.js';
import { runTokenStoreContract } from '../contracts/token-store.contract.js';

runTokenStoreContract('memory', async () => {
  const store = new MemoryTokenStore();
  return { store, cleanup: () => store.close(), refreshFootprint: async () => ({ entries: store.refreshEntryCount(), bytes: 0 }) };
});

describe('MemoryTokenStore with an injected clock', () => {
  function storeAt(start: number) {
    let now = start;
    return { store: new MemoryTokenStore({ now: () => now }), advance: (ms: number) => (now += ms) };
  }

  it('when the injected clock passes a denylist exp, then the jti is no longer denied', async () => {
    const { store, advance } = storeAt(1_000_000_000_000);
    await store.denyAccessToken('jti-1', 1_000_000_000 + 60);
    expect(await store.isAccessTokenDenied('jti-1')).toBe(true);
    advance(60_000);
    expect(await store.isAccessTokenDenied('jti-1')).toBe(false);
  });

  it('when the injected clock passes an attempt window, then the count resets and resetInSeconds counts down', async () => {
    const { store, advance } = storeAt(1_000_000_000_000);
    await store.recordAttempt('k', 900);
    advance(300_500);
    expect(await store.peekAttempts('k')).toEqual({ count: 1, resetInSeconds: 600 });
    advance(599_500);
    expect(await store.peekAttempts('k')).toEqual({ count: 0, resetInSeconds: 0 });
  });

  it('when the injected clock passes a claim, then the key can be claimed again', async () => {
    const { store, advance } = storeAt(1_000_000_000_000);
    expect(await store.claimOnce('a', 1_000_000_000 + 5)).toBe(true);
    expect(await store.claimOnce('a', 1_000_000_000 + 5)).toBe(false);
    advance(5_000);
    expect(await store.claimOnce('a', 1_000_000_000 + 10)).toBe(true);
  });
});
