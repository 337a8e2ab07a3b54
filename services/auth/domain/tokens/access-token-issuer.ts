import { randomUUID } from 'node:crypto';
import { ACCESS_TOKEN_TYPE, type AccessTokenClaims, type ActorClaim } from '../../../../lib/verifier/index.js';
import type { TokenSigner } from './token-signing.js';
import { withSpan } from '../../../../lib/tracing/tracer.js';
import { authenticationClaims, type Authentication } from '../mfa/authentication.js';

export interface AccessTokenSubject {
  sub: string;
  clientId: string;
  scope: string;
  roles?: string[];
  username?: string;
  /** The login session (refresh family) a user token belongs to. */
  sid?: string;
  /** RFC 8693 §4.1 actor chain of an exchanged token: who acts for `sub`, outermost first. */
  act?: ActorClaim;
  /** RFC 9449: the DPoP key thumbprint the token is bound to (`cnf.jkt`); absent for a bearer token. */
  jkt?: string | undefined;
  /** Epoch seconds the token may not outlive (an exchanged token never outlives its subject token). */
  notAfter?: number;
  /** How the user signed in (`auth_time`, `amr`, `acr`); absent for client-only tokens. */
  authentication?: Authentication | undefined;
}

export interface IssuedAccessToken {
  token: string;
  claims: AccessTokenClaims & { scope: string };
  expiresIn: number;
}

export interface AccessTokenIssuerOptions {
  signer: TokenSigner;
  issuer: string;
  audience: string;
  ttlSeconds: number;
  now: () => number;
}

export type AccessTokenIssuer = (subject: AccessTokenSubject) => IssuedAccessToken;

/** RFC 9449 §5: a bound token is announced as `token_type: DPoP`, a bearer one as `Bearer`. */
export type TokenType = 'Bearer' | 'DPoP';
export const tokenTypeOf = (jkt: string | undefined): TokenType => (jkt === undefined ? 'Bearer' : 'DPoP');

/** Options are fixed once; each call only builds claims (RFC 9068 §2.2) and signs with the current key. */
export function createAccessTokenIssuer({ signer, issuer, audience, ttlSeconds, now }: AccessTokenIssuerOptions): AccessTokenIssuer {
  return ({ sub, clientId, scope, roles, username, sid, act, jkt, notAfter, authentication }) => {
    const iat = Math.floor(now() / 1000);
    const exp = notAfter === undefined ? iat + ttlSeconds : Math.min(iat + ttlSeconds, notAfter);
    const claims = {
      iss: issuer,
      sub,
      aud: audience,
      exp,
      iat,
      jti: randomUUID(),
      client_id: clientId,
      scope,
      ...(roles ? { roles } : {}),
      ...(username ? { username } : {}),
      ...(sid ? { sid } : {}),
      ...(authentication ? authenticationClaims(authentication) : {}),
      ...(act ? { act } : {}),
      ...(jkt ? { cnf: { jkt } } : {}),
    };
    const token = withSpan('issue access token', { 'oauth.client_id': clientId, 'authgate.token.audience': audience }, () => signer.sign(claims, ACCESS_TOKEN_TYPE));
    return { token, claims, expiresIn: exp - iat };
  };
}

/**
 * Issuers for tokens of several audiences (client credentials and token exchange pick the audience
 * per request): one per audience, built on first use, since the options are fixed and calls cheap.
 */
export function createAudienceIssuers(options: Omit<AccessTokenIssuerOptions, 'audience'>): (audience: string) => AccessTokenIssuer {
  const issuers = new Map<string, AccessTokenIssuer>();
  return (audience) => {
    let issue = issuers.get(audience);
    if (!issue) issuers.set(audience, (issue = createAccessTokenIssuer({ ...options, audience })));
    return issue;
  };
}
