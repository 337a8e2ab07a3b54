import type { ClientRecord } from './client-store.js';
import type { AssertionSignatureVerifier } from '../tokens/token-signing.js';
import type { ReplayCache } from '../tokens/token-store.js';
import { oauthErrors } from '../oauth/oauth-errors.js';

/** Asymmetric algorithms only: never `none`, never HS* (a shared secret is not a registered key). */
export const CLIENT_ASSERTION_ALGORITHMS = ['RS256', 'PS256', 'ES256'] as const;

/**
 * An assertion may live at most this long ahead of now. RFC 7523 asks for no number; an hour is
 * what Python's Authlib signs by default, and each accepted assertion's jti is held only until
 * its exp (only assertions signed by a registered client's key are held at all).
 */
export const MAX_ASSERTION_LIFETIME_SECONDS = 3600;
/** Skew allowed between the client's clock and ours. */
const CLOCK_TOLERANCE_SECONDS = 30;
const MAX_JTI_LENGTH = 256;

export interface ClientAssertionVerifierOptions {
  signatures: AssertionSignatureVerifier;
  /** Our issuer; RFC 7523 §3 lets `aud` be the authorization server's issuer identifier... */
  issuer: string;
  /** ...or its token endpoint URL. */
  tokenEndpoint: string;
  replay: ReplayCache;
  /** Epoch milliseconds. */
  now: () => number;
}

/** Verifies a `private_key_jwt` assertion for `client`; throws 401 invalid_client on any failure. */
export type ClientAssertionVerifier = (assertion: string, client: ClientRecord) => Promise<void>;

const fail = (code: string) => oauthErrors.invalidClient(code, false);

/**
 * The client an assertion claims to come from (its `sub`, which must equal `iss`), read without
 * verifying anything: only to know whose keys to verify it with. Null when it cannot be read.
 */
export function assertionClientIdOf(signatures: AssertionSignatureVerifier) {
  return (assertion: string): string | null => {
    const payload = signatures.decodeUnverified(assertion);
    const sub = payload?.sub;
    return typeof sub === 'string' && sub !== '' && payload?.iss === sub ? sub : null;
  };
}

const isNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

/**
 * RFC 7523 §3 client authentication: signed with one of the client's registered keys (RS256,
 * PS256 or ES256), `iss` = `sub` = client_id, `aud` = our token endpoint or issuer, `exp` present
 * and at most an hour ahead, and `jti` never seen before: it is claimed in the replay cache
 * until the assertion expires, so a replica that sees it again refuses it.
 */
export function createClientAssertionVerifier({ signatures, issuer, tokenEndpoint, replay, now }: ClientAssertionVerifierOptions): ClientAssertionVerifier {
  return async (assertion, client) => {
    if (!client.jwks || !client.tokenEndpointAuthMethods.includes('private_key_jwt')) throw fail('CLIENT_ASSERTION_NOT_ALLOWED');
    const checked = signatures.verify(assertion, client.jwks, CLIENT_ASSERTION_ALGORITHMS);
    if ('failure' in checked) throw fail(checked.failure === 'SIGNATURE' ? 'CLIENT_ASSERTION_SIGNATURE' : `CLIENT_ASSERTION_${checked.failure}`);
    const { iss, sub, aud, exp, nbf, iat, jti } = checked.payload;

    const nowSeconds = Math.floor(now() / 1000);
    if (!isNumber(exp)) throw fail('CLIENT_ASSERTION_NO_EXP');
    if (nowSeconds >= exp + CLOCK_TOLERANCE_SECONDS) throw fail('CLIENT_ASSERTION_EXPIRED');
    if (nbf !== undefined && (!isNumber(nbf) || nbf > nowSeconds + CLOCK_TOLERANCE_SECONDS)) throw fail('CLIENT_ASSERTION_NOT_YET_VALID');
    const audiences = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud : [];
    if (!audiences.some((value) => value === tokenEndpoint || value === issuer)) throw fail('CLIENT_ASSERTION_AUDIENCE');
    if (iss !== client.clientId || sub !== client.clientId) throw fail('CLIENT_ASSERTION_SUBJECT');
    if (exp > nowSeconds + MAX_ASSERTION_LIFETIME_SECONDS + CLOCK_TOLERANCE_SECONDS) throw fail('CLIENT_ASSERTION_LIFETIME');
    if (iat !== undefined && (!isNumber(iat) || iat > nowSeconds + CLOCK_TOLERANCE_SECONDS)) throw fail('CLIENT_ASSERTION_IAT');
    if (typeof jti !== 'string' || jti === '' || jti.length > MAX_JTI_LENGTH) throw fail('CLIENT_ASSERTION_NO_JTI');
    // Claimed only after the signature checked out, so nobody can burn another client's jti values.
    const first = await replay.claimOnce(`client-assertion:${client.clientId}:${jti}`, exp + CLOCK_TOLERANCE_SECONDS);
    if (!first) throw fail('CLIENT_ASSERTION_REPLAYED');
  };
}
