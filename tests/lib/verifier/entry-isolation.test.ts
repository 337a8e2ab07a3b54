import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../../', import.meta.url));
const recorder = fileURLToPath(new URL('./support/record-resolutions.mjs', import.meta.url));
const scratch = mkdtempSync(path.join(tmpdir(), 'authgate-entry-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Packages and lib folders a service that only verifies tokens must not be made to load. */
const HEAVY = [/\/node_modules\/express\//, /\/node_modules\/passport(-strategy)?\//, /\/node_modules\/ioredis\//, /\/node_modules\/@opentelemetry\//, /\/lib\/(http|express|redis|tracing)\//];

/**
 * Every module a fresh Node process loads while importing `entry` by its package name (the
 * `exports` map of package.json) and using it, as a third-party service would: the URLs the ESM
 * resolver saw (the recorder hook) and the files CommonJS packages required among themselves
 * (require.cache, which the hook does not see).
 */
async function modulesLoadedBy(entry: string, use: string): Promise<string[]> {
  const log = path.join(scratch, `${entry.replace(/\W/g, '_')}.log`);
  const script = [
    `const m = await import(${JSON.stringify(entry)});`,
    use,
    "const { createRequire } = await import('node:module'); const { appendFileSync } = await import('node:fs');",
    `appendFileSync(${JSON.stringify(log)}, Object.keys(createRequire(import.meta.url).cache).join('\\n') + '\\n');`,
  ].join('\n');
  await run(process.execPath, ['--import', 'tsx', '--import', recorder, '--input-type=module', '-e', script], {
    cwd: root,
    env: { ...process.env, RECORD_RESOLUTIONS_TO: log },
    timeout: 60_000,
  });
  return readFileSync(log, 'utf8')
    .split('\n')
    .filter((url) => url !== '')
    .map((url) => (url.startsWith('file:') ? fileURLToPath(url) : url));
}

describe('the verifier as a package entry', () => {
  it('when a service imports authgate/verifier and builds a verifier, then express, passport, ioredis, OpenTelemetry and lib/http|express|redis|tracing are never loaded', async () => {
    const loaded = await modulesLoadedBy('authgate/verifier', "m.createVerifier({ issuer: 'http://issuer.test', audience: 'api', jwksUri: 'http://issuer.test/jwks' }).close();");
    expect(loaded.some((url) => url.endsWith(path.join('lib', 'verifier', 'index.ts')))).toBe(true);
    expect(loaded.filter((url) => HEAVY.some((pattern) => pattern.test(url)))).toEqual([]);
  }, 90_000);

  it('when a service imports authgate/express, then it gets requireAuth and the error handler (and the probe sees the Passport base load)', async () => {
    // The positive control: the same probe does notice a heavy module, so the test above cannot pass vacuously.
    const loaded = await modulesLoadedBy('authgate/express', "if (typeof m.createRequireAuth !== 'function' || typeof m.errorHandler !== 'function') throw new Error('missing export');");
    expect(loaded.some((url) => /\/node_modules\/passport-strategy\//.test(url))).toBe(true);
    expect(loaded.some((url) => url.endsWith(path.join('lib', 'express', 'index.ts')))).toBe(true);
  }, 90_000);
});
