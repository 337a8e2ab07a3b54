import { authErrors } from '../../domain/errors.js';
import { type EmailState, type NewUser, type UserRecord, type UserStore, newUserDocument } from '../../domain/users/user-store.js';
import type { UserPageQuery } from '../../domain/users/user-page.js';
import { UserOrderIndex } from '../indexes/user-order-index.js';
import { type PrivateNedb, isUniqueViolation, openPrivateNedb } from './private-nedb.js';

/**
 * The user as NeDB keeps it; NeDB's own `_id` is the user id. `lockedAt` is absent from records
 * written before accounts could be locked (absent reads as unlocked), `emailVerified` from records
 * written before verification (absent reads as false).
 */
type UserDoc = Omit<UserRecord, 'id' | 'lockedAt' | 'emailVerified'> & { lockedAt?: Date | null; emailVerified?: boolean };

/**
 * Opens (creating if needed) the user store in `${dataDir}/users.db`: the default when no MongoDB
 * is configured. Password hashes live in the file, so it is private to the service's OS user.
 */
export async function openEmbeddedUserStore(dataDir: string): Promise<EmbeddedUserStore> {
  const file = await openPrivateNedb<UserDoc>(dataDir, 'users.db', 'username');
  const docs = (await file.db.findAsync({}, { username: 1, email: 1 })) as Array<UserDoc & { _id: string }>;
  return new EmbeddedUserStore(file, new UserOrderIndex(docs.map((doc) => ({ id: doc._id, username: doc.username, ...(doc.email === undefined ? {} : { email: doc.email }) }))));
}

/**
 * Users in a NeDB file; the unique index on `username` decides who wins a concurrent create. List
 * pages come from `order`, an in-process sorted index this store keeps beside NeDB's (NeDB holds
 * every document in memory anyway, and one process owns the file): a NeDB range query would sort
 * all its candidates on every page.
 */
export class EmbeddedUserStore implements UserStore {
  private readonly db;

  constructor(
    private readonly file: PrivateNedb<UserDoc>,
    private readonly order: UserOrderIndex,
  ) {
    this.db = file.db;
  }

  async create(user: NewUser): Promise<UserRecord> {
    const doc: UserDoc = newUserDocument(user);
    try {
      const created = toRecord(await this.db.insertAsync(doc));
      this.order.added(created);
      return created;
    } catch (error) {
      if (isUniqueViolation(error)) throw authErrors.usernameTaken();
      throw error;
    }
  }

  async findByUsername(username: string): Promise<UserRecord | null> {
    if (typeof username !== 'string') return null;
    const doc = await this.db.findOneAsync({ username });
    return doc ? toRecord(doc) : null;
  }

  async findById(id: string): Promise<UserRecord | null> {
    if (typeof id !== 'string') return null;
    const doc = await this.db.findOneAsync({ _id: id });
    return doc ? toRecord(doc) : null;
  }

  async setLocked(id: string, locked: boolean): Promise<boolean> {
    if (typeof id !== 'string') return false;
    if (!locked) {
      const { numAffected } = await this.db.updateAsync({ _id: id }, { $set: { lockedAt: null } });
      return numAffected > 0;
    }
    // One update stamps only an unlocked record (null, or no field: written before locks existed),
    // so locking twice keeps the first time.
    const unlocked = { _id: id, $or: [{ lockedAt: null }, { lockedAt: { $exists: false } }] };
    const { numAffected } = await this.db.updateAsync(unlocked, { $set: { lockedAt: new Date() } });
    return numAffected > 0 || (await this.db.countAsync({ _id: id })) > 0;
  }

  async setRoles(id: string, roles: string[]): Promise<UserRecord | null> {
    if (typeof id !== 'string') return null;
    await this.db.updateAsync({ _id: id }, { $set: { roles: [...roles] } });
    return this.findById(id);
  }

  async findByEmail(email: string): Promise<UserRecord[]> {
    if (typeof email !== 'string') return [];
    return (await this.db.findAsync({ email })).map(toRecord);
  }

  async setEmailState(id: string, state: EmailState): Promise<boolean> {
    if (typeof id !== 'string') return false;
    const set: Record<string, unknown> = { emailVerified: state.emailVerified };
    const unset: Record<string, true> = {};
    for (const field of ['email', 'pendingEmail'] as const) {
      if (state[field] === undefined) unset[field] = true;
      else set[field] = state[field];
    }
    const { numAffected } = await this.db.updateAsync({ _id: id }, { $set: set, $unset: unset });
    // From what is stored now, not from `state`: two racing changes leave the index as the file.
    if (numAffected > 0) this.order.syncEmail(id, (await this.db.findOneAsync({ _id: id }))?.email);
    return numAffected > 0;
  }

  async setPasswordHash(id: string, passwordHash: string): Promise<boolean> {
    if (typeof id !== 'string') return false;
    const { numAffected } = await this.db.updateAsync({ _id: id }, { $set: { passwordHash } });
    return numAffected > 0;
  }

  async delete(id: string): Promise<boolean> {
    if (typeof id !== 'string') return false;
    const doc = await this.db.findOneAsync({ _id: id });
    if (!doc || (await this.db.removeAsync({ _id: id }, {})) === 0) return false;
    // A registration of the freed name may have landed since the remove: its key stays.
    const nameTakenAgain = (await this.db.countAsync({ username: doc.username })) > 0;
    this.order.removed({ id, username: doc.username }, { keepUsername: nameTakenAgain });
    return true;
  }

  async findWithRole(role: string, limit: number): Promise<UserRecord[]> {
    if (typeof role !== 'string') return [];
    // NeDB matches a value against an array field by membership; a scan of the in-memory documents.
    return (await this.db.findAsync({ roles: role }).limit(limit)).map(toRecord);
  }

  async listPage(query: UserPageQuery): Promise<UserRecord[]> {
    // Each hit is one lookup on an index NeDB keeps (username, _id).
    const docs = await Promise.all(this.order.page(query).map((hit) => this.db.findOneAsync('id' in hit ? { _id: hit.id } : { username: hit.username })));
    return docs.flatMap((doc) => (doc ? [toRecord(doc)] : []));
  }

  ping(): Promise<void> {
    return this.file.ping();
  }

  close(): Promise<void> {
    return this.file.close();
  }
}

function toRecord(doc: UserDoc & { _id?: string }): UserRecord {
  const record: UserRecord = {
    id: String(doc._id),
    username: doc.username,
    passwordHash: doc.passwordHash,
    roles: doc.roles,
    createdAt: doc.createdAt,
    lockedAt: doc.lockedAt ?? null,
    emailVerified: doc.emailVerified === true,
  };
  if (doc.email !== undefined) record.email = doc.email;
  if (doc.pendingEmail !== undefined) record.pendingEmail = doc.pendingEmail;
  // NeDB's copies share Date objects with its in-memory documents.
  return structuredClone(record);
}
