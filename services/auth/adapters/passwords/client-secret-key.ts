import { hkdfSync } from 'node:crypto';
import { generatedKeyFile } from '../keys/generated-key-file.js';
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
  return generatedKeyFile(dataDir, CLIENT_SECRET_KEY_FILE, CLIENT_SECRET_KEY_BYTES, 'delete it only if no client secret was hashed with it');
}
