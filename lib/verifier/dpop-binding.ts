import type { Request } from 'express';
import type { AppError } from '../errors.js';
import { withChallenge } from '../http/error-response.js';
import { isDpopScheme } from './bearer.js';
import type { AccessTokenClaims } from './claims.js';
import type { DpopProofVerifier } from './dpop.js';
import { tokenError } from './errors.js';

/**
 * What a protected resource asks of its callers: `allowed` (the default) takes Bearer tokens and,
 * always checked as such, DPoP-bound ones; `required` takes only DPoP-bound tokens with a proof.
 */
export type DpopPolicy = 'required' | 'allowed';

/** The verified token as the binding check reads it. */
export interface PresentedToken {
  token: string;
  claims: Readonly<AccessTokenClaims>;
}

/** The parts of the request a proof must match. `url` is the public URL the client used. */
export interface SenderRequest {
  authorization: string | undefined;
  proof: string | string[] | undefined;
  method: string;
  url: string;
}

/**
 * Whether the sender-constraint check has anything to do: false for an unbound token sent as
 * Bearer where Bearer is allowed, which is the common case and must stay free (the gateway's hot
 * path): two property reads and a character compare.
 */
export function needsSenderCheck(claims: Readonly<AccessTokenClaims>, authorization: string | undefined, policy: DpopPolicy): boolean {
  return claims.cnf !== undefined || policy === 'required' || isDpopScheme(authorization);
}

/**
 * RFC 9449 §7: a token bound to a key (`cnf.jkt`) is accepted only as `Authorization: DPoP` with a
 * valid proof of that key for this request (htm, htu, iat, jti once, ath); sent as Bearer it is
 * refused, so a thief holding the token alone gets nothing. The DPoP scheme with an unbound token
 * is refused too (§7.1: the scheme promises a binding the token does not have), and a `required`
 * resource refuses unbound tokens outright.
 */
export async function checkSenderConstraint(verifyProof: DpopProofVerifier, presented: PresentedToken, request: SenderRequest, policy: DpopPolicy): Promise<void> {
  const jkt = presented.claims.cnf?.jkt;
  const dpopScheme = isDpopScheme(request.authorization);
  if (jkt === undefined) {
    if (dpopScheme) throw tokenError('DPOP_TOKEN_NOT_BOUND');
    if (policy === 'required') throw tokenError('DPOP_REQUIRED');
    return;
  }
  if (!dpopScheme) throw tokenError('DPOP_BOUND_TOKEN_AS_BEARER');
  await verifyProof({ proof: request.proof, method: request.method, url: request.url, accessToken: presented.token, expectedJkt: jkt });
}

/**
 * The header the gateway sets on a request whose DPoP proof it checked, naming the path prefix it
 * stripped (`/api` for /api/notes -> /notes), so a service behind it can rebuild the URL the
 * client signed. The de facto name (Spring, Traefik, ASP.NET).
 */
export const FORWARDED_PREFIX = 'x-forwarded-prefix';

/**
 * The public URL of an express request: scheme and host as `trust proxy` resolves them
 * (X-Forwarded-Proto/Host only from trusted peers). With `forwardedPrefix`, a trusted peer's
 * X-Forwarded-Prefix is put back in front of the path (a service behind a prefix-stripping gateway).
 */
export function publicUrlOf(req: Request, { forwardedPrefix = false }: { forwardedPrefix?: boolean } = {}): string {
  const prefix = forwardedPrefix ? trustedPrefixOf(req) : '';
  return `${req.protocol}://${req.host}${prefix}${req.originalUrl}`;
}

function trustedPrefixOf(req: Request): string {
  const prefix = req.headers[FORWARDED_PREFIX];
  if (typeof prefix !== 'string' || !prefix.startsWith('/')) return '';
  const trust = req.app.get('trust proxy fn') as ((address: string, hop: number) => boolean) | undefined;
  const peer = req.socket.remoteAddress;
  return peer !== undefined && trust?.(peer, 0) === true ? prefix : '';
}

/** The sender-constraint check for an express request; undefined (nothing to wait for) in the common Bearer case. */
export function checkExpressSender(verifyProof: DpopProofVerifier, presented: PresentedToken, req: Request, policy: DpopPolicy): Promise<void> | undefined {
  if (!needsSenderCheck(presented.claims, req.headers.authorization, policy)) return undefined;
  const url = publicUrlOf(req, { forwardedPrefix: true });
  return checkSenderConstraint(verifyProof, presented, { authorization: req.headers.authorization, proof: req.headers.dpop, method: req.method, url }, policy);
}

/**
 * A refusal of a request that used the DPoP scheme (or of a `required` resource) is challenged
 * with `WWW-Authenticate: DPoP` (RFC 9449 §7.1), whatever was wrong with the token.
 */
export function challengedAsDpop(err: AppError, authorization: string | undefined, policy: DpopPolicy): AppError {
  return policy === 'required' || isDpopScheme(authorization) ? withChallenge(err, { scheme: 'DPoP' }) : err;
}
