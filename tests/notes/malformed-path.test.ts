import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../lib/logger.js';
import { loadNotesConfig } from '../../services/notes/config.js';
import { startNotesService, type RunningNotesService } from '../../services/notes/notes-service.js';
import { startTestAuth, type TestAuth } from '../auth/support/auth-harness.js';
import { send } from '../gateway/http-client.js';
import { startTestIssuer, type TestIssuer } from '../lib/verifier/test-issuer.js';

/**
 * `%ZZ` in a path used to reach express's parameter decoding and come back as a 500 with a stack
 * in the log. The check in lib/http/base-app.ts makes it a 400 in every service.
 */
const ADMIN_TOKEN = 'admin-token-for-tests-0123456789abcdef';
const logs: string[] = [];
const destination = new Writable({
  write(chunk: Buffer, _encoding, done) {
    logs.push(chunk.toString());
    done();
  },
});

let issuer: TestIssuer;
let notes: RunningNotesService;
let auth: TestAuth;
beforeAll(async () => {
  issuer = await startTestIssuer();
  notes = await startNotesService(loadNotesConfig({ NOTES_PORT: '0', AUTH_ISSUER: issuer.issuer, LOG_LEVEL: 'info' }), { logger: createLogger({ name: 'notes', level: 'info', destination }) });
  auth = await startTestAuth({ env: { AUTH_ADMIN_TOKEN: ADMIN_TOKEN }, logDestination: destination });
});
afterAll(async () => {
  await notes.close(500);
  await auth.stop();
  await issuer.close();
});

describe('malformed percent-escapes are a 400 everywhere', () => {
  it.each(['/notes/%ZZ', '/notes/%4', '/notes/%C3', '/notes/%E2%82'])('when notes gets %s, then 400 invalid_request and no error is logged', async (path) => {
    const res = await send(notes.url, { path, headers: [['Authorization', `Bearer ${issuer.sign({ claims: { scope: 'notes:read' } })}`]] });
    expect(res.status).toBe(400);
    expect(res.json()).toEqual({ error: 'invalid_request', error_description: 'the request path holds a malformed percent-escape' });
    expect(logs.join('')).not.toMatch(/"level":50|URIError/);
  });

  it.each([
    ['DELETE', '/admin/clients/%ZZ'],
    ['POST', '/admin/users/%ZZ/lock'],
  ])('when the auth admin API gets %s %s, then 400, not 500', async (method, path) => {
    const res = await send(auth.url, { method, path, headers: [['Authorization', `Bearer ${ADMIN_TOKEN}`]] });
    expect(res.status).toBe(400);
    expect(res.json()).toMatchObject({ error: 'invalid_request' });
    expect(logs.join('')).not.toMatch(/"level":50|URIError/);
  });

  it('when the escape is well formed, then the path is served as before', async () => {
    const res = await send(notes.url, { path: '/notes/%41bc', headers: [['Authorization', `Bearer ${issuer.sign({ claims: { scope: 'notes:read' } })}`]] });
    expect(res.status).toBe(404);
    expect(res.json()).toMatchObject({ error: 'not_found' });
  });
});
