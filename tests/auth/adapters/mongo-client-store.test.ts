import { describe } from 'vitest';
import { connectMongoClientStore } from '../../../services/auth/adapters/mongo/mongo-client-store.js';
import { dropTestDatabase, HAS_MONGO, MONGODB_URI, testDatabaseName } from '../../support/mongo.js';
import { runClientStoreContract } from '../contracts/client-store.contract.js';

describe.runIf(HAS_MONGO)('mongo client store', () => {
  const uri = MONGODB_URI ?? '';
  runClientStoreContract('mongo', async (clock) => {
    const dbName = testDatabaseName('authgate_test_clients_');
    const store = await connectMongoClientStore(uri, { dbName, now: clock });
    return {
      store,
      cleanup: async () => {
        await store.close();
        await dropTestDatabase(uri, dbName);
      },
    };
  });
});
