import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { get, post, registerAndLogin, type TokenPairBody } from './support/http-client.js';
import { startTestAuth, type TestAuth } from './support/auth-harness.js';
import { tokenStoreVariants } from './support/token-stores.js';

const GRACE_SECONDS = 5;

for (const variant of tokenStoreVariants) {
  describe.runIf(variant.enabled)(`refresh rotation on the ${variant.name}`, () => {
    let auth: TestAuth;
    beforeAll(async () => {
      auth = await startTestAuth({ tokens: variant.create, env: { REFRESH_REUSE_GRACE_SECONDS: String(GRACE_SECONDS) } });
    });
    afterAll(async () => {
      await auth?.stop();
      await variant.cleanup();
    });

    const refresh = (token: string) => post<TokenPairBody & { error?: string }>(auth.url, '/auth/refresh', { refresh_token: token });

    it('when two refreshes race with one token, then exactly one rotation happens and both get the same successor', async () => {
      const login = await registerAndLogin(auth.url, `race-${variant.name.split(' ')[0]}`);
      const results = await Promise.all(Array.from({ length: 5 }, () => refresh(login.refresh_token)));
      expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
      const successors = new Set(results.map((r) => r.body.refresh_token));
      expect(successors.size).toBe(1);
      const [successor] = successors;
      expect(successor).not.toBe(login.refresh_token);
      // Each answer still carries its own fresh, valid access token.
      for (const r of results) expect((await get(auth.url, '/auth/me', r.body.access_token)).status).toBe(200);
      // The family did not fork: the one successor goes on working.
      expect((await refresh(successor!)).status).toBe(200);
    });

    it('when a spent token is retried within the grace window, then it gets the same successor', async () => {
      const login = await registerAndLogin(auth.url, `retry-${variant.name.split(' ')[0]}`);
      const first = await refresh(login.refresh_token);
      auth.clock.advance((GRACE_SECONDS - 1) * 1000);
      const retry = await refresh(login.refresh_token);
      expect(retry.status).toBe(200);
      expect(retry.body.refresh_token).toBe(first.body.refresh_token);
    });

    it('when a spent token is presented after the grace window, then 401 invalid_grant and the whole family is revoked', async () => {
      const login = await registerAndLogin(auth.url, `reuse-${variant.name.split(' ')[0]}`);
      const first = await refresh(login.refresh_token);
      const second = await refresh(first.body.refresh_token);
      expect(second.status).toBe(200);
      auth.clock.advance((GRACE_SECONDS + 1) * 1000);
      const reuse = await refresh(login.refresh_token);
      expect(reuse.status).toBe(401);
      expect(reuse.body.error).toBe('invalid_grant');
      // The live end of the family died with it.
      const afterRevoke = await refresh(second.body.refresh_token);
      expect(afterRevoke.status).toBe(401);
      expect(afterRevoke.body.error).toBe('invalid_grant');
    });

    it('when the successor was already rotated on, then a retry of the older token is reuse even within grace', async () => {
      const login = await registerAndLogin(auth.url, `chain-${variant.name.split(' ')[0]}`);
      const first = await refresh(login.refresh_token);
      expect((await refresh(first.body.refresh_token)).status).toBe(200);
      expect((await refresh(login.refresh_token)).status).toBe(401);
    });

    it('when a token from another family is presented, then the other family is untouched', async () => {
      const a = await registerAndLogin(auth.url, `fam-a-${variant.name.split(' ')[0]}`);
      const b = await post<TokenPairBody>(auth.url, '/auth/login', { username: `fam-a-${variant.name.split(' ')[0]}`, password: 'correct horse battery staple' });
      await refresh(a.refresh_token);
      auth.clock.advance((GRACE_SECONDS + 1) * 1000);
      expect((await refresh(a.refresh_token)).status).toBe(401);
      expect((await refresh(b.body.refresh_token)).status).toBe(200);
    });

    it('when a refresh token has expired, then 401 invalid_grant', async () => {
      const login = await registerAndLogin(auth.url, `expired-${variant.name.split(' ')[0]}`);
      auth.clock.advance(1_209_601_000);
      try {
        const res = await refresh(login.refresh_token);
        expect(res.status).toBe(401);
        expect(res.body.error).toBe('invalid_grant');
      } finally {
        auth.clock.advance(-1_209_601_000);
      }
    });
  });
}
