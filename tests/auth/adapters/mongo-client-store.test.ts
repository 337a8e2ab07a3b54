import { randomBytes } from 'node:crypto';
import mongoose from 'mongoose';
import { describe } from 'vitest';
import { connectMongoClientStore } from '../../../services/auth/adapters/mongo/mongo-client-store.js';
import { HAS_MONGO, MONGODB_URI } from '../../support/mongo.js';
import { runClientStoreContract } from '../contracts/client-store.contract.js';

/** Drops a test database through a connection of its own, since the store exposes none. */
async function dropDatabase(uri: string, dbName: string): Promise<void> {
  const connection = await mongoose.createConnection(uri, { dbName }).asPromise();
  try {
    await connection.dropDatabase();
  } finally {
    await connection.close();
  }
}

describe.runIf(HAS_MONGO)('mongo client store', () => {
  const uri = MONGODB_URI ?? '';
  runClientStoreContract('mongo', async (clock) => {
    const dbName = `authgate_test_clients_${randomBytes(6).toString('hex')}`;
    const store = await connectMongoClientStore(uri, { dbName, now: clock });
    return {
      store,
      cleanup: async () => {
        await store.close();
        await dropDatabase(uri, dbName);
      },
    };
  });
});
