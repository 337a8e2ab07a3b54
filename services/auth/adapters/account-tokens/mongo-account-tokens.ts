import mongoose, { Schema, type Connection, type Model } from 'mongoose';
import type { AccountTokenPurpose, AccountTokenRecord, AccountTokenStore } from '../../domain/accounts/account-token-store.js';
import { pingMongo } from '../mongo/ping-mongo.js';

interface TokenDoc {
  /** The token's hex SHA-256. */
  _id: string;
  purpose: AccountTokenPurpose;
  userId: string;
  binding: string;
  /** A TTL index removes the document once it is past (MongoDB sweeps about once a minute). */
  expiresAt: Date;
}

const tokenSchema = new Schema<TokenDoc>(
  {
    _id: { type: String, required: true },
    purpose: { type: String, required: true },
    userId: { type: String, required: true },
    binding: { type: String, required: true },
    expiresAt: { type: Date, required: true },
  },
  { collection: 'account_tokens', versionKey: false, autoIndex: false },
);
tokenSchema.index({ expiresAt: 1 }, { expireAfterSeconds: 0 });

/** Connects on a connection of its own and builds the TTL index before resolving. */
export async function connectMongoAccountTokenStore(uri: string, options: { dbName?: string } = {}): Promise<MongoAccountTokenStore> {
  const connection = await mongoose.createConnection(uri, { serverSelectionTimeoutMS: 5_000, ...(options.dbName ? { dbName: options.dbName } : {}) }).asPromise();
  try {
    const model = connection.model<TokenDoc>('AccountToken', tokenSchema);
    await model.init();
    await model.createIndexes();
    return new MongoAccountTokenStore(connection, model);
  } catch (err) {
    await connection.close();
    throw err;
  }
}

/** Account tokens in MongoDB; `findOneAndDelete` is the atomic single use. */
export class MongoAccountTokenStore implements AccountTokenStore {
  constructor(
    private readonly connection: Connection,
    private readonly model: Model<TokenDoc>,
  ) {}

  async save(tokenHash: string, record: AccountTokenRecord): Promise<void> {
    await this.model.create({ _id: tokenHash, purpose: record.purpose, userId: record.userId, binding: record.binding, expiresAt: new Date(record.expiresAt) });
  }

  async consume(purpose: AccountTokenPurpose, tokenHash: string, now: number): Promise<AccountTokenRecord | null> {
    // Typed strings only: an object here would be a query operator.
    if (typeof tokenHash !== 'string' || typeof purpose !== 'string') return null;
    const doc = await this.model.findOneAndDelete({ _id: tokenHash, purpose }).lean<TokenDoc>();
    if (!doc || doc.expiresAt.getTime() <= now) return null;
    return { purpose: doc.purpose, userId: doc.userId, binding: doc.binding, expiresAt: doc.expiresAt.getTime() };
  }

  ping(): Promise<void> {
    return pingMongo(this.connection);
  }

  async close(): Promise<void> {
    await this.connection.close();
  }
}
