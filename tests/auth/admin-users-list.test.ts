import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryUserStore } from '../../services/auth/adapters/memory/memory-user-store.js';
import { LineSink, removeDir, startAuditedAuth, tempDir, type AuditedAuth } from './support/audit-capture.js';
import { request } from './support/http-client.js';

const ADMIN_TOKEN = 'admin-token-for-list-tests-0123456789abcdef';
const HASH = '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo';

/** GET /admin/users?query=&limit=&cursor= (issue 24, point 2): pages, search, bad input, audit. */
describe('admin API: list and search users', () => {
  let auth: AuditedAuth;
  let dir: string;
  const users = new MemoryUserStore();
  const sink = new LineSink();
  beforeAll(async () => {
    dir = await tempDir('admin-list');
    auth = await startAuditedAuth(sink, { AUTH_ADMIN_TOKEN: ADMIN_TOKEN, AUTH_DATA_DIR: dir, LOG_LEVEL: 'info' }, users);
    for (const name of ['carol', 'alice', 'bob', 'alina', 'dave', 'al.x']) {
      await users.create({ username: name, email: `${name}@example.test`, passwordHash: HASH, roles: ['user'] });
    }
    const shared = await users.create({ username: 'zoe', email: 'alice@example.test', passwordHash: HASH, roles: ['user'] });
    await users.setEmailState(shared.id, { email: 'alice@example.test', emailVerified: true });
  });
  afterAll(async () => {
    await auth?.close();
    await removeDir(dir);
  });

  const list = (query: string) => request(auth.url, 'GET', `/admin/users${query}`, { token: ADMIN_TOKEN });
  const names = (body: Record<string, any>) => (body.users as Array<{ username: string }>).map((u) => u.username);

  it('when an operator pages through everyone, then each user comes once, in username order, and the last page has next_cursor null', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await list(`?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.body.users.length).toBeLessThanOrEqual(2);
      seen.push(...names(res.body));
      cursor = res.body.next_cursor;
    } while (cursor);
    expect(seen).toEqual(['al.x', 'alice', 'alina', 'bob', 'carol', 'dave', 'zoe']);
  });

  it('when users are added while an operator pages, then the next page goes on after the last one shown', async () => {
    const first = await list('?query=b&limit=1');
    expect(names(first.body)).toEqual(['bob']);
    expect(first.body.next_cursor).toBeNull();
    const page = await list('?limit=3');
    expect(names(page.body)).toEqual(['al.x', 'alice', 'alina']);
    await users.create({ username: 'aaron', passwordHash: HASH, roles: [] });
    await users.create({ username: 'ben', passwordHash: HASH, roles: [] });
    const next = await list(`?limit=3&cursor=${page.body.next_cursor}`);
    expect(names(next.body)).toEqual(['ben', 'bob', 'carol']);
    await users.delete((await users.findByUsername('aaron'))!.id);
    await users.delete((await users.findByUsername('ben'))!.id);
  });

  it('when the query is a username prefix in any case, then only those users come; with an @, the address prefix', async () => {
    expect(names((await list('?query=AL')).body)).toEqual(['al.x', 'alice', 'alina']);
    expect(names((await list('?query=ali')).body)).toEqual(['alice', 'alina']);
    const byAddress = await list(`?query=${encodeURIComponent('alice@')}`);
    expect(names(byAddress.body).sort()).toEqual(['alice', 'zoe']);
    expect((await list('?query=nobody')).body).toEqual({ users: [], next_cursor: null });
  });

  it('when a user is listed, then the view has e-mail, verification, roles, lock and mfa, and no hash or secret', async () => {
    const res = await list('?query=zoe');
    expect(res.body.users).toEqual([
      {
        id: expect.any(String),
        username: 'zoe',
        email: 'alice@example.test',
        email_verified: true,
        roles: ['user'],
        locked: false,
        locked_at: null,
        created_at: expect.any(String),
        mfa: { totp: false, passkeys: 0, recovery_codes_left: 0 },
      },
    ]);
    expect(JSON.stringify(res.body)).not.toMatch(/argon2|hash|password/i);
  });

  it('when a cursor is used with another query, then 400 naming cursor', async () => {
    const page = await list('?query=al&limit=1');
    expect(page.body.next_cursor).toEqual(expect.any(String));
    const res = await list(`?query=bo&limit=1&cursor=${page.body.next_cursor}`);
    expect(res.status).toBe(400);
    expect(res.body.error_description).toMatch(/^cursor: /);
  });

  const forged = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  it.each([
    ['limit 0', '?limit=0', 'limit'],
    ['limit above the maximum', '?limit=201', 'limit'],
    ['a negative limit', '?limit=-1', 'limit'],
    ['a fractional limit', '?limit=1.5', 'limit'],
    ['a word as limit', '?limit=ten', 'limit'],
    ['limit given twice', '?limit=1&limit=2', 'limit'],
    ['query given twice', '?query=a&query=b', 'query'],
    ['a very long query', `?query=${'a'.repeat(300)}`, 'query'],
    ['a control character in the query', '?query=a%00b', 'query'],
    ['a cursor that is not base64url JSON', '?cursor=!!!', 'cursor'],
    ['a cursor of random text', '?cursor=bm90LWpzb24', 'cursor'],
    ['a cursor of another version', `?cursor=${forged({ v: 2, by: 'username', query: '', after: 'a' })}`, 'cursor'],
    ['a cursor with a wrong shape', `?cursor=${forged({ v: 1, by: 'username', query: '', after: { $gt: '' } })}`, 'cursor'],
    ['an e-mail cursor on a username list', `?cursor=${forged({ v: 1, by: 'email', query: '', after: { email: 'a', id: 'b' } })}`, 'cursor'],
    ['a huge cursor', `?cursor=${'a'.repeat(2_000)}`, 'cursor'],
    ['an unknown parameter', '?serch=al', 'serch'],
    ['the exact lookup mixed with the list', '?username=alice&limit=2', 'limit'],
  ])('when the list gets %s, then 400 naming the field', async (_name, query, field) => {
    const res = await list(query);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('invalid_request');
    expect(res.body.error_description).toMatch(new RegExp(`^${field.replace('.', '\\.')}: `));
  });

  it('when a forged but well-formed cursor is used, then the page starts after the key it names', async () => {
    const res = await list(`?limit=2&cursor=${forged({ v: 1, by: 'username', query: '', after: 'b' })}`);
    expect(names(res.body)).toEqual(['bob', 'carol']);
  });

  it('when the list is read, then the audit trail names who asked, what kind of search and how many, never the query', async () => {
    const mark = sink.lines.length;
    await list('?query=secretname');
    const lines = sink.audit(mark).filter((l) => l.event === 'users.listed');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ search: 'username', returned: 0, source: 'admin_api' });
    expect(sink.lines.slice(mark).join('\n')).not.toContain('secretname');
  });
});
