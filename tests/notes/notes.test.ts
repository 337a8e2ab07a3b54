import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../lib/logger.js';
import { createMetrics } from '../../lib/metrics/index.js';
import { loadNotesConfig } from '../../services/notes/config.js';
import { startNotesService, type RunningNotesService } from '../../services/notes/notes-service.js';
import { startTestIssuer, type TestIssuer } from '../lib/verifier/test-issuer.js';

let issuer: TestIssuer;
let notes: RunningNotesService;

beforeAll(async () => {
  issuer = await startTestIssuer();
  const config = loadNotesConfig({ NOTES_PORT: '0', AUTH_ISSUER: issuer.issuer, LOG_LEVEL: 'silent' });
  notes = await startNotesService(config, { logger: createLogger({ name: 'notes', level: 'silent' }), metrics: createMetrics({ service: 'notes', defaultMetrics: false }) });
});
afterAll(async () => {
  await notes.close();
  await issuer.close();
});

const tokenFor = (sub: string, scope = 'notes:read notes:write') => issuer.sign({ claims: { sub, scope } });

function call(method: string, path: string, token?: string, body?: unknown) {
  return fetch(`${notes.url}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

describe('notes service', () => {
  it('when a user creates a note, then they can list it and read it by id', async () => {
    const token = tokenFor('alice-id');
    const created = await call('POST', '/notes', token, { title: 'groceries', body: 'milk' });
    expect(created.status).toBe(201);
    const note = (await created.json()) as { id: string };
    expect(note).toMatchObject({ title: 'groceries', body: 'milk' });
    expect(created.headers.get('location')).toBe(`/notes/${note.id}`);
    const list = await (await call('GET', '/notes', token)).json();
    expect(list).toMatchObject({ notes: [{ id: note.id, title: 'groceries' }] });
    expect((await call('GET', `/notes/${note.id}`, token)).status).toBe(200);
  });

  it("when another user asks for someone else's note, then it is not found and not listed", async () => {
    const alice = tokenFor('alice-2');
    const { id } = (await (await call('POST', '/notes', alice, { title: 'secret' })).json()) as { id: string };
    const bob = tokenFor('bob-2');
    expect((await call('GET', `/notes/${id}`, bob)).status).toBe(404);
    expect(await (await call('GET', '/notes', bob)).json()).toEqual({ notes: [] });
  });

  it.each([
    ['GET', '/notes', 'notes:write', 403],
    ['POST', '/notes', 'notes:read', 403],
    ['GET', '/notes/x', 'notes:write', 403],
    ['GET', '/notes', 'notes:read', 200],
  ])('when %s %s is called with scope %s, then %i', async (method, path, scope, status) => {
    const res = await call(method, path, tokenFor('scoped', scope), method === 'POST' ? { title: 't' } : undefined);
    expect(res.status).toBe(status);
    if (status === 403) expect(res.headers.get('www-authenticate')).toContain('error="insufficient_scope"');
  });

  it('when no token or a tampered token is sent, then 401 with the notes realm (it verifies by itself)', async () => {
    const missing = await call('GET', '/notes');
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe('Bearer realm="notes"');
    const tampered = await call('GET', '/notes', tokenFor('x').slice(0, -3));
    expect(tampered.status).toBe(401);
    expect(tampered.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });

  it.each([
    [{}, 400, /^title: is required$/],
    [{ title: '' }, 400, /^title: must not be empty$/],
    [{ title: 'x'.repeat(201) }, 400, /^title: must be at most 200 characters$/],
    [{ title: 't', body: 5 }, 400, /^body: must be a string$/],
    [{ title: null }, 400, /^title: must be a string$/],
    [{ title: 't', body: null }, 400, /^body: must be a string$/],
    ['a string', 400, /^request body must be a JSON object$/],
  ])('when the note %j is posted, then %i and the description names the field', async (body, status, description) => {
    const res = await call('POST', '/notes', tokenFor('validator'), body);
    expect(res.status).toBe(status);
    const answer = (await res.json()) as { error: string; error_description: string };
    expect(answer.error).toBe('invalid_request');
    expect(answer.error_description).toMatch(description);
  });

  it('when the spoofed X-Auth-Subject differs from the token, then the token wins', async () => {
    const res = await fetch(`${notes.url}/notes`, { headers: { authorization: `Bearer ${tokenFor('real-user')}`, 'x-auth-subject': 'alice-id' } });
    expect(await res.json()).toEqual({ notes: [] });
  });

  it('when requests were served, then /metrics counts them by route pattern', async () => {
    await call('GET', '/notes/some-id', tokenFor('metrics-user'));
    const text = await (await fetch(`${notes.url}/metrics`)).text();
    expect(text).toMatch(/http_requests_total\{[^}]*route="\/notes\/:id"[^}]*status="404"/);
  });

  it('when asked, then /readyz is 200 once the JWKS is loaded', async () => {
    const res = await fetch(`${notes.url}/readyz`);
    expect(res.status).toBe(200);
  });
});
