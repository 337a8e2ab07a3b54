import { describe, expect, it } from 'vitest';
import { isAppError } from '../../lib/errors.js';
import { openSuccessor, sealSuccessor } from '../../services/auth/domain/tokens/successor-seal.js';
import { hashRefreshToken, isRefreshTokenShaped, newRefreshToken } from '../../services/auth/domain/tokens/refresh-token.js';
import { acceptablePassword } from '../../services/auth/domain/users/password-policy.js';
import { acceptableUsername, normalizeUsername } from '../../services/auth/domain/users/username.js';

function codeOf(work: () => unknown): string | undefined {
  try {
    work();
    return undefined;
  } catch (err) {
    return isAppError(err) ? err.code : 'not an AppError';
  }
}

describe('username normalization', () => {
  it.each([
    ['Alice', 'alice'],
    ['  alice\t', 'alice'],
    ['ＡＬＩＣＥ', 'alice'],
    ['ﬁona', 'fiona'],
    ['Bob.Smith@Example.COM', 'bob.smith@example.com'],
  ])('when %j is normalized, then it is %j', (raw, normalized) => {
    expect(normalizeUsername(raw)).toBe(normalized);
    expect(acceptableUsername(raw)).toBe(normalized);
  });

  it.each(['ab', 'a'.repeat(65), '-alice', 'al ice', 'alice!', 'ålice', 'аlice', ''])('when %j is offered, then it is refused as INVALID_FIELD', (raw) => {
    expect(codeOf(() => acceptableUsername(raw))).toBe('INVALID_FIELD');
  });
});

describe('password policy', () => {
  it.each([
    ['12 ASCII characters', 'a'.repeat(12)],
    ['12 emoji', '🔑'.repeat(12)],
    ['1024 characters', 'x'.repeat(1024)],
    ['spaces at both ends kept', '  twelve chars  '],
  ])('when %s, then it is accepted unchanged', (_name, password) => {
    expect(acceptablePassword(password)).toBe(password);
  });

  it.each([
    ['11 characters', 'a'.repeat(11)],
    ['6 emoji (12 UTF-16 units)', '🔑'.repeat(6)],
    ['1025 characters', 'x'.repeat(1025)],
    ['a lone surrogate', `${'a'.repeat(12)}\ud800`],
  ])('when %s, then it is refused as INVALID_FIELD', (_name, password) => {
    expect(codeOf(() => acceptablePassword(password))).toBe('INVALID_FIELD');
  });
});

describe('refresh tokens and successor sealing', () => {
  it('when a token is made, then it is a 128-bit family tag and a 256-bit secret, and its key is not the token', () => {
    const token = newRefreshToken();
    expect(isRefreshTokenShaped(token)).toBe(true);
    const [tag, secret] = token.split('.');
    expect(Buffer.from(tag!, 'base64url')).toHaveLength(16);
    expect(Buffer.from(secret!, 'base64url')).toHaveLength(32);
    expect(hashRefreshToken(token).tokenHash).not.toContain(secret);
    expect(hashRefreshToken(token).familyId).not.toContain(tag);
    expect(hashRefreshToken(token)).toEqual(hashRefreshToken(token));
  });

  it('when a successor is made from a token, then it names the same family with a new secret; a new login names another', () => {
    const token = newRefreshToken();
    const next = newRefreshToken(token);
    expect(isRefreshTokenShaped(next)).toBe(true);
    expect(hashRefreshToken(next).familyId).toBe(hashRefreshToken(token).familyId);
    expect(hashRefreshToken(next).tokenHash).not.toBe(hashRefreshToken(token).tokenHash);
    expect(hashRefreshToken(newRefreshToken()).familyId).not.toBe(hashRefreshToken(token).familyId);
    // The family id is the access tokens' sid: UUID-shaped as it always was.
    expect(hashRefreshToken(token).familyId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('when a token of the old single-part format (or any other shape) is presented, then it is not shaped like ours', () => {
    expect(isRefreshTokenShaped('A'.repeat(43))).toBe(false);
    expect(isRefreshTokenShaped(`${'A'.repeat(22)}.${'B'.repeat(42)}`)).toBe(false);
    expect(isRefreshTokenShaped(`${'A'.repeat(22)}.${'B'.repeat(43)}\n`)).toBe(false);
  });

  it('when a successor is sealed, then only the presented token opens it, for its own hash only', () => {
    const presented = newRefreshToken();
    const successor = newRefreshToken(presented);
    const hashOf = (token: string) => hashRefreshToken(token).tokenHash;
    const sealed = sealSuccessor(presented, hashOf(presented), successor);
    expect(sealed).not.toContain(successor);
    expect(openSuccessor(presented, hashOf(presented), sealed)).toBe(successor);
    expect(openSuccessor(newRefreshToken(presented), hashOf(presented), sealed)).toBeNull();
    expect(openSuccessor(presented, hashOf(newRefreshToken()), sealed)).toBeNull();
    // One bit of the tag flipped (overwriting the tail with a fixed string would equal it 1 time in 256).
    const [version, payload] = sealed.split('.');
    const tampered = Buffer.from(payload!, 'base64url');
    const last = tampered.length - 1;
    tampered[last] = (tampered[last] ?? 0) ^ 0x01;
    expect(openSuccessor(presented, hashOf(presented), `${version}.${tampered.toString('base64url')}`)).toBeNull();
    expect(openSuccessor(presented, hashOf(presented), 'v2.abc')).toBeNull();
  });

  it('when the same successor is sealed twice, then the ciphertexts differ (fresh IV)', () => {
    const presented = newRefreshToken();
    const successor = newRefreshToken();
    expect(sealSuccessor(presented, 'h', successor)).not.toBe(sealSuccessor(presented, 'h', successor));
  });
});
