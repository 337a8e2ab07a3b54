import { createHash } from 'node:crypto';
import { calculateJwkThumbprint, decodeProtectedHeader, EmbeddedJWK, errors as joseErrors, jwtVerify, type JWK } from 'jose';
import { tokenError } from './errors.js';

/** Asymmetric algorithms accepted for proofs (RFC 9449 §4.2: never `none`, never a MAC). */
export const DPOP_ALGORITHMS = ['ES256', 'ES384', 'RS256', 'PS256', 'EdDSA'] as const;

/** JWK members that only a private (or symmetric) key has: a proof carrying one is refused. */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;

/**
 * Where proof `jti`s are remembered so each is accepted once within the window (RFC 9449 §11.1).
 * Shared by every verifier replica (Redis SET NX) or per process (memory).
 */
export interface DpopReplayCache {
  /** True the first time `key` is claimed before `expiresAtSeconds`, false when it already was. */
  claimOnce(key: string, expiresAtSeconds: number): boolean | Promise<boolean>;
}

export interface DpopProofVerifierOptions {
  replay: DpopReplayCache;
  /** How far a proof's `iat` may be from now, seconds. Default 60. */
  iatWindowSeconds?: number;
  now?: () => number;
}

export interface DpopRequest {
  /** The `DPoP` header value(s) as received: exactly one proof is allowed. */
  proof: string | string[] | undefined;
  /** HTTP method of the request, e.g. `GET`. */
  method: string;
  /** The public URL the client used (scheme, host, path; query and fragment are ignored, §4.3). */
  url: string;
  /** The access token presented with the proof: `ath` must be its hash (resource requests). */
  accessToken?: string;
  /** `cnf.jkt` of that access token: the proof's key must have this thumbprint. */
  expectedJkt?: string;
}

export interface VerifiedDpopProof {
  /** RFC 7638 SHA-256 thumbprint of the proof key: what `cnf.jkt` binds a token to. */
  jkt: string;
  jti: string;
  iat: number;
}

/** The URL as `htu` compares it: no query, no fragment, default port dropped, scheme and host lower-case. */
export function htuOf(url: string): string {
  const parsed = new URL(url);
  return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
}

const invalid = () => tokenError('DPOP_PROOF_INVALID');

/**
 * Checks a DPoP proof (RFC 9449 §4.3) for one request: a single `dpop+jwt` JWS signed with the
 * asymmetric public key in its own `jwk` header, `htm` and `htu` naming this request, `iat`
 * within the window, a `jti` not seen before within it, and, for a resource request, `ath` = the
 * access token's hash and the key's thumbprint = the token's `cnf.jkt`. Every failure is
 * DPOP_PROOF_INVALID (401 invalid_dpop_proof) except a replay (DPOP_PROOF_REPLAYED) and a key that
 * is not the token's (DPOP_KEY_MISMATCH); the gateway calls this with its public URL.
 */
export function createDpopProofVerifier({ replay, iatWindowSeconds = 60, now = Date.now }: DpopProofVerifierOptions) {
  return async function verifyDpopProof(request: DpopRequest): Promise<VerifiedDpopProof> {
    const proofs = Array.isArray(request.proof) ? request.proof : request.proof === undefined ? [] : [request.proof];
    if (proofs.length !== 1 || proofs[0] === '' || proofs[0]!.includes(',')) throw invalid();
    const proof = proofs[0]!;

    let header: ReturnType<typeof decodeProtectedHeader>;
    try {
      header = decodeProtectedHeader(proof);
    } catch {
      throw invalid();
    }
    const jwk = header.jwk as JWK | undefined;
    if (header.typ !== 'dpop+jwt' || jwk === undefined || typeof jwk !== 'object' || PRIVATE_MEMBERS.some((member) => member in jwk)) throw invalid();
    if (typeof header.alg !== 'string' || !(DPOP_ALGORITHMS as readonly string[]).includes(header.alg)) throw invalid();

    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(proof, EmbeddedJWK, { typ: 'dpop+jwt', algorithms: [...DPOP_ALGORITHMS] }));
    } catch (err) {
      if (err instanceof joseErrors.JOSEError) throw invalid();
      throw err;
    }
    const { jti, htm, htu, iat, ath } = payload;
    const nowSeconds = Math.floor(now() / 1000);
    if (typeof jti !== 'string' || jti === '' || jti.length > 256 || typeof iat !== 'number') throw invalid();
    if (htm !== request.method.toUpperCase()) throw invalid();
    if (typeof htu !== 'string' || !sameHtu(htu, request.url)) throw invalid();
    if (Math.abs(nowSeconds - iat) > iatWindowSeconds) throw invalid();
    if (request.accessToken !== undefined && ath !== createHash('sha256').update(request.accessToken).digest('base64url')) throw invalid();

    const jkt = await calculateJwkThumbprint(jwk, 'sha256');
    if (request.expectedJkt !== undefined && jkt !== request.expectedJkt) throw tokenError('DPOP_KEY_MISMATCH');
    // Keyed by thumbprint too, so one client's jti cannot block another's.
    if (!(await replay.claimOnce(`dpop:${jkt}:${jti}`, iat + iatWindowSeconds + 1))) throw tokenError('DPOP_PROOF_REPLAYED');
    return { jkt, jti, iat };
  };
}

function sameHtu(claimed: string, actual: string): boolean {
  try {
    return htuOf(claimed) === htuOf(actual);
  } catch {
    return false;
  }
}

export type DpopProofVerifier = ReturnType<typeof createDpopProofVerifier>;
