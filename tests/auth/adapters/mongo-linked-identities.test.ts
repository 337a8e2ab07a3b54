import { randomBytes } from 'node:crypto';
import mongoose from 'mongoose';
import { describe } from 'vitest';
import { connectMongoLinkedIdentityStore } from '../../../services/auth/adapters/mongo/mongo-linked-identities.js';
import type { LinkedIdentityStore } from '../../../services/auth/domain/federation/linked-identities.js';
import { HAS_MONGO, MONGODB_URI } from '../../support/mongo.js';
import { runLinkedIdentityStoreContract } from '../contracts/linked-identity-store.contract.js';

describe.runIf(HAS_MONGO)('MongoLinkedIdentityStore', () => {
  runLinkedIdentityStoreContract('mongo (mongoose)', async () => {
    // A database of its own per test, so parallel runs never see each other's links.
    const dbName = `authgate_test_${randomBytes(4).toString('hex')}`;
    const uri = MONGODB_URI ?? '';
    let store: LinkedIdentityStore = await connectMongoLinkedIdentityStore(uri, { dbName });
    const replica = await connectMongoLinkedIdentityStore(uri, { dbName });
    const admin = await mongoose.createConnection(uri, { dbName }).asPromise();
    return {
      store,
      replica,
      reopen: async () => {
        await store.close();
        store = await connectMongoLinkedIdentityStore(uri, { dbName });
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
