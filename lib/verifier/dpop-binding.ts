import type { IncomingMessage } from 'node:http';
import { withChallenge, type AppError } from '../errors.js';
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

/** Which peers may speak for the client in X-Forwarded-*: express's `trust proxy`, or the same function outside express. */
export type ForwardedTrust = (address: string, hop: number) => boolean;

const firstOf = (value: string | string[] | undefined): string | undefined => {
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined || text === '') return undefined;
  const comma = text.indexOf(',');
  return (comma === -1 ? text : text.slice(0, comma)).trim();
};

/**
 * The public URL of a request, by express's own rules for `req.protocol` and `req.host`: scheme
 * and host from X-Forwarded-Proto/Host only when the peer is trusted, else from the connection and
 * Host. With `forwardedPrefix`, a trusted peer's X-Forwarded-Prefix is put back in front of the
 * path (a service behind a prefix-stripping gateway); `path` replaces the request's own (the
 * gateway passes the path as received, before it strips a prefix). Plain node:http, so the OAuth
 * endpoints (outside express), express routes and the gateway read it alike.
 */
export function publicUrlOf(req: IncomingMessage, trust: ForwardedTrust, { forwardedPrefix = false, path }: { forwardedPrefix?: boolean; path?: string } = {}): string {
  const peer = req.socket.remoteAddress;
  const trusted = peer !== undefined && trust(peer, 0);
  const scheme = (trusted ? firstOf(req.headers['x-forwarded-proto']) : undefined) ?? ((req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http');
  const host = (trusted ? firstOf(req.headers['x-forwarded-host']) : undefined) ?? req.headers.host ?? '';
  const prefix = forwardedPrefix && trusted ? trustedPrefix(req.headers[FORWARDED_PREFIX]) : '';
  return `${scheme}://${host}${prefix}${path ?? (req as { originalUrl?: string }).originalUrl ?? req.url ?? '/'}`;
}

function trustedPrefix(prefix: string | string[] | undefined): string {
  return typeof prefix === 'string' && prefix.startsWith('/') ? prefix : '';
}

/**
 * A refusal of a request that used the DPoP scheme (or of a `required` resource) is challenged
 * with `WWW-Authenticate: DPoP` (RFC 9449 §7.1), whatever was wrong with the token.
 */
export function challengedAsDpop(err: AppError, authorization: string | undefined, policy: DpopPolicy): AppError {
  return policy === 'required' || isDpopScheme(authorization) ? withChallenge(err, { scheme: 'DPoP' }) : err;
}
