import { randomBytes } from 'node:crypto';
import { appendFile, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { tempDirPerTest } from '../../support/temp-dir.js';
import { openEmbeddedDenylist } from '../../../services/auth/adapters/embedded/embedded-denylist.js';
import { openEmbeddedTokenStore } from '../../../services/auth/adapters/embedded/embedded-token-store.js';
import { RevocationLog } from '../../../services/auth/adapters/embedded/revocation-log.js';
import { runTokenStoreContract } from '../contracts/token-store.contract.js';

const nowSeconds = () => Math.floor(Date.now() / 1000);
const newJti = () => `jti-${randomBytes(8).toString('hex')}`;

runTokenStoreContract('embedded (memory + denylist under AUTH_DATA_DIR)', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'denylist-contract-'));
  const store = await openEmbeddedTokenStore(dir);
  return {
    store,
    cleanup: async () => (await store.close(), await rm(dir, { recursive: true, force: true })),
    refreshFootprint: async () => ({ entries: store.refreshEntryCount(), bytes: 0 }),
  };
});

describe('embedded denylist on disk', () => {
  const temp = tempDirPerTest('denylist-');
  let dir: string;
  beforeEach(() => {
    dir = temp.path;
  });

  it('when auth reopens the data dir, then every unexpired denial is still there and expired ones are gone', async () => {
    const first = await openEmbeddedDenylist(dir);
    const kept = newJti();
    const expiring = newJti();
    await first.denyAccessToken(kept, nowSeconds() + 600);
    await first.denyAccessToken(expiring, nowSeconds() + 1);
    await first.close();

    const later = await openEmbeddedDenylist(dir, { now: () => Date.now() + 2_000 });
    expect(await later.isAccessTokenDenied(kept)).toBe(true);
    expect(await later.isAccessTokenDenied(expiring)).toBe(false);
    expect(later.readAfter(undefined, 10)!.entries).toEqual([{ kind: 'jti', value: kept, until: expect.any(Number) }]);
    await later.close();
  });

  it('when the process dies without closing, then what was acknowledged is kept, and a torn last line is skipped', async () => {
    const first = await openEmbeddedDenylist(dir);
    const jti = newJti();
    await first.denyAccessToken(jti, nowSeconds() + 600);
    // No close(): as after kill -9. A crash mid-append leaves half a line.
    await appendFile(path.join(dir, 'revocations.jsonl'), '{"kind":"jti","val');

    const later = await openEmbeddedDenylist(dir);
    expect(await later.isAccessTokenDenied(jti)).toBe(true);
    expect(later.size).toBe(1);
    await later.close();
    await first.close();
  });

  it('when the embedded token store ends a session, then the feed carries it as kind sid (never as a jti) and it is still there after a restart', async () => {
    const store = await openEmbeddedTokenStore(dir);
    const sid = `session-${randomBytes(8).toString('hex')}`;
    await store.denySession(sid, nowSeconds() + 900);
    expect(store.denylist.readAfter(undefined, 10)!.entries).toEqual([{ kind: 'sid', value: sid, until: nowSeconds() + 900 }]);
    expect(await store.isAccessTokenDenied(sid)).toBe(false);
    expect(await store.isAccessTokenDenied(`sid:${sid}`)).toBe(false);
    await store.close();

    const restarted = await openEmbeddedTokenStore(dir);
    expect(await restarted.isSessionDenied(sid)).toBe(true);
    expect(restarted.denylist.readAfter(undefined, 10)!.entries).toEqual([{ kind: 'sid', value: sid, until: expect.any(Number) }]);
    await restarted.close();
  });

  it('when revocations.jsonl holds a session written as the jti "sid:<sid>" by an earlier version, then it is read back as that session', async () => {
    const sid = `session-${randomBytes(8).toString('hex')}`;
    const jti = newJti();
    const lines = [{ kind: 'jti', value: `sid:${sid}`, until: nowSeconds() + 600 }, { kind: 'jti', value: jti, until: nowSeconds() + 600 }];
    await appendFile(path.join(dir, 'revocations.jsonl'), lines.map((line) => `${JSON.stringify(line)}\n`).join(''));

    const denylist = await openEmbeddedDenylist(dir);
    expect(await denylist.isSessionDenied(sid)).toBe(true);
    expect(await denylist.isAccessTokenDenied(jti)).toBe(true);
    expect(denylist.readAfter(undefined, 10)!.entries.map(({ kind, value }) => ({ kind, value }))).toEqual([
      { kind: 'sid', value: sid },
      { kind: 'jti', value: jti },
    ]);
    await denylist.close();
  });

  it('when the file is written, then only the service user can read it', async () => {
    const denylist = await openEmbeddedDenylist(dir);
    await denylist.denyAccessToken(newJti(), nowSeconds() + 600);
    expect((await stat(path.join(dir, 'revocations.jsonl'))).mode & 0o777).toBe(0o600);
    await denylist.close();
  });

  it('when a denial is repeated with an earlier or equal deadline, then nothing is written and the later deadline stays', async () => {
    const denylist = await openEmbeddedDenylist(dir);
    const jti = newJti();
    await denylist.denyAccessToken(jti, nowSeconds() + 600);
    await denylist.denyAccessToken(jti, nowSeconds() + 600);
    await denylist.denyAccessToken(jti, nowSeconds() + 5);
    const lines = (await readFile(path.join(dir, 'revocations.jsonl'), 'utf8')).trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(denylist.readAfter(undefined, 10)!.entries[0]!.until).toBeGreaterThan(nowSeconds() + 500);
    await denylist.close();
  });
});

describe('revocation log memory under a logout flood', () => {
  it('when 20 000 denials expire and 20 000 more follow, then memory holds about the live ones only', () => {
    let now = 1_000_000;
    const log = new RevocationLog(() => now);
    for (let i = 0; i < 20_000; i += 1) log.add({ kind: 'jti', value: `a${i}`, until: now + 60 });
    now += 61;
    log.sweep();
    for (let i = 0; i < 20_000; i += 1) log.add({ kind: 'jti', value: `b${i}`, until: now + 60 });

    expect(log.size).toBe(20_000);
    expect(log.retained).toBeLessThanOrEqual(2 * 20_000 + 1_024);
    now += 61;
    log.sweep();
    log.add({ kind: 'jti', value: 'last', until: now + 60 });
    expect(log.retained).toBeLessThanOrEqual(2);
  });

  it('when the same token is re-revoked with later deadlines again and again, then one entry stays live and the log stays small', () => {
    let now = 1_000_000;
    const log = new RevocationLog(() => now);
    for (let i = 1; i <= 10_000; i += 1) log.add({ kind: 'jti', value: 'same', until: now + i });
    expect(log.size).toBe(1);
    expect(log.retained).toBeLessThanOrEqual(1_025);
    expect(log.readAfter(undefined, 100)!.entries).toEqual([{ kind: 'jti', value: 'same', until: now + 10_000 }]);
  });

  it('when a reader pages with its cursor, then it sees each live entry once, in order, and resumes after the last', () => {
    const log = new RevocationLog(() => 1_000);
    for (let i = 0; i < 25; i += 1) log.add({ kind: 'jti', value: `j${i}`, until: 2_000 });
    const seen: string[] = [];
    let page = log.readAfter(undefined, 10)!;
    seen.push(...page.entries.map((entry) => entry.value));
    while (page.more) {
      page = log.readAfter(page.cursor, 10)!;
      seen.push(...page.entries.map((entry) => entry.value));
    }
    expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => `j${i}`));
    log.add({ kind: 'jti', value: 'new', until: 2_000 });
    expect(log.readAfter(page.cursor, 10)!.entries.map((entry) => entry.value)).toEqual(['new']);
    expect(log.readAfter(page.cursor, 10)!.reset).toBe(false);
  });
});
