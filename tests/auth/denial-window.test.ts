import { describe, expect, it } from 'vitest';
import { MemoryTokenStore } from '../../services/auth/adapters/memory/memory-token-store.js';
import { createLogout } from '../../services/auth/domain/use-cases/logout.js';
import type { AccessTokenClaims } from '../../lib/verifier/claims.js';
import { MAX_CLOCK_TOLERANCE_SECONDS } from '../../lib/verifier/verifier.js';

const START = Date.UTC(2026, 0, 1);

function claims(exp: number): AccessTokenClaims {
  return { iss: 'http://issuer', sub: 'u1', aud: 'api', exp, iat: exp - 900, jti: 'jti-1', client_id: 'first-party', scope: 'notes:read' };
}

describe('how long a logged-out access token stays denied', () => {
  it('when the token has expired but verifiers would still accept it (clock tolerance), then it is still denied', async () => {
    let now = START;
    const tokens = new MemoryTokenStore({ now: () => now });
    const exp = START / 1000 + 60;
    await createLogout({ tokens, now: () => now })(claims(exp));

    now = (exp + MAX_CLOCK_TOLERANCE_SECONDS - 1) * 1000;
    expect(await tokens.isAccessTokenDenied('jti-1')).toBe(true);

    now = (exp + MAX_CLOCK_TOLERANCE_SECONDS + 1) * 1000;
    expect(await tokens.isAccessTokenDenied('jti-1')).toBe(false);
  });
});
