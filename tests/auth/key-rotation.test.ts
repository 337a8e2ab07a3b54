import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { NodeJoseKeySet } from '../../services/auth/adapters/keys/node-jose-key-set.js';

const DELAY_MS = 60_000;
const RETENTION_MS = 960_000;

describe('NodeJoseKeySet rotation', () => {
  let dir: string;
  let file: string;
  /** A frozen clock: rotation instants are compared to the millisecond. */
  let clock: { now: () => number; advance: (ms: number) => void };
  const open = () => NodeJoseKeySet.open({ file, now: clock.now, publishDelayMs: DELAY_MS, retiredKeyRetentionMs: RETENTION_MS });

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

  it('when another process rotated the shared file, then reload takes its set and the next rotation here keeps that key too', async () => {
    const here = await open();
    const elsewhere = await open();
    const { kid: theirs } = await elsewhere.rotate();
    expect(here.publicJwks().keys.map((k) => k.kid)).not.toContain(theirs);
    expect(await here.reload()).toBe(true);
    expect(here.publicJwks().keys.map((k) => k.kid)).toContain(theirs);
    expect(await here.reload()).toBe(false);
    const { kid: ours } = await here.rotate();
    expect((await open()).publicJwks().keys.map((k) => k.kid)).toEqual(expect.arrayContaining([ours, theirs]));
  });

  it('when the file goes missing or turns invalid, then reload keeps the loaded set and logs each problem once; a good file is taken again', async () => {
    const errors: object[] = [];
    const keys = await NodeJoseKeySet.open({ file, now: clock.now, log: { info: () => undefined, error: (details) => void errors.push(details) } });
    const kid = keys.currentSigningKey().kid;
    const good = await readFile(file, 'utf8');
    await rm(file);
    expect(await keys.reload()).toBe(false);
    expect(await keys.reload()).toBe(false);
    expect(errors).toEqual([{ file }]);
    await writeFile(file, '{"format":"authgate-signing-keys"');
    expect(await keys.reload()).toBe(false);
    expect(await keys.reload()).toBe(false);
    expect(errors).toEqual([{ file }, { file, reason: expect.stringMatching(/not valid JSON/) }]);
    expect(keys.currentSigningKey().kid).toBe(kid);
    await writeFile(file, good);
    // Same content as loaded: nothing to take, and the refusal is forgotten.
    expect(await keys.reload()).toBe(false);
    expect(keys.publicJwks().keys.map((k) => k.kid)).toEqual([kid]);
  });
});
