import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { get, PASSWORD, post, registerAndLogin } from './support/http-client.js';
import { startTestAuth } from './support/auth-harness.js';

describe('restart on the embedded user store', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'auth-restart-'));
  });
  afterAll(() => rm(dataDir, { recursive: true, force: true }));

  it('when the service is rebuilt from the same data dir, then keys, users and issued tokens survive', async () => {
    const first = await startTestAuth({ dataDir, users: 'config' });
    const tokens = await registerAndLogin(first.url, 'survivor');
    const kid = first.keys.currentSigningKey().kid;
    expect((await stat(path.join(dataDir, 'signing-keys.json'))).mode & 0o777).toBe(0o600);
    await first.stop();

    const second = await startTestAuth({ dataDir, users: 'config' });
    try {
      expect(second.keys.currentSigningKey().kid).toBe(kid);
      // The access token signed before the restart still verifies.
      const me = await get(second.url, '/auth/me', tokens.access_token);
      expect(me.status).toBe(200);
      expect(me.body.username).toBe('survivor');
      // The user is still there (embedded store on disk).
      expect((await post(second.url, '/auth/login', { username: 'survivor', password: PASSWORD })).status).toBe(200);
      expect((await post(second.url, '/auth/register', { username: 'Survivor', password: PASSWORD })).status).toBe(409);
    } finally {
      await second.stop();
    }
  });

  it('when AUTH_SIGNING_KEY_FILE points elsewhere, then the key set lives there', async () => {
    const keyFile = path.join(dataDir, 'secret-mount', 'keys.json');
    const service = await startTestAuth({ dataDir, users: 'config', env: { AUTH_SIGNING_KEY_FILE: keyFile } });
    try {
      expect((await stat(keyFile)).isFile()).toBe(true);
    } finally {
      await service.stop();
    }
  });
});
