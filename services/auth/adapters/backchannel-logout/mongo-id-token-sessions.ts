import mongoose, { Schema, type Connection, type Model } from 'mongoose';
import type { IdTokenSessions, SessionParticipant } from '../../domain/backchannel-logout/id-token-sessions.js';
import { pingMongo } from '../mongo/ping-mongo.js';

interface ParticipantDoc {
  /** `${sid} ${clientId}`: one document per app and session. */
  _id: string;
  sid: string;
  clientId: string;
  sub: string;
  /** A TTL index removes the document once it is past (MongoDB sweeps about once a minute). */
  expiresAt: Date;
}

const participantSchema = new Schema<ParticipantDoc>(
  {
    _id: { type: String, required: true },
    sid: { type: String, required: true },
    clientId: { type: String, required: true },
    sub: { type: String, required: true },
    expiresAt: { type: Date, required: true },
  },
  { collection: 'id_token_sessions', versionKey: false, autoIndex: false },
);
participantSchema.index({ sid: 1 });
participantSchema.index({ expiresAt: 1 }, { expireAfterSeconds: 0 });

/** Connects on a connection of its own and builds the indexes before resolving. */
export async function connectMongoIdTokenSessions(uri: string, options: { dbName?: string } = {}): Promise<MongoIdTokenSessions> {
  const connection = await mongoose.createConnection(uri, { serverSelectionTimeoutMS: 5_000, ...(options.dbName ? { dbName: options.dbName } : {}) }).asPromise();
  try {
    const model = connection.model<ParticipantDoc>('IdTokenSession', participantSchema);
    await model.init();
    await model.createIndexes();
    return new MongoIdTokenSessions(connection, model);
  } catch (err) {
    await connection.close();
    throw err;
  }
}

/** Participants in MongoDB, shared by every auth replica; each write is one atomic update. */
export class MongoIdTokenSessions implements IdTokenSessions {
  constructor(
    private readonly connection: Connection,
    private readonly model: Model<ParticipantDoc>,
  ) {}

  async record(sid: string, { clientId, sub }: SessionParticipant, expiresAt: number): Promise<void> {
    // $max: recording the app again never moves its expiry earlier.
    await this.model.updateOne({ _id: `${sid} ${clientId}` }, { $set: { sid, clientId, sub }, $max: { expiresAt: new Date(expiresAt) } }, { upsert: true });
  }

  async participants(sid: string, now: number): Promise<SessionParticipant[]> {
    const docs = await this.model.find({ sid, expiresAt: { $gt: new Date(now) } }).lean<ParticipantDoc[]>();
    return docs.map((doc) => ({ clientId: doc.clientId, sub: doc.sub }));
  }

  async extend(sid: string, expiresAt: number): Promise<void> {
    await this.model.updateMany({ sid }, { $max: { expiresAt: new Date(expiresAt) } });
  }

  async forget(sid: string): Promise<void> {
    await this.model.deleteMany({ sid });
  }

  ping(): Promise<void> {
    return pingMongo(this.connection);
  }

  async close(): Promise<void> {
    await this.connection.close();
  }
}
