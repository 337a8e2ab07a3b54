import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodeJoseKeySet } from '../../services/auth/adapters/keys/node-jose-key-set.js';
import { DEFAULT_KEY_PUBLISH_DELAY_SECONDS, loadAuthConfig } from '../../services/auth/config.js';
import { pollUntil } from '../auth/contracts/poll.js';
import { startTestAuth, type TestAuth } from '../auth/support/auth-harness.js';
import { get } from '../auth/support/http-client.js';
import { makeReadOnly } from '../support/read-only-dir.js';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi'] as const;

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

async function keys(...args: string[]): Promise<CliResult> {
  try {
    const { stdout, stderr } = await run('npx', ['tsx', 'scripts/keys.ts', ...args], { cwd: ROOT, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const failed = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof failed.code === 'number' ? failed.code : -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

/** Every private member value in the key set file: none may ever appear in the CLI's output. */
async function privateValues(file: string): Promise<string[]> {
  const stored = JSON.parse(await readFile(file, 'utf8')) as { keystore: { keys: Array<Record<string, string>> } };
  return stored.keystore.keys.flatMap((key) => PRIVATE_MEMBERS.map((member) => key[member]!));
}

function expectNoKeyMaterial(result: CliResult, secrets: string[]): void {
  for (const value of secrets) {
    expect(result.stdout).not.toContain(value);
    expect(result.stderr).not.toContain(value);
  }
  expect(result.stdout).not.toMatch(/"(d|p|q|dp|dq|qi)"\s*:/);
}

describe('npm run keys (offline key set tool)', () => {
  let dir: string;
  let file: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'keys-cli-'));
    file = path.join(dir, 'secrets', 'signing-keys.json');
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('when init runs, then it writes a key set the service loads (mode 0600), prints the kid and no key material; a second init refuses and leaves the file alone', async () => {
    const created = await keys('init', '--file', file);
    expect(created.code).toBe(0);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const store = await NodeJoseKeySet.open({ file });
    const kid = store.currentSigningKey().kid;
    expect(created.stdout).toContain(kid);
    expectNoKeyMaterial(created, await privateValues(file));

    const content = await readFile(file, 'utf8');
    const again = await keys('init', '--file', file);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already exists/);
    expect(await readFile(file, 'utf8')).toBe(content);
  });

  it('when rotate runs, then the new kid is published by the service at once and signs from the printed time; show lists both keys and no key material', async () => {
    const oldKid = (await NodeJoseKeySet.open({ file })).currentSigningKey().kid;
    const rotated = await keys('rotate', '--file', file, '--publish-delay', '0', '--json');
    expect(rotated.code).toBe(0);
    const body = JSON.parse(rotated.stdout) as { kid: string; activates_at: string };
    const reopened = await NodeJoseKeySet.open({ file });
    expect(reopened.publicJwks().keys.map((k) => k.kid)).toEqual([body.kid, oldKid]);
    expect(reopened.currentSigningKey().kid).toBe(body.kid);
    const secrets = await privateValues(file);
    expectNoKeyMaterial(rotated, secrets);

    const shown = await keys('show', '--file', file);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(new RegExp(`^${oldKid}\\tretired\\t`, 'm'));
    expect(shown.stdout).toMatch(new RegExp(`^${body.kid}\\tsigning\\t.*\\t${body.activates_at.replace(/\./g, '\\.')}\\t-\\t-$`, 'm'));
    expectNoKeyMaterial(shown, secrets);

    const json = await keys('show', '--file', file, '--json');
    expect(JSON.parse(json.stdout).keys.map((k: { kid: string; status: string }) => [k.kid, k.status])).toEqual([
      [oldKid, 'retired'],
      [body.kid, 'signing'],
    ]);
    expectNoKeyMaterial(json, secrets);
  });

  it('when a running service reads the file and the CLI rotates it, then the service publishes the new kid without a restart', async () => {
    let auth: TestAuth | undefined;
    try {
      auth = await startTestAuth({ env: { AUTH_SIGNING_KEY_FILE: file, KEY_FILE_POLL_SECONDS: '1' } });
      const rotated = await keys('rotate', '--file', file, '--publish-delay', '600', '--json');
      const { kid } = JSON.parse(rotated.stdout) as { kid: string };
      const service = auth;
      await pollUntil(async () => ((await get(service.url, '/.well-known/jwks.json')).body.keys as Array<{ kid: string }>).some((k) => k.kid === kid), {
        timeoutMs: 5_000,
        intervalMs: 100,
        what: 'the service to publish the kid the CLI added',
      });
      // Published at once, signing only after the publish delay.
      expect(service.keys.currentSigningKey().kid).not.toBe(kid);
    } finally {
      await auth?.stop();
    }
  });

  it.each([
    ['no command', ['--file', 'x.json'], 2],
    ['an unknown command', ['destroy', '--file', 'x.json'], 2],
    ['no --file', ['show'], 2],
    ['too few bits', ['init', '--file', 'x.json', '--bits', '1024'], 2],
    ['a missing file', ['show', '--file', 'does-not-exist.json'], 1],
  ])('when given %s (%j), then it exits %i with a message', async (_name, args, code) => {
    const result = await keys(...(args as string[]));
    expect(result.code).toBe(code);
    expect(result.stderr).toMatch(/^keys: /m);
  });

  it('when the key set lies in a directory this process cannot write, then rotate exits 1 saying it is read-only and the file is unchanged', async (ctx) => {
    const roDir = await mkdtemp(path.join(tmpdir(), 'keys-cli-ro-'));
    const roFile = path.join(roDir, 'signing-keys.json');
    let undo: (() => Promise<void>) | null = null;
    try {
      expect((await keys('init', '--file', roFile)).code).toBe(0);
      undo = await makeReadOnly(roDir);
      if (!undo) return ctx.skip();
      const before = await readFile(roFile, 'utf8');
      const result = await keys('rotate', '--file', roFile);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/read-only/);
      expect(await readFile(roFile, 'utf8')).toBe(before);
    } finally {
      await undo?.();
      await rm(roDir, { recursive: true, force: true });
    }
  });

  it('when rotate runs without --publish-delay, then the new key signs after the service\'s own default delay (KEY_PUBLISH_DELAY_SECONDS, 300 s)', async () => {
    const file = path.join(dir, 'default-delay.json');
    expect((await keys('init', '--file', file)).code).toBe(0);
    const before = Date.now();
    const rotated = await keys('rotate', '--file', file, '--json');
    expect(rotated.code).toBe(0);
    const delaySeconds = (Date.parse((JSON.parse(rotated.stdout) as { activates_at: string }).activates_at) - before) / 1000;
    expect(delaySeconds).toBeGreaterThanOrEqual(DEFAULT_KEY_PUBLISH_DELAY_SECONDS - 1);
    expect(delaySeconds).toBeLessThan(DEFAULT_KEY_PUBLISH_DELAY_SECONDS + 60);
    expect(loadAuthConfig({}).KEY_PUBLISH_DELAY_SECONDS).toBe(DEFAULT_KEY_PUBLISH_DELAY_SECONDS);
  });

  it('when an option is mistyped, then one plain line names it, suggests the right one and points at --help', async () => {
    const result = await keys('rotate', '--file', path.join(dir, 'x.json'), '--publish-dely', '5');
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('keys: unknown option --publish-dely (did you mean --publish-delay?); run with --help for usage\n');
  });

  it('when the image is built, then scripts/ is compiled too, so `node dist/scripts/keys.js` exists there', async () => {
    const dockerfile = await readFile(path.join(ROOT, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^COPY scripts \.\/scripts$/m);
    const build = JSON.parse(await readFile(path.join(ROOT, 'tsconfig.build.json'), 'utf8')) as { include: string[] };
    expect(build.include).toContain('scripts');
    const pkg = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.keys).toBe('tsx scripts/keys.ts');
  });
});
