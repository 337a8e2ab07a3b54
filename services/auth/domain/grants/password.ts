import type { AuthEvents } from '../auth-events.js';
import type { TokenPair, TokenPairIssuer } from '../tokens/token-pair.js';
import type { UserRecord } from '../users/user-store.js';
import type { PasswordCheck } from '../users/password-check.js';
import { sessionDevice } from '../sessions/session-device.js';

export interface LoginInput {
  username: string;
  password: string;
  /** Address the request came from (after trusted proxies), for the per-IP failure count. */
  clientIp: string;
  /** The request's User-Agent, shown in the session list (bounded there); absent when none was sent. */
  userAgent?: string | undefined;
  /** The DPoP key proven with the request (RFC 9449): tokens and the refresh family are bound to it. */
  jkt?: string | undefined;
}

export interface LoginDeps {
  /** Throttling, argon2id and the enumeration-safe refusal (shared with the hosted login page). */
  checkPassword: PasswordCheck;
  tokens: TokenPairIssuer;
  /** The first-party client the tokens are for. */
  clientId: string;
  /** The scopes the user's tokens carry now (DEFAULT_USER_SCOPES plus the user's roles'). */
  scopesOf: (user: UserRecord) => string[];
  events: AuthEvents;
}

/** Password login of the first-party API: the shared password check, then a new token family. */
export function createLogin({ checkPassword, tokens, clientId, scopesOf, events }: LoginDeps) {
  return async function login(input: LoginInput): Promise<TokenPair> {
    const { jkt, userAgent, ...credentials } = input;
    const user = await checkPassword({ ...credentials, clientId });
    // The first-party client is public: its refresh family is bound to the key too.
    const device = sessionDevice(userAgent, input.clientIp);
    const pair = await tokens.startFamily(user, { clientId, scope: scopesOf(user).join(' '), jkt }, { bindRefreshToken: true, device });
    events.accessTokenIssued('password');
    return pair;
  };
}
