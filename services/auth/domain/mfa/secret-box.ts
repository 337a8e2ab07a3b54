import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
export const SECRET_BOX_KEY_BYTES = 32;

/**
 * AES-256-GCM under a list of keys kept apart from the store (AUTH_MFA_ENCRYPTION_KEY): the first
 * key seals, every key opens, so a key can be rotated by putting a new one first and keeping the
 * old ones until nothing sealed under them is left (`sealedWithOldKey` tells a caller to re-seal).
 * Each use (`purpose`) gets its own HKDF subkey, and the caller's associated data (`context`,
 * e.g. the user id) is authenticated, so a ciphertext copied to another record or another use
 * does not open. Sealed form: `v1.<key id>.<base64url(iv | ciphertext | tag)>`.
 */
export class SecretBox {
  readonly #keys: Array<{ id: string; key: Buffer }>;

  constructor(keys: readonly Buffer[], purpose: string) {
    if (keys.length === 0) throw new Error('SecretBox needs at least one key');
    this.#keys = keys.map((master) => {
      if (master.length !== SECRET_BOX_KEY_BYTES) throw new Error(`an encryption key must be ${SECRET_BOX_KEY_BYTES} bytes`);
      return { id: keyId(master), key: Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), `authgate ${purpose} v1`, 32)) };
    });
  }

  seal(plaintext: string, context: string): string {
    const { id, key } = this.#keys[0]!;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return `${VERSION}.${id}.${Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url')}`;
  }

  /** The plaintext, or null when `sealed` is malformed, under no key of the list, or sealed for another context. */
  open(sealed: string, context: string): string | null {
    const [version, id, payload, extra] = sealed.split('.');
    if (version !== VERSION || payload === undefined || extra !== undefined) return null;
    const entry = this.#keys.find((k) => k.id === id);
    const bytes = Buffer.from(payload, 'base64url');
    if (!entry || bytes.length < IV_BYTES + TAG_BYTES) return null;
    try {
      const decipher = createDecipheriv('aes-256-gcm', entry.key, bytes.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
      return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES, bytes.length - TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      return null;
    }
  }

  /** Whether `sealed` was sealed under a key other than the first (rotation: seal it again). */
  sealedWithOldKey(sealed: string): boolean {
    return sealed.split('.')[1] !== this.#keys[0]!.id;
  }
}

/** A short public name of a key (not a secret: a one-way hash), so `open` picks the right key at once. */
function keyId(key: Buffer): string {
  return createHash('sha256').update('authgate key id\0').update(key).digest('base64url').slice(0, 8);
}
