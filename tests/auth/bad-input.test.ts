import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryUserStore } from '../../services/auth/adapters/memory/memory-user-store.js';
import { PASSWORD, post, registerAndLogin, request } from './support/http-client.js';
import { startTestAuth, type TestAuth } from './support/auth-harness.js';

/** One row: a request and what it must get back. `field` is the name the description must start with. */
interface Row {
  name: string;
  path: string;
  body?: unknown;
  raw?: string;
  headers?: Record<string, string>;
  status: number;
  error: string;
  field?: string;
  /** The whole description, where its wording is the point of the row. */
  description?: RegExp;
}

const long = (n: number, char = 'a') => char.repeat(n);

const rows: Row[] = [
  // Body shape
  { name: 'malformed JSON', path: '/auth/register', raw: '{"username": "x",', status: 400, error: 'invalid_request' },
  { name: 'a JSON array', path: '/auth/register', raw: '[]', status: 400, error: 'invalid_request', description: /^request body must be a JSON object$/ },
  { name: 'a JSON string', path: '/auth/login', raw: '"hello"', status: 400, error: 'invalid_request', description: /^request body must be a JSON object$/ },
  { name: 'JSON null', path: '/auth/login', raw: 'null', status: 400, error: 'invalid_request', description: /^request body must be a JSON object$/ },
  // Content-Encoding: a body that does not inflate is the caller's error, not a 500
  { name: 'plain JSON labelled gzip', path: '/auth/register', raw: '{"username":"ivan"}', headers: { 'content-encoding': 'gzip' }, status: 400, error: 'invalid_request', description: /^request body could not be decompressed$/ },
  { name: 'plain JSON labelled br', path: '/auth/login', raw: '{"username":"ivan"}', headers: { 'content-encoding': 'br' }, status: 400, error: 'invalid_request', description: /^request body could not be decompressed$/ },
  { name: 'an unknown Content-Encoding', path: '/auth/login', raw: '{"username":"ivan"}', headers: { 'content-encoding': 'compress' }, status: 415, error: 'invalid_request' },
  { name: 'a form body labelled gzip at the token endpoint', path: '/oauth/token', raw: 'grant_type=client_credentials', headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-encoding': 'gzip' }, status: 400, error: 'invalid_request', description: /^request body could not be decompressed$/ },
  { name: 'a body over the size limit', path: '/auth/register', body: { username: 'big', password: long(20_000) }, status: 413, error: 'invalid_request' },
  { name: 'a form body', path: '/auth/login', raw: 'username=a&password=b', headers: { 'content-type': 'application/x-www-form-urlencoded' }, status: 415, error: 'invalid_request' },
  // Register: missing and wrong types
  { name: 'register without a body', path: '/auth/register', status: 400, error: 'invalid_request', field: 'username' },
  { name: 'register without a password', path: '/auth/register', body: { username: 'ivan' }, status: 400, error: 'invalid_request', field: 'password', description: /^password: is required$/ },
  { name: 'register with a numeric username', path: '/auth/register', body: { username: 42, password: PASSWORD }, status: 400, error: 'invalid_request', field: 'username', description: /^username: must be a string$/ },
  { name: 'register with an array password', path: '/auth/register', body: { username: 'ivan', password: ['x'] }, status: 400, error: 'invalid_request', field: 'password', description: /^password: must be a string$/ },
  { name: 'register with a null email', path: '/auth/register', body: { username: 'ivan', password: PASSWORD, email: null }, status: 400, error: 'invalid_request', field: 'email', description: /^email: must be a string$/ },
  { name: 'register with a null username', path: '/auth/register', body: { username: null, password: PASSWORD }, status: 400, error: 'invalid_request', field: 'username', description: /^username: must be a string$/ },
  // Register: values the policy refuses
  { name: 'register with an 11-character password', path: '/auth/register', body: { username: 'ivan', password: long(11) }, status: 400, error: 'invalid_request', field: 'password' },
  { name: 'register with 11 emoji (22 UTF-16 units)', path: '/auth/register', body: { username: 'ivan', password: long(11, '🔑') }, status: 400, error: 'invalid_request', field: 'password' },
  { name: 'register with a 1025-character password', path: '/auth/register', body: { username: 'ivan', password: long(1025) }, status: 400, error: 'invalid_request', field: 'password' },
  { name: 'register with a lone surrogate in the password', path: '/auth/register', raw: '{"username":"ivan","password":"abcdefghijkl\\ud800"}', status: 400, error: 'invalid_request', field: 'password' },
  { name: 'register with a 2-character username', path: '/auth/register', body: { username: 'ab', password: PASSWORD }, status: 400, error: 'invalid_request', field: 'username' },
  { name: 'register with a 65-character username', path: '/auth/register', body: { username: long(65), password: PASSWORD }, status: 400, error: 'invalid_request', field: 'username' },
  { name: 'register with a space inside the username', path: '/auth/register', body: { username: 'ivan the', password: PASSWORD }, status: 400, error: 'invalid_request', field: 'username' },
  { name: 'register with a Cyrillic look-alike username', path: '/auth/register', body: { username: 'аlice', password: PASSWORD }, status: 400, error: 'invalid_request', field: 'username' },
  { name: 'register with a bad e-mail', path: '/auth/register', body: { username: 'ivan', password: PASSWORD, email: 'not-an-address' }, status: 400, error: 'invalid_request', field: 'email' },
  // Login
  { name: 'login without a username', path: '/auth/login', body: { password: PASSWORD }, status: 400, error: 'invalid_request', field: 'username', description: /^username: is required$/ },
  { name: 'login with an object password', path: '/auth/login', body: { username: 'ivan', password: { $gt: '' } }, status: 400, error: 'invalid_request', field: 'password' },
  { name: 'login with an object username', path: '/auth/login', body: { username: { $ne: null }, password: PASSWORD }, status: 400, error: 'invalid_request', field: 'username' },
  { name: 'login as an unknown user', path: '/auth/login', body: { username: 'nobody', password: PASSWORD }, status: 401, error: 'invalid_grant' },
  { name: 'login with an impossible username', path: '/auth/login', body: { username: '!!', password: PASSWORD }, status: 401, error: 'invalid_grant' },
  { name: 'login to a locked account with the right password', path: '/auth/login', body: { username: 'locked-lou', password: PASSWORD }, status: 401, error: 'invalid_grant' },
  { name: 'login to a locked account with a wrong password', path: '/auth/login', body: { username: 'locked-lou', password: 'wrong password!!' }, status: 401, error: 'invalid_grant' },
  { name: 'login with a wrong password', path: '/auth/login', body: { username: 'judy', password: 'wrong password!!' }, status: 401, error: 'invalid_grant' },
  // Refresh
  { name: 'refresh without a token', path: '/auth/refresh', body: {}, status: 400, error: 'invalid_request', field: 'refresh_token', description: /^refresh_token: is required$/ },
  { name: 'refresh with a numeric token', path: '/auth/refresh', body: { refresh_token: 1 }, status: 400, error: 'invalid_request', field: 'refresh_token', description: /^refresh_token: must be a string$/ },
  { name: 'refresh with a badly shaped token', path: '/auth/refresh', body: { refresh_token: 'short' }, status: 401, error: 'invalid_grant' },
  { name: 'refresh with an unknown token', path: '/auth/refresh', body: { refresh_token: long(43, 'A') }, status: 401, error: 'invalid_grant' },
  // Bearer-protected routes
  // One token error table everywhere: no token is `unauthorized` with a bare challenge, as at the gateway.
  { name: 'logout without a token', path: '/auth/logout', status: 401, error: 'unauthorized' },
  { name: 'logout with a Basic header', path: '/auth/logout', headers: { authorization: 'Basic dXNlcjpwYXNz' }, status: 401, error: 'unauthorized' },
  { name: 'logout with a forged JWT', path: '/auth/logout', headers: { authorization: 'Bearer eyJhbGciOiJub25lIiwidHlwIjoiYXQrand0In0.eyJzdWIiOiJ4In0.' }, status: 401, error: 'invalid_token' },
];

describe('bad input to the user API', () => {
  let auth: TestAuth;
  let users: MemoryUserStore;
  let accessToken: string;

  beforeAll(async () => {
    users = new MemoryUserStore();
    auth = await startTestAuth({ users });
    accessToken = (await registerAndLogin(auth.url, 'judy')).access_token;
    const locked = await post(auth.url, '/auth/register', { username: 'locked-lou', password: PASSWORD });
    await users.setLocked(String(locked.body.id), true);
  });
  afterAll(() => auth?.stop());

  it.each(rows)('when $name, then $status $error', async ({ path, body, raw, headers, status, error, field, description }) => {
    const res = await request(auth.url, 'POST', path, {
      ...(raw === undefined ? { json: body } : { raw }),
      ...(headers ? { headers } : {}),
    });
    expect(res.status).toBe(status);
    expect(res.body.error).toBe(error);
    expect(typeof res.body.error_description).toBe('string');
    if (field) expect(res.body.error_description).toMatch(new RegExp(`^${field}: `));
    if (description) expect(res.body.error_description).toMatch(description);
    if (status === 400 || status === 401) expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('when a locked account, a wrong password and an unknown user log in, then status and body are the same', async () => {
    const answers = await Promise.all(
      [
        { username: 'locked-lou', password: PASSWORD },
        { username: 'judy', password: 'wrong password!!' },
        { username: 'nobody', password: PASSWORD },
      ].map((body) => post(auth.url, '/auth/login', body)),
    );
    for (const answer of answers) expect({ status: answer.status, body: answer.body }).toEqual({ status: answers[0]!.status, body: answers[0]!.body });
  });

  it('when the logout body has a numeric refresh_token, then 400 names it', async () => {
    const res = await post(auth.url, '/auth/logout', { refresh_token: 5 }, accessToken);
    expect(res.status).toBe(400);
    expect(res.body.error_description).toMatch(/^refresh_token: /);
    // A rejected logout revokes nothing.
    expect((await request(auth.url, 'GET', '/auth/me', { token: accessToken })).status).toBe(200);
  });

  it('when every bad registration above was refused, then no user was written', async () => {
    expect(await users.findByUsername('ivan')).toBeNull();
    expect(await users.findByUsername('big')).toBeNull();
  });

  it('when a password of exactly 1024 emoji is registered, then it is accepted and logs in', async () => {
    const password = long(1024, '🔑');
    expect((await post(auth.url, '/auth/register', { username: 'emoji', password })).status).toBe(201);
    expect((await post(auth.url, '/auth/login', { username: 'emoji', password })).status).toBe(200);
    // No truncation: the same password less its last character does not log in.
    expect((await post(auth.url, '/auth/login', { username: 'emoji', password: long(1023, '🔑') })).status).toBe(401);
  });

  it('when a password is typed decomposed at login but composed at registration, then it still matches', async () => {
    const composed = 'caf\u00e9 au lait 2024';
    expect((await post(auth.url, '/auth/register', { username: 'unicode', password: composed })).status).toBe(201);
    expect((await post(auth.url, '/auth/login', { username: 'unicode', password: composed.normalize('NFD') })).status).toBe(200);
  });
});
