import { randomBytes } from 'node:crypto';
import { link, mkdir, open, readFile, unlink } from 'node:fs/promises';
import path from 'node:path';
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from '../embedded/private-datafile.js';

/**
 * A random key of `bytes` bytes kept in `dataDir/fileName` (base64url, 0600), made on first use
 * and read back at every start: the development default of a key the operator did not set.
 * Exclusive create, so two processes starting on one directory end up with the same key.
 * `purpose` names the variable that replaces it, for the error when the file holds something else.
 */
export async function generatedKeyFile(dataDir: string, fileName: string, bytes: number, purpose: string): Promise<Buffer> {
  const file = path.join(dataDir, fileName);
  await mkdir(dataDir, { recursive: true, mode: PRIVATE_DIR_MODE });
  // Written whole to a private temp file, then linked into place: link fails if the name exists,
  // so a concurrent start never reads a half-written key and the first writer wins.
  const temp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}`;
  const handle = await open(temp, 'wx', PRIVATE_FILE_MODE);
  try {
    await handle.writeFile(`${randomBytes(bytes).toString('base64url')}\n`);
  } finally {
    await handle.close();
  }
  try {
    await link(temp, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    await unlink(temp);
  }
  const key = Buffer.from((await readFile(file, 'utf8')).trim(), 'base64url');
  if (key.length !== bytes) {
    throw new Error(`${file} does not hold a ${bytes}-byte base64url key (${purpose})`);
  }
  return key;
}
