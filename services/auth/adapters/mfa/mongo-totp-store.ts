import mongoose, { Schema, type Connection, type Model } from 'mongoose';
import type { TotpRecord, TotpStore } from '../../domain/mfa/totp-store.js';
import { pingMongo } from '../mongo/ping-mongo.js';

interface TotpDoc {
  /** The user id: one record per user. */
  _id: string;
  sealedSecret: string;
  confirmed: boolean;
  lastStep: number;
  recoveryCodes: string[];
  createdAt: Date;
}

const totpSchema = new Schema<TotpDoc>(
  {
    _id: { type: String, required: true },
    sealedSecret: { type: String, required: true },
    confirmed: { type: Boolean, required: true },
    lastStep: { type: Number, required: true },
    recoveryCodes: { type: [String], required: true },
    createdAt: { type: Date, required: true },
  },
  { collection: 'totp', versionKey: false, autoIndex: false },
);

const DUPLICATE_KEY = 11000;
const isDuplicateKey = (err: unknown) => typeof err === 'object' && err !== null && (err as { code?: unknown }).code === DUPLICATE_KEY;

/** Connects on a connection of its own. */
export async function connectMongoTotpStore(uri: string, options: { dbName?: string } = {}): Promise<MongoTotpStore> {
  const connection = await mongoose.createConnection(uri, { serverSelectionTimeoutMS: 5_000, ...(options.dbName ? { dbName: options.dbName } : {}) }).asPromise();
  try {
    const model = connection.model<TotpDoc>('Totp', totpSchema);
    await model.init();
    return new MongoTotpStore(connection, model);
  } catch (err) {
    await connection.close();
    throw err;
  }
}

/**
 * TOTP records in MongoDB, keyed by user id. Every decision is one conditional single-document
 * write (the condition in the filter), which MongoDB applies atomically.
 */
export class MongoTotpStore implements TotpStore {
  constructor(
    private readonly connection: Connection,
    private readonly model: Model<TotpDoc>,
  ) {}

  async savePending(userId: string, sealedSecret: string, createdAt: Date): Promise<boolean> {
    try {
      // With a confirmed record the filter misses and the upsert's insert hits the _id: refused.
      await this.model.replaceOne({ _id: userId, confirmed: false }, { sealedSecret, confirmed: false, lastStep: -1, recoveryCodes: [], createdAt }, { upsert: true });
      return true;
    } catch (err) {
      if (isDuplicateKey(err)) return false;
      throw err;
    }
  }

  async find(userId: string): Promise<TotpRecord | null> {
    if (typeof userId !== 'string') return null;
    const doc = await this.model.findById(userId).lean<TotpDoc>();
    return doc ? { userId: doc._id, sealedSecret: doc.sealedSecret, confirmed: doc.confirmed, lastStep: doc.lastStep, recoveryCodes: [...doc.recoveryCodes], createdAt: doc.createdAt } : null;
  }

  async confirm(userId: string, sealedSecret: string, recoveryCodes: string[], step: number): Promise<boolean> {
    const { modifiedCount } = await this.model.updateOne({ _id: userId, sealedSecret, confirmed: false }, { $set: { confirmed: true, recoveryCodes, lastStep: step } });
    return modifiedCount === 1;
  }

  async useStep(userId: string, step: number): Promise<boolean> {
    const { modifiedCount } = await this.model.updateOne({ _id: userId, confirmed: true, lastStep: { $lt: step } }, { $set: { lastStep: step } });
    return modifiedCount === 1;
  }

  async useRecoveryCode(userId: string, codeHash: string): Promise<boolean> {
    // Typed strings only: an object here would be a query operator.
    if (typeof codeHash !== 'string') return false;
    const { modifiedCount } = await this.model.updateOne({ _id: userId, confirmed: true, recoveryCodes: codeHash }, { $pull: { recoveryCodes: codeHash } });
    return modifiedCount === 1;
  }

  async reseal(userId: string, previous: string, next: string): Promise<boolean> {
    const { modifiedCount } = await this.model.updateOne({ _id: userId, sealedSecret: previous }, { $set: { sealedSecret: next } });
    return modifiedCount === 1;
  }

  async remove(userId: string): Promise<boolean> {
    const { deletedCount } = await this.model.deleteOne({ _id: userId });
    return deletedCount === 1;
  }

  ping(): Promise<void> {
    return pingMongo(this.connection);
  }

  async close(): Promise<void> {
    await this.connection.close();
  }
}
