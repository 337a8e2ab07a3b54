import { mkdir, open, readFile, rename, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { parseRevocationEntry, type RevocationEntry, type RevocationFeedPage } from '../../../../lib/revocation/revocation-entry.js';
import { parseDenylistMember } from '../../../../lib/revocation/redis-keys.js';
import type { AccessTokenDenylist } from '../../domain/tokens/token-store.js';
import type { RevocationFeed } from '../../domain/sessions/revocation-feed.js';
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE, preparePrivateDatafile } from './private-datafile.js';
import { RevocationLog } from './revocation-log.js';

export interface EmbeddedDenylistOptions {
  /** Epoch ms. Default Date.now. */
  now?: () => number;
  /** How often expired entries are dropped from memory. Default 60 s. */
  sweepIntervalMs?: number;
}

/** The file is rewritten (live entries only) once it holds this many more lines than live entries. */
const REWRITE_SLACK_LINES = 1_024;

/**
 * The denylist without Redis (access tokens by jti, ended login sessions by sid), kept under
 * AUTH_DATA_DIR in `revocations.jsonl` so a restarted auth service still denies (and still tells
 * its verifiers about) every token and session revoked before. An append-only file of one JSON entry per line rather than NeDB: the revocations are
 * needed in memory in the order they were made (the feed's log), so the file only has to replay
 * them at start; NeDB would hold a second copy. Appends are batched and fsynced before the
 * revocation is reported done (a logout that answered 204 survives a crash); the file is
 * rewritten to the live entries at start, on close, and whenever dead lines outnumber live ones.
 * One process per file, as with the other embedded stores.
 */
export async function openEmbeddedDenylist(dataDir: string, options: EmbeddedDenylistOptions = {}): Promise<EmbeddedDenylist> {
  await mkdir(dataDir, { recursive: true, mode: PRIVATE_DIR_MODE });
  const filename = path.join(dataDir, 'revocations.jsonl');
  await preparePrivateDatafile(filename);
  const now = options.now ?? Date.now;
  const log = new RevocationLog(() => Math.floor(now() / 1000));
  for (const line of (await readFile(filename, 'utf8')).split('\n')) {
    if (line === '') continue;
    const entry = parseRevocationEntry(safeJson(line));
    // A torn last line (a crash mid-write) or a hand edit is skipped, never fatal.
    if (entry) log.add(upgraded(entry));
  }
  const denylist = new EmbeddedDenylist(filename, log, await rewrite(filename, log.liveEntries()), options.sweepIntervalMs ?? 60_000);
  return denylist;
}

export class EmbeddedDenylist implements AccessTokenDenylist, RevocationFeed {
  private pending: Array<{ entry: RevocationEntry; done: (error?: unknown) => void }> = [];
  private flushing: Promise<void> | undefined;
  private fileLines: number;
  private closed = false;
  private readonly sweep: NodeJS.Timeout;

  constructor(
    private readonly filename: string,
    private readonly log: RevocationLog,
    private file: FileHandle,
    sweepIntervalMs: number,
  ) {
    this.fileLines = log.size;
    this.sweep = setInterval(() => log.sweep(), sweepIntervalMs).unref();
  }

  async denyAccessToken(jti: string, expiresAtSeconds: number): Promise<void> {
    await this.revoke({ kind: 'jti', value: jti, until: expiresAtSeconds });
  }

  async isAccessTokenDenied(jti: string): Promise<boolean> {
    return this.log.until('jti', jti) !== undefined;
  }

  /** A login session (`sid`) ended: its own kind of entry on the same feed. */
  async denySession(sid: string, expiresAtSeconds: number): Promise<void> {
    await this.revoke({ kind: 'sid', value: sid, until: expiresAtSeconds });
  }

  async isSessionDenied(sid: string): Promise<boolean> {
    return this.log.until('sid', sid) !== undefined;
  }

  /** Persists, then publishes: a revocation is heard only once it would survive a restart. */
  async revoke(entry: RevocationEntry): Promise<void> {
    const current = this.log.until(entry.kind, entry.value);
    if (current !== undefined && current >= entry.until) return;
    if (this.closed) throw new Error('embedded denylist is closed');
    await this.append({ kind: entry.kind, value: entry.value, until: entry.until });
  }

  readAfter(after: string | undefined, limit: number): RevocationFeedPage | null {
    return this.log.readAfter(after, limit);
  }

  waitAfter(cursor: string, ms: number, signal: AbortSignal): Promise<void> {
    return this.log.waitAfter(cursor, ms, signal);
  }

  stopWaiting(): void {
    this.log.stopWaiting();
  }

  get stopped(): boolean {
    return this.log.stopped;
  }

  /** Live revocations in memory (for tests and the flood bound). */
  get size(): number {
    return this.log.size;
  }

  async ping(): Promise<void> {
    if (this.closed) throw new Error('embedded denylist is closed');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.sweep);
    this.log.stopWaiting();
    await this.flushing;
    await this.file.close();
    // Leaves one line per live revocation for the next start.
    await (await rewrite(this.filename, this.log.liveEntries())).close();
  }

  private append(entry: RevocationEntry): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ entry, done: (error) => (error === undefined ? resolve() : reject(error)) });
      this.flushing ??= this.flush().finally(() => (this.flushing = undefined));
    });
  }

  /** Group commit: every line queued while a write+fsync runs goes out in the next one. */
  private async flush(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0);
      try {
        await this.file.appendFile(batch.map((item) => toLine(item.entry)).join(''));
        await this.file.datasync();
        this.fileLines += batch.length;
        for (const item of batch) {
          this.log.add(item.entry);
          item.done();
        }
      } catch (error) {
        for (const item of batch) item.done(error);
      }
      if (this.fileLines > 2 * this.log.size + REWRITE_SLACK_LINES) {
        await this.file.close();
        this.file = await rewrite(this.filename, this.log.liveEntries());
        this.fileLines = this.log.size;
      }
    }
  }
}

/** Writes `entries` to a 0600 temp file, fsyncs, renames it over `filename`; returns it open for appending. */
async function rewrite(filename: string, entries: RevocationEntry[]): Promise<FileHandle> {
  const temp = `${filename}.tmp`;
  const handle = await open(temp, 'w', PRIVATE_FILE_MODE);
  try {
    await handle.writeFile(entries.map(toLine).join(''));
    await handle.datasync();
  } finally {
    await handle.close();
  }
  await rename(temp, filename);
  return open(filename, 'a', PRIVATE_FILE_MODE);
}

/**
 * Before sessions were their own kind here, an ended session was written as the jti `sid:<sid>`
 * (the Redis spelling), which no verifier looks up: read back as the session it meant, so sessions
 * ended before an upgrade stay ended at every verifier after it.
 */
function upgraded(entry: RevocationEntry): RevocationEntry {
  return entry.kind === 'jti' ? { ...parseDenylistMember(entry.value), until: entry.until } : entry;
}

const toLine = (entry: RevocationEntry) => `${JSON.stringify({ kind: entry.kind, value: entry.value, until: entry.until })}\n`;

function safeJson(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return null;
  }
}
