import { readFile, rename, rm, writeFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisTokenStore } from '../../services/auth/adapters/redis/redis-token-store.js';
import { MemoryUserStore } from '../../services/auth/adapters/memory/memory-user-store.js';
import { createKeySetFile } from '../../services/auth/adapters/keys/key-set-operations.js';
import { HAS_REDIS, TEST_REDIS_URL, uniqueRedisPrefix } from '../support/redis.js';
import { makeReadOnly } from '../support/read-only-dir.js';
import { pollUntil } from './contracts/poll.js';
import { startTestAuth, type TestAuth } from './support/auth-harness.js';
import { PASSWORD, get, post, request } from './support/http-client.js';

const ADMIN_TOKEN = 'key-reload-admin-token-0123456789abcdef';
/** Small, so a replica sees another's rotation within about a second. */
const POLL_SECONDS = '1';

/** Collects pino's JSON lines. */
class LineSink extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    callback();
  }
}

const kidOf = (token: string) => decodeProtectedHeader(token).kid;
const jwksKids = async (auth: TestAuth) => ((await get(auth.url, '/.well-known/jwks.json')).body.keys as Array<{ kid: string }>).map((k) => k.kid);
const rotate = (auth: TestAuth) => request(auth.url, 'POST', '/admin/keys/rotate', { token: ADMIN_TOKEN });

async function login(auth: TestAuth, username: string): Promise<string> {
  const response = await post(auth.url, '/auth/login', { username, password: PASSWORD });
  expect(response.status).toBe(200);
  return String(response.body.access_token);
}

/** Replaces the key file the way a Secret update or the CLI does: whole file, atomic rename. */
async function replaceFile(file: string, content: string): Promise<void> {
  const temp = `${file}.replacing`;
  await writeFile(temp, content, { mode: 0o600 });
  await rename(temp, file);
}

describe.runIf(HAS_REDIS)('two auth replicas sharing one key file', () => {
  let dir: string;
  let file: string;
  let a: TestAuth;
  let b: TestAuth;
  const bLog = new LineSink();
  const keyPrefix = uniqueRedisPrefix('key-reload');
  // Shared state as in production: one user store (Mongo there), one Redis, one key file.
  const users = new MemoryUserStore();
  const tokenStore = () => new RedisTokenStore({ redis: new Redis(TEST_REDIS_URL), keyPrefix });

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'auth-key-reload-'));
    file = path.join(dir, 'signing-keys.json');
    const env = { AUTH_SIGNING_KEY_FILE: file, AUTH_ADMIN_TOKEN: ADMIN_TOKEN, KEY_PUBLISH_DELAY_SECONDS: '1', KEY_FILE_POLL_SECONDS: POLL_SECONDS };
    a = await startTestAuth({ env, users, tokens: tokenStore });
    b = await startTestAuth({ env, users, tokens: tokenStore, logDestination: bLog });
    expect((await post(a.url, '/auth/register', { username: 'replicated', password: PASSWORD })).status).toBe(201);
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    const redis = new Redis(TEST_REDIS_URL);
    for await (const keys of redis.scanStream({ match: `${keyPrefix}*`, count: 500 })) if ((keys as string[]).length > 0) await redis.del(...(keys as string[]));
    await redis.quit();
    await rm(dir, { recursive: true, force: true });
  });

  it('when replica A rotates, then B publishes the new kid within the poll interval, both sign with it once it activates, and every token verifies on both', async () => {
    const oldKid = a.keys.currentSigningKey().kid;
    expect(b.keys.currentSigningKey().kid).toBe(oldKid);
    const before = [await login(a, 'replicated'), await login(b, 'replicated')];

    const rotated = await rotate(a);
    expect(rotated.status).toBe(201);
    const newKid = String(rotated.body.kid);
    expect(await jwksKids(a)).toContain(newKid);
    await pollUntil(async () => (await jwksKids(b)).includes(newKid), { timeoutMs: 5_000, intervalMs: 100, what: "B's JWKS to publish the new kid" });
    expect(await jwksKids(b)).toEqual([newKid, oldKid]);

    // Activation is the time stored in the file: both replicas switch at that instant.
    let after: string[] = [];
    await pollUntil(
      async () => {
        after = [await login(a, 'replicated'), await login(b, 'replicated')];
        return after.every((token) => kidOf(token) === newKid);
      },
      { timeoutMs: 10_000, intervalMs: 200, what: 'both replicas to sign with the new kid' },
    );

    for (const replica of [a, b]) {
      for (const token of [...before, ...after]) expect((await get(replica.url, '/auth/me', token)).status).toBe(200);
    }
    // A third party holding only B's JWKS verifies what A signed.
    const jwks = createLocalJWKSet((await get(b.url, '/.well-known/jwks.json')).body as Parameters<typeof createLocalJWKSet>[0]);
    await expect(jwtVerify(after[0]!, jwks)).resolves.toMatchObject({ protectedHeader: { kid: newKid } });
  });

  it.each([
    ['cut off mid-file', (text: string) => text.slice(0, Math.floor(text.length / 2))],
    ['without keys', () => '{"format":"authgate-signing-keys","version":1,"keys":[],"keystore":{"keys":[]}}\n'],
    ['with a kid that is not its thumbprint', (text: string) => text.replaceAll(JSON.parse(text).keys[0].kid, 'made-up-kid')],
  ])('when the file is replaced by one %s, then it is refused with a logged error without key material, and the loaded keys keep working', async (_name, corrupt) => {
    const good = await readFile(file, 'utf8');
    const privateValues = (JSON.parse(good).keystore.keys as Array<Record<string, string>>).flatMap((k) => [k.d!, k.p!, k.q!, k.dp!, k.dq!, k.qi!]);
    const published = await jwksKids(b);
    const signing = b.keys.currentSigningKey().kid;
    const errorsBefore = bLog.lines.filter((line) => line.includes('was refused')).length;
    try {
      await replaceFile(file, corrupt(good));
      await pollUntil(() => bLog.lines.filter((line) => line.includes('was refused')).length > errorsBefore, {
        timeoutMs: 5_000,
        intervalMs: 100,
        what: 'B to refuse the corrupt file',
      });
      const refusal = JSON.parse(bLog.lines.filter((line) => line.includes('was refused')).at(-1)!);
      expect(refusal).toMatchObject({ level: 50, file, reason: expect.stringContaining(file) });
      for (const line of bLog.lines) for (const value of privateValues) expect(line).not.toContain(value);

      expect(await jwksKids(b)).toEqual(published);
      const token = await login(b, 'replicated');
      expect(kidOf(token)).toBe(signing);
      expect((await get(b.url, '/auth/me', token)).status).toBe(200);
      expect((await get(b.url, '/readyz')).status).toBe(200);
    } finally {
      await replaceFile(file, good);
    }
  });
});

describe('an auth service whose key file is read-only (a mounted Secret)', () => {
  let dir: string;
  let file: string;
  let auth: TestAuth | undefined;
  let undo: (() => Promise<void>) | null = null;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'auth-key-ro-'));
    file = path.join(dir, 'signing-keys.json');
    await createKeySetFile(file);
    undo = await makeReadOnly(dir);
    if (!undo) console.warn(`[skip] read-only key file: cannot make ${dir} unwritable here (needs chattr +i as root)`);
    else auth = await startTestAuth({ env: { AUTH_SIGNING_KEY_FILE: file, AUTH_ADMIN_TOKEN: ADMIN_TOKEN, KEY_PUBLISH_DELAY_SECONDS: '0' } });
  });
  afterAll(async () => {
    await auth?.stop();
    await undo?.();
    await rm(dir, { recursive: true, force: true });
  });

  it('when the admin API is asked to rotate, then it answers 409 key_store_read_only pointing at the CLI, and the key set is unchanged', async (ctx) => {
    if (!auth) return ctx.skip();
    const before = await readFile(file, 'utf8');
    const kids = await jwksKids(auth);
    const response = await rotate(auth);
    expect(response.status).toBe(409);
    expect(response.body).toMatchObject({ error: 'key_store_read_only', error_description: expect.stringContaining('npm run keys -- rotate') });
    expect(await readFile(file, 'utf8')).toBe(before);
    expect(await jwksKids(auth)).toEqual(kids);
    expect((await get(auth.url, '/readyz')).status).toBe(200);
  });
});
