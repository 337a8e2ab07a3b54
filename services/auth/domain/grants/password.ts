import type { AuthEvents } from '../auth-events.js';
import type { TokenPair, TokenPairIssuer } from '../tokens/token-pair.js';
import type { UserRecord } from '../users/user-store.js';
import type { PasswordCheck } from '../users/password-check.js';
import { sessionDevice } from '../sessions/session-device.js';
import { passwordAuthentication, type Authentication } from '../mfa/authentication.js';
import { mfaRequired, type SecondStep } from '../mfa/second-step.js';

/** Where a login request came from, and the key it proved. */
export interface LoginOrigin {
  /** Address the request came from (after trusted proxies), for the per-IP failure count. */
  clientIp: string;
  /** The request's User-Agent, shown in the session list (bounded there); absent when none was sent. */
  userAgent?: string | undefined;
  /** The DPoP key proven with the request (RFC 9449): tokens and the refresh family are bound to it. */
  jkt?: string | undefined;
}

export interface LoginInput extends LoginOrigin {
  username: string;
  password: string;
}

/** `POST /auth/login/mfa`: the mfa_token of the first step and the proof of a factor (`code`, `webauthn`, ...). */
export interface SecondStepInput extends LoginOrigin {
  mfaToken: unknown;
  proof: Readonly<Record<string, unknown>>;
}

export interface LoginDeps {
  /** Throttling, argon2id and the enumeration-safe refusal (shared with the hosted login page). */
  checkPassword: PasswordCheck;
  /** Whether the account owes a second factor, and the check of it. */
  secondStep: SecondStep;
  tokens: TokenPairIssuer;
  /** The first-party client the tokens are for. */
  clientId: string;
  /** The scopes the user's tokens carry now (DEFAULT_USER_SCOPES plus the user's roles'). */
  scopesOf: (user: UserRecord) => string[];
  events: AuthEvents;
  now: () => number;
}

/**
 * Password login of the first-party API: the shared password check, then a new token family, or
 * (an account with a second factor) 401 mfa_required and no token, completed by `completeLogin`.
 */
export function createLogin({ checkPassword, secondStep, tokens, clientId, scopesOf, events, now }: LoginDeps) {
  async function startSession(user: UserRecord, authentication: Authentication, { jkt, userAgent, clientIp }: LoginOrigin): Promise<TokenPair> {
    // The first-party client is public: its refresh family is bound to the key too.
    const device = sessionDevice(userAgent, clientIp);
    const pair = await tokens.startFamily(user, { clientId, scope: scopesOf(user).join(' '), jkt, authentication }, { bindRefreshToken: true, device });
    events.accessTokenIssued('password');
    return pair;
  }

  return {
    async login(input: LoginInput): Promise<TokenPair> {
      const { username, password, clientIp } = input;
      const user = await checkPassword({ username, password, clientIp, clientId });
      const first = passwordAuthentication(now());
      const challenge = await secondStep.challenge(user, first, { clientId, purpose: 'first_party' });
      if (challenge) throw mfaRequired(challenge);
      return startSession(user, first, input);
    },

    async completeLogin(input: SecondStepInput): Promise<TokenPair> {
      const { user, authentication } = await secondStep.complete(input.mfaToken, input.proof, { purpose: 'first_party', clientIp: input.clientIp });
      return startSession(user, authentication, input);
    },
  };
}
