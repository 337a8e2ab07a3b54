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
  it('when a token is made, then it is 256 bits of base64url and its hash is not the token', () => {
    const token = newRefreshToken();
    expect(isRefreshTokenShaped(token)).toBe(true);
    expect(Buffer.from(token, 'base64url')).toHaveLength(32);
    expect(hashRefreshToken(token)).not.toBe(token);
    expect(hashRefreshToken(token)).toBe(hashRefreshToken(token));
  });

  it('when a successor is sealed, then only the presented token opens it, for its own hash only', () => {
    const presented = newRefreshToken();
    const successor = newRefreshToken();
    const sealed = sealSuccessor(presented, hashRefreshToken(presented), successor);
    expect(sealed).not.toContain(successor);
    expect(openSuccessor(presented, hashRefreshToken(presented), sealed)).toBe(successor);
    expect(openSuccessor(newRefreshToken(), hashRefreshToken(presented), sealed)).toBeNull();
    expect(openSuccessor(presented, hashRefreshToken(newRefreshToken()), sealed)).toBeNull();
    expect(openSuccessor(presented, hashRefreshToken(presented), `${sealed.slice(0, -2)}AA`)).toBeNull();
    expect(openSuccessor(presented, hashRefreshToken(presented), 'v2.abc')).toBeNull();
  });

  it('when the same successor is sealed twice, then the ciphertexts differ (fresh IV)', () => {
    const presented = newRefreshToken();
    const successor = newRefreshToken();
    expect(sealSuccessor(presented, 'h', successor)).not.toBe(sealSuccessor(presented, 'h', successor));
  });
});
