import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JoseKeyStore } from '../../services/auth/adapters/keys/jose-key-store.js';

const DELAY_MS = 60_000;
const RETENTION_MS = 960_000;

describe('JoseKeyStore rotation', () => {
  let dir: string;
  let file: string;
  /** A frozen clock: rotation instants are compared to the millisecond. */
  let clock: { now: () => number; advance: (ms: number) => void };
  const open = () => JoseKeyStore.open({ file, now: clock.now, publishDelayMs: DELAY_MS, retiredKeyRetentionMs: RETENTION_MS });

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'auth-rotation-'));
    file = path.join(dir, 'signing-keys.json');
    let at = Date.now();
    clock = { now: () => at, advance: (ms) => void (at += ms) };
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('when a key is rotated, then the file keeps both, a restart loads the same state, and no temp file is left', async () => {
    const keys = await open();
    const old = keys.currentSigningKey().kid;
    const { kid, activatesAt } = await keys.rotate();
    expect(activatesAt.getTime()).toBe(clock.now() + DELAY_MS);
    const reopened = await open();
    expect(reopened.publicJwks().keys.map((k) => k.kid)).toEqual([kid, old]);
    expect(reopened.currentSigningKey().kid).toBe(old);
    clock.advance(DELAY_MS);
    expect(reopened.currentSigningKey().kid).toBe(kid);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await readdir(dir)).toEqual(['signing-keys.json']);
  });

  it('when two rotations are asked at once, then both happen, one after the other, and both keys are kept', async () => {
    const keys = await open();
    const [a, b] = await Promise.all([keys.rotate(), keys.rotate()]);
    expect(a.kid).not.toBe(b.kid);
    expect((await open()).publicJwks().keys).toHaveLength(3);
  });

  it('when a replaced key has outlived the retention, then it is no longer published nor used to verify, and the next rotation drops it from the file', async () => {
    const keys = await open();
    const old = keys.currentSigningKey().kid;
    const { kid } = await keys.rotate();
    clock.advance(DELAY_MS + RETENTION_MS - 1);
    expect(keys.verificationKey(old)).not.toBeNull();
    clock.advance(1);
    expect(keys.verificationKey(old)).toBeNull();
    expect(keys.publicJwks().keys.map((k) => k.kid)).toEqual([kid]);
    await keys.rotate();
    const reopened = await open();
    expect(reopened.publicJwks().keys.map((k) => k.kid)).not.toContain(old);
  });
});
