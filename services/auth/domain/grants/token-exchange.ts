import { authenticationOfToken } from '../mfa/authentication.js';
import type { AuthEvents } from '../auth-events.js';
import type { ActorClaim } from '../../../../lib/verifier/index.js';
import { AppError } from '../../../../lib/errors.js';
import { TOKEN_EXCHANGE_GRANT, type ClientRecord, type TokenExchangeAllowance } from '../clients/client-store.js';
import type { OwnAccessTokens, TokenSigner } from '../tokens/token-signing.js';
import type { AccessTokenDenylist } from '../tokens/token-store.js';
import { createAudienceIssuers, tokenTypeOf, type TokenType } from '../tokens/access-token-issuer.js';
import { isLiveAccessToken } from '../tokens/live-access-token.js';
import { oauthErrors } from '../oauth/oauth-errors.js';
import { grantedScope } from '../tokens/scope.js';
import type { OAuthParams } from '../clients/presented-credentials.js';

export { TOKEN_EXCHANGE_GRANT };
export const ACCESS_TOKEN_TYPE_URN = 'urn:ietf:params:oauth:token-type:access_token';

/** RFC 8693 §2.2.1 response. */
export interface TokenExchangeResponse {
  access_token: string;
  issued_token_type: typeof ACCESS_TOKEN_TYPE_URN;
  token_type: TokenType;
  expires_in: number;
  scope: string;
}

export interface TokenExchangeGrantDeps {
  signer: TokenSigner;
  accessTokens: OwnAccessTokens;
  denylist: AccessTokenDenylist;
  issuer: string;
  /** AUTH_AUDIENCE: what a client registered with the grant type but no allowance may ask for, when it registered no audiences. */
  defaultAudience: string;
  ttlSeconds: number;
  now: () => number;
  /** Where a completed exchange is reported (audit trail, metrics). */
  events: AuthEvents;
}

/** RFC 8693 §2.2.2: a subject or actor token that is not acceptable is invalid_request. */
const unacceptable = (what: string, code: string) => new AppError(code, 400, what, { error: 'invalid_request' });
/**
 * RFC 9449 §7 and RFC 8693: a DPoP-bound subject token is refused to anyone who does not prove its
 * key, exactly like a bound refresh token (refresh.ts), so exchanging cannot launder it into a
 * Bearer token; the description says what to send.
 */
const subjectKeyNotProven = () =>
  new AppError('EXCHANGE_SUBJECT_TOKEN_KEY_NOT_PROVEN', 400, 'the subject_token is DPoP-bound: send a DPoP proof made with its key', { error: 'invalid_grant' });
const unauthorizedClient = () =>
  new AppError('OAUTH_EXCHANGE_NOT_ALLOWED', 400, 'the client may not use token exchange', { error: 'unauthorized_client' });

/**
 * Token exchange (RFC 8693) for delegation: a client holding a user's access token gets one for
 * another audience, acting for the user. Deny by default: only a confidential client whose
 * `tokenExchange` allowance lists the audience may exchange. The new token keeps the user (`sub`,
 * roles, username, `sid`, so logout ends it too), names the client (`client_id`, `act.sub`, the
 * subject token's own `act` nested inside), and is never wider than the subject token: scope is
 * the intersection of what it holds, what the allowance grants and what was asked; exp is at most
 * the subject token's. Only access tokens of this issuer are accepted as subject tokens; refresh
 * tokens, ID tokens and foreign tokens are not. A DPoP-bound subject token needs the request's
 * proof to be by its key, and the exchanged token is bound to that same key.
 */
export function createTokenExchangeGrant({ signer, accessTokens, denylist, issuer, defaultAudience, ttlSeconds, now, events }: TokenExchangeGrantDeps) {
  const issuerFor = createAudienceIssuers({ signer, issuer, ttlSeconds, now });

  /**
   * What the client may obtain: its `token_exchange` allowance, or, for a client registered the
   * standard way (RFC 7591 `grant_types` listing RFC 8693's grant type, no allowance of ours), its
   * own registered audiences (AUTH_AUDIENCE when none) and scopes. Neither: not allowed.
   */
  function allowanceOf(client: ClientRecord): TokenExchangeAllowance | undefined {
    if (client.tokenExchange !== undefined) return client.tokenExchange;
    if (!client.grantTypes.includes(TOKEN_EXCHANGE_GRANT)) return undefined;
    return { audiences: client.audiences.length > 0 ? client.audiences : [defaultAudience], scopes: client.scopes };
  }

  async function liveToken(token: string | undefined, type: string | undefined, role: 'subject' | 'actor') {
    if (token === undefined || token === '') throw oauthErrors.invalidRequest(`${role}_token is required`, `EXCHANGE_${role.toUpperCase()}_TOKEN_MISSING`);
    if (type !== ACCESS_TOKEN_TYPE_URN) {
      throw oauthErrors.invalidRequest(`${role}_token_type must be ${ACCESS_TOKEN_TYPE_URN}`, `EXCHANGE_${role.toUpperCase()}_TOKEN_TYPE_UNSUPPORTED`);
    }
    const read = await accessTokens.read(token);
    if (read === null || !(await isLiveAccessToken(read, denylist, Math.floor(now() / 1000)))) {
      throw unacceptable(`the ${role}_token is not an active access token of this issuer`, `EXCHANGE_${role.toUpperCase()}_TOKEN_INVALID`);
    }
    return read;
  }

  /** `jkt`: the DPoP key proven with the request; the issued token is bound to it (RFC 9449). */
  return async function tokenExchangeGrant(client: ClientRecord, params: OAuthParams, jkt?: string): Promise<TokenExchangeResponse> {
    const allowance = allowanceOf(client);
    if (allowance === undefined || client.tokenEndpointAuthMethods.includes('none')) throw unauthorizedClient();
    if (params.requested_token_type !== undefined && params.requested_token_type !== ACCESS_TOKEN_TYPE_URN) {
      throw oauthErrors.invalidRequest(`requested_token_type must be ${ACCESS_TOKEN_TYPE_URN}`, 'EXCHANGE_REQUESTED_TYPE_UNSUPPORTED');
    }
    const subject = await liveToken(params.subject_token, params.subject_token_type, 'subject');
    // A client's own token as actor_token proves nothing new, but it must be the caller's own.
    if (params.actor_token !== undefined || params.actor_token_type !== undefined) {
      const actor = await liveToken(params.actor_token, params.actor_token_type, 'actor');
      if (actor.sub !== client.clientId) throw unacceptable('the actor_token must be the exchanging client\'s own token', 'EXCHANGE_ACTOR_TOKEN_FOREIGN');
    }
    // A bound subject token is taken only with a proof of its key, and the new token keeps that binding (jkt is then its cnf.jkt).
    const subjectJkt = subject.claims.cnf?.jkt;
    if (subjectJkt !== undefined && subjectJkt !== jkt) throw subjectKeyNotProven();
    if (subject.sub === subject.clientId && subject.actor.length === 0) {
      throw unacceptable('the subject_token is a client\'s own token, not a user\'s', 'EXCHANGE_SUBJECT_NOT_USER');
    }

    const audience = params.audience === undefined || params.audience === '' ? allowance.audiences[0] : params.audience;
    if (audience === undefined || !allowance.audiences.includes(audience)) throw oauthErrors.invalidTarget();
    const held = allowance.scopes.filter((scope) => subject.scopes.includes(scope));
    const scope = grantedScope(params.scope, held);
    if (scope === '') throw oauthErrors.invalidScope();

    const claims = subject.claims;
    // Exchanged on the user's behalf, not a new sign-in: the subject token's says how they signed in.
    const authentication = authenticationOfToken(subject);
    const act: ActorClaim = { sub: client.clientId, ...(claims.act ? { act: claims.act } : {}) };
    const issued = issuerFor(audience)({
      sub: subject.sub,
      clientId: client.clientId,
      scope,
      ...(claims.roles ? { roles: claims.roles } : {}),
      ...(claims.username ? { username: claims.username } : {}),
      ...(subject.sid ? { sid: subject.sid } : {}),
      act,
      jkt,
      notAfter: subject.expiresAt,
      ...(authentication ? { authentication } : {}),
    });
    events.tokenExchanged({ clientId: client.clientId, userId: subject.sub, ...(subject.actor.length > 0 ? { actorId: subject.actor.join(',') } : {}), audience: [audience], scope });
    events.accessTokenIssued('token_exchange');
    return { access_token: issued.token, issued_token_type: ACCESS_TOKEN_TYPE_URN, token_type: tokenTypeOf(jkt), expires_in: issued.expiresIn, scope };
  };
}
