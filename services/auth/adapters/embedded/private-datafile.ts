import { chmod, open } from 'node:fs/promises';

/** Password and client-secret hashes live in these files: only the service's OS user may read them. */
export const PRIVATE_FILE_MODE = 0o600;
export const PRIVATE_DIR_MODE = 0o700;

/**
 * Makes `filename` exist as 0600 before NeDB opens it, so it is never readable by others, not even
 * between NeDB's load-time rewrite and a chmod afterwards. NeDB's crash-recovery copy
 * (`filename~`) is tightened too: NeDB renames it over the file, and reuses it (keeping its mode)
 * as the temp file of every rewrite. When only that copy exists it is NeDB's to restore, so no
 * empty file is created in its place.
 */
export async function preparePrivateDatafile(filename: string): Promise<void> {
  const hasRecoveryCopy = await tighten(`${filename}~`);
  if (!hasRecoveryCopy) {
    // 'a' creates without truncating; the mode applies only to a file it creates, hence tighten.
    await (await open(filename, 'a', PRIVATE_FILE_MODE)).close();
  }
  await tighten(filename);
}

/**
 * NeDB rewrites the whole file on compaction (temp file + rename): re-apply 0600 after each
 * one, so a temp file of some other mode can never leave the data file readable.
 */
export function keepPrivateAfterCompaction(db: { on(event: 'compaction.done', listener: () => void): unknown }, filename: string): void {
  db.on('compaction.done', () => {
    // Best effort: the file was written 0600 already; a directory removed meanwhile is no error.
    tighten(filename).catch(() => {});
  });
}

/** chmod 0600; false when the file does not exist. */
async function tighten(filename: string): Promise<boolean> {
  try {
    await chmod(filename, PRIVATE_FILE_MODE);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}
