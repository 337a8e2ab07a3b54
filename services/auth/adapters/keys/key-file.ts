import { randomBytes } from 'node:crypto';
import { constants, promises as fs } from 'node:fs';
import path from 'node:path';

/** Owner read/write only: the file holds private keys. */
const KEY_FILE_MODE = 0o600;

/**
 * Error codes meaning "this process may not write here": permissions (EACCES), an immutable or
 * otherwise protected directory (EPERM), a read-only mount such as a Kubernetes Secret volume
 * (EROFS), and a file that is itself a bind mount, as compose file secrets are (EBUSY on rename).
 */
const READ_ONLY_CODES = new Set(['EACCES', 'EPERM', 'EROFS', 'EBUSY']);

/** Whether `err` is a file-system refusal to write, as opposed to a fault worth a 500. */
export function isReadOnlyError(err: unknown): boolean {
  return READ_ONLY_CODES.has(String((err as NodeJS.ErrnoException | undefined)?.code));
}

/**
 * Whether this process may replace `file`: replacement writes a temp file beside it and renames,
 * so the directory must be writable. Checked before a rotation generates a key, so a read-only
 * mount is reported at once; the write itself still maps the same errors (see isReadOnlyError).
 */
export async function keyFileWritable(file: string): Promise<boolean> {
  try {
    await fs.access(path.dirname(file), constants.W_OK);
    return true;
  } catch (err) {
    if (isReadOnlyError(err)) return false;
    throw err;
  }
}

/** Reads the key file, or resolves null when it does not exist yet (first start). */
export async function readKeyFile(file: string): Promise<string | null> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** Writes `content` to a temp file beside `file` with mode 0600 and flushes it to disk. */
async function writeTempFile(file: string, content: string): Promise<string> {
  await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await fs.open(temp, 'wx', KEY_FILE_MODE);
  try {
    await handle.writeFile(content, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  return temp;
}

/**
 * Creates `file` with `content` only if it does not exist, atomically: readers see either no file
 * or the whole file, never half a key. Two replicas starting together on one volume both try;
 * exactly one wins (hard link creation fails with EEXIST) and the other resolves false and must
 * load what the winner wrote.
 */
export async function createKeyFileExclusively(file: string, content: string): Promise<boolean> {
  const temp = await writeTempFile(file, content);
  try {
    await fs.link(temp, file);
    await syncDirectory(path.dirname(file));
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    await fs.rm(temp, { force: true });
  }
}


/** Makes the new directory entry durable, so a crash right after start-up cannot lose the key. */
async function syncDirectory(dir: string): Promise<void> {
  const handle = await fs.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Replaces `file` with `content` atomically (temp file, fsync, rename): a reader, or a crash,
 * sees the old set or the new one, never a mix. Used by key rotation.
 */
export async function replaceKeyFile(file: string, content: string): Promise<void> {
  const temp = await writeTempFile(file, content);
  try {
    await fs.rename(temp, file);
    await syncDirectory(path.dirname(file));
  } catch (err) {
    await fs.rm(temp, { force: true });
    throw err;
  }
}
