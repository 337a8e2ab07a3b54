import { clientConfigOf } from '../../domain/client-config.js';
import { constants } from 'node:fs';
import { access, mkdir } from 'node:fs/promises';
import path from 'node:path';
import nedb from '@seald-io/nedb';
import { authErrors } from '../../domain/errors.js';
import type { ClientConfig, ClientRecord, ClientStore, Clock, UpsertClientResult } from '../../domain/ports/client-store.js';
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE, keepPrivateAfterCompaction, preparePrivateDatafile } from './private-datafile.js';

/**
 * The package is CommonJS (`module.exports = Datastore`) while its types say `export default`:
 * under NodeNext the default import is the class at run time but the module object to the checker.
 */
const Datastore = nedb as unknown as typeof nedb.default;
type Datastore<T> = nedb.default<T>;

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
  await mkdir(dataDir, { recursive: true, mode: PRIVATE_DIR_MODE });
  const filename = path.join(dataDir, 'clients.db');
  // Client-secret hashes live here: 0600 from creation on, and after every NeDB rewrite.
  await preparePrivateDatafile(filename);
  const db = new Datastore<ClientDoc>({ filename, modes: { fileMode: PRIVATE_FILE_MODE, dirMode: PRIVATE_DIR_MODE } });
  keepPrivateAfterCompaction(db, filename);
  await db.loadDatabaseAsync();
  await db.ensureIndexAsync({ fieldName: 'clientId', unique: true });
  return new EmbeddedClientStore(db, filename, options.now ?? (() => new Date()));
}

class EmbeddedClientStore implements ClientStore {
  #closed = false;

  constructor(
    private readonly db: Datastore<ClientDoc>,
    private readonly filename: string,
    private readonly now: Clock,
  ) {}

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
    if (config.secretHash === undefined) unset.secretHash = true;
    if (config.jwks === undefined) unset.jwks = true;
    if (config.tokenExchange === undefined) unset.tokenExchange = true;
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

  async ping(): Promise<void> {
    if (this.#closed) throw new Error('embedded client store is closed');
    // The data lives in memory; readiness means the next write can reach the file.
    await access(this.filename, constants.R_OK | constants.W_OK);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    // Rewrites the append-only file to one line per client, so it does not grow across restarts.
    await this.db.compactDatafileAsync();
  }
}

function isUniqueViolation(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { errorType?: unknown }).errorType === 'uniqueViolated';
}

function toRecord(doc: ClientDoc & { _id?: string }): ClientRecord {
  const record: ClientRecord = {
    clientId: doc.clientId,
    tokenEndpointAuthMethods: doc.tokenEndpointAuthMethods,
    scopes: doc.scopes,
    audiences: doc.audiences,
    grantTypes: doc.grantTypes,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
    disabledAt: doc.disabledAt ?? null,
  };
  if (doc.secretHash !== undefined) record.secretHash = doc.secretHash;
  if (doc.jwks !== undefined) record.jwks = doc.jwks;
  if (doc.tokenExchange !== undefined) record.tokenExchange = doc.tokenExchange;
  // NeDB's copies share Date objects with its in-memory documents.
  return structuredClone(record);
}
