import type { Connection } from 'mongoose';

/** Readiness of a mongoose connection (every Mongo adapter's `ping`): resolves when the server answers. */
export async function pingMongo(connection: Connection): Promise<void> {
  const db = connection.db;
  if (!db) throw new Error('MongoDB connection is not open');
  await db.admin().ping();
}
