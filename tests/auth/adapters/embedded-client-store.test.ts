import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { tempDirPerTest } from '../../support/temp-dir.js';
import { expectPrivateThroughCompaction } from '../../support/private-file.js';
import { openEmbeddedClientStore } from '../../../services/auth/adapters/embedded/embedded-client-store.js';
import type { ClientConfig } from '../../../services/auth/domain/clients/client-store.js';
import { runClientStoreContract } from '../contracts/client-store.contract.js';

runClientStoreContract('embedded', async (clock) => {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'client-store-'));
  const store = await openEmbeddedClientStore(dataDir, { now: clock });
  return {
    store,
    cleanup: async () => {
      await store.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
});

const reports: ClientConfig = {
  clientId: 'reports',
  secretHash: '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo',
  tokenEndpointAuthMethods: ['client_secret_basic'],
  scopes: ['notes:read'],
  audiences: ['api'],
  grantTypes: ['client_credentials'],
};

describe('embedded client store on disk', () => {
  const temp = tempDirPerTest('client-store-disk-');
  let root: string;

  beforeEach(() => {
    root = temp.path;
  });

  it('when the data directory does not exist, then opening creates it and clients.db inside it', async () => {
    const dataDir = path.join(root, 'nested', 'data');
    const store = await openEmbeddedClientStore(dataDir);
    await store.create(reports);
    await store.close();
    expect(existsSync(path.join(dataDir, 'clients.db'))).toBe(true);
  });

  it.runIf(process.platform !== 'win32')('when clients.db is created and compacted, then it is 0600 throughout (it holds secret hashes)', async () => {
    const file = path.join(root, 'clients.db');
    await expectPrivateThroughCompaction(file, () => openEmbeddedClientStore(root), (store) => store.create(reports));
  });

  it.runIf(process.platform !== 'win32')('when an older clients.db and a stale temp file are 0644, then both are 0600 after open and compaction', async () => {
    const file = path.join(root, 'clients.db');
    await writeFile(file, '');
    await writeFile(`${file}~`, '');
    await chmod(file, 0o644);
    await chmod(`${file}~`, 0o644);
    const store = await openEmbeddedClientStore(root);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    await store.create(reports);
    await store.close();
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it('when the data directory does not exist, then it is created 0700', async () => {
    const dataDir = path.join(root, 'fresh');
    const store = await openEmbeddedClientStore(dataDir);
    await store.close();
    if (process.platform !== 'win32') expect((await stat(dataDir)).mode & 0o777).toBe(0o700);
  });

  it('when the store is reopened, then creates, upserts, disables and deletes are all still there', async () => {
    const first = await openEmbeddedClientStore(root);
    await first.create(reports);
    await first.upsert({ ...reports, scopes: ['notes:read', 'notes:write'] });
    await first.create({ ...reports, clientId: 'billing' });
    await first.disable('billing');
    await first.create({ ...reports, clientId: 'gone' });
    await first.delete('gone');
    const before = await first.list();
    await first.close();

    const second = await openEmbeddedClientStore(root);
    try {
      expect(await second.list()).toEqual(before);
      expect((await second.findById('reports'))?.scopes).toEqual(['notes:read', 'notes:write']);
      expect((await second.findById('billing'))?.disabledAt).toBeInstanceOf(Date);
      expect(await second.findById('gone')).toBeNull();
    } finally {
      await second.close();
    }
  });

  it('when the store is reopened, then an existing client id still cannot be created twice', async () => {
    const first = await openEmbeddedClientStore(root);
    await first.create(reports);
    await first.close();

    const second = await openEmbeddedClientStore(root);
    try {
      await expect(second.create(reports)).rejects.toMatchObject({ code: 'CLIENT_EXISTS' });
    } finally {
      await second.close();
    }
  });

  it('when the store was closed without compaction, then nothing written before is lost', async () => {
    // A crash skips close(): every write must already be on disk when its call resolves.
    const first = await openEmbeddedClientStore(root);
    await first.create(reports);
    await first.disable('reports');

    const second = await openEmbeddedClientStore(root);
    try {
      expect((await second.findById('reports'))?.disabledAt).toBeInstanceOf(Date);
    } finally {
      await second.close();
      await first.close();
    }
  });

  it('when the store is closed, then ping rejects', async () => {
    const store = await openEmbeddedClientStore(root);
    await store.close();
    await expect(store.ping()).rejects.toThrow(/closed/);
  });
});
