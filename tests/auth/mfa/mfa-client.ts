import { expect } from 'vitest';
import { oathtoolCode } from '../../support/oathtool.js';
import { get, post, registerAndLogin, type TokenPairBody } from '../support/http-client.js';
import type { TestAuth } from '../support/auth-harness.js';

export interface EnrolledUser {
  id: string;
  username: string;
  secret: string;
  recoveryCodes: string[];
  /** The tokens of the login before enrolment. */
  tokens: TokenPairBody;
}

/** Registers `username`, enrols TOTP with a code oathtool computes at the service's clock, and confirms it. */
export async function enrolTotp(auth: TestAuth, username: string): Promise<EnrolledUser> {
  const tokens = await registerAndLogin(auth.url, username);
  const begun = await post(auth.url, '/auth/mfa/totp', {}, tokens.access_token);
  expect(begun.status).toBe(200);
  const secret = String(begun.body.secret);
  const confirmed = await post(auth.url, '/auth/mfa/totp/confirm', { code: oathtoolCode(secret, auth.clock.now()) }, tokens.access_token);
  expect(confirmed.status).toBe(200);
  return { id: tokens.id, username, secret, recoveryCodes: confirmed.body.recovery_codes as string[], tokens };
}

/** The first step: a right password of an account with a factor. Resolves the mfa_token. */
export async function firstStep(auth: TestAuth, username: string, password: string): Promise<string> {
  const res = await post(auth.url, '/auth/login', { username, password });
  expect(res.status).toBe(401);
  expect(res.body.error).toBe('mfa_required');
  return String(res.body.mfa_token);
}

/** Moves the service's clock to the next 30-second step, so a new code is due (each step is accepted once). */
export function nextStep(auth: TestAuth): void {
  auth.clock.advance(30_000);
}

export const accountMfa = async (auth: TestAuth, accessToken: string) => (await get(auth.url, '/auth/account', accessToken)).body.mfa;
