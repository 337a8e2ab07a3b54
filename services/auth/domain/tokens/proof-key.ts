import { AppError, isAppError } from '../../../../lib/errors.js';
import type { DpopProofVerifier, DpopRequest } from '../../../../lib/verifier/dpop.js';
import type { ClientRecord } from '../ports/client-store.js';

/** A token request's DPoP proof (RFC 9449 §5): the header as sent, the method and the public URL the client used. */
export type TokenRequestProof = Pick<DpopRequest, 'proof' | 'method' | 'url'>;

/** The key a token request proved, its jti not spent yet: `spend()` once the request's credential was right. */
export interface ProvenKey {
  jkt: string;
  spend(): Promise<void>;
}

/**
 * RFC 9449 §5: a bad proof at the token endpoint is 400 `invalid_dpop_proof` (not the resource
 * server's 401 challenge); the verifier's code stays as the reason.
 */
const invalidProof = (cause: AppError) =>
  new AppError(`TOKEN_REQUEST_${cause.code}`, 400, 'the DPoP proof is missing or invalid', { error: 'invalid_dpop_proof', cause });
const proofRequired = () =>
  new AppError('DPOP_PROOF_REQUIRED', 400, 'this client is registered with dpop_bound_access_tokens: send a DPoP proof', { error: 'invalid_dpop_proof' });

/** The verifier's refusals as token-endpoint answers. */
async function asTokenRequestError<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (isAppError(err) && err.code.startsWith('DPOP_')) throw invalidProof(err);
    throw err;
  }
}

/**
 * The key a token request proved possession of, which the issued tokens are then bound to; undefined
 * without a `DPoP` header (a bearer token), unless the client is registered with
 * `dpop_bound_access_tokens` (RFC 9449 §5.2), which must always send one. `verify` is built on the
 * token store's replay cache, so a proof's jti is accepted once across every auth replica.
 * Called as a function it spends the jti at once; `unspent` leaves that to the caller, which
 * the token endpoints do once the request succeeded (the password, refresh token, code or client
 * was right), so anonymous requests never fill the replay cache.
 */
export function createProofKey(verify: DpopProofVerifier) {
  async function proofKeyOf(request: TokenRequestProof | undefined, client?: Pick<ClientRecord, 'dpopBoundAccessTokens'>): Promise<string | undefined> {
    const proven = await unspent(request, client);
    await proven?.spend();
    return proven?.jkt;
  }
  async function unspent(request: TokenRequestProof | undefined, client?: Pick<ClientRecord, 'dpopBoundAccessTokens'>): Promise<ProvenKey | undefined> {
    if (request === undefined || request.proof === undefined) {
      if (client?.dpopBoundAccessTokens === true) throw proofRequired();
      return undefined;
    }
    const { jkt, spend } = await asTokenRequestError(() => verify.unspent(request));
    return { jkt, spend: () => asTokenRequestError(spend) };
  }
  return Object.assign(proofKeyOf, { unspent });
}

export type ProofKey = ReturnType<typeof createProofKey>;
