import { chmod, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { expectPrivateThroughCompaction } from '../../support/private-file.js';
import { openEmbeddedUserStore } from '../../../services/auth/adapters/embedded/embedded-user-store.js';
import { runUserStoreContract } from '../contracts/user-store.contract.js';

const tempDir = () => mkdtemp(path.join(tmpdir(), 'authgate-users-'));

async function storeIn(dir: string) {
  const store = await openEmbeddedUserStore(dir);
  return {
    store,
    cleanup: async () => {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** One line as an earlier version wrote it to users.db: NeDB's JSON lines, no lockedAt. */
const LEGACY_ID = 'legacyUser000001';
const LEGACY_LINE = JSON.stringify({
  username: 'legacy-lena',
  passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo',
  roles: ['user'],
  createdAt: { $$date: Date.UTC(2025, 0, 1) },
  _id: LEGACY_ID,
});

runUserStoreContract('embedded (NeDB)', async () => storeIn(await tempDir()), {
  legacyFactory: async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, 'users.db'), `${LEGACY_LINE}\n`, { mode: 0o600 });
    return { ...(await storeIn(dir)), legacy: { id: LEGACY_ID, username: 'legacy-lena' } };
  },
});

describe('EmbeddedUserStore on disk', () => {
  const dirs: string[] = [];
  afterEach(async () => {
    await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it('when the store is closed and reopened, then the users are still there, unique index included', async () => {
    const dir = await tempDir();
    dirs.push(dir);
    const first = await openEmbeddedUserStore(dir);
    const created = await first.create({ username: 'alice', email: 'a@example.test', passwordHash: 'h', roles: ['admin'] });
    await first.close();

    const reopened = await openEmbeddedUserStore(dir);
    try {
      expect(await reopened.findById(created.id)).toEqual(created);
      expect(await reopened.findByUsername('alice')).toEqual(created);
      await expect(reopened.create({ username: 'alice', passwordHash: 'x', roles: [] })).rejects.toMatchObject({
        code: 'USERNAME_TAKEN',
      });
    } finally {
      await reopened.close();
    }
  });

  it('when the store is reopened, then the list pages hold the users written before, by name and by address', async () => {
    const dir = await tempDir();
    dirs.push(dir);
    const first = await openEmbeddedUserStore(dir);
    const ann = await first.create({ username: 'ann', email: 'ann@example.test', passwordHash: 'h', roles: [] });
    await first.create({ username: 'abe', passwordHash: 'h', roles: [] });
    await first.close();

    const reopened = await openEmbeddedUserStore(dir);
    try {
      expect((await reopened.listPage({ by: 'username', prefix: 'a', limit: 5 })).map((u) => u.username)).toEqual(['abe', 'ann']);
      expect(await reopened.listPage({ by: 'email', prefix: 'ann@', limit: 5 })).toEqual([ann]);
    } finally {
      await reopened.close();
    }
  });

  it('when the data directory does not exist, then it is created with users.db readable by the owner only', async () => {
    const parent = await tempDir();
    dirs.push(parent);
    const dir = path.join(parent, 'nested', 'data');
    const store = await openEmbeddedUserStore(dir);
    await store.create({ username: 'bob', passwordHash: 'h', roles: [] });
    await store.close();

    const file = await stat(path.join(dir, 'users.db'));
    if (process.platform !== 'win32') expect(file.mode & 0o777).toBe(0o600);
  });

  it.runIf(process.platform !== 'win32')('when users.db is created and compacted, then it is 0600 throughout, reopened included', async () => {
    const dir = await tempDir();
    dirs.push(dir);
    const file = path.join(dir, 'users.db');
    await expectPrivateThroughCompaction(file, () => openEmbeddedUserStore(dir), (store) => store.create({ username: 'carol', passwordHash: 'h', roles: [] }));
  });

  it.runIf(process.platform !== 'win32')('when an older users.db and a stale temp file are 0644, then both are 0600 after open and compaction', async () => {
    const dir = await tempDir();
    dirs.push(dir);
    const file = path.join(dir, 'users.db');
    await writeFile(file, `${LEGACY_LINE}\n`);
    await writeFile(`${file}~`, '');
    await chmod(file, 0o644);
    await chmod(`${file}~`, 0o644);
    const store = await openEmbeddedUserStore(dir);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await store.findById(LEGACY_ID)).not.toBeNull();
    await store.close();
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it.runIf(process.platform !== 'win32')('when only the crash-recovery temp file exists, then its users are restored and the file is 0600', async () => {
    const dir = await tempDir();
    dirs.push(dir);
    const file = path.join(dir, 'users.db');
    await writeFile(`${file}~`, `${LEGACY_LINE}\n`);
    await chmod(`${file}~`, 0o644);
    const store = await openEmbeddedUserStore(dir);
    try {
      expect(await store.findById(LEGACY_ID)).not.toBeNull();
      expect((await stat(file)).mode & 0o777).toBe(0o600);
    } finally {
      await store.close();
    }
  });

  it('when the store is closed, then ping rejects', async () => {
    const dir = await tempDir();
    dirs.push(dir);
    const store = await openEmbeddedUserStore(dir);
    await store.close();
    await expect(store.ping()).rejects.toThrow();
  });
});
