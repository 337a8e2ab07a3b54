import { constants } from 'node:fs';
import { access, mkdir } from 'node:fs/promises';
import path from 'node:path';
import nedb from '@seald-io/nedb';
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE, keepPrivateAfterCompaction, preparePrivateDatafile } from './private-datafile.js';

/**
 * The package is CommonJS (`module.exports = Datastore`) while its types say `export default`:
 * under NodeNext the default import is the class at run time but the module object to the checker.
 */
const Datastore = nedb as unknown as typeof nedb.default;
export type Datastore<T> = nedb.default<T>;

/**
 * Opens (creating if needed) `${dataDir}/${basename}` as a NeDB file that only the service's OS
 * user can read, from creation on and after every NeDB rewrite, with `uniqueField` indexed as
 * unique. NeDB holds the documents in memory and appends each write to the file before the call
 * resolves, so they survive a restart with no server installed. One process per file.
 */
export async function openPrivateNedb<T>(dataDir: string, basename: string, uniqueField: string): Promise<PrivateNedb<T>> {
  await mkdir(dataDir, { recursive: true, mode: PRIVATE_DIR_MODE });
  const filename = path.join(dataDir, basename);
  // Before NeDB touches it: NeDB applies its mode only to files it creates, and its load-time
  // rewrite would otherwise leave a file from an older version (or a 0644 temp file) readable.
  await preparePrivateDatafile(filename);
  const db = new Datastore<T>({ filename, modes: { fileMode: PRIVATE_FILE_MODE, dirMode: PRIVATE_DIR_MODE } });
  keepPrivateAfterCompaction(db, filename);
  await db.loadDatabaseAsync();
  await db.ensureIndexAsync({ fieldName: uniqueField, unique: true });
  return new PrivateNedb(db, filename);
}

/** The open file and the two lifecycle calls every embedded store answers the same way. */
export class PrivateNedb<T> {
  #closed = false;

  constructor(
    readonly db: Datastore<T>,
    readonly filename: string,
  ) {}

  async ping(): Promise<void> {
    if (this.#closed) throw new Error(`embedded store ${path.basename(this.filename)} is closed`);
    // The data lives in memory; readiness means the next write can reach the file.
    await access(this.filename, constants.R_OK | constants.W_OK);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    // Waits for queued writes, then rewrites the append-only file to one line per document, so it
    // does not grow across restarts.
    await this.db.compactDatafileAsync();
  }
}

/** True when NeDB refused an insert or update for breaking a unique index. */
export function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { errorType?: unknown }).errorType === 'uniqueViolated';
}
