import { describe, expect, it } from 'vitest';
import { MemoryTokenStore } from '../../services/auth/adapters/memory/memory-token-store.js';
import { createLogout } from '../../services/auth/domain/sessions/logout.js';
import { createSessionEnder } from '../../services/auth/domain/sessions/session-ender.js';
import type { AccessTokenClaims } from '../../lib/verifier/claims.js';
import { MAX_CLOCK_TOLERANCE_SECONDS } from '../../lib/verifier/verifier.js';

const START = Date.UTC(2026, 0, 1);

const TTL = 900;

function claims(exp: number, sid?: string): AccessTokenClaims {
  return { iss: 'http://issuer', sub: 'u1', aud: 'api', exp, iat: exp - TTL, jti: 'jti-1', client_id: 'first-party', scope: 'notes:read', ...(sid ? { sid } : {}) };
}

function logoutWith(tokens: MemoryTokenStore, now: () => number) {
  return createLogout({ tokens, endSession: createSessionEnder({ tokens, accessTokenTtlSeconds: TTL, now }), now });
}

describe('how long a logged-out access token stays denied', () => {
  it('when the token has expired but verifiers would still accept it (clock tolerance), then it is still denied', async () => {
    let now = START;
    const tokens = new MemoryTokenStore({ now: () => now });
    const exp = START / 1000 + 60;
    await logoutWith(tokens, () => now)(claims(exp));

    now = (exp + MAX_CLOCK_TOLERANCE_SECONDS - 1) * 1000;
    expect(await tokens.isAccessTokenDenied('jti-1')).toBe(true);

    now = (exp + MAX_CLOCK_TOLERANCE_SECONDS + 1) * 1000;
    expect(await tokens.isAccessTokenDenied('jti-1')).toBe(false);
  });

  it('when a session is logged out, then its sid stays denied as long as a token issued from it just now could be accepted', async () => {
    let now = START;
    const tokens = new MemoryTokenStore({ now: () => now });
    await logoutWith(tokens, () => now)(claims(START / 1000 + 60, 'session-1'));
    expect(await tokens.isSessionDenied('session-1')).toBe(true);
    expect(await tokens.isSessionDenied('session-2')).toBe(false);

    now = START + (TTL + MAX_CLOCK_TOLERANCE_SECONDS - 1) * 1000;
    expect(await tokens.isSessionDenied('session-1')).toBe(true);
    now = START + (TTL + MAX_CLOCK_TOLERANCE_SECONDS + 1) * 1000;
    expect(await tokens.isSessionDenied('session-1')).toBe(false);
  });
});
