import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { openEmbeddedPasskeyStore } from '../../../services/auth/adapters/passkeys/embedded-passkeys.js';
import { runPasskeyStoreContract } from '../contracts/passkey-store.contract.js';

const tempDir = () => mkdtemp(path.join(tmpdir(), 'embedded-passkeys-'));

runPasskeyStoreContract('embedded (NeDB)', async () => {
  const dir = await tempDir();
  let current = await openEmbeddedPasskeyStore(dir);
  return {
    store: current,
    reopen: async () => {
      await current.close();
      current = await openEmbeddedPasskeyStore(dir);
      return current;
    },
    cleanup: async () => {
      await current.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});

it('when the embedded passkey file is created, then only the service user can read it', async () => {
  const dir = await tempDir();
  const store = await openEmbeddedPasskeyStore(dir);
  try {
    expect((await stat(path.join(dir, 'passkeys.db'))).mode & 0o777).toBe(0o600);
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
});
