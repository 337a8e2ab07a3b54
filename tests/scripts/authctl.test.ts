import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAuth, type TestAuth } from '../auth/support/auth-harness.js';
import { PASSWORD, post } from '../auth/support/http-client.js';
import { assertionKey, basic, postForm } from '../auth/support/oauth-client.js';
import { enrolTotp } from '../auth/mfa/mfa-client.js';
import { oathtoolAvailable } from '../support/oathtool.js';

const run = promisify(execFile);
const ADMIN_TOKEN = 'authctl-test-admin-token-0123456789abcdef';

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

describe('authctl against a real auth service', () => {
  let auth: TestAuth;
  beforeAll(async () => {
    auth = await startTestAuth({ env: { AUTH_ADMIN_TOKEN: ADMIN_TOKEN, KEY_PUBLISH_DELAY_SECONDS: '0' } });
  });
  afterAll(() => auth?.stop());

  async function authctl(args: string[], env: Record<string, string | undefined> = {}): Promise<CliResult> {
    const childEnv: Record<string, string | undefined> = { ...process.env, AUTH_URL: auth.url, AUTH_ADMIN_TOKEN: ADMIN_TOKEN, ...env };
    for (const [name, value] of Object.entries(childEnv)) if (value === undefined) delete childEnv[name];
    try {
      const { stdout, stderr } = await run('npx', ['tsx', 'scripts/authctl.ts', ...args], { env: childEnv, timeout: 60_000 });
      return { code: 0, stdout, stderr };
    } catch (err) {
      const failed = err as { code?: number; stdout?: string; stderr?: string };
      return { code: typeof failed.code === 'number' ? failed.code : -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
    }
  }

  it('when a client is created, then the secret is printed once and works; list shows the client and no secret', async () => {
    const created = await authctl(['clients', 'create', '--id', 'cli-made', '--scopes', 'notes:read,reports:read']);
    expect(created.code).toBe(0);
    const secret = /client_secret: (\S+)/.exec(created.stdout)?.[1];
    expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const token = await postForm(auth.url, '/oauth/token', { grant_type: 'client_credentials' }, { authorization: basic('cli-made', secret!) });
    expect(token.status).toBe(200);
    expect(token.body.scope).toBe('notes:read reports:read');

    const listed = await authctl(['clients', 'list']);
    expect(listed.code).toBe(0);
    expect(listed.stdout.split('\n')[0]).toBe('client_id\tscopes\tauth method\tstate');
    expect(listed.stdout).toMatch(/^cli-made\tnotes:read reports:read\t.*\tenabled$/m);
    expect(listed.stdout).not.toContain(secret);

    const json = await authctl(['clients', 'list', '--json']);
    expect(JSON.parse(json.stdout).clients.map((c: { client_id: string }) => c.client_id)).toContain('cli-made');
  });

  it('when a scope nobody knows is asked for, then the client is refused with the known scopes listed; --allow-new-scopes registers it on purpose', async () => {
    const typo = await authctl(['clients', 'create', '--id', 'cli-typo', '--scopes', 'notes:read,notes:raed']);
    expect(typo.code).toBe(2);
    expect(typo.stderr.trim().split('\n')).toHaveLength(1);
    expect(typo.stderr).toMatch(/^authctl: unknown scope notes:raed \(known: .*notes:read.*\); pass --allow-new-scopes/);
    expect((await authctl(['clients', 'list'])).stdout).not.toContain('cli-typo');

    const deliberate = await authctl(['clients', 'create', '--id', 'cli-billing', '--scopes', 'billing:read', '--allow-new-scopes']);
    expect(deliberate.code).toBe(0);
    expect(deliberate.stdout).toContain('created client cli-billing (scopes: billing:read)');
    // Once a client holds it, the scope is known: the next client needs no override.
    expect((await authctl(['clients', 'create', '--id', 'cli-billing-2', '--scopes', 'billing:read'])).code).toBe(0);
  });

  it.each([
    ['a mistyped option', ['clients', 'create', '--scope', 'notes:read'], 'authctl: unknown option --scope (did you mean --scopes?); run with --help for usage'],
    ['an option without its value', ['clients', 'create', '--scopes'], 'authctl: --scopes needs a value, e.g. --scopes <value>; run with --help for usage'],
    ['a value given to a switch', ['clients', 'list', '--json=yes'], 'authctl: --json is a switch and takes no value; run with --help for usage'],
  ])('when run with %s, then one plain line names the mistake and points at --help (not the whole usage)', async (_name, args, line) => {
    const result = await authctl(args);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`${line}\n`);
    expect(result.stdout).toBe('');
  });

  it('when a client is created from a JWKS file, then it gets no secret and uses private_key_jwt', async () => {
    const key = await assertionKey('RS256');
    const file = path.join(auth.dataDir, 'client-jwks.json');
    await writeFile(file, JSON.stringify(key.jwks));
    const created = await authctl(['clients', 'create', '--id', 'cli-jwt', '--scopes', 'notes:read', '--jwks', file, '--json']);
    expect(created.code).toBe(0);
    const body = JSON.parse(created.stdout);
    expect(body.client_secret).toBeUndefined();
    expect(body.token_endpoint_auth_methods).toEqual(['private_key_jwt']);
    expect(body).toMatchObject({ token_endpoint_auth_method: 'private_key_jwt', scope: 'notes:read' });
  });

  it('when a client is created from an RFC 7591 metadata file, then --json shows the RFC 7591 names back', async () => {
    const file = path.join(auth.dataDir, 'spa-metadata.json');
    await writeFile(file, JSON.stringify({ client_name: 'CLI SPA', token_endpoint_auth_method: 'none', scope: 'openid profile', redirect_uris: ['https://spa.example/cb'] }));
    const created = await authctl(['clients', 'create', '--id', 'cli-spa', '--metadata', file, '--json']);
    expect(created.code).toBe(0);
    expect(JSON.parse(created.stdout)).toMatchObject({
      client_id: 'cli-spa',
      client_name: 'CLI SPA',
      token_endpoint_auth_method: 'none',
      scope: 'openid profile',
      grant_types: ['authorization_code', 'refresh_token'],
      redirect_uris: ['https://spa.example/cb'],
    });
    const text = await authctl(['clients', 'create', '--id', 'cli-spa-2', '--metadata', file]);
    expect(text.stdout).toContain('public client: no secret');
  });

  it('when a client is disabled and then deleted, then token requests fail and it leaves the list', async () => {
    const created = await authctl(['clients', 'create', '--id', 'cli-temp', '--scopes', 'notes:read']);
    const secret = /client_secret: (\S+)/.exec(created.stdout)![1]!;
    expect((await authctl(['clients', 'disable', 'cli-temp'])).code).toBe(0);
    const refused = await postForm(auth.url, '/oauth/token', { grant_type: 'client_credentials' }, { authorization: basic('cli-temp', secret) });
    expect(refused.status).toBe(401);
    expect((await authctl(['clients', 'delete', 'cli-temp'])).code).toBe(0);
    expect((await authctl(['clients', 'list'])).stdout).not.toContain('cli-temp');
    const again = await authctl(['clients', 'delete', 'cli-temp']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/404/);
  });

  it('when keys are rotated, then the new kid is printed and published', async () => {
    const rotated = await authctl(['keys', 'rotate']);
    expect(rotated.code).toBe(0);
    const kid = /new signing key (\S+):/.exec(rotated.stdout)?.[1];
    expect(kid).toBeTruthy();
    const jwks = (await (await fetch(`${auth.url}/.well-known/jwks.json`)).json()) as { keys: Array<{ kid: string }> };
    expect(jwks.keys.map((k) => k.kid)).toContain(kid);
  });

  it('when a user is shown, locked and unlocked by username, then login is refused while locked and works again after', async () => {
    const registered = await post(auth.url, '/auth/register', { username: 'cli-user', password: PASSWORD });
    const id = String(registered.body.id);
    const login = () => post(auth.url, '/auth/login', { username: 'cli-user', password: PASSWORD });
    const before = await login();
    expect(before.status).toBe(200);

    const shown = await authctl(['users', 'show', 'CLI-User']);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(new RegExp(`^cli-user\t${id}\tuser\tactive\tcreated \\S+$`, 'm'));

    const locked = await authctl(['users', 'lock', 'cli-user']);
    expect(locked.code).toBe(0);
    expect(locked.stdout).toContain(`locked user cli-user (${id})`);
    expect(locked.stdout).toMatch(/its sessions are over/);
    const refused = await login();
    expect(refused.status).toBe(401);
    expect(refused.body.error).toBe('invalid_grant');
    expect((await post(auth.url, '/auth/refresh', { refresh_token: before.body.refresh_token })).status).toBe(401);
    const json = JSON.parse((await authctl(['users', 'show', 'cli-user', '--json'])).stdout);
    expect(json).toMatchObject({ id, username: 'cli-user', roles: ['user'], locked: true, locked_at: expect.any(String) });

    const unlocked = await authctl(['users', 'unlock', 'cli-user']);
    expect(unlocked.code).toBe(0);
    expect(unlocked.stdout).toContain(`unlocked user cli-user (${id})`);
    expect((await login()).status).toBe(200);
  });

  it('when roles are set by username, then the next login carries them and the role\'s scope; --json shows them', async () => {
    const registered = await post(auth.url, '/auth/register', { username: 'cli-roles', password: PASSWORD });
    const set = await authctl(['users', 'set-roles', 'cli-roles', '--roles', 'user,admin']);
    expect(set.code).toBe(0);
    expect(set.stdout).toContain(`user cli-roles (${String(registered.body.id)}) now has roles: user admin`);
    const login = await post(auth.url, '/auth/login', { username: 'cli-roles', password: PASSWORD });
    const claims = JSON.parse(Buffer.from(String(login.body.access_token).split('.')[1]!, 'base64url').toString());
    expect(claims.roles).toEqual(['user', 'admin']);
    expect(String(claims.scope).split(' ')).toContain('admin');
    // cli-roles is the only admin here, so it keeps the role (the last-admin guard); the next test takes it.
    const json = JSON.parse((await authctl(['users', 'set-roles', 'cli-roles', '--roles', 'admin,user', '--json'])).stdout);
    expect(json).toMatchObject({ username: 'cli-roles' });
    expect([...json.roles].sort()).toEqual(['admin', 'user']);
  });

  async function authctlWithStdin(args: string[], input: string): Promise<CliResult> {
    const pending = run('npx', ['tsx', 'scripts/authctl.ts', ...args], { env: { ...process.env, AUTH_URL: auth.url, AUTH_ADMIN_TOKEN: ADMIN_TOKEN }, timeout: 60_000 });
    pending.child.stdin?.end(input);
    try {
      const { stdout, stderr } = await pending;
      return { code: 0, stdout, stderr };
    } catch (err) {
      const failed = err as { code?: number; stdout?: string; stderr?: string };
      return { code: typeof failed.code === 'number' ? failed.code : -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
    }
  }

  it('when the first admin is made with users create --roles admin, then they sign in with scope admin; list, sessions, end-sessions, reset-password and delete work by username', async () => {
    const created = await authctlWithStdin(['users', 'create', 'cli-admin', '--roles', 'user,admin', '--email', 'cli-admin@example.test', '--password-stdin'], `${PASSWORD}\n`);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toMatch(/^created user cli-admin \(\S+\) with roles: user admin$/m);
    const login = await post(auth.url, '/auth/login', { username: 'cli-admin', password: PASSWORD });
    expect(login.status).toBe(200);
    const claims = JSON.parse(Buffer.from(String(login.body.access_token).split('.')[1]!, 'base64url').toString());
    expect(String(claims.scope).split(' ')).toContain('admin');

    const invited = await authctl(['users', 'create', 'cli-invited', '--email', 'cli-invited@example.test']);
    expect(invited.code, invited.stderr).toBe(0);
    expect(invited.stdout).toContain('an invitation to set the password was mailed to cli-invited@example.test');

    const listed = await authctl(['users', 'list', '--query', 'cli-']);
    expect(listed.code).toBe(0);
    expect(listed.stdout.split('\n')[0]).toBe('username\tid\te-mail\troles\tstate');
    expect(listed.stdout).toMatch(/^cli-admin\t\S+\tcli-admin@example.test \(not verified\)\tuser admin\tactive$/m);
    expect(listed.stdout).toMatch(/^cli-invited\t/m);
    const paged = await authctl(['users', 'list', '--query', 'cli-', '--limit', '1']);
    const cursor = /^more: --cursor (\S+)$/m.exec(paged.stdout)?.[1];
    expect(cursor).toBeDefined();
    const next = JSON.parse((await authctl(['users', 'list', '--query', 'cli-', '--limit', '1', '--cursor', cursor!, '--json'])).stdout);
    expect(next.users).toHaveLength(1);

    const sessions = await authctl(['users', 'sessions', 'cli-admin']);
    expect(sessions.stdout.split('\n')[0]).toBe('sid\tcreated\tlast used\tip\tuser agent');
    expect(sessions.stdout.trim().split('\n')).toHaveLength(2);
    expect((await authctl(['users', 'end-sessions', 'cli-admin'])).stdout).toContain('ended every session of cli-admin');
    expect((await authctl(['users', 'sessions', 'cli-admin'])).stdout.trim()).toBe('no sessions');
    expect((await post(auth.url, '/auth/refresh', { refresh_token: login.body.refresh_token })).status).toBe(401);

    const reset = await authctl(['users', 'reset-password', 'cli-admin']);
    expect(reset.code).toBe(1);
    expect(reset.stderr).toMatch(/^authctl: the auth service answered 409: the user has no verified e-mail address/);

    // With cli-admin an admin too, cli-roles (made admin by the test before) may lose the role; then cli-admin is the last.
    if ((await authctl(['users', 'show', 'cli-roles'])).code === 0) expect((await authctl(['users', 'set-roles', 'cli-roles', '--roles', 'user'])).code).toBe(0);
    const lastAdmin = await authctl(['users', 'delete', 'cli-admin']);
    expect([lastAdmin.code, lastAdmin.stderr.trim().split('\n').length]).toEqual([1, 1]);
    expect(lastAdmin.stderr).toMatch(/409: this is the last admin/);
    expect((await authctl(['users', 'delete', 'cli-invited'])).stdout).toMatch(/^deleted user cli-invited/);
    expect((await authctl(['users', 'show', 'cli-invited'])).code).toBe(1);
    // Sixteen CLI processes: each starts tsx, slow on a busy machine.
  }, 300_000);

  it.each([
    ['create without a password or an address', ['users', 'create', 'cli-nothing'], {}, 2, /--email/],
    ['create of a malformed address', ['users', 'create', 'cli-bad', '--email', 'nope'], {}, 1, /email: must be an e-mail address/],
    ['list with a bad limit', ['users', 'list', '--limit', '0'], {}, 1, /limit: must be a whole number/],
    ['list with a username', ['users', 'list', 'someone'], {}, 2, /--query/],
    ['delete of an unknown user', ['users', 'delete', 'nobody-at-all'], {}, 1, /404/],
    ['set-roles without --roles', ['users', 'set-roles', 'cli-roles'], {}, 2, /--roles/],
    ['a malformed role', ['users', 'set-roles', 'cli-roles', '--roles', 'Bad Role'], {}, 1, /roles/],
    ['a wrong admin token', ['clients', 'list'], { AUTH_ADMIN_TOKEN: 'wrong-token' }, 1, /AUTH_ADMIN_TOKEN/],
    ['no admin token', ['clients', 'list'], { AUTH_ADMIN_TOKEN: undefined }, 2, /AUTH_ADMIN_TOKEN is not set/],
    ['an unreachable service', ['clients', 'list'], { AUTH_URL: 'http://127.0.0.1:9' }, 1, /cannot reach the auth service/],
    ['an unknown command', ['users', 'frobnicate'], {}, 2, /unknown command/],
    ['create without scopes', ['clients', 'create'], {}, 2, /--scopes/],
    ['delete without an id', ['clients', 'delete'], {}, 2, /needs a client_id/],
    ['lock without a username', ['users', 'lock'], {}, 2, /needs a username/],
    ['an unknown user', ['users', 'lock', 'nobody-at-all'], {}, 1, /404/],
    ['show of an unknown user', ['users', 'show', 'nobody-at-all'], {}, 1, /404/],
  ] as const)('when run with %s, then a clear error and the documented exit code', async (_name, args, env, code, message) => {
    const result = await authctl([...args], env);
    expect(result.code).toBe(code);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toContain(ADMIN_TOKEN);
  });

  it.runIf(oathtoolAvailable())('when a user\'s factors are removed by username, then login needs no second step and their sessions are over', async () => {
    const user = await enrolTotp(auth, 'cli-mfa');
    expect((await post(auth.url, '/auth/login', { username: 'cli-mfa', password: PASSWORD })).body.error).toBe('mfa_required');
    const removed = await authctl(['users', 'remove-factors', 'cli-mfa']);
    expect(removed.code).toBe(0);
    expect(removed.stdout).toContain(`removed every second factor of cli-mfa (${user.id})`);
    expect((await post(auth.url, '/auth/refresh', { refresh_token: user.tokens.refresh_token })).status).toBe(401);
    expect((await post(auth.url, '/auth/login', { username: 'cli-mfa', password: PASSWORD })).status).toBe(200);
  });
});
