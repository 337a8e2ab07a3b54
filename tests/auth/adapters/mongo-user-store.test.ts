import { randomBytes } from 'node:crypto';
import mongoose from 'mongoose';
import { describe } from 'vitest';
import { connectMongoUserStore } from '../../../services/auth/adapters/mongo/mongo-user-store.js';
import { HAS_MONGO, MONGODB_URI } from '../../support/mongo.js';
import { runUserStoreContract } from '../contracts/user-store.contract.js';

/** The URI with a database of its own, so parallel runs never see each other's users. */
function uniqueDatabaseUri(uri: string): string {
  const url = new URL(uri);
  url.pathname = `/authgate_test_${randomBytes(4).toString('hex')}`;
  return url.toString();
}

describe.runIf(HAS_MONGO)('MongoUserStore', () => {
  runUserStoreContract('mongo (mongoose)', async () => {
    const uri = uniqueDatabaseUri(MONGODB_URI ?? '');
    const store = await connectMongoUserStore(uri);
    return {
      store,
      cleanup: async () => {
        await store.close();
        const admin = await mongoose.createConnection(uri).asPromise();
        try {
          await admin.dropDatabase();
        } finally {
          await admin.close();
        }
      },
    };
  });
});
