import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, post, registerAndLogin } from './support/http-client.js';
import { startTestAuth, type TestAuth } from './support/auth-harness.js';

describe('metrics', () => {
  let auth: TestAuth;
  beforeAll(async () => {
    auth = await startTestAuth({ env: { LOGIN_MAX_FAILURES: '1' } });
  });
  afterAll(() => auth?.stop());

  const scrape = async () => {
    const res = await fetch(`${auth.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    return res.text();
  };
  const value = (text: string, series: string) => Number(text.split('\n').find((line) => line.startsWith(`${series} `))?.split(' ')[1] ?? NaN);

  it('when logins succeed, fail and are throttled and a refresh is reused, then the counters say so without names or tokens', async () => {
    const tokens = await registerAndLogin(auth.url, 'metered');
    await post(auth.url, '/auth/login', { username: 'metered', password: 'wrong password!!' });
    await post(auth.url, '/auth/login', { username: 'metered', password: 'wrong password!!' });
    await post(auth.url, '/auth/refresh', { refresh_token: tokens.refresh_token });
    auth.clock.advance(10_000);
    await post(auth.url, '/auth/refresh', { refresh_token: tokens.refresh_token });

    const text = await scrape();
    expect(value(text, 'auth_logins_total{outcome="success",service="auth"}')).toBe(1);
    expect(value(text, 'auth_logins_total{outcome="invalid_credentials",service="auth"}')).toBe(1);
    expect(value(text, 'auth_logins_total{outcome="rate_limited",service="auth"}')).toBe(1);
    expect(value(text, 'auth_tokens_issued_total{grant="password",service="auth"}')).toBe(1);
    expect(value(text, 'auth_tokens_issued_total{grant="refresh_token",service="auth"}')).toBe(1);
    expect(value(text, 'auth_refresh_reuse_detected_total{service="auth"}')).toBe(1);
    expect(text).toMatch(/http_requests_total\{[^}]*route="\/auth\/login"/);
    for (const secret of ['metered', PASSWORD, tokens.access_token, tokens.refresh_token]) expect(text).not.toContain(secret);
  });
});
