import { clientConfigOf, clientRecordOf } from '../../domain/clients/client-config.js';
import mongoose, { Schema, type Connection, type Model } from 'mongoose';
import { authErrors } from '../../domain/errors.js';
import { OPTIONAL_CLIENT_FIELDS, type ClientConfig, type ClientRecord, type ClientStore, type Clock, type UpsertClientResult } from '../../domain/clients/client-store.js';
import { pingMongo } from './ping-mongo.js';

/** The stored shape; `disabledAt` may be missing in documents written by other tools. */
type ClientDoc = Omit<ClientRecord, 'disabledAt'> & { disabledAt?: Date | null };

const DUPLICATE_KEY = 11000;
/** Upsert retries when concurrent upserts of a new id collide on the unique index. */
const UPSERT_ATTEMPTS = 5;

const clientSchema = new Schema<ClientDoc>(
  {
    clientId: { type: String, required: true },
    secretHash: { type: String },
    // A JWKS is free-form JSON (members vary by key type); the domain validated it.
    jwks: { type: Schema.Types.Mixed },
    tokenEndpointAuthMethods: { type: [String], required: true },
    scopes: { type: [String], required: true },
    audiences: { type: [String], required: true },
    grantTypes: { type: [String], required: true },
    clientName: { type: String },
    // `default: undefined` so a client without them stores nothing rather than [].
    redirectUris: { type: [String], default: undefined },
    postLogoutRedirectUris: { type: [String], default: undefined },
    backchannelLogoutUri: { type: String },
    backchannelLogoutSessionRequired: { type: Boolean },
    firstParty: { type: Boolean },
    dpopBoundAccessTokens: { type: Boolean },
    tokenExchange: { type: new Schema({ audiences: [String], scopes: [String] }, { _id: false }), default: undefined },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
    disabledAt: { type: Date, default: null },
  },
  // Indexes are built by connectMongoClientStore itself, so a failure stops the start.
  { collection: 'clients', versionKey: false, autoIndex: false },
);
clientSchema.index({ clientId: 1 }, { unique: true });

export interface MongoClientStoreOptions {
  /** Database name; overrides the one in the URI (tests use one database each). */
  dbName?: string;
  now?: Clock;
}

/**
 * Connects to MongoDB on a connection of its own (so closing the store closes nothing else) and
 * builds the unique index on `clientId` before resolving, because that index is what makes
 * concurrent creates of one id give one client.
 */
export async function connectMongoClientStore(uri: string, options: MongoClientStoreOptions = {}): Promise<ClientStore> {
  const connection = await mongoose
    .createConnection(uri, options.dbName ? { dbName: options.dbName } : {})
    .asPromise();
  try {
    const model = connection.model<ClientDoc>('Client', clientSchema);
    await model.init();
    await model.createIndexes();
    return new MongoClientStore(connection, model, options.now ?? (() => new Date()));
  } catch (err) {
    await connection.close();
    throw err;
  }
}

class MongoClientStore implements ClientStore {
  constructor(
    private readonly connection: Connection,
    private readonly model: Model<ClientDoc>,
    private readonly now: Clock,
  ) {}

  async create(client: ClientConfig): Promise<ClientRecord> {
    const now = this.now();
    try {
      const doc = await this.model.create({ ...clientConfigOf(client), createdAt: now, updatedAt: now, disabledAt: null });
      return toRecord(doc.toObject());
    } catch (err) {
      if (isDuplicateKey(err)) throw authErrors.clientExists();
      throw err;
    }
  }

  async upsert(client: ClientConfig): Promise<UpsertClientResult> {
    const config = clientConfigOf(client);
    const unset: Record<string, 1> = {};
    for (const field of OPTIONAL_CLIENT_FIELDS) if (config[field] === undefined) unset[field] = 1;
    for (let attempt = 1; ; attempt += 1) {
      const now = this.now();
      try {
        const result = await this.model.findOneAndUpdate(
          { clientId: client.clientId },
          {
            $set: { ...config, updatedAt: now },
            ...(Object.keys(unset).length > 0 ? { $unset: unset } : {}),
            $setOnInsert: { createdAt: now, disabledAt: null },
          },
          { upsert: true, returnDocument: 'after', includeResultMetadata: true, lean: true, setDefaultsOnInsert: false },
        );
        if (!result.value) throw new Error(`upsert of client ${client.clientId} returned no document`);
        return { client: toRecord(result.value), created: result.lastErrorObject?.updatedExisting === false };
      } catch (err) {
        // Two upserts of a new id can both try the insert; the loser finds the winner's document next time.
        if (!isDuplicateKey(err) || attempt >= UPSERT_ATTEMPTS) throw err;
      }
    }
  }

  async findById(clientId: string): Promise<ClientRecord | null> {
    if (typeof clientId !== 'string') return null;
    const doc = await this.model.findOne({ clientId }).lean<ClientDoc>();
    return doc ? toRecord(doc) : null;
  }

  async list(): Promise<ClientRecord[]> {
    const docs = await this.model.find().sort({ clientId: 1 }).lean<ClientDoc[]>();
    return docs.map(toRecord);
  }

  async disable(clientId: string): Promise<boolean> {
    if (typeof clientId !== 'string') return false;
    const now = this.now();
    // `disabledAt: null` also matches a missing field, so only enabled clients change.
    const result = await this.model.updateOne({ clientId, disabledAt: null }, { $set: { disabledAt: now, updatedAt: now } });
    if (result.matchedCount > 0) return true;
    return (await this.model.exists({ clientId })) !== null;
  }

  async delete(clientId: string): Promise<boolean> {
    if (typeof clientId !== 'string') return false;
    const result = await this.model.deleteOne({ clientId });
    return result.deletedCount > 0;
  }

  ping(): Promise<void> {
    return pingMongo(this.connection);
  }

  async close(): Promise<void> {
    await this.connection.close();
  }
}

function isDuplicateKey(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === DUPLICATE_KEY;
}

function toRecord(doc: ClientDoc): ClientRecord {
  return clientRecordOf(doc);
}
