import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryClientStore } from '../../services/auth/adapters/memory/memory-client-store.js';
import { startTestAuth, type TestAuth } from '../auth/support/auth-harness.js';

const APP = 'query-app';
const REDIRECT = 'https://app.example/cb';
const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';
/** The issue's hostile query: `a&` about 7,500 times, ~15 KB (the server's header limit is 16 KB). */
const FILLER_BYTES = 15_000;

describe('apps: the authorize query is parsed in linear time and bounded', () => {
  let auth: TestAuth;
  const clients = new MemoryClientStore();
  beforeAll(async () => {
    auth = await startTestAuth({ clients });
    await clients.create({
      clientId: APP,
      tokenEndpointAuthMethods: ['none'],
      grantTypes: ['authorization_code', 'refresh_token'],
      audiences: [],
      scopes: ['openid'],
      redirectUris: [REDIRECT],
      firstParty: true,
    });
  });
  afterAll(() => auth?.stop());

  const valid = new URLSearchParams({ client_id: APP, redirect_uri: REDIRECT, response_type: 'code', scope: 'openid', code_challenge: CHALLENGE, code_challenge_method: 'S256', state: 'st' }).toString();
  const duplicates = () => `${valid}&${'a&'.repeat(FILLER_BYTES / 2)}`;
  function distinct(): string {
    const parts: string[] = [];
    let length = 0;
    for (let i = 0; length < FILLER_BYTES; i++) {
      parts.push(`k${i.toString(36)}`);
      length += parts.at(-1)!.length + 1;
    }
    return `${valid}&${parts.join('&')}`;
  }

  /** CPU of this process (the in-process auth server plus the identical client work) for one request. */
  async function cpuOf(query: string): Promise<number> {
    const before = process.cpuUsage();
    const res = await fetch(`${auth.url}/oauth/authorize?${query}`, { redirect: 'manual' });
    await res.arrayBuffer();
    const used = process.cpuUsage(before);
    return (used.user + used.system) / 1000;
  }

  it('when the query repeats one key thousands of times, then it costs about as much CPU as distinct keys of the same size', async () => {
    const dup = duplicates();
    const other = distinct();
    expect(Math.abs(dup.length - other.length)).toBeLessThan(16);
    // Interleaved rounds, the cheapest of each kind: other load on the machine only adds time.
    const dupMs: number[] = [];
    const otherMs: number[] = [];
    // One untimed request of each first: the first ones pay for compiling the route's code.
    await cpuOf(dup);
    await cpuOf(other);
    for (let round = 0; round < 8; round++) {
      dupMs.push(await cpuOf(dup));
      otherMs.push(await cpuOf(other));
    }
    const [dupBest, otherBest] = [Math.min(...dupMs), Math.min(...otherMs)];
    // Before: ~63 ms against ~3 ms (about 20x); linear parsing puts both within noise of each other.
    expect(dupBest).toBeLessThan(otherBest * 3 + 2);
  });

  it.each([
    ['thousands of one unknown parameter', () => duplicates()],
    ['thousands of distinct unknown parameters', () => distinct()],
    ['51 parameters', () => `${valid}&${Array.from({ length: 44 }, (_, i) => `x${i}=1`).join('&')}`],
  ])('when the query carries %s, then the app gets invalid_request with its state and iss', async (_name, query) => {
    const res = await fetch(`${auth.url}/oauth/authorize?${query()}`, { redirect: 'manual' });
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get('location')!);
    expect(location.origin + location.pathname).toBe(REDIRECT);
    expect(location.searchParams.get('error')).toBe('invalid_request');
    expect(location.searchParams.get('state')).toBe('st');
    expect(location.searchParams.get('iss')).toBe(auth.config.AUTH_ISSUER);
  });

  it('when a query of 50 parameters is otherwise valid, then the login page is shown', async () => {
    const res = await fetch(`${auth.url}/oauth/authorize?${valid}&${Array.from({ length: 43 }, (_, i) => `x${i}=1`).join('&')}`, { redirect: 'manual' });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('name="password"');
  });

  it.each([
    ['/oauth/authorize', Array.from({ length: 60 }, (_, i) => `a${i}=1`).join('&')],
    ['/oauth/authorize', 'a&'.repeat(7_000)],
    ['/oauth/logout', Array.from({ length: 60 }, (_, i) => `a${i}=1`).join('&')],
  ])('when a hosted form posted to %s carries too many parameters, then 400 invalid_request, not a 500', async (path, body) => {
    const res = await fetch(`${auth.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'invalid_request' });
  });

  it('when the many parameters come with an unregistered redirect_uri, then an error page and never a redirect', async () => {
    const query = duplicates().replace(encodeURIComponent(REDIRECT), encodeURIComponent('https://evil.example/cb'));
    const res = await fetch(`${auth.url}/oauth/authorize?${query}`, { redirect: 'manual' });
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
  });
});
