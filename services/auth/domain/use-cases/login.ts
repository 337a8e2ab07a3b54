import type { AuthEvents } from '../ports/auth-events.js';
import type { Grant, TokenPair, TokenPairIssuer } from '../tokens/token-pair.js';
import type { PasswordCheck } from './password-check.js';

export interface LoginInput {
  username: string;
  password: string;
  /** Address the request came from (after trusted proxies), for the per-IP failure count. */
  clientIp: string;
}

export interface LoginDeps {
  /** Throttling, argon2id and the enumeration-safe refusal (shared with the hosted login page). */
  checkPassword: PasswordCheck;
  tokens: TokenPairIssuer;
  grant: Grant;
  events: AuthEvents;
}

/** Password login of the first-party API: the shared password check, then a new token family. */
export function createLogin({ checkPassword, tokens, grant, events }: LoginDeps) {
  return async function login(input: LoginInput): Promise<TokenPair> {
    const user = await checkPassword({ ...input, clientId: grant.clientId });
    const pair = await tokens.startFamily(user, grant);
    events.accessTokenIssued('password');
    return pair;
  };
}
