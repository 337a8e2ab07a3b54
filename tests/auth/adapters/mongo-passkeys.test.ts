import { randomBytes } from 'node:crypto';
import mongoose from 'mongoose';
import { describe } from 'vitest';
import { connectMongoPasskeyStore } from '../../../services/auth/adapters/passkeys/mongo-passkeys.js';
import type { PasskeyStore } from '../../../services/auth/domain/passkeys/passkey-store.js';
import { HAS_MONGO, MONGODB_URI } from '../../support/mongo.js';
import { runPasskeyStoreContract } from '../contracts/passkey-store.contract.js';

describe.runIf(HAS_MONGO)('MongoPasskeyStore', () => {
  runPasskeyStoreContract('mongo (mongoose)', async () => {
    // A database of its own per test, so parallel runs never see each other's passkeys.
    const dbName = `authgate_test_${randomBytes(4).toString('hex')}`;
    const uri = MONGODB_URI ?? '';
    let store: PasskeyStore = await connectMongoPasskeyStore(uri, { dbName });
    const replica = await connectMongoPasskeyStore(uri, { dbName });
    const admin = await mongoose.createConnection(uri, { dbName }).asPromise();
    return {
      store,
      replica,
      reopen: async () => {
        await store.close();
        store = await connectMongoPasskeyStore(uri, { dbName });
        return store;
      },
      cleanup: async () => {
        await Promise.all([store.close(), replica.close()]);
        await admin.dropDatabase();
        await admin.close();
      },
    };
  });
});
