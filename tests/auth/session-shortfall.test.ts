import { describe, expect, it } from 'vitest';
import { sessionShortfall } from '../../services/auth/domain/app-flow/session-shortfall.js';

/** Issue 25 point 5: when a live login session answers /oauth/authorize, by max_age and acr_values (mfa). */
describe('sessionShortfall', () => {
  const now = 1_800_000_000_000;
  const signedIn = (secondsAgo: number, amr?: string[]) => ({ authTime: now - secondsAgo * 1000, ...(amr ? { amr } : {}) });

  it.each([
    ['no max_age, no acr', {}, signedIn(86_400), undefined],
    ['max_age 300, a sign-in 300 s ago', { maxAge: 300 }, signedIn(300), undefined],
    ['max_age 300, a sign-in 301 s ago', { maxAge: 300 }, signedIn(301), 'stale'],
    ['max_age 0, a sign-in 1 ms ago', { maxAge: 0 }, { authTime: now - 1 }, 'stale'],
    ['acr mfa, a password session', { acr: 'mfa' as const }, signedIn(5, ['pwd']), 'one-factor'],
    ['acr mfa, a session stored before amr existed', { acr: 'mfa' as const }, signedIn(5), 'one-factor'],
    ['acr mfa, a session with otp but no mfa marker', { acr: 'mfa' as const }, signedIn(5, ['otp']), 'one-factor'],
    ['acr mfa, a second-factor session', { acr: 'mfa' as const }, signedIn(5, ['pwd', 'otp', 'mfa']), undefined],
    ['acr mfa and max_age, an old password session (a new sign-in asks every factor)', { acr: 'mfa' as const, maxAge: 60 }, signedIn(120, ['pwd']), 'stale'],
    ['acr mfa and max_age, an old second-factor session', { acr: 'mfa' as const, maxAge: 60 }, signedIn(120, ['pwd', 'otp', 'mfa']), 'stale'],
  ])('when the request has %s (%o, %o), then the shortfall is %s', (_label, request, session, expected) => {
    expect(sessionShortfall(request, session, now)).toBe(expected);
  });
});
