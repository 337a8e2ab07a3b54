import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { pollUntil } from './contracts/poll.js';
import { LineSink, removeDir, startAuditedAuth, tempDir } from './support/audit-capture.js';
import { PASSWORD, post, request } from './support/http-client.js';
import { basic, newSecret, postForm } from './support/oauth-client.js';

const ADMIN_TOKEN = `audit-admin-${newSecret()}`;
const WRONG_ADMIN_TOKEN = `guessed-admin-${newSecret()}`;
const WRONG_PASSWORD = `${PASSWORD} but wrong`;

/** Private RSA members of every key in the key set file, as the file holds them. */
async function privateKeyMembers(file: string): Promise<string[]> {
  const set = JSON.parse(await readFile(file, 'utf8')) as { keys: Array<Record<string, unknown>> };
  return set.keys.flatMap((key) => ['d', 'p', 'q', 'dp', 'dq', 'qi'].map((member) => key[member]).filter((value): value is string => typeof value === 'string'));
}

describe('no secret in any log line of the auth service', () => {
  it('when the main flows run with every logger at trace, then no line holds a password, token, client secret, the admin token or private key material', async () => {
    const dir = await tempDir('audit-no-secrets');
    const clientsFile = path.join(dir, 'clients.yaml');
    const fileSecret = newSecret();
    await writeFile(clientsFile, 'clients:\n  - client_id: batch\n    client_secret: ${BATCH_SECRET}\n    scopes: [notes:read]\n');
    const sink = new LineSink();
    const auth = await startAuditedAuth(sink, {
      AUTH_DATA_DIR: dir,
      AUTH_ADMIN_TOKEN: ADMIN_TOKEN,
      AUTH_CLIENTS_FILE: clientsFile,
      BATCH_SECRET: fileSecret,
      LOG_LEVEL: 'trace',
      REFRESH_REUSE_GRACE_SECONDS: '0',
      KEY_PUBLISH_DELAY_SECONDS: '0',
    });
    const secrets: string[] = [PASSWORD, WRONG_PASSWORD, ADMIN_TOKEN, WRONG_ADMIN_TOKEN, fileSecret];
    try {
      expect((await post(auth.url, '/auth/register', { username: 'dave', password: PASSWORD })).status).toBe(201);
      const login = await post(auth.url, '/auth/login', { username: 'dave', password: PASSWORD });
      expect(login.status).toBe(200);
      expect((await post(auth.url, '/auth/login', { username: 'dave', password: WRONG_PASSWORD })).status).toBe(401);
      // A password typed into the username field.
      expect((await post(auth.url, '/auth/login', { username: WRONG_PASSWORD, password: PASSWORD })).status).toBe(401);
      const refreshed = await post(auth.url, '/auth/refresh', { refresh_token: login.body.refresh_token });
      expect(refreshed.status).toBe(200);
      expect((await post(auth.url, '/auth/refresh', { refresh_token: login.body.refresh_token })).status).toBe(401);
      const again = await post(auth.url, '/auth/login', { username: 'dave', password: PASSWORD });
      expect((await post(auth.url, '/auth/logout', { refresh_token: again.body.refresh_token }, again.body.access_token)).status).toBe(204);
      secrets.push(login.body.access_token, login.body.refresh_token, refreshed.body.access_token, refreshed.body.refresh_token, again.body.access_token, again.body.refresh_token);

      const created = await request(auth.url, 'POST', '/admin/clients', { token: ADMIN_TOKEN, json: { client_name: 'secretive', grant_types: ['client_credentials'], scope: 'notes:read' } });
      expect(created.status).toBe(201);
      const clientSecret = String(created.body.client_secret);
      secrets.push(clientSecret);
      for (const [clientId, secret] of [[String(created.body.client_id), clientSecret], ['batch', fileSecret]] as const) {
        const token = await postForm(auth.url, '/oauth/token', { grant_type: 'client_credentials' }, { authorization: basic(clientId, secret) });
        expect(token.status).toBe(200);
        secrets.push(String(token.body.access_token));
      }
      expect((await request(auth.url, 'POST', '/admin/keys/rotate', { token: ADMIN_TOKEN })).status).toBe(201);
      expect((await request(auth.url, 'GET', '/admin/clients', { token: WRONG_ADMIN_TOKEN })).status).toBe(401);
      secrets.push(...(await privateKeyMembers(auth.config.AUTH_SIGNING_KEY_FILE)));
      await pollUntil(() => sink.audit().some((line) => line.event === 'admin.auth_failed'), { what: 'the last audit line' });
    } finally {
      await auth.close();
      await removeDir(dir);
    }

    // The grep is only worth something if the flows were logged: requests and every audit event kind they cause.
    const events = new Set(sink.audit().map((line) => line.event));
    for (const event of ['client.created', 'login.succeeded', 'login.failed', 'refresh.reuse_detected', 'logout', 'key.rotated', 'admin.auth_failed']) expect(events).toContain(event);
    expect(sink.lines.filter((line) => line.includes('"msg":"request"')).length).toBeGreaterThanOrEqual(12);
    expect(secrets.every((secret) => secret.length >= 16)).toBe(true);
    for (const line of sink.lines) {
      expect(line).not.toContain('"d":');
      for (const secret of secrets) expect(line, 'a log line').not.toContain(secret);
    }
  });
});
