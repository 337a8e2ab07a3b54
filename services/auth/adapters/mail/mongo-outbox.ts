import mongoose, { Schema, type Connection, type Model } from 'mongoose';
import type { DeadMail, Mail, OutboxPayload, QueuedMail } from '../../domain/mail/mail.js';
import { DEAD_LETTER_RETENTION_MS, type Outbox } from '../../domain/mail/outbox.js';
import { newLease, newMailId } from './outbox-record.js';
import { pingMongo } from '../mongo/ping-mongo.js';

interface OutboxDoc {
  _id: string;
  /** The queue's payload, as given (a Mail for the mail queue). */
  mail: OutboxPayload;
  state: 'queued' | 'dead';
  /** Due time; a claim moves it to the lease's end. */
  dueAt: Date;
  attempts: number;
  lease: string;
  createdAt: Date;
  lastError?: string;
  /** Set when given up; a TTL index removes the dead letter DEAD_LETTER_RETENTION_MS later. */
  failedAt?: Date;
}

/** The mail queue's collection; another queue (back-channel logout) names its own. */
const MAIL_QUEUE = { collection: 'mail_outbox', model: 'MailOutbox' };

/** The payload's fields are the queue's business (a mail, a logout delivery): stored as given, as one subdocument. */
function outboxSchema(collection: string): Schema<OutboxDoc> {
  const schema = new Schema<OutboxDoc>(
  {
    _id: { type: String, required: true },
    mail: { type: Schema.Types.Mixed, required: true },
    state: { type: String, required: true, enum: ['queued', 'dead'] },
    dueAt: { type: Date, required: true },
    attempts: { type: Number, required: true },
    lease: { type: String, default: '' },
    createdAt: { type: Date, required: true },
    lastError: { type: String },
    failedAt: { type: Date },
  },
  // Indexes are built by connectMongoOutbox itself, so a failure stops the start.
  { collection, versionKey: false, autoIndex: false },
  );
  // What a claim scans: queued mails by due time.
  schema.index({ state: 1, dueAt: 1 });
  schema.index({ failedAt: 1 }, { expireAfterSeconds: DEAD_LETTER_RETENTION_MS / 1000, partialFilterExpression: { state: 'dead' } });
  return schema;
}

/**
 * Connects on a connection of its own (closing the outbox closes nothing else) and builds the
 * indexes before resolving. `enqueue` waits for the write concern of the URI (`w=majority` in a
 * replica set makes a mail survive a failover).
 */
export async function connectMongoOutbox<P extends OutboxPayload = Mail>(
  uri: string,
  options: { dbName?: string; queue?: { collection: string; model: string } } = {},
): Promise<Outbox<P>> {
  const connection = await mongoose.createConnection(uri, options.dbName ? { dbName: options.dbName } : {}).asPromise();
  try {
    const queue = options.queue ?? MAIL_QUEUE;
    const model = connection.model<OutboxDoc>(queue.model, outboxSchema(queue.collection));
    await model.init();
    await model.createIndexes();
    return new MongoOutbox<P>(connection, model);
  } catch (err) {
    await connection.close();
    throw err;
  }
}

/**
 * The outbox in MongoDB, shared by every auth replica. Each claim is one `findOneAndUpdate` that
 * takes a mail only while it is due and moves its due time to the lease's end, so two replicas
 * never hold one mail at once.
 */
class MongoOutbox<P extends OutboxPayload> implements Outbox<P> {
  constructor(
    private readonly connection: Connection,
    private readonly model: Model<OutboxDoc>,
  ) {}

  async enqueue(mail: P, now: number): Promise<string> {
    const id = newMailId(now);
    await this.model.create({ _id: id, mail: { ...mail }, state: 'queued', dueAt: new Date(now), attempts: 0, lease: '', createdAt: new Date(now) });
    return id;
  }

  async claim(now: number, leaseMs: number, limit: number): Promise<Array<QueuedMail<P>>> {
    const claimed: Array<QueuedMail<P>> = [];
    while (claimed.length < limit) {
      const lease = newLease();
      const doc = await this.model
        .findOneAndUpdate({ state: 'queued', dueAt: { $lte: new Date(now) } }, { $set: { dueAt: new Date(now + leaseMs), lease } }, { sort: { dueAt: 1 }, returnDocument: 'after' })
        .lean<OutboxDoc>();
      if (!doc) break;
      claimed.push({ id: doc._id, mail: { ...doc.mail } as P, attempts: doc.attempts, createdAt: doc.createdAt.getTime(), lease });
    }
    return claimed;
  }

  async markSent(id: string): Promise<void> {
    await this.model.deleteOne({ _id: id, state: 'queued' });
  }

  async reschedule(id: string, lease: string, dueAt: number, attempts: number): Promise<boolean> {
    return this.update(id, lease, { dueAt: new Date(dueAt), attempts, lease: '' });
  }

  async release(id: string, lease: string, now: number): Promise<boolean> {
    return this.update(id, lease, { dueAt: new Date(now), lease: '' });
  }

  async giveUp(id: string, lease: string, attempts: number, lastError: string, now: number): Promise<boolean> {
    return this.update(id, lease, { state: 'dead', attempts, lastError, failedAt: new Date(now), lease: '' });
  }

  async deadLetters(limit: number): Promise<Array<DeadMail<P>>> {
    const docs = await this.model.find({ state: 'dead' }).sort({ failedAt: -1 }).limit(limit).lean<OutboxDoc[]>();
    return docs.map((doc) => ({
      id: doc._id,
      to: doc.mail.to,
      purpose: doc.mail.purpose,
      attempts: doc.attempts,
      lastError: doc.lastError ?? '',
      failedAt: doc.failedAt?.getTime() ?? 0,
    }));
  }

  async counts(): Promise<{ queued: number; dead: number }> {
    const [queued, dead] = await Promise.all([this.model.countDocuments({ state: 'queued' }), this.model.countDocuments({ state: 'dead' })]);
    return { queued, dead };
  }

  ping(): Promise<void> {
    return pingMongo(this.connection);
  }

  async close(): Promise<void> {
    await this.connection.close();
  }

  /** Applies `set` when `lease` is still the queued mail's; false otherwise. */
  private async update(id: string, lease: string, set: Partial<OutboxDoc>): Promise<boolean> {
    if (lease === '') return false;
    const result = await this.model.updateOne({ _id: id, state: 'queued', lease }, { $set: set });
    return result.modifiedCount === 1;
  }
}
