import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe } from 'vitest';
import { MemoryTotpStore } from '../../../services/auth/adapters/memory/memory-totp-store.js';
import { openEmbeddedTotpStore } from '../../../services/auth/adapters/mfa/embedded-totp-store.js';
import { connectMongoTotpStore } from '../../../services/auth/adapters/mfa/mongo-totp-store.js';
import type { TotpStore } from '../../../services/auth/domain/mfa/totp-store.js';
import { HAS_MONGO, openMongoReplicas } from '../../support/mongo.js';
import { runTotpStoreContract } from '../contracts/totp-store.contract.js';

runTotpStoreContract('memory', async () => ({ store: new MemoryTotpStore(), cleanup: async () => {} }));

runTotpStoreContract('embedded (NeDB)', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'embedded-totp-'));
  let current: TotpStore = await openEmbeddedTotpStore(dir);
  return {
    store: current,
    reopen: async () => {
      await current.close();
      current = await openEmbeddedTotpStore(dir);
      return current;
    },
    cleanup: async () => {
      await current.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});

describe.runIf(HAS_MONGO)('MongoTotpStore', () => {
  runTotpStoreContract('mongo (mongoose)', () => openMongoReplicas(connectMongoTotpStore));
});
