import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, get, post, registerAndLogin } from './support/http-client.js';
import { startTestAuth, type TestAuth } from './support/auth-harness.js';
import { pollUntil } from './contracts/poll.js';

/** Collects pino's JSON lines. */
class LineSink extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    callback();
  }
}

describe('request logging', () => {
  let auth: TestAuth;
  const sink = new LineSink();
  beforeAll(async () => {
    auth = await startTestAuth({ logDestination: sink });
  });
  afterAll(() => auth?.stop());

  it('when a user registers, logs in, refreshes and calls /auth/me, then no line holds the password or a token', async () => {
    const tokens = await registerAndLogin(auth.url, 'logged');
    const refreshed = await post(auth.url, '/auth/refresh', { refresh_token: tokens.refresh_token });
    await get(auth.url, '/auth/me', refreshed.body.access_token);
    await post(auth.url, '/auth/login', { username: 'logged', password: `${PASSWORD}-wrong` });
    await pollUntil(() => sink.lines.filter((l) => l.includes('"msg":"request"')).length >= 5, { what: 'five request lines' });
    const secrets = [PASSWORD, tokens.access_token, tokens.refresh_token, refreshed.body.access_token, refreshed.body.refresh_token];
    for (const line of sink.lines) for (const secret of secrets) expect(line).not.toContain(secret);
  });

  it('when a login is logged, then its line has request id, method, route, status and ms', async () => {
    await post(auth.url, '/auth/login', { username: 'logged', password: PASSWORD });
    await pollUntil(() => sink.lines.some((l) => l.includes('"route":"/auth/login"')), { what: 'the login line' });
    const line = JSON.parse(sink.lines.find((l) => l.includes('"route":"/auth/login"'))!);
    expect(line).toMatchObject({ msg: 'request', method: 'POST', route: '/auth/login', status: expect.any(Number), ms: expect.any(Number), reqId: expect.any(String) });
  });
});
