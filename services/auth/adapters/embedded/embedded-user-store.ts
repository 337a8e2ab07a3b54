import { authErrors } from '../../domain/errors.js';
import { type EmailState, type NewUser, type UserRecord, type UserStore, newUserDocument } from '../../domain/users/user-store.js';
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
  return new EmbeddedUserStore(await openPrivateNedb<UserDoc>(dataDir, 'users.db', 'username'));
}

/** Users in a NeDB file; the unique index on `username` decides who wins a concurrent create. */
export class EmbeddedUserStore implements UserStore {
  private readonly db;

  constructor(private readonly file: PrivateNedb<UserDoc>) {
    this.db = file.db;
  }

  async create(user: NewUser): Promise<UserRecord> {
    const doc: UserDoc = newUserDocument(user);
    try {
      return toRecord(await this.db.insertAsync(doc));
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
    return numAffected > 0;
  }

  async setPasswordHash(id: string, passwordHash: string): Promise<boolean> {
    if (typeof id !== 'string') return false;
    const { numAffected } = await this.db.updateAsync({ _id: id }, { $set: { passwordHash } });
    return numAffected > 0;
  }

  async delete(id: string): Promise<boolean> {
    if (typeof id !== 'string') return false;
    return (await this.db.removeAsync({ _id: id }, {})) > 0;
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
