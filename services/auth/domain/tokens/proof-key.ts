import { AppError, isAppError } from '../../../../lib/errors.js';
import type { DpopProofVerifier, DpopRequest } from '../../../../lib/verifier/dpop.js';
import type { ClientRecord } from '../clients/client-store.js';

/** A token request's DPoP proof (RFC 9449 §5): the header as sent, the method and the public URL the client used. */
export type TokenRequestProof = Pick<DpopRequest, 'proof' | 'method' | 'url'>;

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
 * Runs a token request with the key its DPoP proof proved (RFC 9449 §5), which the issued tokens
 * are then bound to; `run` gets undefined without a `DPoP` header (a bearer token), unless the
 * client is registered with `dpop_bound_access_tokens` (RFC 9449 §5.2), which must always send
 * one. The proof is checked in full (signature included) before `run`, but its jti is spent only
 * once `run` succeeded (the client, password, refresh token or code was right), so anonymous
 * requests never fill the replay cache; a replayed proof is still refused, and what `run` issued
 * for it is answered to no one. `verify` is built on the token store's replay cache, so a proof's
 * jti is accepted once across every auth replica.
 */
export function createProofKey(verify: DpopProofVerifier) {
  return async function withProofKey<T>(request: TokenRequestProof | undefined, client: Pick<ClientRecord, 'dpopBoundAccessTokens'> | undefined, run: (jkt: string | undefined) => Promise<T>): Promise<T> {
    if (request === undefined || request.proof === undefined) {
      if (client?.dpopBoundAccessTokens === true) throw proofRequired();
      return run(undefined);
    }
    const { jkt, spend } = await asTokenRequestError(() => verify.unspent(request));
    const result = await run(jkt);
    await asTokenRequestError(spend);
    return result;
  };
}

export type ProofKey = ReturnType<typeof createProofKey>;
