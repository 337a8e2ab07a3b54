import { describe, expect, it } from 'vitest';
import { extractBearerToken } from '../../../lib/verifier/index.js';

function request(...raw: string[]) {
  const headers: Record<string, string> = {};
  for (let i = 0; i < raw.length; i += 2) headers[raw[i]!.toLowerCase()] ??= raw[i + 1]!;
  return { headers, rawHeaders: raw };
}

function outcome(fn: () => string | undefined): string {
  try {
    return fn() ?? 'NONE';
  } catch (err) {
    return (err as { code: string }).code;
  }
}

describe('extractBearerToken', () => {
  it.each([
    ['no Authorization header', [], 'NONE'],
    ['another scheme', ['Authorization', 'Basic dXNlcjpwdw=='], 'NONE'],
    ['Bearer with a token', ['Authorization', 'Bearer abc.def.ghi'], 'abc.def.ghi'],
    ['scheme in another case', ['authorization', 'bEaReR abc.def.ghi'], 'abc.def.ghi'],
    ['b64token padding and symbols', ['Authorization', 'Bearer a-b_c.d~e+f/g=='], 'a-b_c.d~e+f/g=='],
    ['Bearer with no token', ['Authorization', 'Bearer'], 'AUTHORIZATION_INVALID'],
    ['Bearer with only spaces', ['Authorization', 'Bearer   '], 'AUTHORIZATION_INVALID'],
    ['two Authorization headers', ['Authorization', 'Bearer a.b.c', 'authorization', 'Bearer d.e.f'], 'AUTHORIZATION_INVALID'],
    // The characters are the verifier's to judge (verifier.test.ts: TOKEN_MALFORMED before decoding).
    ['characters outside b64token', ['Authorization', 'Bearer abc!def'], 'abc!def'],
    ['a space inside the token', ['Authorization', 'Bearer abc def'], 'abc def'],
    ['the scheme exactly as RFC 6750 spells it', ['Authorization', 'Bearer x.y.z'], 'x.y.z'],
    ['a scheme that only starts like Bearer', ['Authorization', 'Bearerx x.y.z'], 'NONE'],
    ['a token over the size limit', ['Authorization', `Bearer ${'a'.repeat(20 * 1024)}`], 'TOKEN_TOO_LARGE'],
  ])('when the request has %s, then the outcome is %s', (_name, raw, expected) => {
    expect(outcome(() => extractBearerToken(request(...raw)))).toBe(expected);
  });
});
