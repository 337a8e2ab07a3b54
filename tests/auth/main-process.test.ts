import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAuthProcess } from './support/auth-process.js';
import { get, registerAndLogin } from './support/http-client.js';


describe('the auth process', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'auth-main-'));
  });
  afterAll(() => rm(dataDir, { recursive: true, force: true }));

  it('when started and sent SIGTERM, then it serves, stops cleanly and exits 0', async () => {
    const run = runAuthProcess({ AUTH_PORT: '0', AUTH_DATA_DIR: dataDir });
    const url = await run.listening;
    expect((await get(url, '/readyz')).status).toBe(200);
    await registerAndLogin(url, 'process-user');
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    expect(run.output().stdout).toContain('"msg":"stopped"');
  });

  it.each([
    ['AUTH_PORT', 'abc'],
    ['REDIS_URL', 'localhost:6379'],
    // Well formed but nothing listens there: the store cannot open, and the line says which variable.
    ['REDIS_URL', 'redis://127.0.0.1:1'],
  ])('when %s=%s, then it exits 1 with one line naming the variable', async (variable, value) => {
    const run = runAuthProcess({ AUTH_PORT: '0', AUTH_DATA_DIR: dataDir, [variable]: value });
    expect(await run.exited).toBe(1);
    const lines = run.output().stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^auth: .*${variable}`));
    expect(lines[0]).not.toContain(value);
  });
});
