import { constants } from 'node:fs';
import { access, mkdir } from 'node:fs/promises';
import path from 'node:path';
import nedb from '@seald-io/nedb';
import { authErrors } from '../../domain/errors.js';
import { type NewUser, type UserRecord, type UserStore, newUserDocument } from '../../domain/ports/user-store.js';
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE, keepPrivateAfterCompaction, preparePrivateDatafile } from './private-datafile.js';

/**
 * The package is CommonJS (`module.exports = Datastore`) while its types say `export default`:
 * under NodeNext the default import is the class at run time but the module object to the checker.
 */
const Datastore = nedb as unknown as typeof nedb.default;
type Datastore<T> = nedb.default<T>;

/**
 * The user as NeDB keeps it; NeDB's own `_id` is the user id. `lockedAt` is absent from records
 * written before accounts could be locked: absent reads as unlocked.
 */
type UserDoc = Omit<UserRecord, 'id' | 'lockedAt'> & { lockedAt?: Date | null };

/** Password hashes live in the file: only the service's own OS user may read it. */
const FILE_MODE = PRIVATE_FILE_MODE;
const DIR_MODE = PRIVATE_DIR_MODE;

/**
 * Opens (creating if needed) the user store in `${dataDir}/users.db`: the default when no MongoDB
 * is configured. NeDB holds the users in memory and appends each write to the file before the
 * call resolves, so users survive a restart with no server installed. One process per file.
 */
export async function openEmbeddedUserStore(dataDir: string): Promise<EmbeddedUserStore> {
  await mkdir(dataDir, { recursive: true, mode: DIR_MODE });
  const filename = path.join(dataDir, 'users.db');
  // Before NeDB touches it: NeDB applies its mode only to files it creates, and its load-time
  // rewrite would otherwise leave a file from an older version (or a 0644 temp file) readable.
  await preparePrivateDatafile(filename);
  const db = new Datastore<UserDoc>({ filename, autoload: true, modes: { fileMode: FILE_MODE, dirMode: DIR_MODE } });
  keepPrivateAfterCompaction(db, filename);
  await db.autoloadPromise;
  await db.ensureIndexAsync({ fieldName: 'username', unique: true });
  return new EmbeddedUserStore(db, filename);
}

/** Users in a NeDB file; the unique index on `username` decides who wins a concurrent create. */
export class EmbeddedUserStore implements UserStore {
  #closed = false;

  constructor(
    private readonly db: Datastore<UserDoc>,
    private readonly filename: string,
  ) {}

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

  async ping(): Promise<void> {
    if (this.#closed) throw new Error('embedded user store is closed');
    // The data lives in memory; readiness means the next write can reach the file.
    await access(this.filename, constants.R_OK | constants.W_OK);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    // Waits for queued writes, then rewrites the append-only file to one line per user.
    await this.db.compactDatafileAsync();
  }
}

function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { errorType?: unknown }).errorType === 'uniqueViolated';
}

function toRecord(doc: UserDoc & { _id?: string }): UserRecord {
  const record: UserRecord = {
    id: String(doc._id),
    username: doc.username,
    passwordHash: doc.passwordHash,
    roles: doc.roles,
    createdAt: doc.createdAt,
    lockedAt: doc.lockedAt ?? null,
  };
  if (doc.email !== undefined) record.email = doc.email;
  // NeDB's copies share Date objects with its in-memory documents.
  return structuredClone(record);
}
