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

/** Runs `work` on a connection of its own to `uri` (outside the adapter), then closes it. */
async function withConnection<T>(uri: string, work: (connection: mongoose.Connection) => Promise<T>): Promise<T> {
  const connection = await mongoose.createConnection(uri).asPromise();
  try {
    return await work(connection);
  } finally {
    await connection.close();
  }
}

async function storeOn(uri: string) {
  const store = await connectMongoUserStore(uri);
  return {
    store,
    cleanup: async () => {
      await store.close();
      await withConnection(uri, (admin) => admin.dropDatabase());
    },
  };
}

describe.runIf(HAS_MONGO)('MongoUserStore', () => {
  runUserStoreContract('mongo (mongoose)', () => storeOn(uniqueDatabaseUri(MONGODB_URI ?? '')), {
    legacyFactory: async () => {
      const uri = uniqueDatabaseUri(MONGODB_URI ?? '');
      // Written with the driver, as an earlier version's schema would have: no lockedAt field.
      const inserted = await withConnection(uri, (admin) =>
        admin.collection('users').insertOne({
          username: 'legacy-lena',
          passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo',
          roles: ['user'],
          createdAt: new Date(Date.UTC(2025, 0, 1)),
        }),
      );
      return { ...(await storeOn(uri)), legacy: { id: inserted.insertedId.toHexString(), username: 'legacy-lena' } };
    },
  });
});
