import { randomUUID } from 'node:crypto';
import mongoose, { Schema, type Connection, type Model } from 'mongoose';
import { federationErrors } from '../../domain/federation/federation-errors.js';
import type { LinkedIdentity, LinkedIdentityStore, NewLinkedIdentity } from '../../domain/federation/linked-identities.js';
import { pingMongo } from './ping-mongo.js';

const DUPLICATE_KEY = 11000;

const linkSchema = new Schema<LinkedIdentity>(
  {
    id: { type: String, required: true },
    userId: { type: String, required: true },
    providerId: { type: String, required: true },
    issuer: { type: String, required: true },
    subject: { type: String, required: true },
    label: { type: String },
    linkedAt: { type: Date, required: true },
  },
  // Indexes are built by connectMongoLinkedIdentityStore itself, so a failure stops the start.
  { collection: 'linked_identities', versionKey: false, autoIndex: false },
);
// The index is what makes two concurrent first sign-ins of one identity give one link.
linkSchema.index({ issuer: 1, subject: 1 }, { unique: true });
linkSchema.index({ userId: 1 });
linkSchema.index({ id: 1 }, { unique: true });

/** Connects on a connection of its own and builds the indexes before resolving. */
export async function connectMongoLinkedIdentityStore(uri: string, options: { dbName?: string } = {}): Promise<LinkedIdentityStore> {
  const connection = await mongoose.createConnection(uri, options.dbName ? { dbName: options.dbName } : {}).asPromise();
  try {
    const model = connection.model<LinkedIdentity>('LinkedIdentity', linkSchema);
    await model.init();
    await model.createIndexes();
    return new MongoLinkedIdentityStore(connection, model);
  } catch (err) {
    await connection.close();
    throw err;
  }
}

class MongoLinkedIdentityStore implements LinkedIdentityStore {
  constructor(
    private readonly connection: Connection,
    private readonly model: Model<LinkedIdentity>,
  ) {}

  async link(identity: NewLinkedIdentity): Promise<LinkedIdentity> {
    try {
      const doc = await this.model.create({ ...identity, id: randomUUID(), linkedAt: new Date() });
      return toRecord(doc.toObject());
    } catch (err) {
      if ((err as { code?: unknown }).code === DUPLICATE_KEY) throw federationErrors.identityTaken();
      throw err;
    }
  }

  async find(issuer: string, subject: string): Promise<LinkedIdentity | null> {
    const doc = await this.model.findOne({ issuer, subject }).lean();
    return doc ? toRecord(doc) : null;
  }

  async listForUser(userId: string): Promise<LinkedIdentity[]> {
    const docs = await this.model.find({ userId }).sort({ linkedAt: 1, _id: 1 }).lean();
    return docs.map(toRecord);
  }

  async unlink(userId: string, id: string): Promise<boolean> {
    return (await this.model.deleteOne({ userId, id })).deletedCount > 0;
  }

  async unlinkAll(userId: string): Promise<number> {
    return (await this.model.deleteMany({ userId })).deletedCount;
  }

  ping(): Promise<void> {
    return pingMongo(this.connection);
  }

  async close(): Promise<void> {
    await this.connection.close();
  }
}

function toRecord(doc: LinkedIdentity): LinkedIdentity {
  const record: LinkedIdentity = { id: doc.id, userId: doc.userId, providerId: doc.providerId, issuer: doc.issuer, subject: doc.subject, linkedAt: new Date(doc.linkedAt) };
  if (typeof doc.label === 'string') record.label = doc.label;
  return record;
}
