import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUDIT_SCHEMA_VERSION, createAuditLogger, pinoAuditEvents } from '../../services/auth/adapters/audit/pino-audit-events.js';
import { rotateKeySetFile } from '../../services/auth/adapters/keys/key-set-operations.js';
import { MemoryUserStore } from '../../services/auth/adapters/memory/memory-user-store.js';
import { allAuthEvents, ignoreAuthEvents, type AuthEvents } from '../../services/auth/domain/auth-events.js';
import { pollUntil } from './contracts/poll.js';
import { LineSink, removeDir, startAuditedAuth, tempDir, type AuditedAuth } from './support/audit-capture.js';
import { PASSWORD, post, registerAndLogin, request } from './support/http-client.js';
import { newSecret } from './support/oauth-client.js';

const ADMIN_TOKEN = 'audit-events-admin-token-0123456789abcdef';
const LOOPBACK = expect.stringMatching(/127\.0\.0\.1$/);
const admin = (auth: AuditedAuth, method: string, route: string, json?: unknown) => request(auth.url, method, route, { token: ADMIN_TOKEN, ...(json === undefined ? {} : { json }) });

/** Runs `act`, then expects exactly one audit line of `event` among the lines it caused, and returns it. */
async function one(sink: LineSink, event: string, act: () => Promise<unknown>): Promise<Record<string, unknown>> {
  const mark = sink.lines.length;
  await act();
  const lines = sink.audit(mark).filter((line) => line.event === event);
  expect(lines, `${event} lines`).toHaveLength(1);
  expect(lines[0]).toMatchObject({ name: 'audit', service: 'auth', audit_version: AUDIT_SCHEMA_VERSION, event, msg: event });
  return lines[0]!;
}

describe('audit trail of the auth service', () => {
  const sink = new LineSink();
  let dir: string;
  let auth: AuditedAuth;
  let alice: { id: string; access_token: string; refresh_token: string };

  beforeAll(async () => {
    dir = await tempDir('audit-events');
    auth = await startAuditedAuth(sink, {
      AUTH_DATA_DIR: dir,
      AUTH_ADMIN_TOKEN: ADMIN_TOKEN,
      LOG_LEVEL: 'info',
      LOGIN_MAX_FAILURES: '3',
      REFRESH_REUSE_GRACE_SECONDS: '0',
      KEY_PUBLISH_DELAY_SECONDS: '0',
      KEY_FILE_POLL_SECONDS: '1',
    });
    alice = await registerAndLogin(auth.url, 'alice');
  });
  afterAll(async () => {
    await auth?.close();
    await removeDir(dir);
  });

  it('when a login succeeds, then login.succeeded names the user, the first-party client and the address', async () => {
    const line = await one(sink, 'login.succeeded', () => post(auth.url, '/auth/login', { username: 'Alice', password: PASSWORD }));
    expect(line).toMatchObject({ user_id: alice.id, username: 'alice', client_id: auth.config.FIRST_PARTY_CLIENT_ID, client_ip: LOOPBACK, level: 30 });
  });

  it('when the password is wrong, then login.failed says wrong_password with the account, and nothing about the password', async () => {
    const line = await one(sink, 'login.failed', () => post(auth.url, '/auth/login', { username: 'alice', password: `${PASSWORD}-wrong` }));
    expect(line).toMatchObject({ reason: 'wrong_password', user_id: alice.id, username: 'alice', client_id: auth.config.FIRST_PARTY_CLIENT_ID, client_ip: LOOPBACK });
    await post(auth.url, '/auth/login', { username: 'alice', password: PASSWORD }); // clears the account's count
  });

  it('when the user does not exist, then login.failed says unknown_user and does not repeat the typed name', async () => {
    const typed = 'not-a-user-maybe-a-password';
    const mark = sink.lines.length;
    const line = await one(sink, 'login.failed', () => post(auth.url, '/auth/login', { username: typed, password: PASSWORD }));
    expect(line).toMatchObject({ reason: 'unknown_user', user_id: null, username: null, client_ip: LOOPBACK });
    for (const text of sink.lines.slice(mark)) expect(text).not.toContain(typed);
  });

  it('when logins for one name are throttled, then login.failed says rate_limited without a user', async () => {
    for (let attempt = 0; attempt < 3; attempt++) await post(auth.url, '/auth/login', { username: 'carol', password: PASSWORD });
    const line = await one(sink, 'login.failed', async () => expect((await post(auth.url, '/auth/login', { username: 'carol', password: PASSWORD })).status).toBe(429));
    expect(line).toMatchObject({ reason: 'rate_limited', user_id: null, username: null, client_ip: LOOPBACK });
  });

  it('when a user signs in on the hosted login page, then login.succeeded names the app as the client', async () => {
    const redirectUri = 'http://127.0.0.1:9/callback';
    const app = await admin(auth, 'POST', '/admin/clients', { client_name: 'audited-app', redirect_uris: [redirectUri], token_endpoint_auth_method: 'none', grant_types: ['authorization_code'], scope: 'openid' });
    expect(app.status).toBe(201);
    const query = new URLSearchParams({ response_type: 'code', client_id: String(app.body.client_id), redirect_uri: redirectUri, scope: 'openid', state: 's', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGKnUSTFA0', code_challenge_method: 'S256' });
    const page = await fetch(`${auth.url}/oauth/authorize?${query}`);
    expect(page.status).toBe(200);
    const hidden = Object.fromEntries([...(await page.text()).matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) => [m[1]!, m[2]!.replace(/&amp;/g, '&')]));
    const csrfCookie = page.headers.getSetCookie().map((c) => c.split(';')[0]!).join('; ');
    const line = await one(sink, 'login.succeeded', () =>
      fetch(`${auth.url}/oauth/authorize`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: csrfCookie },
        body: new URLSearchParams({ ...hidden, username: 'alice', password: PASSWORD }),
      }),
    );
    expect(line).toMatchObject({ user_id: alice.id, username: 'alice', client_id: app.body.client_id, client_ip: LOOPBACK });
  });

  it('when a user logs out of the hosted login session (RP-initiated logout), then logout names the user and the app once', async () => {
    const redirectUri = 'http://127.0.0.1:9/callback';
    const app = await admin(auth, 'POST', '/admin/clients', { client_name: 'audited-logout-app', redirect_uris: [redirectUri], token_endpoint_auth_method: 'none', grant_types: ['authorization_code'], scope: 'openid' });
    const query = new URLSearchParams({ response_type: 'code', client_id: String(app.body.client_id), redirect_uri: redirectUri, scope: 'openid', state: 's', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGKnUSTFA0', code_challenge_method: 'S256' });
    const page = await fetch(`${auth.url}/oauth/authorize?${query}`);
    const hidden = Object.fromEntries([...(await page.text()).matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) => [m[1]!, m[2]!.replace(/&amp;/g, '&')]));
    const csrfCookie = page.headers.getSetCookie().map((c) => c.split(';')[0]!).join('; ');
    const signedIn = await fetch(`${auth.url}/oauth/authorize`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: csrfCookie },
      body: new URLSearchParams({ ...hidden, username: 'alice', password: PASSWORD }),
    });
    const session = signedIn.headers.getSetCookie().map((c) => c.split(';')[0]!).find((c) => c.startsWith('auth_session='));
    expect(session).toBeDefined();
    // Without an id_token_hint the user confirms on a page (RP-Initiated Logout); its post logs out.
    const confirm = await fetch(`${auth.url}/oauth/logout?client_id=${String(app.body.client_id)}`, { redirect: 'manual', headers: { cookie: session! } });
    const fields = Object.fromEntries([...(await confirm.text()).matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) => [m[1]!, m[2]!]));
    const formCookie = confirm.headers.getSetCookie().map((c) => c.split(';')[0]!).join('; ');
    const line = await one(sink, 'logout', () =>
      fetch(`${auth.url}/oauth/logout`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `${session!}; ${formCookie}` },
        body: new URLSearchParams(fields),
      }),
    );
    expect(line).toMatchObject({ user_id: alice.id, client_id: app.body.client_id });
  });

  it('when an operator locks and unlocks an account, then account.locked and account.unlocked name it and the caller, and a locked login is account_locked', async () => {
    const locked = await one(sink, 'account.locked', () => admin(auth, 'POST', `/admin/users/${alice.id}/lock`));
    expect(locked).toMatchObject({ user_id: alice.id, source: 'admin_api', client_ip: LOOPBACK });
    const refused = await one(sink, 'login.failed', () => post(auth.url, '/auth/login', { username: 'alice', password: PASSWORD }));
    expect(refused).toMatchObject({ reason: 'account_locked', user_id: alice.id });
    const unlocked = await one(sink, 'account.unlocked', () => admin(auth, 'POST', `/admin/users/${alice.id}/unlock`));
    expect(unlocked).toMatchObject({ user_id: alice.id, source: 'admin_api', client_ip: LOOPBACK });
  });

  it('when a spent refresh token comes back, then refresh.reuse_detected names the family once, and a normal refresh writes nothing', async () => {
    const login = await post(auth.url, '/auth/login', { username: 'alice', password: PASSWORD });
    const mark = sink.lines.length;
    expect((await post(auth.url, '/auth/refresh', { refresh_token: login.body.refresh_token })).status).toBe(200);
    expect(sink.audit(mark)).toEqual([]);
    const line = await one(sink, 'refresh.reuse_detected', () => post(auth.url, '/auth/refresh', { refresh_token: login.body.refresh_token }));
    expect(line).toMatchObject({ user_id: alice.id, client_id: auth.config.FIRST_PARTY_CLIENT_ID, family_id: expect.any(String), level: 40 });
  });

  it('when a user logs out with the refresh token, then logout names the user and that the family ended', async () => {
    const login = await post(auth.url, '/auth/login', { username: 'alice', password: PASSWORD });
    const line = await one(sink, 'logout', () => post(auth.url, '/auth/logout', { refresh_token: login.body.refresh_token }, login.body.access_token));
    expect(line).toMatchObject({ user_id: alice.id, client_id: auth.config.FIRST_PARTY_CLIENT_ID, family_ended: true });
  });

  it('when an operator creates, disables and deletes a client, then client.created, client.disabled and client.deleted name it and the caller', async () => {
    let clientId = '';
    const created = await one(sink, 'client.created', async () => {
      const response = await admin(auth, 'POST', '/admin/clients', { client_name: 'audited', grant_types: ['client_credentials'], scope: 'notes:read' });
      expect(response.status).toBe(201);
      clientId = String(response.body.client_id);
    });
    expect(created).toMatchObject({ client_id: clientId, source: 'admin_api', client_ip: LOOPBACK });
    expect(await one(sink, 'client.disabled', () => admin(auth, 'POST', `/admin/clients/${clientId}/disable`))).toMatchObject({ client_id: clientId, source: 'admin_api' });
    expect(await one(sink, 'client.deleted', () => admin(auth, 'DELETE', `/admin/clients/${clientId}`))).toMatchObject({ client_id: clientId, source: 'admin_api' });
  });

  it('when a client registers by RFC 7591, then client.created says registration', async () => {
    const line = await one(sink, 'client.created', () => admin(auth, 'POST', '/oauth/register', { client_name: 'dcr', grant_types: ['client_credentials'], scope: 'notes:read' }));
    expect(line).toMatchObject({ client_id: expect.any(String), source: 'registration', client_ip: LOOPBACK });
  });

  it.each([
    ['without a token', 'missing', undefined],
    ['with a wrong token', 'invalid', 'not-the-admin-token'],
  ])('when the admin API is called %s, then admin.auth_failed says %s with the address and path', async (_name, reason, token) => {
    const line = await one(sink, 'admin.auth_failed', async () => expect((await request(auth.url, 'GET', '/admin/clients?x=1', token ? { token } : {})).status).toBe(401));
    expect(line).toMatchObject({ reason, client_ip: LOOPBACK, path: '/admin/clients', level: 40 });
  });

  it('when an operator rotates the signing key, then key.rotated names the new kid and when it signs', async () => {
    let kid = '';
    const line = await one(sink, 'key.rotated', async () => {
      kid = String((await admin(auth, 'POST', '/admin/keys/rotate')).body.kid);
    });
    expect(line).toMatchObject({ kid, activates_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
  });

  it('when another replica rotates the shared key file, then the poller reloads it and key.reloaded lists the kids once', async () => {
    const mark = sink.lines.length;
    const rotated = await rotateKeySetFile(auth.config.AUTH_SIGNING_KEY_FILE, { publishDelayMs: 0, retiredKeyRetentionMs: Number.POSITIVE_INFINITY });
    await pollUntil(() => sink.audit(mark).some((line) => line.event === 'key.reloaded'), { what: 'key.reloaded' });
    const lines = sink.audit(mark).filter((line) => line.event === 'key.reloaded');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ signing_kid: rotated.kid, kids: expect.arrayContaining([rotated.kid]) });
  });
});

describe('audit trail of AUTH_CLIENTS_FILE', () => {
  it('when the file is applied at start, then client.created, and at the next start client.updated, say clients_file', async () => {
    const dir = await tempDir('audit-clients-file');
    const file = path.join(dir, 'clients.yaml');
    await writeFile(file, 'clients:\n  - client_id: batch\n    client_secret: ${BATCH_SECRET}\n    scopes: [notes:read]\n');
    const env = { AUTH_DATA_DIR: dir, AUTH_CLIENTS_FILE: file, BATCH_SECRET: newSecret(), LOG_LEVEL: 'info' };
    const users = new MemoryUserStore();
    try {
      for (const change of ['created', 'updated']) {
        const sink = new LineSink();
        const auth = await startAuditedAuth(sink, env, users);
        await auth.close();
        const lines = sink.audit().filter((line) => String(line.event).startsWith('client.'));
        expect(lines).toEqual([expect.objectContaining({ event: `client.${change}`, client_id: 'batch', source: 'clients_file', audit_version: AUDIT_SCHEMA_VERSION })]);
      }
    } finally {
      await removeDir(dir);
    }
  });
});

describe('audit adapter and the events port', () => {
  it('when a token exchange is reported, then token.exchanged carries client, subject, actor, audience and scope', () => {
    const sink = new LineSink();
    pinoAuditEvents(createAuditLogger({ logLevel: 'info', destination: sink })).tokenExchanged({ clientId: 'reports', userId: 'u-1', actorId: 'notes', audience: ['notes'], scope: 'notes:read' });
    expect(sink.audit()).toEqual([
      expect.objectContaining({ event: 'token.exchanged', audit_version: AUDIT_SCHEMA_VERSION, client_id: 'reports', user_id: 'u-1', actor_id: 'notes', audience: ['notes'], scope: 'notes:read' }),
    ]);
  });

  it.each([
    ['warn', 1],
    ['error', 1],
    ['silent', 0],
  ])('when LOG_LEVEL is %s, then the audit logger writes %i line(s)', (logLevel, count) => {
    const sink = new LineSink();
    pinoAuditEvents(createAuditLogger({ logLevel, destination: sink })).loggedOut({ userId: 'u-1', clientId: 'c', familyEnded: false });
    expect(sink.audit()).toHaveLength(count);
  });

  it('when one sink throws, then the others still hear the event once each', () => {
    const heard: string[] = [];
    const listening = (name: string): AuthEvents => ({ ...ignoreAuthEvents, loggedOut: () => void heard.push(name) });
    const broken: AuthEvents = { ...ignoreAuthEvents, loggedOut: () => { throw new Error('stream closed'); } };
    allAuthEvents(listening('a'), broken, listening('b')).loggedOut({ userId: 'u', clientId: 'c', familyEnded: false });
    expect(heard).toEqual(['a', 'b']);
  });
});
