import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAuthProcess } from './support/auth-process.js';
import { basic, newSecret, postForm } from './support/oauth-client.js';


describe('AUTH_CLIENTS_FILE at start', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'auth-clients-file-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('when the file is valid, then its clients can get tokens as soon as the service listens, and no secret is logged', async () => {
    const secret = newSecret();
    const file = path.join(dir, 'clients.yaml');
    await writeFile(file, 'clients:\n  - client_id: batch\n    client_secret: ${BATCH_SECRET}\n    scopes: [notes:read]\n');
    const run = runAuthProcess({ AUTH_PORT: '0', AUTH_DATA_DIR: path.join(dir, 'ok'), AUTH_CLIENTS_FILE: file, BATCH_SECRET: secret });
    try {
      const url = await run.listening;
      const res = await postForm(url, '/oauth/token', { grant_type: 'client_credentials' }, { authorization: basic('batch', secret) });
      expect(res.status).toBe(200);
      expect(run.output().stdout).toContain('"created":["batch"]');
      expect(run.output().stdout + run.output().stderr).not.toContain(secret);
    } finally {
      run.child.kill('SIGTERM');
      await run.exited;
    }
  });

  it.each([
    ['a secret variable that is not set', 'clients:\n  - client_id: batch\n    client_secret: ${MISSING_SECRET}\n    scopes: [notes:read]\n', /MISSING_SECRET is not set/],
    ['an inline secret', 'clients:\n  - client_id: batch\n    client_secret: hunter2hunter2hunter2hunter2hunter2\n    scopes: [notes:read]\n', /inline secrets are not allowed/],
    ['broken YAML', 'clients: [\n', /not valid YAML/],
    ['the first-party client id', 'clients:\n  - client_id: first-party\n    grant_types: [refresh_token]\n    scopes: [notes:read]\n', /client first-party\).*first-party client/],
    // Client secrets are stored with a fast keyed hash, so a guessable one is refused at start.
    ['a secret weaker than a generated one', 'clients:\n  - client_id: batch\n    client_secret: ${WEAK_SECRET}\n    scopes: [notes:read]\n', /WEAK_SECRET holds a secret that carries about \d+ bits/, { WEAK_SECRET: 'hunter2hunter2hunter2hunter2hunter2' }],
  ])('when the file has %s, then the process exits 1 with one line naming AUTH_CLIENTS_FILE and never listens', async (_name, content, reason, env: Record<string, string> = {}) => {
    const file = path.join(dir, `bad-${Math.random().toString(36).slice(2)}.yaml`);
    await writeFile(file, content);
    const run = runAuthProcess({ AUTH_PORT: '0', AUTH_DATA_DIR: path.join(dir, 'bad'), AUTH_CLIENTS_FILE: file, ...env });
    expect(await run.exited).toBe(1);
    const { stdout, stderr } = run.output();
    const lines = stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^auth: .*AUTH_CLIENTS_FILE|^auth: invalid clients file/);
    expect(lines[0]).toMatch(reason);
    expect(lines[0]).not.toContain('hunter2');
    expect(stdout).not.toContain('auth service listening');
  });

  it('when the file does not exist, then the process exits 1 naming it', async () => {
    const run = runAuthProcess({ AUTH_PORT: '0', AUTH_DATA_DIR: path.join(dir, 'missing'), AUTH_CLIENTS_FILE: path.join(dir, 'nope.yaml') });
    expect(await run.exited).toBe(1);
    expect(run.output().stderr.trim().split('\n')).toEqual([expect.stringMatching(/nope\.yaml.*cannot be read/)]);
  });
});
