import { clientConfigOf, clientRecordOf } from '../../domain/clients/client-config.js';
import { authErrors } from '../../domain/errors.js';
import { OPTIONAL_CLIENT_FIELDS, type ClientConfig, type ClientRecord, type ClientStore, type Clock, type UpsertClientResult } from '../../domain/clients/client-store.js';
import { type PrivateNedb, isUniqueViolation, openPrivateNedb } from './private-nedb.js';

/** The document as NeDB keeps it; `disabledAt` may be absent in documents written by hand. */
type ClientDoc = Omit<ClientRecord, 'disabledAt'> & { disabledAt?: Date | null };

/** Upsert retries when a concurrent delete and create race it; more would mean a livelock. */
const UPSERT_ATTEMPTS = 5;

/**
 * Opens (creating if needed) the client store in `${dataDir}/clients.db`, the default when no
 * MongoDB is configured. NeDB keeps the data in memory and appends every write to the file
 * before the call resolves, so clients survive a restart; only one process may open a file.
 */
export async function openEmbeddedClientStore(dataDir: string, options: { now?: Clock } = {}): Promise<ClientStore> {
  // Client-secret hashes live here: the file is private to the service's OS user.
  const file = await openPrivateNedb<ClientDoc>(dataDir, 'clients.db', 'clientId');
  return new EmbeddedClientStore(file, options.now ?? (() => new Date()));
}

class EmbeddedClientStore implements ClientStore {
  private readonly db;

  constructor(
    private readonly file: PrivateNedb<ClientDoc>,
    private readonly now: Clock,
  ) {
    this.db = file.db;
  }

  async create(client: ClientConfig): Promise<ClientRecord> {
    const now = this.now();
    try {
      const doc = await this.db.insertAsync({ ...clientConfigOf(client), createdAt: now, updatedAt: now, disabledAt: null });
      return toRecord(doc);
    } catch (err) {
      if (isUniqueViolation(err)) throw authErrors.clientExists();
      throw err;
    }
  }

  /**
   * NeDB has no $setOnInsert, so an upsert is an update of the configuration members (createdAt
   * and disabledAt untouched) or, when nothing matched, an insert guarded by the unique index.
   * Each step is atomic in NeDB; losing the insert race means the client now exists: update it.
   */
  async upsert(client: ClientConfig): Promise<UpsertClientResult> {
    const config = clientConfigOf(client);
    const unset: Record<string, true> = {};
    for (const field of OPTIONAL_CLIENT_FIELDS) if (config[field] === undefined) unset[field] = true;
    for (let attempt = 1; ; attempt += 1) {
      const now = this.now();
      const update: Record<string, unknown> = { $set: { ...config, updatedAt: now } };
      if (Object.keys(unset).length > 0) update.$unset = unset;
      const { affectedDocuments } = await this.db.updateAsync({ clientId: client.clientId }, update, { returnUpdatedDocs: true });
      if (affectedDocuments) return { client: toRecord(affectedDocuments), created: false };
      try {
        const doc = await this.db.insertAsync({ ...config, createdAt: now, updatedAt: now, disabledAt: null });
        return { client: toRecord(doc), created: true };
      } catch (err) {
        if (!isUniqueViolation(err) || attempt >= UPSERT_ATTEMPTS) throw err;
      }
    }
  }

  async findById(clientId: string): Promise<ClientRecord | null> {
    if (typeof clientId !== 'string') return null;
    const doc = await this.db.findOneAsync({ clientId });
    return doc ? toRecord(doc) : null;
  }

  async list(): Promise<ClientRecord[]> {
    const docs = await this.db.findAsync({}).sort({ clientId: 1 });
    return docs.map(toRecord);
  }

  async disable(clientId: string): Promise<boolean> {
    if (typeof clientId !== 'string') return false;
    const now = this.now();
    const { numAffected } = await this.db.updateAsync(
      { clientId, $or: [{ disabledAt: null }, { disabledAt: { $exists: false } }] },
      { $set: { disabledAt: now, updatedAt: now } },
      {},
    );
    if (numAffected > 0) return true;
    return (await this.db.findOneAsync({ clientId })) !== null;
  }

  async delete(clientId: string): Promise<boolean> {
    if (typeof clientId !== 'string') return false;
    return (await this.db.removeAsync({ clientId }, { multi: false })) > 0;
  }

  ping(): Promise<void> {
    return this.file.ping();
  }

  close(): Promise<void> {
    return this.file.close();
  }
}

function toRecord(doc: ClientDoc & { _id?: string }): ClientRecord {
  // NeDB's copies share Date objects with its in-memory documents.
  return structuredClone(clientRecordOf(doc));
}
