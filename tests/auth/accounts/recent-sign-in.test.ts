import { describe, expect, it } from 'vitest';
import { MemoryTokenStore } from '../../../services/auth/adapters/memory/memory-token-store.js';
import { createRecentSignInCheck, RECENT_SIGN_IN_SECONDS } from '../../../services/auth/domain/accounts/recent-sign-in.js';

const FIRST_PARTY = 'authgate-browser';

/**
 * The proof an account without a password gives for its deletion, against a real token store:
 * only a browser session that began within the window counts. The HTTP round trip is in
 * tests/auth/federation/oauth2-round-trip.test.ts.
 */
describe('recent sign-in: the proof of an account without a password', () => {
  const at = Date.now();
  const tokens = new MemoryTokenStore({ now: () => at });
  const check = createRecentSignInCheck({ tokens, firstPartyClientId: FIRST_PARTY, now: () => at });
  const session = (familyId: string, { subject = 'user-1', clientId = FIRST_PARTY, ageSeconds = 0 } = {}) =>
    tokens.issueRefreshToken({ tokenHash: `h-${familyId}`, familyId, subject, clientId, scope: 'openid', issuedAt: at - ageSeconds * 1000, expiresAt: at + 3_600_000 });

  it('when the browser session began within the window, then it proves the account', async () => {
    await session('fresh', { ageSeconds: RECENT_SIGN_IN_SECONDS - 1 });
    await expect(check('user-1', 'fresh')).resolves.toBeUndefined();
  });

  it.each([
    ['began before the window', 'stale', { ageSeconds: RECENT_SIGN_IN_SECONDS + 1 }],
    ["is an app's session (its start may ride on an old single sign-on)", 'app', { clientId: 'some-spa' }],
    ["is another user's session", 'theirs', { subject: 'user-2' }],
  ] as const)('when the session %s, then 401 insufficient_user_authentication with max_age', async (_what, sid, options) => {
    await session(sid, options);
    await expect(check('user-1', sid)).rejects.toMatchObject({ status: 401, error: 'insufficient_user_authentication', challenge: { maxAge: RECENT_SIGN_IN_SECONDS } });
  });

  it('when the token names no session, or one that has ended, then it is refused too', async () => {
    await expect(check('user-1', undefined)).rejects.toMatchObject({ status: 401 });
    await session('ended');
    await tokens.revokeRefreshFamily('ended');
    await expect(check('user-1', 'ended')).rejects.toMatchObject({ status: 401 });
  });
});
