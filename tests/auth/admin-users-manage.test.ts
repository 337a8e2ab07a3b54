import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mailsTo, startAccountsAuth, type AccountsAuth } from './accounts/account-harness.js';
import { expectHostedPageHeaders, openPage, submit } from './accounts/account-pages-support.js';
import { post, request } from './support/http-client.js';

const ADMIN_TOKEN = 'admin-token-for-manage-tests-0123456789abcdef';
const PASSWORD = 'a long enough operator passphrase';

/** POST /admin/users (password or invitation), GET and PATCH /admin/users/:id, and the last admin (issue 24, points 2, 3 and 6). */
describe('admin API: create, read, change users', () => {
  let service: AccountsAuth;
  beforeAll(async () => {
    service = await startAccountsAuth({ AUTH_ADMIN_TOKEN: ADMIN_TOKEN });
  });
  afterAll(() => service?.stop());

  const admin = (method: string, path: string, json?: unknown, token = ADMIN_TOKEN) => request(service.url, method, path, { ...(json === undefined ? {} : { json }), token });
  const login = (username: string, password = PASSWORD) => post(service.url, '/auth/login', { username, password });
  const audit = (event: string, userId: string) => service.sink.audit().filter((line) => line.event === event && line.user_id === userId);

  it('when an operator creates a user with a password and roles, then 201 with the view and Location, the user signs in, and the audit names the act', async () => {
    const created = await admin('POST', '/admin/users', { username: 'Made-By-Op', email: 'made@example.test', password: PASSWORD, roles: ['user', 'billing'] });
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe(`/admin/users/${created.body.id}`);
    expect(created.body).toMatchObject({ username: 'made-by-op', email: 'made@example.test', email_verified: false, roles: ['user', 'billing'], locked: false, mfa: { totp: false, passkeys: 0, recovery_codes_left: 0 } });
    expect(JSON.stringify(created.body)).not.toMatch(/argon2|hash|password/i);
    expect((await login('made-by-op')).status).toBe(200);
    expect(audit('user.created', created.body.id)).toHaveLength(1);
    expect(service.sink.lines.some((line) => line.includes(PASSWORD))).toBe(false);
    expect((await admin('POST', '/admin/users', { username: 'made-by-op', password: PASSWORD })).status).toBe(409);
  });

  it('when an operator invites a user, then the mail links to the set-password page, which sets the password once and verifies the address', async () => {
    const email = 'invited@example.test';
    const created = await admin('POST', '/admin/users', { username: 'invited', email });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ username: 'invited', email, email_verified: false, roles: ['user'] });
    expect(audit('user.invited', created.body.id)).toHaveLength(1);
    const [mail] = await mailsTo(service.dataDir, email);
    expect(mail!.subject).toBe('You have been invited');
    expect(mail!.text).toMatch(/expires in 168 hours/);
    const link = new URL(mail!.link);
    expect(link.pathname).toBe('/account/set-password');
    // Nobody knows the placeholder password: the account cannot sign in before the link is used.
    expect((await login('invited', '')).status).not.toBe(200);

    const path = `${link.pathname}${link.search}`;
    const page = await openPage(service.url, path);
    expect(page.status).toBe(200);
    expectHostedPageHeaders(page);
    expect(page.html).toContain('choose your password');
    const weak = await submit(service.url, '/account/set-password', { token: mail!.token, password: 'short', password_again: 'short', csrf: page.csrf! }, page.cookie);
    expect(weak.status).toBe(400);
    // A reset-page form cannot spend an invitation: the CSRF pair is bound to the page's purpose.
    expect((await submit(service.url, '/account/reset-password', { token: mail!.token, password: PASSWORD, password_again: PASSWORD, csrf: page.csrf! }, page.cookie)).status).toBe(403);
    // Nor can the JSON reset endpoint: the token's purpose is `invitation`.
    expect((await post(service.url, '/auth/password/reset', { token: mail!.token, password: PASSWORD })).status).toBe(400);

    const again = await openPage(service.url, path);
    const done = await submit(service.url, '/account/set-password', { token: mail!.token, password: PASSWORD, password_again: PASSWORD, csrf: again.csrf! }, again.cookie);
    expect(done.status).toBe(200);
    expect(done.html).toContain('Your password is set');
    expect((await login('invited')).status).toBe(200);
    expect((await admin('GET', `/admin/users/${created.body.id}`)).body).toMatchObject({ email, email_verified: true });
    expect(audit('invitation.accepted', created.body.id)).toHaveLength(1);

    const third = await openPage(service.url, path);
    const reused = await submit(service.url, '/account/set-password', { token: mail!.token, password: 'another long passphrase', password_again: 'another long passphrase', csrf: third.csrf! }, third.cookie);
    expect(reused.status).toBe(400);
    expect(reused.html).toContain('This link does not work');
    expect(service.sink.lines.some((line) => line.includes(mail!.token))).toBe(false);
  });

  it('when the invited address is changed before the link is used, then the old link is stale', async () => {
    const created = await admin('POST', '/admin/users', { username: 'invited-moved', email: 'first@example.test' });
    const [mail] = await mailsTo(service.dataDir, 'first@example.test');
    expect((await admin('PATCH', `/admin/users/${created.body.id}`, { email: 'second@example.test' })).status).toBe(200);
    const link = new URL(mail!.link);
    const page = await openPage(service.url, `${link.pathname}${link.search}`);
    const used = await submit(service.url, '/account/set-password', { token: mail!.token, password: PASSWORD, password_again: PASSWORD, csrf: page.csrf! }, page.cookie);
    expect(used.status).toBe(400);
    expect((await admin('GET', `/admin/users/${created.body.id}`)).body.email_verified).toBe(false);
  });

  it('when an operator changes the address, then it is unverified unless the operator says so; email_verified alone marks the current one; null removes it', async () => {
    const user = (await admin('POST', '/admin/users', { username: 'mail-change', email: 'old@example.test', password: PASSWORD })).body;
    const path = `/admin/users/${user.id}`;
    expect((await admin('PATCH', path, { email_verified: true })).body).toMatchObject({ email: 'old@example.test', email_verified: true });
    expect((await admin('PATCH', path, { email: 'New@Example.test' })).body).toMatchObject({ email: 'New@Example.test', email_verified: false });
    expect((await admin('PATCH', path, { email: 'vouched@example.test', email_verified: true })).body).toMatchObject({ email: 'vouched@example.test', email_verified: true });
    expect((await admin('PATCH', path, { email: null })).body).toMatchObject({ email: null, email_verified: false });
    const refused = await admin('PATCH', path, { email_verified: true });
    expect(refused.status).toBe(400);
    expect(refused.body.error_description).toMatch(/^email_verified: /);
    expect(audit('user.email_changed', user.id).length).toBe(4);
    expect(JSON.stringify(audit('user.email_changed', user.id))).not.toContain('example.test');
  });

  it('when an operator reads a user, then the view comes and the read is audited; an unknown id is 404', async () => {
    const user = (await admin('POST', '/admin/users', { username: 'read-me', password: PASSWORD })).body;
    const read = await admin('GET', `/admin/users/${user.id}`);
    expect(read.status).toBe(200);
    expect(read.body).toEqual(user);
    expect(audit('user.viewed', user.id)).toHaveLength(1);
    expect((await admin('GET', '/admin/users/no-such-user')).status).toBe(404);
    expect((await admin('PATCH', '/admin/users/no-such-user', { email_verified: false })).status).toBe(404);
  });

  it('when an operator removes the second factors of a user (none yet exist), then 204 and an audit line; an unknown user is 404', async () => {
    const user = (await admin('POST', '/admin/users', { username: 'lost-device', password: PASSWORD })).body;
    expect((await admin('DELETE', `/admin/users/${user.id}/factors`)).status).toBe(204);
    expect(audit('user.factors_removed', user.id)).toHaveLength(1);
    expect((await admin('DELETE', '/admin/users/no-such-user/factors')).status).toBe(404);
  });

  it.each([
    ['an unknown field', { username: 'x-unknown', password: PASSWORD, superuser: true }, 'body|superuser'],
    ['no username', { password: PASSWORD }, 'username'],
    ['a username of the wrong shape', { username: 'Bad Name!', password: PASSWORD }, 'username'],
    ['a username that is a number', { username: 42, password: PASSWORD }, 'username'],
    ['neither password nor address', { username: 'nobody-to-mail' }, 'email'],
    ['a weak password', { username: 'weak-pw', password: 'short' }, 'password'],
    ['a malformed address', { username: 'bad-mail', email: 'not-an-address' }, 'email'],
    ['a malformed role name', { username: 'bad-role', password: PASSWORD, roles: ['Bad Role'] }, 'roles.0'],
    ['roles that are not a list', { username: 'bad-roles', password: PASSWORD, roles: 'admin' }, 'roles'],
  ])('when POST /admin/users has %s, then 400 naming the field and no user is made', async (_name, body, field) => {
    const res = await admin('POST', '/admin/users', body);
    expect(res.status).toBe(400);
    expect(res.body.error_description).toMatch(new RegExp(`^(${field}): `));
    const { username } = body as { username?: unknown };
    if (typeof username === 'string') expect(await service.users.findByUsername(username.toLowerCase())).toBeNull();
  });

  it.each([
    ['an unknown field', { roles: ['user'], superuser: true }, 'body|superuser'],
    ['nothing to change', {}, 'body'],
    ['a malformed address', { email: 'nope' }, 'email'],
    ['a verified flag that is not a boolean', { email_verified: 'yes' }, 'email_verified'],
    ['an address that is a number', { email: 5 }, 'email'],
  ])('when PATCH /admin/users/:id has %s, then 400 naming the field and nothing changes', async (_name, body, field) => {
    const user = (await admin('POST', '/admin/users', { username: `patch-${_name.replace(/\W+/g, '-')}`, email: 'keep@example.test', password: PASSWORD })).body;
    const res = await admin('PATCH', `/admin/users/${user.id}`, body);
    expect(res.status).toBe(400);
    expect(res.body.error_description).toMatch(new RegExp(`^(${field}): `));
    expect((await admin('GET', `/admin/users/${user.id}`)).body).toEqual(user);
  });

  describe('the last admin', () => {
    it('when the only admin would be deleted, locked or lose the role, then 409 last_admin; with a second admin each works', async () => {
      const first = (await admin('POST', '/admin/users', { username: 'only-admin', password: PASSWORD, roles: ['user', 'admin'] })).body;
      const path = `/admin/users/${first.id}`;
      for (const [method, url, body] of [['DELETE', path], ['POST', `${path}/lock`], ['PATCH', path, { roles: ['user'] }]] as const) {
        const refused = await admin(method, url, body);
        expect(refused.status, `${method} ${url}`).toBe(409);
        expect(refused.body.error).toBe('last_admin');
      }
      expect((await admin('GET', path)).body).toMatchObject({ roles: ['user', 'admin'], locked: false });

      const second = (await admin('POST', '/admin/users', { username: 'second-admin', password: PASSWORD, roles: ['admin'] })).body;
      // A locked admin cannot sign in: it does not count.
      expect((await admin('POST', `/admin/users/${second.id}/lock`)).status).toBe(200);
      expect((await admin('PATCH', path, { roles: ['user'] })).status).toBe(409);
      expect((await admin('POST', `/admin/users/${second.id}/unlock`)).status).toBe(200);
      expect((await admin('PATCH', path, { roles: ['user'] })).status).toBe(200);
      expect((await admin('DELETE', `/admin/users/${second.id}`)).status).toBe(409);
      expect((await admin('PATCH', path, { roles: ['user', 'admin'] })).status).toBe(200);
      expect((await admin('DELETE', `/admin/users/${second.id}`)).status).toBe(204);
    });

    it('when two operators remove the last two admins at once, then one succeeds and the other gets 409', async () => {
      const a = (await admin('POST', '/admin/users', { username: 'race-admin-a', password: PASSWORD, roles: ['admin'] })).body;
      const b = (await admin('POST', '/admin/users', { username: 'race-admin-b', password: PASSWORD, roles: ['admin'] })).body;
      // Every other admin of this service is taken away first, so a and b are the last two.
      for (const other of await service.users.findWithRole('admin', 100)) {
        if (other.id !== a.id && other.id !== b.id) await service.users.setRoles(other.id, ['user']);
      }
      const results = await Promise.all([admin('DELETE', `/admin/users/${a.id}`), admin('PATCH', `/admin/users/${b.id}`, { roles: ['user'] })]);
      expect(results.map((r) => r.status).sort()).toEqual(results[0]!.status === 409 ? [200, 409] : [204, 409]);
      expect(results.filter((r) => r.status === 409)).toHaveLength(1);
      expect((await service.users.findWithRole('admin', 10)).length).toBe(1);
    });

    it('when the bootstrap token makes the first admin, then that user signs in with role and scope admin and can use the admin API', async () => {
      const made = await admin('POST', '/admin/users', { username: 'first-admin', password: PASSWORD, roles: ['admin'] });
      expect(made.status).toBe(201);
      const tokens = (await login('first-admin')).body;
      const listed = await admin('GET', '/admin/users?query=first-admin', undefined, String(tokens.access_token));
      expect(listed.status).toBe(200);
      expect(listed.body.users[0]).toMatchObject({ username: 'first-admin', roles: ['admin'] });
      const created = await admin('POST', '/admin/users', { username: 'made-by-a-person', password: PASSWORD }, String(tokens.access_token));
      expect(created.status).toBe(201);
      expect(audit('user.created', created.body.id)[0]).toMatchObject({ by_user_id: made.body.id });
    });
  });
});
