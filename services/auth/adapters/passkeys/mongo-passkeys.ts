import mongoose, { Schema, type Connection, type Model } from 'mongoose';
import { passkeyErrors } from '../../domain/passkeys/passkey-errors.js';
import type { PasskeyRecord, PasskeyStore, PasskeyUse } from '../../domain/passkeys/passkey-store.js';
import { pingMongo } from '../mongo/ping-mongo.js';

/** The credential id is the document's `_id`: unique by construction. */
type PasskeyDoc = Omit<PasskeyRecord, 'id'> & { _id: string };

const DUPLICATE_KEY = 11000;

const passkeySchema = new Schema<PasskeyDoc>(
  {
    _id: { type: String, required: true },
    userId: { type: String, required: true },
    name: { type: String, required: true },
    publicKey: { type: String, required: true },
    counter: { type: Number, required: true },
    transports: { type: [String], default: [] },
    deviceType: { type: String, required: true },
    backedUp: { type: Boolean, required: true },
    userVerified: { type: Boolean, required: true },
    createdAt: { type: Date, required: true },
    lastUsedAt: { type: Date, default: null },
  },
  { collection: 'passkeys', versionKey: false, autoIndex: false },
);
passkeySchema.index({ userId: 1, createdAt: 1 });

const toRecord = (doc: PasskeyDoc): PasskeyRecord => ({
  id: doc._id,
  userId: doc.userId,
  name: doc.name,
  publicKey: doc.publicKey,
  counter: doc.counter,
  transports: [...(doc.transports ?? [])],
  deviceType: doc.deviceType,
  backedUp: doc.backedUp,
  userVerified: doc.userVerified,
  createdAt: doc.createdAt,
  lastUsedAt: doc.lastUsedAt ?? null,
});

/** Connects on a connection of its own and builds the user index before resolving. */
export async function connectMongoPasskeyStore(uri: string, options: { dbName?: string } = {}): Promise<MongoPasskeyStore> {
  const connection = await mongoose.createConnection(uri, { serverSelectionTimeoutMS: 5_000, ...(options.dbName ? { dbName: options.dbName } : {}) }).asPromise();
  try {
    const model = connection.model<PasskeyDoc>('Passkey', passkeySchema);
    await model.init();
    await model.createIndexes();
    return new MongoPasskeyStore(connection, model);
  } catch (err) {
    await connection.close();
    throw err;
  }
}

/** Passkeys in MongoDB; the counter rule is one conditional `updateOne`, atomic on the server. */
export class MongoPasskeyStore implements PasskeyStore {
  constructor(
    private readonly connection: Connection,
    private readonly model: Model<PasskeyDoc>,
  ) {}

  async add(record: PasskeyRecord): Promise<void> {
    const { id, ...rest } = record;
    try {
      await this.model.create({ ...rest, _id: id });
    } catch (err) {
      if ((err as { code?: unknown }).code === DUPLICATE_KEY) throw passkeyErrors.alreadyRegistered();
      throw err;
    }
  }

  async findById(id: string): Promise<PasskeyRecord | null> {
    // Typed strings only: an object here would be a query operator.
    if (typeof id !== 'string') return null;
    const doc = await this.model.findById(id).lean<PasskeyDoc>();
    return doc ? toRecord(doc) : null;
  }

  async listByUser(userId: string): Promise<PasskeyRecord[]> {
    if (typeof userId !== 'string') return [];
    const docs = await this.model.find({ userId }).sort({ createdAt: 1 }).lean<PasskeyDoc[]>();
    return docs.map(toRecord);
  }

  async recordUse(id: string, use: PasskeyUse): Promise<boolean> {
    if (typeof id !== 'string') return false;
    // counterMovesForward (passkey-store.ts) as a filter: 0 only over 0, else strictly less than reported.
    const counter = use.counter === 0 ? 0 : { $lt: use.counter };
    const result = await this.model.updateOne({ _id: id, counter }, { $set: { counter: use.counter, lastUsedAt: use.usedAt, backedUp: use.backedUp } });
    return result.matchedCount === 1;
  }

  async remove(userId: string, id: string): Promise<boolean> {
    if (typeof id !== 'string' || typeof userId !== 'string') return false;
    return (await this.model.deleteOne({ _id: id, userId })).deletedCount === 1;
  }

  async removeAllOf(userId: string): Promise<number> {
    if (typeof userId !== 'string') return 0;
    return (await this.model.deleteMany({ userId })).deletedCount;
  }

  ping(): Promise<void> {
    return pingMongo(this.connection);
  }

  async close(): Promise<void> {
    await this.connection.close();
  }
}
