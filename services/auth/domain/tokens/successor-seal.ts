import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

const VERSION = 'v1';
const HKDF_INFO = 'authgate refresh-token successor seal v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * AES-256-GCM key derived (HKDF-SHA256) from the presented refresh token itself: only its holder
 * can open what is sealed under it, and the store, which keeps only hashes, never can.
 */
function sealingKey(presentedToken: string): Buffer {
  return Buffer.from(hkdfSync('sha256', Buffer.from(presentedToken, 'utf8'), Buffer.alloc(0), HKDF_INFO, 32));
}

/**
 * Seals the successor of `presentedToken` so a retry of the same token within the grace window
 * can be answered with the same successor. `presentedHash` is bound as associated data, so a
 * sealed value moved to another token's record does not open.
 */
export function sealSuccessor(presentedToken: string, presentedHash: string, successorToken: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', sealingKey(presentedToken), iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(presentedHash, 'utf8'));
  const body = Buffer.concat([cipher.update(successorToken, 'utf8'), cipher.final()]);
  return `${VERSION}.${Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url')}`;
}

/** Opens a sealed successor, or returns null when it was not sealed under `presentedToken`. */
export function openSuccessor(presentedToken: string, presentedHash: string, sealed: string): string | null {
  const [version, payload] = sealed.split('.');
  if (version !== VERSION || payload === undefined) return null;
  const bytes = Buffer.from(payload, 'base64url');
  if (bytes.length < IV_BYTES + TAG_BYTES) return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', sealingKey(presentedToken), bytes.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(presentedHash, 'utf8'));
    decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
    return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES, bytes.length - TAG_BYTES)), decipher.final()]).toString('utf8');
  } catch {
    return null;
  }
}
