import { describe, expect, it } from 'vitest';
import { get, PASSWORD, post, request, type TokenPairBody } from '../support/http-client.js';
import { accountsAuthPerTest } from './account-harness.js';

const auth = accountsAuthPerTest();

async function loginAs(url: string, username: string, userAgent: string): Promise<TokenPairBody> {
  const res = await request<TokenPairBody>(url, 'POST', '/auth/login', { json: { username, password: PASSWORD }, headers: { 'user-agent': userAgent } });
  expect(res.status).toBe(200);
  return res.body;
}

interface SessionsBody {
  sessions: Array<{ sid: string; created_at: string; last_used_at: string; user_agent: string; ip: string; current: boolean }>;
}

describe('GET /auth/sessions', () => {
  it('when a user is signed in twice, then both sessions are listed with login time, last use, user agent and address, and the caller\'s is current', async () => {
    const service = await auth();
    await post(service.url, '/auth/register', { username: 'sana', password: PASSWORD });
    const laptop = await loginAs(service.url, 'sana', 'Mozilla/5.0 (X11; Linux) Firefox/128.0');
    const phone = await loginAs(service.url, 'sana', 'MobileSafari/17');
    await post(service.url, '/auth/register', { username: 'other', password: PASSWORD });
    await loginAs(service.url, 'other', 'curl/8');

    const listed = await get<SessionsBody>(service.url, '/auth/sessions', phone.access_token);
    expect(listed.status).toBe(200);
    expect(listed.headers.get('cache-control')).toBe('no-store');
    const { sessions } = listed.body;
    expect(sessions.map((s) => [s.user_agent, s.current])).toEqual([
      ['Mozilla/5.0 (X11; Linux) Firefox/128.0', false],
      ['MobileSafari/17', true],
    ]);
    for (const s of sessions) {
      expect(s.ip).toMatch(/127\.0\.0\.1|::1/);
      expect(Date.parse(s.created_at)).toBeLessThanOrEqual(Date.now());
      expect(s.last_used_at).toBe(s.created_at);
      expect(JSON.stringify(s)).not.toContain(laptop.refresh_token.slice(0, 16));
    }
  });

  it('when a session is refreshed, then its last use moves and its login time stays', async () => {
    const service = await auth();
    await post(service.url, '/auth/register', { username: 'raul', password: PASSWORD });
    const first = await loginAs(service.url, 'raul', 'agent');
    const before = (await get<SessionsBody>(service.url, '/auth/sessions', first.access_token)).body.sessions[0]!;
    // The refresh must fall in a later millisecond than the login for the move to show.
    while (Date.now() <= Date.parse(before.last_used_at)) await new Promise((resolve) => setImmediate(resolve));
    const refreshed = (await post<TokenPairBody>(service.url, '/auth/refresh', { refresh_token: first.refresh_token })).body;
    const after = (await get<SessionsBody>(service.url, '/auth/sessions', refreshed.access_token)).body.sessions;
    expect(after).toHaveLength(1);
    expect(after[0]).toMatchObject({ sid: before.sid, created_at: before.created_at, current: true });
    expect(Date.parse(after[0]!.last_used_at)).toBeGreaterThan(Date.parse(before.last_used_at));
  });

  it('when a client sends a huge or control-laden user agent, then the session keeps at most 256 printable characters of it', async () => {
    const service = await auth();
    await post(service.url, '/auth/register', { username: 'uma', password: PASSWORD });
    const tokens = await loginAs(service.url, 'uma', `evil\t${'A'.repeat(8000)}`);
    const [session] = (await get<SessionsBody>(service.url, '/auth/sessions', tokens.access_token)).body.sessions;
    expect(session!.user_agent).toHaveLength(256);
    expect(session!.user_agent.startsWith('evilAAA')).toBe(true);
  });

  it('when there is no access token, then 401', async () => {
    const service = await auth();
    expect((await get(service.url, '/auth/sessions')).status).toBe(401);
  });
});

describe('DELETE /auth/sessions/:sid', () => {
  it('when a user ends another of their sessions, then 204, its access and refresh tokens are refused, the caller\'s lives on, and session.ended is audited', async () => {
    const service = await auth();
    const registered = await post(service.url, '/auth/register', { username: 'ines', password: PASSWORD });
    const mine = await loginAs(service.url, 'ines', 'mine');
    const lost = await loginAs(service.url, 'ines', 'lost phone');
    const { sessions } = (await get<SessionsBody>(service.url, '/auth/sessions', mine.access_token)).body;
    const target = sessions.find((s) => s.user_agent === 'lost phone')!;

    expect((await request(service.url, 'DELETE', `/auth/sessions/${target.sid}`, { token: mine.access_token })).status).toBe(204);
    expect((await get(service.url, '/auth/me', lost.access_token)).status).toBe(401);
    expect((await post(service.url, '/auth/refresh', { refresh_token: lost.refresh_token })).status).toBe(401);
    expect((await get(service.url, '/auth/me', mine.access_token)).status).toBe(200);
    expect((await get<SessionsBody>(service.url, '/auth/sessions', mine.access_token)).body.sessions.map((s) => s.user_agent)).toEqual(['mine']);
    expect(service.sink.audit().find((l) => l.event === 'session.ended')).toMatchObject({ user_id: registered.body.id, sid: target.sid });
  });

  it('when an attacker names another account\'s session, then 404 exactly as for an unknown one, and that session lives on', async () => {
    const service = await auth();
    await post(service.url, '/auth/register', { username: 'victim', password: PASSWORD });
    await post(service.url, '/auth/register', { username: 'mallory', password: PASSWORD });
    const victim = await loginAs(service.url, 'victim', 'v');
    const mallory = await loginAs(service.url, 'mallory', 'm');
    const [victimSession] = (await get<SessionsBody>(service.url, '/auth/sessions', victim.access_token)).body.sessions;

    const probe = await request(service.url, 'DELETE', `/auth/sessions/${victimSession!.sid}`, { token: mallory.access_token });
    const unknown = await request(service.url, 'DELETE', '/auth/sessions/00000000-0000-8000-8000-000000000000', { token: mallory.access_token });
    expect(probe.status).toBe(404);
    expect(probe.body).toEqual(unknown.body);
    expect(probe.body).toMatchObject({ error: 'not_found' });
    expect((await get(service.url, '/auth/me', victim.access_token)).status).toBe(200);
  });

  it('when the sid is malformed or the session already ended, then 400 naming sid or 404, never a 500', async () => {
    const service = await auth();
    await post(service.url, '/auth/register', { username: 'olga', password: PASSWORD });
    const me = await loginAs(service.url, 'olga', 'o');
    const other = await loginAs(service.url, 'olga', 'o2');
    for (const bad of ['not-a-sid', 'x'.repeat(5000), '%00', '..%2F..%2Fetc', encodeURIComponent('{"$ne":null}')]) {
      const res = await request(service.url, 'DELETE', `/auth/sessions/${bad}`, { token: me.access_token });
      expect({ bad: bad.slice(0, 20), status: res.status }).toEqual({ bad: bad.slice(0, 20), status: 400 });
      expect(res.body).toMatchObject({ error: 'invalid_request' });
      expect(String(res.body.error_description)).toMatch(/^sid: /);
    }
    const otherSid = (await get<SessionsBody>(service.url, '/auth/sessions', me.access_token)).body.sessions.find((s) => !s.current)!.sid;
    expect((await request(service.url, 'DELETE', `/auth/sessions/${otherSid}`, { token: me.access_token })).status).toBe(204);
    expect((await request(service.url, 'DELETE', `/auth/sessions/${otherSid}`, { token: me.access_token })).status).toBe(404);
    expect((await request(service.url, 'DELETE', `/auth/sessions/${otherSid}`)).status).toBe(401);
    expect(other.access_token).not.toBe(me.access_token);
    expect(service.sink.lines.join('\n')).not.toMatch(/"level":(50|60)/);
  });
});
