import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SecretBox } from '../../../services/auth/domain/mfa/secret-box.js';
import { loadAuthConfig } from '../../../services/auth/config.js';

describe('secrets at rest under AUTH_MFA_ENCRYPTION_KEY', () => {
  const oldKey = randomBytes(32);
  const newKey = randomBytes(32);

  it('when the key is rotated (new first, old kept), then old values open and are flagged for re-sealing; new ones use the new key', () => {
    const sealed = new SecretBox([oldKey], 'totp secret').seal('JBSWY3DPEHPK3PXP', 'totp:u1');
    const rotated = new SecretBox([newKey, oldKey], 'totp secret');
    expect(rotated.open(sealed, 'totp:u1')).toBe('JBSWY3DPEHPK3PXP');
    expect(rotated.sealedWithOldKey(sealed)).toBe(true);
    const resealed = rotated.seal('JBSWY3DPEHPK3PXP', 'totp:u1');
    expect(rotated.sealedWithOldKey(resealed)).toBe(false);
    expect(new SecretBox([newKey], 'totp secret').open(resealed, 'totp:u1')).toBe('JBSWY3DPEHPK3PXP');
    // Once the old key is dropped, what only it sealed no longer opens.
    expect(new SecretBox([newKey], 'totp secret').open(sealed, 'totp:u1')).toBeNull();
  });

  it('when a sealed value is moved to another user, another use, or altered, then it does not open', () => {
    const box = new SecretBox([oldKey], 'totp secret');
    const sealed = box.seal('secret', 'totp:u1');
    expect(box.open(sealed, 'totp:u2')).toBeNull();
    expect(new SecretBox([oldKey], 'mfa_token').open(sealed, 'totp:u1')).toBeNull();
    const [v, id, body] = sealed.split('.');
    const flipped = Buffer.from(body!, 'base64url');
    flipped[flipped.length - 1]! ^= 1;
    expect(box.open(`${v}.${id}.${flipped.toString('base64url')}`, 'totp:u1')).toBeNull();
    for (const junk of ['', 'v1', 'v1.x.y', 'v2.a.b', `${sealed}.extra`]) expect(box.open(junk, 'totp:u1')).toBeNull();
  });

  it.each([
    ['a key of 16 bytes', randomBytes(16).toString('base64url')],
    ['an empty list', ' , '],
    ['not base64 at all', '!!!!'],
  ])('when AUTH_MFA_ENCRYPTION_KEY is %s, then the start fails naming the variable', (_name, value) => {
    expect(() => loadAuthConfig({ AUTH_MFA_ENCRYPTION_KEY: value })).toThrow(/AUTH_MFA_ENCRYPTION_KEY/);
  });

  it('when AUTH_MFA_ENCRYPTION_KEY lists base64 and base64url keys, then both are read as 32-byte keys, in order', () => {
    const config = loadAuthConfig({ AUTH_MFA_ENCRYPTION_KEY: `${newKey.toString('base64url')}, ${oldKey.toString('base64')}` });
    expect(config.AUTH_MFA_ENCRYPTION_KEY).toEqual([newKey, oldKey]);
  });
});
