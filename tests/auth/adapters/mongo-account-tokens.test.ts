import { randomBytes } from 'node:crypto';
import mongoose from 'mongoose';
import { describe } from 'vitest';
import { connectMongoAccountTokenStore } from '../../../services/auth/adapters/account-tokens/mongo-account-tokens.js';
import type { AccountTokenStore } from '../../../services/auth/domain/accounts/account-token-store.js';
import { HAS_MONGO, MONGODB_URI } from '../../support/mongo.js';
import { runAccountTokenStoreContract } from '../contracts/account-token-store.contract.js';

describe.runIf(HAS_MONGO)('MongoAccountTokenStore', () => {
  runAccountTokenStoreContract('mongo (mongoose)', async () => {
    // A database of its own per test, so parallel runs never see each other's tokens.
    const dbName = `authgate_test_${randomBytes(4).toString('hex')}`;
    const uri = MONGODB_URI ?? '';
    let store: AccountTokenStore = await connectMongoAccountTokenStore(uri, { dbName });
    const replica = await connectMongoAccountTokenStore(uri, { dbName });
    const admin = await mongoose.createConnection(uri, { dbName }).asPromise();
    return {
      store,
      replica,
      reopen: async () => {
        await store.close();
        store = await connectMongoAccountTokenStore(uri, { dbName });
        return store;
      },
      rawContents: async () => JSON.stringify(await admin.collection('account_tokens').find().toArray()),
      cleanup: async () => {
        await Promise.all([store.close(), replica.close()]);
        await admin.dropDatabase();
        await admin.close();
      },
    };
  });
});
