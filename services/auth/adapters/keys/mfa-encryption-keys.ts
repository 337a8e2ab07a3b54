import { SECRET_BOX_KEY_BYTES } from '../../domain/mfa/secret-box.js';
import { generatedKeyFile } from './generated-key-file.js';

/** The file under AUTH_DATA_DIR that holds the generated key when AUTH_MFA_ENCRYPTION_KEY is unset. */
export const MFA_KEY_FILE = 'mfa-encryption.key';

/**
 * The keys that encrypt TOTP secrets and seal mfa_tokens. AUTH_MFA_ENCRYPTION_KEY (already
 * parsed: a comma-separated list of base64url 32-byte keys, the first encrypting) when set; else
 * one random key kept under AUTH_DATA_DIR, fine for one machine. With users in MongoDB the
 * variable must be set, the same on every replica, and kept outside the database's backups.
 */
export async function mfaEncryptionKeys(configured: readonly Buffer[] | undefined, dataDir: string): Promise<Buffer[]> {
  if (configured !== undefined) return [...configured];
  return [await generatedKeyFile(dataDir, MFA_KEY_FILE, SECRET_BOX_KEY_BYTES, 'delete it only if no TOTP secret was encrypted with it')];
}
