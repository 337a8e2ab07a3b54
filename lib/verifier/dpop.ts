import { createHash } from 'node:crypto';
import { calculateJwkThumbprint, decodeJwt, decodeProtectedHeader, importJWK, jwtVerify, type JWK } from 'jose';
import { DPOP_ALGORITHMS, isAcceptableProofKey } from './dpop-key-policy.js';
import { tokenError } from './errors.js';

export { DPOP_ALGORITHMS } from './dpop-key-policy.js';

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

/** A proof whose every check passed but the replay one: `spend()` claims its jti (DPOP_PROOF_REPLAYED if already spent). */
export interface UnspentDpopProof extends VerifiedDpopProof {
  spend(): Promise<void>;
}

/**
 * The proof checker: called as a function it checks a proof and spends its jti at once (resource
 * servers, the gateway, the OAuth token endpoint); `unspent` checks it all but leaves the jti for
 * the caller to spend once the request's other credential (password, refresh token) was right.
 */
export interface DpopProofVerifier {
  (request: DpopRequest): Promise<VerifiedDpopProof>;
  unspent(request: DpopRequest): Promise<UnspentDpopProof>;
}

/** The URL as `htu` compares it: no query, no fragment, default port dropped, scheme and host lower-case. */
export function htuOf(url: string): string {
  const parsed = new URL(url);
  return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
}

/** A proof is a few hundred bytes (2 KB with a 4096-bit RSA key): anything far larger is not decoded. */
const MAX_PROOF_LENGTH = 8192;
/** RFC 9449 §4.2: at least 96 random bits (16 base64url characters or a UUID); visible ASCII only, bounded. */
const JTI_SHAPE = /^[\x21-\x7e]{16,128}$/;
const MAX_HTU_LENGTH = 2048;

const invalid = (cause?: unknown) => tokenError('DPOP_PROOF_INVALID', cause === undefined ? {} : { cause });

/**
 * Checks a DPoP proof (RFC 9449 §4.3) for one request, cheapest checks first so a hostile proof
 * costs string compares, not signature work: a single `dpop+jwt` JWS with an allowed asymmetric
 * `alg` and a public key of that kind within the size limits (dpop-key-policy.ts) in its `jwk`
 * header; then `jti`, `iat` within the window, `htm` and `htu` naming this request, and for a
 * resource request `ath` = the access token's hash and the key's thumbprint = the token's
 * `cnf.jkt`; only then the signature, and only a proof whose signature verified spends its `jti`.
 * Every failure is DPOP_PROOF_INVALID (401 invalid_dpop_proof), whatever jose or WebCrypto threw,
 * except a replay (DPOP_PROOF_REPLAYED) and a key that is not the token's (DPOP_KEY_MISMATCH); the
 * gateway calls this with its public URL.
 */
export function createDpopProofVerifier({ replay, iatWindowSeconds = 60, now = Date.now }: DpopProofVerifierOptions): DpopProofVerifier {
  async function unspent(request: DpopRequest): Promise<UnspentDpopProof> {
    const proofs = Array.isArray(request.proof) ? request.proof : request.proof === undefined ? [] : [request.proof];
    if (proofs.length !== 1) throw invalid();
    const proof = proofs[0]!;
    if (proof === '' || proof.length > MAX_PROOF_LENGTH || proof.includes(',')) throw invalid();

    let header: ReturnType<typeof decodeProtectedHeader>;
    let payload: ReturnType<typeof decodeJwt>;
    try {
      header = decodeProtectedHeader(proof);
      payload = decodeJwt(proof);
    } catch (err) {
      throw invalid(err);
    }
    const { alg, jwk } = header;
    if (header.typ !== 'dpop+jwt' || typeof alg !== 'string' || !(DPOP_ALGORITHMS as readonly string[]).includes(alg)) throw invalid();
    if (!isAcceptableProofKey(alg, jwk)) throw invalid();

    const { jti, htm, htu, iat, ath } = payload;
    if (typeof jti !== 'string' || !JTI_SHAPE.test(jti)) throw invalid();
    if (typeof iat !== 'number' || !Number.isFinite(iat) || Math.abs(Math.floor(now() / 1000) - iat) > iatWindowSeconds) throw invalid();
    if (htm !== request.method.toUpperCase()) throw invalid();
    if (typeof htu !== 'string' || htu.length > MAX_HTU_LENGTH || !sameHtu(htu, request.url)) throw invalid();
    if (request.accessToken !== undefined && ath !== createHash('sha256').update(request.accessToken).digest('base64url')) throw invalid();

    const jkt = await thumbprintOf(jwk);
    if (request.expectedJkt !== undefined && jkt !== request.expectedJkt) throw tokenError('DPOP_KEY_MISMATCH');

    try {
      await jwtVerify(proof, await importJWK(jwk, alg), { typ: 'dpop+jwt', algorithms: [alg] });
    } catch (err) {
      // jose's JOSEErrors, and the TypeErrors/DOMExceptions it lets through from key import: all the proof's fault.
      throw invalid(err);
    }
    return {
      jkt,
      jti,
      iat,
      async spend() {
        // Keyed by thumbprint too, so one client's jti cannot block another's.
        if (!(await replay.claimOnce(`dpop:${jkt}:${jti}`, iat + iatWindowSeconds + 1))) throw tokenError('DPOP_PROOF_REPLAYED');
      },
    };
  }

  async function verifyDpopProof(request: DpopRequest): Promise<VerifiedDpopProof> {
    const { spend, ...proof } = await unspent(request);
    await spend();
    return proof;
  }
  return Object.assign(verifyDpopProof, { unspent });
}

async function thumbprintOf(jwk: JWK): Promise<string> {
  try {
    return await calculateJwkThumbprint(jwk, 'sha256');
  } catch (err) {
    throw invalid(err);
  }
}

function sameHtu(claimed: string, actual: string): boolean {
  try {
    return htuOf(claimed) === htuOf(actual);
  } catch {
    return false;
  }
}
