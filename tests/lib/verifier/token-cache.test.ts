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

  it('when two long tokens end alike, then neither is answered with the other and the later one holds the slot', () => {
    const cache = new TokenCache<string>(4);
    const tail = 's'.repeat(43);
    const victim = `header.victim-claims.${tail}`;
    const forged = `header.forged-claims.${tail}`;
    cache.set(victim, 'victim', later, now);
    expect(cache.get(forged, now)).toBeUndefined();
    expect(cache.get(victim, now)).toBe('victim');
    cache.set(forged, 'forged', later, now);
    expect(cache.get(victim, now)).toBeUndefined();
    expect(cache.get(forged, now)).toBe('forged');
    expect(cache.size).toBe(1);
  });

  it('when a token differs from a cached one only before its tail, then a lookup misses and leaves the cached one', () => {
    const cache = new TokenCache<string>(4);
    const token = `${'h'.repeat(100)}.${'p'.repeat(500)}.${'x'.repeat(342)}`;
    cache.set(token, 'ok', later, now);
    const tampered = `${'h'.repeat(100)}.${'p'.repeat(499)}q.${'x'.repeat(342)}`;
    expect(cache.get(tampered, now)).toBeUndefined();
    expect(cache.get(token, now)).toBe('ok');
  });
});
