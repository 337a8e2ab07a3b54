import { randomBytes } from 'node:crypto';
import mongoose from 'mongoose';

/** MongoDB cannot be installed on every machine: Mongo suites run only when MONGODB_URI is set. */
export const MONGODB_URI = process.env.MONGODB_URI;
export const HAS_MONGO = Boolean(MONGODB_URI);
if (!HAS_MONGO) console.warn('[skip] MongoDB adapter suites: MONGODB_URI is not set (they run against a real MongoDB when it is)');

/** A database name of its own per test, so parallel runs never see each other's documents. */
export function testDatabaseName(prefix = 'authgate_test_'): string {
  return `${prefix}${randomBytes(4).toString('hex')}`;
}

/** Drops a test database through a connection of its own (the stores expose none). */
export async function dropTestDatabase(uri: string, dbName: string): Promise<void> {
  const connection = await mongoose.createConnection(uri, { dbName }).asPromise();
  try {
    await connection.dropDatabase();
  } finally {
    await connection.close();
  }
}

export interface MongoReplicas<S> {
  store: S;
  /** A second store on the same database: another replica of the service. */
  replica: S;
  /** Closes `store` and connects again (a restart); the new store is returned. */
  reopen(): Promise<S>;
  /** A connection of the test's own, to read what the adapter wrote (rawContents). */
  admin: mongoose.Connection;
  /** Closes both stores and drops the database. */
  cleanup(): Promise<void>;
}

/** The fixture most store contracts take, on a fresh database of MONGODB_URI. */
export async function openMongoReplicas<S extends { close(): Promise<void> }>(connect: (uri: string, options: { dbName: string }) => Promise<S>): Promise<MongoReplicas<S>> {
  const uri = MONGODB_URI ?? '';
  const dbName = testDatabaseName();
  let store = await connect(uri, { dbName });
  const replica = await connect(uri, { dbName });
  const admin = await mongoose.createConnection(uri, { dbName }).asPromise();
  return {
    store,
    replica,
    admin,
    reopen: async () => {
      await store.close();
      store = await connect(uri, { dbName });
      return store;
    },
    cleanup: async () => {
      await Promise.all([store.close(), replica.close()]);
      await admin.dropDatabase();
      await admin.close();
    },
  };
}
