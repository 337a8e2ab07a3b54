import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { openEmbeddedLinkedIdentityStore } from '../../../services/auth/adapters/embedded/embedded-linked-identities.js';
import { runLinkedIdentityStoreContract } from '../contracts/linked-identity-store.contract.js';

const tempDir = () => mkdtemp(path.join(tmpdir(), 'embedded-linked-identities-'));

runLinkedIdentityStoreContract('embedded (NeDB)', async () => {
  const dir = await tempDir();
  let current = await openEmbeddedLinkedIdentityStore(dir);
  return {
    store: current,
    reopen: async () => {
      await current.close();
      current = await openEmbeddedLinkedIdentityStore(dir);
      return current;
    },
    cleanup: async () => {
      await current.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});

it('when the embedded links file is created, then only the service user can read it', async () => {
  const dir = await tempDir();
  const store = await openEmbeddedLinkedIdentityStore(dir);
  try {
    expect((await stat(path.join(dir, 'linked-identities.db'))).mode & 0o077).toBe(0);
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
});
