import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryClientStore } from '../../services/auth/adapters/memory/memory-client-store.js';
import { Argon2PasswordHasher } from '../../services/auth/adapters/passwords/argon2-password-hasher.js';
import { CLIENT_SECRET_KEY_FILE, clientSecretKey } from '../../services/auth/adapters/passwords/client-secret-key.js';
import { HmacClientSecretHasher } from '../../services/auth/adapters/passwords/hmac-client-secret-hasher.js';
import { clientSecretWeakness, generateClientSecret } from '../../services/auth/domain/clients/client-secret.js';
import { startTestAuth, type TestAuth } from './support/auth-harness.js';
import { PASSWORD, post } from './support/http-client.js';
import { addSecretClient, basic, newSecret, postForm } from './support/oauth-client.js';

const argon2 = new Argon2PasswordHasher();

describe('client secret strength (secrets from the clients file)', () => {
  it('when secrets come from a CSPRNG in the usual encodings, then every one is accepted', () => {
    for (let i = 0; i < 2_000; i++) {
      const bytes = randomBytes(32);
      for (const secret of [bytes.toString('base64url'), bytes.toString('base64'), bytes.toString('hex'), generateClientSecret(), newSecret()]) {
        expect(clientSecretWeakness(secret), secret).toBeNull();
      }
    }
  });

  it.each([
    ['short', 'too-short-s3cr3t'],
    ['32 characters of words and digits', 'reports-secret-0123456789abcdef'],
    ['hex of 16 bytes', randomBytes(16).toString('hex')],
    ['base64url of 24 bytes', randomBytes(24).toString('base64url')],
    ['one repeated character', 'b'.repeat(64)],
    ['a two-character pattern', 'xy'.repeat(60)],
  ])('when a secret is %s, then it is refused', (_label, secret) => {
    expect(clientSecretWeakness(secret)).toEqual(expect.any(String));
  });
});

describe('HMAC-SHA-256 client secret hasher', () => {
  const key = randomBytes(32);
  const hasher = new HmacClientSecretHasher(key, argon2);

  it('when a secret is hashed, then the hash names the scheme and key, matches the secret only, and is not the secret', async () => {
    const secret = generateClientSecret();
    const stored = await hasher.hash(secret);
    expect(stored).toMatch(/^\$hmac-sha256\$[\w-]{8}\$[\w-]{43}$/);
    expect(stored).not.toContain(secret);
    expect(await hasher.verify(stored, secret)).toEqual({ matches: true });
    expect(await hasher.verify(stored, generateClientSecret())).toEqual({ matches: false });
    expect(await hasher.verify(stored, `${secret}x`)).toEqual({ matches: false });
  });

  it.each([
    ['a hash made with another key', async (secret: string) => new HmacClientSecretHasher(randomBytes(32), argon2).hash(secret)],
    ['a truncated hash', async (secret: string) => (await hasher.hash(secret)).slice(0, -4)],
    ['an unknown scheme', async () => '$bcrypt$whatever'],
    ['an empty string', async () => ''],
    ['a broken argon2 string', async () => '$argon2id$garbage'],
  ])('when the stored value is %s, then the right secret does not match', async (_label, make) => {
    const secret = generateClientSecret();
    expect(await hasher.verify(await make(secret), secret)).toEqual({ matches: false });
  });

  it('when the stored hash is argon2id from before, then the right secret matches and comes with an HMAC rehash, a wrong one does not', async () => {
    const secret = generateClientSecret();
    const legacy = await argon2.hash(secret);
    const result = await hasher.verify(legacy, secret);
    expect(result.matches).toBe(true);
    expect(result.rehash).toBe(await hasher.hash(secret));
    expect(await hasher.verify(legacy, generateClientSecret())).toEqual({ matches: false });
  });

  it('when the key is shorter than 32 bytes, then the hasher refuses it', () => {
    expect(() => new HmacClientSecretHasher(randomBytes(16), argon2)).toThrow(/32 bytes/);
  });
});

describe('client secret key source', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'client-secret-key-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('when AUTH_CLIENT_SECRET_KEY is unset, then a random key is created once under AUTH_DATA_DIR (0600) and read back, concurrent starts agreeing', async () => {
    const dataDir = path.join(dir, 'data');
    const keys = await Promise.all(Array.from({ length: 4 }, () => clientSecretKey(undefined, dataDir)));
    for (const key of keys) expect(key.equals(keys[0]!)).toBe(true);
    expect(keys[0]).toHaveLength(32);
    expect((await stat(path.join(dataDir, CLIENT_SECRET_KEY_FILE))).mode & 0o777).toBe(0o600);
    expect((await clientSecretKey(undefined, dataDir)).equals(keys[0]!)).toBe(true);
    expect((await clientSecretKey(undefined, path.join(dir, 'other'))).equals(keys[0]!)).toBe(false);
  });

  it('when AUTH_CLIENT_SECRET_KEY is set, then every data dir derives the same key from it, and another value another key', async () => {
    const value = randomBytes(32).toString('base64url');
    const a = await clientSecretKey(value, path.join(dir, 'a'));
    const b = await clientSecretKey(value, path.join(dir, 'b'));
    expect(a.equals(b)).toBe(true);
    expect(a.equals(await clientSecretKey(randomBytes(32).toString('base64url'), path.join(dir, 'a')))).toBe(false);
    expect(a.equals(Buffer.from(value))).toBe(false);
  });
});

describe('client authentication through the token and introspection endpoints', () => {
  let auth: TestAuth;
  let clients: MemoryClientStore;
  const secret = newSecret();

  beforeAll(async () => {
    clients = new MemoryClientStore();
    auth = await startTestAuth({ clients });
  });
  afterAll(() => auth?.stop());

  const token = (clientId: string, presented: string) =>
    postForm(auth.url, '/oauth/token', { grant_type: 'client_credentials' }, { authorization: basic(clientId, presented) });

  it('when a client stored with an argon2id hash authenticates, then it gets a token and its hash is replaced by an HMAC one that keeps working', async () => {
    await addSecretClient(clients, 'legacy', secret);
    const before = await clients.findById('legacy');
    expect(before?.secretHash).toMatch(/^\$argon2id\$/);

    expect((await token('legacy', generateClientSecret())).status).toBe(401);
    expect((await clients.findById('legacy'))?.secretHash).toBe(before?.secretHash);

    expect((await token('legacy', secret)).status).toBe(200);
    const after = await clients.findById('legacy');
    expect(after?.secretHash).toMatch(/^\$hmac-sha256\$/);
    expect(after).toMatchObject({ scopes: before?.scopes, tokenEndpointAuthMethods: before?.tokenEndpointAuthMethods, createdAt: before?.createdAt });

    const again = await token('legacy', secret);
    expect(again.status).toBe(200);
    const introspected = await postForm(auth.url, '/oauth/introspect', { token: again.body.access_token }, { authorization: basic('legacy', secret) });
    expect(introspected.body).toMatchObject({ active: true, client_id: 'legacy' });
    expect((await token('legacy', generateClientSecret())).status).toBe(401);
  });

  it('when a client with an argon2id hash from before is flooded with wrong secrets, then past its share of the hashing queue the flood gets 429 and users still log in', async () => {
    const store = new MemoryClientStore();
    const small = await startTestAuth({ clients: store, passwords: new Argon2PasswordHasher(undefined, { concurrency: 1, maxWaiting: 8, maxPerKey: 2 }) });
    try {
      await addSecretClient(store, 'legacy-flooded', secret);
      expect((await post(small.url, '/auth/register', { username: 'bystander', password: PASSWORD })).status).toBe(201);
      const flood = await Promise.all(
        Array.from({ length: 8 }, () => postForm(small.url, '/oauth/token', { grant_type: 'client_credentials' }, { authorization: basic('legacy-flooded', generateClientSecret()) })),
      );
      expect(flood.map((a) => a.status).filter((s) => s !== 401 && s !== 429)).toEqual([]);
      const refused = flood.filter((a) => a.status === 429);
      expect(refused.length).toBeGreaterThan(0);
      for (const answer of refused) expect({ error: answer.body.error, retryAfter: answer.headers.get('retry-after') }).toEqual({ error: 'too_many_requests', retryAfter: '1' });
      expect((await post(small.url, '/auth/login', { username: 'bystander', password: PASSWORD })).status).toBe(200);
    } finally {
      await small.stop();
    }
  });

  it('when a client is created through the admin path of the service, then its secret is stored as HMAC-SHA-256', async () => {
    const withAdmin = await startTestAuth({ env: { AUTH_ADMIN_TOKEN: randomBytes(32).toString('base64url') } });
    try {
      const created = await fetch(`${withAdmin.url}/admin/clients`, {
        method: 'POST',
        headers: { authorization: `Bearer ${withAdmin.config.AUTH_ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ client_id: 'fresh', scopes: ['notes:read'] }),
      });
      expect(created.status).toBe(201);
      const { client_secret } = (await created.json()) as { client_secret: string };
      const res = await postForm(withAdmin.url, '/oauth/token', { grant_type: 'client_credentials' }, { authorization: basic('fresh', client_secret) });
      expect(res.status).toBe(200);
    } finally {
      await withAdmin.stop();
    }
  });
});
