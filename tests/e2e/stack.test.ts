import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from './support/local-stack.js';
import { waitFor } from '../gateway/http-client.js';

/**
 * The whole stack as a user runs it: `npm start`'s own script (auth, notes, gateway as child
 * processes, embedded stores), driven only through the gateway.
 */
let stack: LocalStack;
let gateway = '';

beforeAll(async () => {
  stack = await startLocalStack({ via: 'npm' });
  gateway = stack.gateway;
}, 120_000);

afterAll(() => stack.stop());

const json = (body: unknown) => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

async function login(username: string, password: string): Promise<string> {
  const res = await fetch(`${gateway}/auth/login`, json({ username, password }));
  expect(res.status).toBe(200);
  return ((await res.json()) as { access_token: string }).access_token;
}

describe('npm start', () => {
  it('when started, then it prints the gateway, the demo credentials and an admin token', () => {
    expect(stack.output()).toContain('demo user      demo / demo-password-1234');
    expect(stack.output()).toMatch(/admin token {4}\S{43}/);
  });

  it('when the seeded demo user logs in through the gateway, then it gets an at+jwt bearer token', async () => {
    const token = await login('demo', 'demo-password-1234');
    expect(JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString())).toMatchObject({ alg: 'RS256', typ: 'at+jwt' });
  });

  it('when a user registers, logs in and writes notes through the gateway, then only they see them', async () => {
    const username = `e2e-${Date.now()}`;
    expect((await fetch(`${gateway}/auth/register`, json({ username, password: 'a-long-enough-password' }))).status).toBe(201);
    const token = await login(username, 'a-long-enough-password');
    const auth = { authorization: `Bearer ${token}` };
    const created = await fetch(`${gateway}/api/notes`, { ...json({ title: 'from e2e' }), headers: { ...auth, 'content-type': 'application/json' } });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    expect(await (await fetch(`${gateway}/api/notes`, { headers: auth })).json()).toMatchObject({ notes: [{ id, title: 'from e2e' }] });
    expect((await fetch(`${gateway}/api/notes/${id}`, { headers: auth })).status).toBe(200);

    const other = await login('demo', 'demo-password-1234');
    expect((await fetch(`${gateway}/api/notes/${id}`, { headers: { authorization: `Bearer ${other}` } })).status).toBe(404);
  });

  it('when the reports service is part of the stack, then its summary answers through the gateway', async () => {
    const token = await login('demo', 'demo-password-1234');
    const res = await fetch(`${gateway}/api/reports/summary`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
  });

  it('when the token is missing or tampered, then the gateway refuses it', async () => {
    const missing = await fetch(`${gateway}/api/notes`);
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe('Bearer realm="gateway"');
    const token = await login('demo', 'demo-password-1234');
    const [h, p, s] = token.split('.');
    const claims = JSON.parse(Buffer.from(p!, 'base64url').toString());
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...claims, sub: 'someone-else' })).toString('base64url')}.${s}`;
    const tampered = await fetch(`${gateway}/api/notes`, { headers: { authorization: `Bearer ${forged}` } });
    expect(tampered.status).toBe(401);
    expect(tampered.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });

  it('when a user logs out, then the gateway refuses the old access token within a second, without Redis', async () => {
    const token = await login('demo', 'demo-password-1234');
    const auth = { authorization: `Bearer ${token}` };
    expect((await fetch(`${gateway}/api/notes`, { headers: auth })).status).toBe(200);

    expect((await fetch(`${gateway}/auth/logout`, { method: 'POST', headers: auth })).status).toBe(204);
    const loggedOutAt = Date.now();

    let last = 0;
    await waitFor(async () => (last = (await fetch(`${gateway}/api/notes`, { headers: auth })).status) === 401, { timeoutMs: 1_000, intervalMs: 20 });
    expect(last).toBe(401);
    expect(Date.now() - loggedOutAt).toBeLessThan(1_000);
  });

  it('when a user logs out after a refresh, then the gateway refuses the token from before the refresh (same session) within a second, without Redis', async () => {
    const res = await fetch(`${gateway}/auth/login`, json({ username: 'demo', password: 'demo-password-1234' }));
    const first = (await res.json()) as { access_token: string; refresh_token: string };
    const refreshed = (await (await fetch(`${gateway}/auth/refresh`, json({ refresh_token: first.refresh_token }))).json()) as { access_token: string };
    const earlier = { authorization: `Bearer ${first.access_token}` };
    expect((await fetch(`${gateway}/api/notes`, { headers: earlier })).status).toBe(200);

    expect((await fetch(`${gateway}/auth/logout`, { method: 'POST', headers: { authorization: `Bearer ${refreshed.access_token}` } })).status).toBe(204);
    const loggedOutAt = Date.now();

    let last = 0;
    await waitFor(async () => (last = (await fetch(`${gateway}/api/notes`, { headers: earlier })).status) === 401, { timeoutMs: 1_000, intervalMs: 20 }).catch(() => undefined);
    expect(last).toBe(401);
    expect(Date.now() - loggedOutAt).toBeLessThan(1_000);
  });

  it('when the stack is up without Redis, then the gateway reports the auth revocation feed as up', async () => {
    const ready = await fetch(`${gateway}/readyz`);
    expect(await ready.json()).toMatchObject({ checks: { revocation_feed: 'ok' }, details: { revocation_feed: { source: 'auth', up: true } } });
  });

  it('when sent SIGTERM, then it stops every child and exits 0', async () => {
    stack.launcher.kill('SIGTERM');
    await waitFor(() => stack.exitCode() !== undefined, { timeoutMs: 20_000, intervalMs: 100 });
    expect(stack.exitCode()).toBe(0);
    await expect(fetch(`${gateway}/healthz`)).rejects.toThrow();
  });
});
