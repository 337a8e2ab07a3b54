import { describe, expect, it } from 'vitest';
import { readCookie, serializeCookie } from '../../lib/http/cookies.js';
import { checkCsrf, checkOriginIfPresent } from '../../lib/http/csrf.js';

const ALLOWED = new Set(['http://localhost:8080', 'https://app.example']);
const SECRET = 'c'.repeat(43);

describe('readCookie', () => {
  it.each([
    { header: undefined, result: { kind: 'absent' } },
    { header: 'a=1; b=2', result: { kind: 'absent' } },
    { header: 'csrf_token=abc', result: { kind: 'present', value: 'abc' } },
    { header: 'a=1;csrf_token=abc ; b=2', result: { kind: 'present', value: 'abc' } },
    { header: 'csrf_token="abc"', result: { kind: 'present', value: 'abc' } },
    { header: 'xcsrf_token=1; csrf_token_x=2', result: { kind: 'absent' } },
    { header: 'csrf_token=a; csrf_token=b', result: { kind: 'ambiguous' } },
    { header: 'access_token=x.y.z==; csrf_token=abc', result: { kind: 'present', value: 'abc' } },
  ])('when the header is $header, then $result.kind', ({ header, result }) => {
    expect(readCookie(header, 'csrf_token')).toEqual(result);
  });
});

describe('serializeCookie', () => {
  it('when a value carries a separator, then it is refused rather than written', () => {
    expect(() => serializeCookie('a', 'x; Domain=evil', { path: '/', maxAgeSeconds: 1, httpOnly: true, secure: true, sameSite: 'Lax' })).toThrow(TypeError);
  });

  it('when Max-Age is 0, then an Expires in the past goes with it', () => {
    expect(serializeCookie('a', '', { path: '/auth', maxAgeSeconds: 0, httpOnly: true, secure: false, sameSite: 'Strict' })).toBe(
      'a=; Path=/auth; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Strict',
    );
  });
});

describe('checkCsrf', () => {
  const good = { cookie: `csrf_token=${SECRET}`, 'x-csrf-token': SECRET, origin: 'http://localhost:8080' };
  it.each([
    { name: 'everything right', headers: good, code: undefined },
    { name: 'Referer instead of Origin', headers: { ...good, origin: undefined, referer: 'https://app.example/notes' }, code: undefined },
    { name: 'no Origin, no Referer', headers: { ...good, origin: undefined }, code: 'CSRF_ORIGIN_MISSING' },
    { name: 'a foreign Origin', headers: { ...good, origin: 'http://localhost:8081' }, code: 'CSRF_ORIGIN_FORBIDDEN' },
    { name: 'Origin null', headers: { ...good, origin: 'null' }, code: 'CSRF_ORIGIN_FORBIDDEN' },
    { name: 'an unparsable Referer', headers: { ...good, origin: undefined, referer: '::' }, code: 'CSRF_ORIGIN_FORBIDDEN' },
    { name: 'no cookie', headers: { ...good, cookie: undefined }, code: 'CSRF_COOKIE_MISSING' },
    { name: 'an empty cookie', headers: { ...good, cookie: 'csrf_token=' }, code: 'CSRF_COOKIE_MISSING' },
    { name: 'two cookies', headers: { ...good, cookie: `csrf_token=${SECRET}; csrf_token=${SECRET}` }, code: 'CSRF_COOKIE_AMBIGUOUS' },
    { name: 'no header', headers: { ...good, 'x-csrf-token': undefined }, code: 'CSRF_HEADER_MISSING' },
    { name: 'a different header', headers: { ...good, 'x-csrf-token': 'd'.repeat(43) }, code: 'CSRF_TOKEN_MISMATCH' },
    { name: 'a shorter header', headers: { ...good, 'x-csrf-token': SECRET.slice(1) }, code: 'CSRF_TOKEN_MISMATCH' },
  ])('when the request has $name, then $code', ({ headers, code }) => {
    const result = checkCsrf(headers, ALLOWED);
    if (code === undefined) return expect(result).toBeUndefined();
    expect(result).toMatchObject({ code, status: 403, error: 'csrf_failed' });
  });
});

describe('checkOriginIfPresent', () => {
  it('when neither Origin nor Referer is sent (a non-browser client), then it passes; a foreign one does not', () => {
    expect(checkOriginIfPresent({}, ALLOWED)).toBeUndefined();
    expect(checkOriginIfPresent({ origin: 'https://app.example' }, ALLOWED)).toBeUndefined();
    expect(checkOriginIfPresent({ origin: 'https://evil.example' }, ALLOWED)).toMatchObject({ code: 'CSRF_ORIGIN_FORBIDDEN' });
  });
});
