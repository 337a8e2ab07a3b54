import mongoose from 'mongoose';
import { authErrors } from '../../domain/errors.js';
import { type EmailState, type NewUser, type UserRecord, type UserStore, newUserDocument } from '../../domain/users/user-store.js';
import type { UserPageQuery } from '../../domain/users/user-page.js';
import { pingMongo } from './ping-mongo.js';

/** The user as MongoDB keeps it; the document's ObjectId (as hex) is the user id. */
interface UserDoc {
  username: string;
  email?: string;
  passwordHash: string;
  roles: string[];
  createdAt: Date;
  /**
   * Absent from documents written before accounts could be locked. Lean reads skip schema
   * defaults, so `toRecord` maps absent to null (unlocked) itself.
   */
  lockedAt?: Date | null;
  /** Absent from documents written before verification existed: read as false. */
  emailVerified?: boolean;
  pendingEmail?: string;
}

const DUPLICATE_KEY = 11000;
const OBJECT_ID_HEX = /^[0-9a-f]{24}$/i;

const userSchema = new mongoose.Schema<UserDoc>(
  {
    username: { type: String, required: true },
    email: { type: String, required: false },
    passwordHash: { type: String, required: true },
    roles: { type: [String], default: [] },
    createdAt: { type: Date, required: true },
    lockedAt: { type: Date, default: null },
    emailVerified: { type: Boolean, default: false },
    pendingEmail: { type: String, required: false },
  },
  { collection: 'users', versionKey: false, strict: 'throw' },
);
// The database, not a check-then-insert, decides which of two concurrent registrations wins.
userSchema.index({ username: 1 }, { unique: true });
// Password reset looks accounts up by address (not unique: accounts may share one), and the admin
// search pages through addresses in (email, _id) order: one compound index serves both.
userSchema.index({ email: 1, _id: 1 });
// "Is this the last admin?" before a delete or a role change (multikey: one entry per role).
userSchema.index({ roles: 1 });

/**
 * Connects with a connection of its own (so it never shares mongoose's global state with other
 * code), builds the unique index before answering, and returns the store. Rejects when the
 * server cannot be selected, so a bad MONGODB_URI stops the process at start.
 */
export async function connectMongoUserStore(uri: string): Promise<MongoUserStore> {
  const connection = mongoose.createConnection(uri, { serverSelectionTimeoutMS: 5_000 });
  try {
    await connection.asPromise();
    const users = connection.model<UserDoc>('User', userSchema);
    await users.init();
    // init() builds indexes only when autoIndex is on; this makes the unique index certain.
    await users.createIndexes();
    return new MongoUserStore(connection, users);
  } catch (error) {
    await connection.close().catch(() => {});
    throw error;
  }
}

/** Users in MongoDB through mongoose; queries are lean, so plain objects come back. */
export class MongoUserStore implements UserStore {
  constructor(
    private readonly connection: mongoose.Connection,
    private readonly users: mongoose.Model<UserDoc>,
  ) {}

  async create(user: NewUser): Promise<UserRecord> {
    const doc: UserDoc = newUserDocument(user);
    try {
      const created = await this.users.create(doc);
      return toRecord({ ...doc, _id: created._id });
    } catch (error) {
      if (isDuplicateKey(error)) throw authErrors.usernameTaken();
      throw error;
    }
  }

  async findByUsername(username: string): Promise<UserRecord | null> {
    if (typeof username !== 'string') return null;
    const doc = await this.users.findOne({ username }).lean<UserDoc & { _id: mongoose.Types.ObjectId }>();
    return doc ? toRecord(doc) : null;
  }

  async findById(id: string): Promise<UserRecord | null> {
    // Anything but 24 hex digits cannot be one of our ids; casting it would throw a CastError.
    if (!isObjectIdHex(id)) return null;
    const doc = await this.users.findById(id).lean<UserDoc & { _id: mongoose.Types.ObjectId }>();
    return doc ? toRecord(doc) : null;
  }

  async setLocked(id: string, locked: boolean): Promise<boolean> {
    if (!isObjectIdHex(id)) return false;
    if (!locked) {
      const { matchedCount } = await this.users.updateOne({ _id: id }, { $set: { lockedAt: null } });
      return matchedCount > 0;
    }
    // `lockedAt: null` also matches documents without the field (written before locks existed);
    // one update stamps only an unlocked account, so locking twice keeps the first time.
    const { matchedCount } = await this.users.updateOne({ _id: id, lockedAt: null }, { $set: { lockedAt: new Date() } });
    return matchedCount > 0 || (await this.users.exists({ _id: id })) !== null;
  }

  async setRoles(id: string, roles: string[]): Promise<UserRecord | null> {
    if (!isObjectIdHex(id)) return null;
    await this.users.updateOne({ _id: id }, { $set: { roles: [...roles] } });
    return this.findById(id);
  }

  async findByEmail(email: string): Promise<UserRecord[]> {
    // A string only: an object here would be a query operator.
    if (typeof email !== 'string') return [];
    const docs = await this.users.find({ email }).lean<Array<UserDoc & { _id: mongoose.Types.ObjectId }>>();
    return docs.map(toRecord);
  }

  async setEmailState(id: string, state: EmailState): Promise<boolean> {
    if (!isObjectIdHex(id)) return false;
    // One update sets and removes together, so a reader never sees the new address half-written.
    const set: Partial<UserDoc> = { emailVerified: state.emailVerified };
    const unset: Record<string, 1> = {};
    for (const field of ['email', 'pendingEmail'] as const) {
      if (state[field] === undefined) unset[field] = 1;
      else set[field] = state[field];
    }
    const { matchedCount } = await this.users.updateOne({ _id: id }, { $set: set, ...(Object.keys(unset).length > 0 ? { $unset: unset } : {}) });
    return matchedCount > 0;
  }

  async setPasswordHash(id: string, passwordHash: string): Promise<boolean> {
    if (!isObjectIdHex(id) || typeof passwordHash !== 'string') return false;
    const { matchedCount } = await this.users.updateOne({ _id: id }, { $set: { passwordHash } });
    return matchedCount > 0;
  }

  async delete(id: string): Promise<boolean> {
    if (!isObjectIdHex(id)) return false;
    const { deletedCount } = await this.users.deleteOne({ _id: id });
    return deletedCount > 0;
  }

  async findWithRole(role: string, limit: number): Promise<UserRecord[]> {
    if (typeof role !== 'string') return [];
    const docs = await this.users.find({ roles: role }).limit(limit).lean<Array<UserDoc & { _id: mongoose.Types.ObjectId }>>();
    return docs.map(toRecord);
  }

  async listPage(query: UserPageQuery): Promise<UserRecord[]> {
    // An anchored, case-sensitive regex is a range scan of the index (`^` + literal prefix).
    const prefix = { $regex: `^${escapeRegex(query.prefix)}` };
    let filter: Record<string, unknown>;
    let sort: Record<string, 1>;
    if (query.by === 'username') {
      filter = { username: query.after === undefined ? prefix : { ...prefix, $gt: query.after } };
      sort = { username: 1 };
    } else {
      const { after } = query;
      // An id none of ours could be (a cursor from another store) only bounds the address.
      const sameAddress = after !== undefined && isObjectIdHex(after.id) ? [{ email: after.email, _id: { $gt: new mongoose.Types.ObjectId(after.id) } }] : [];
      const afterFilter = after === undefined ? {} : { $or: [{ email: { $gt: after.email } }, ...sameAddress] };
      filter = { email: prefix, ...afterFilter };
      sort = { email: 1, _id: 1 };
    }
    const docs = await this.users.find(filter).sort(sort).limit(query.limit).lean<Array<UserDoc & { _id: mongoose.Types.ObjectId }>>();
    return docs.map(toRecord);
  }

  ping(): Promise<void> {
    return pingMongo(this.connection);
  }

  async close(): Promise<void> {
    await this.connection.close();
  }
}

function isObjectIdHex(id: unknown): id is string {
  return typeof id === 'string' && OBJECT_ID_HEX.test(id);
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function isDuplicateKey(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === DUPLICATE_KEY;
}

function toRecord(doc: UserDoc & { _id: mongoose.Types.ObjectId }): UserRecord {
  const record: UserRecord = {
    id: doc._id.toHexString(),
    username: doc.username,
    passwordHash: doc.passwordHash,
    roles: [...doc.roles],
    createdAt: new Date(doc.createdAt),
    lockedAt: doc.lockedAt ? new Date(doc.lockedAt) : null,
    emailVerified: doc.emailVerified === true,
  };
  if (doc.email !== undefined && doc.email !== null) record.email = doc.email;
  if (doc.pendingEmail !== undefined && doc.pendingEmail !== null) record.pendingEmail = doc.pendingEmail;
  return record;
}
