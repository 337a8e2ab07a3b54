import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import { openEmbeddedAccountTokenStore } from '../../../services/auth/adapters/account-tokens/embedded-account-tokens.js';
import { runAccountTokenStoreContract } from '../contracts/account-token-store.contract.js';

const tempDir = () => mkdtemp(path.join(tmpdir(), 'embedded-account-tokens-'));

runAccountTokenStoreContract('embedded (NeDB)', async () => {
  const dir = await tempDir();
  let current = await openEmbeddedAccountTokenStore(dir);
  return {
    store: current,
    reopen: async () => {
      await current.close();
      current = await openEmbeddedAccountTokenStore(dir);
      return current;
    },
    rawContents: () => readFile(path.join(dir, 'account-tokens.db'), 'utf8'),
    cleanup: async () => {
      await current.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});

it('when the embedded token file is created, then only the service user can read it', async () => {
  const dir = await tempDir();
  const store = await openEmbeddedAccountTokenStore(dir);
  try {
    expect((await stat(path.join(dir, 'account-tokens.db'))).mode & 0o777).toBe(0o600);
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
});
