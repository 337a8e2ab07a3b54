import { describe, expect, it } from 'vitest';
import { TokenCache } from '../../../lib/verifier/token-cache.js';

describe('TokenCache', () => {
  const now = 1_000;
  const later = now + 60_000;

  it('when an old entry is used again, then it survives the next eviction and an unused one goes', () => {
    const cache = new TokenCache<string>(4);
    for (const key of ['a', 'b', 'c', 'd']) cache.set(key, key, later, now);
    expect(cache.get('a', now)).toBe('a'); // older than half the capacity: moved to the young end
    cache.set('e', 'e', later, now);
    expect(cache.get('a', now)).toBe('a');
    expect(cache.get('b', now)).toBeUndefined();
    expect(cache.size).toBe(4);
  });

  it('when an entry reaches its expiry, then it is gone', () => {
    const cache = new TokenCache<string>(4);
    cache.set('a', 'a', now + 10, now);
    expect(cache.get('a', now + 9)).toBe('a');
    expect(cache.get('a', now + 10)).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('when far more keys arrive than it holds, then it never holds more than its capacity', () => {
    const cache = new TokenCache<number>(100);
    for (let i = 0; i < 10_000; i++) {
      cache.set(`k${i}`, i, later, now);
      cache.get(`k${i % 50}`, now);
    }
    expect(cache.size).toBe(100);
  });
});
