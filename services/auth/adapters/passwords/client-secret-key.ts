import { hkdfSync, randomBytes } from 'node:crypto';
import { link, mkdir, open, readFile, unlink } from 'node:fs/promises';
import path from 'node:path';
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from '../embedded/private-datafile.js';
import { CLIENT_SECRET_KEY_BYTES } from './hmac-client-secret-hasher.js';

/** The file under AUTH_DATA_DIR that holds the generated key when AUTH_CLIENT_SECRET_KEY is unset. */
export const CLIENT_SECRET_KEY_FILE = 'client-secret-hmac.key';

/**
 * The HMAC key for client secrets. AUTH_CLIENT_SECRET_KEY, when set, is stretched with HKDF into
 * the key, so every replica given the same Secret computes the same hashes (required when
 * replicas share a client store in MongoDB without sharing AUTH_DATA_DIR). Unset, a random key is
 * created once under AUTH_DATA_DIR (0600, exclusive create, so two processes starting on one
 * directory end up with the same key) and read back at every start.
 */
export async function clientSecretKey(configured: string | undefined, dataDir: string): Promise<Buffer> {
  if (configured !== undefined) {
    return Buffer.from(hkdfSync('sha256', configured, 'authgate', 'client-secret-hmac-v1', CLIENT_SECRET_KEY_BYTES));
  }
  const file = path.join(dataDir, CLIENT_SECRET_KEY_FILE);
  await mkdir(dataDir, { recursive: true, mode: PRIVATE_DIR_MODE });
  // Written whole to a private temp file, then linked into place: link fails if the name exists,
  // so a concurrent start never reads a half-written key and the first writer wins.
  const temp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}`;
  const handle = await open(temp, 'wx', PRIVATE_FILE_MODE);
  try {
    await handle.writeFile(`${randomBytes(CLIENT_SECRET_KEY_BYTES).toString('base64url')}\n`);
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
  if (key.length !== CLIENT_SECRET_KEY_BYTES) {
    throw new Error(`${file} does not hold a ${CLIENT_SECRET_KEY_BYTES}-byte base64url key (delete it only if no client secret was hashed with it)`);
  }
  return key;
}
