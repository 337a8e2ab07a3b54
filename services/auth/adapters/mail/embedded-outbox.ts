import { chmod, mkdir, open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from '../embedded/private-datafile.js';
import { MemoryOutbox } from './memory-outbox.js';
import type { OutboxRecord } from './outbox-record.js';
import type { Mail, OutboxPayload } from '../../domain/mail/mail.js';

/** Under AUTH_DATA_DIR; not `outbox/`, which is where the file transport puts finished `.eml` files. */
export const MAIL_SPOOL_DIR = 'mail-queue';

/**
 * The outbox under AUTH_DATA_DIR, without any server: one JSON file per mail in `mail-queue/`,
 * 0600 in a 0700 directory (a mail carries a single-use token). Every change is written to a
 * temporary file, fsynced, renamed over the mail's file and the directory fsynced before the call
 * resolves, so `enqueue` returning means the mail survives a crash or power loss, and a file is
 * never seen half written. Claims are kept in memory only: after a restart every queued mail is
 * due again (at least once). The mails are also held in memory; one auth process per directory,
 * as for the other embedded stores.
 */
export class EmbeddedOutbox<P extends OutboxPayload = Mail> extends MemoryOutbox<P> {
  /** Per mail, the write in progress: a mail's files are written one after another, in order. */
  private readonly writes = new Map<string, Promise<void>>();

  private constructor(readonly dir: string) {
    super();
  }

  /** `spool`: the directory under `dataDir`; another queue (back-channel logout) has its own. */
  static async open<P extends OutboxPayload = Mail>(dataDir: string, spool: string = MAIL_SPOOL_DIR): Promise<EmbeddedOutbox<P>> {
    const dir = path.join(dataDir, spool);
    await mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
    await chmod(dir, PRIVATE_DIR_MODE);
    const outbox = new EmbeddedOutbox<P>(dir);
    for (const name of await readdir(dir)) {
      const file = path.join(dir, name);
      // A write that a crash interrupted before its rename: the mail's previous file still holds.
      if (name.endsWith('.tmp')) await unlink(file).catch(() => undefined);
      if (!name.endsWith('.json')) continue;
      const record = parseRecord<P>(await readFile(file, 'utf8'));
      // Unreadable files stay where they are for an operator; they are never silently dropped.
      if (record && `${record.id}.json` === name) outbox.records.set(record.id, { ...record, lease: '' });
    }
    return outbox;
  }

  override async ping(): Promise<void> {
    await super.ping();
    // The mails live in memory; readiness means the next one can reach the disk.
    const probe = path.join(this.dir, `.ping-${process.pid}.tmp`);
    await (await open(probe, 'w', PRIVATE_FILE_MODE)).close();
    await unlink(probe);
  }

  override async close(): Promise<void> {
    await Promise.allSettled(this.writes.values());
    await super.close();
  }

  protected override persist(id: string, record: OutboxRecord<P> | undefined): Promise<void> {
    const previous = this.writes.get(id) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(() => (record ? this.writeRecord(record) : this.removeRecord(id)));
    this.writes.set(id, next);
    void next.finally(() => {
      if (this.writes.get(id) === next) this.writes.delete(id);
    }).catch(() => undefined);
    return next;
  }

  private async writeRecord(record: OutboxRecord<P>): Promise<void> {
    const file = path.join(this.dir, `${record.id}.json`);
    const temp = `${file}.${process.pid}.${Date.now()}.tmp`;
    const handle = await open(temp, 'wx', PRIVATE_FILE_MODE);
    try {
      await handle.writeFile(JSON.stringify({ ...record, lease: '' }));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
    await this.syncDir();
  }

  private async removeRecord(id: string): Promise<void> {
    await unlink(path.join(this.dir, `${id}.json`)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
    await this.syncDir();
  }

  /** A rename or unlink is durable once the directory itself is synced. */
  private async syncDir(): Promise<void> {
    const handle = await open(this.dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }
}

function parseRecord<P extends OutboxPayload>(text: string): OutboxRecord<P> | undefined {
  try {
    const value = JSON.parse(text) as OutboxRecord<P>;
    return typeof value.id === 'string' && typeof value.mail?.to === 'string' && (value.state === 'queued' || value.state === 'dead') ? value : undefined;
  } catch {
    return undefined;
  }
}
