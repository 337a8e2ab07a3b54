import { createHash, createHmac, createSecretKey, randomBytes, timingSafeEqual, type KeyObject } from 'node:crypto';
import type { ClientSecretHasher } from '../../domain/clients/client-secret-hasher.js';
import type { HashRequesters, PasswordHasher } from '../../domain/users/password-hasher.js';

const PREFIX = '$hmac-sha256$';
/** 32 bytes of key material, as `clientSecretKey` returns it. */
export const CLIENT_SECRET_KEY_BYTES = 32;

/**
 * Client secrets as HMAC-SHA-256 under a server-side key: `$hmac-sha256$<key id>$<mac>`. The key
 * id (a digest prefix of the key, not the key) makes a replica with a different key fail as a
 * plain mismatch instead of a silent collision, and lets an operator see which key a hash needs.
 * Hashes of the previous scheme (argon2id PHC strings) still verify through `legacy`, and a match
 * returns the HMAC hash to store in their place.
 */
export class HmacClientSecretHasher implements ClientSecretHasher {
  private readonly keyId: string;
  private readonly dummyMac: Buffer;
  /** Imported once: an HMAC keyed with a KeyObject does not copy the key on every call. */
  private readonly key: KeyObject;

  constructor(
    key: Buffer,
    private readonly legacy: Pick<PasswordHasher, 'verify'>,
  ) {
    if (key.length < CLIENT_SECRET_KEY_BYTES) throw new Error(`the client secret key must be at least ${CLIENT_SECRET_KEY_BYTES} bytes`);
    this.key = createSecretKey(key);
    this.keyId = createHash('sha256').update(key).digest('base64url').slice(0, 8);
    this.dummyMac = this.mac(randomBytes(32).toString('base64url'));
  }

  async hash(secret: string): Promise<string> {
    return `${PREFIX}${this.keyId}$${this.mac(secret).toString('base64url')}`;
  }

  async verify(storedHash: string, secret: string, by?: HashRequesters): Promise<{ matches: boolean; rehash?: string }> {
    if (storedHash.startsWith(PREFIX)) return { matches: this.matchesOwn(storedHash, secret) };
    if (storedHash.startsWith('$argon2')) {
      if (!(await this.legacy.verify(storedHash, secret, by))) return { matches: false };
      return { matches: true, rehash: await this.hash(secret) };
    }
    return { matches: false };
  }

  async verifyAgainstDummy(secret: string): Promise<void> {
    timingSafeEqual(this.mac(secret), this.dummyMac);
  }

  private matchesOwn(storedHash: string, secret: string): boolean {
    const [keyId, encoded] = storedHash.slice(PREFIX.length).split('$');
    const expected = Buffer.from(encoded ?? '', 'base64url');
    const actual = this.mac(secret);
    // Computed before any early exit so a wrong key id costs what a wrong secret costs.
    if (keyId !== this.keyId || expected.length !== actual.length) return false;
    return timingSafeEqual(actual, expected);
  }

  private mac(secret: string): Buffer {
    return createHmac('sha256', this.key).update(secret, 'utf8').digest();
  }
}
