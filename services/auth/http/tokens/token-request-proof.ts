import type { IncomingMessage } from 'node:http';
import { publicUrlOf, type ForwardedTrust } from '../../../../lib/verifier/dpop-binding.js';
import type { TokenRequestProof } from '../../domain/tokens/proof-key.js';

/**
 * The DPoP proof of a token request (RFC 9449 §4), or undefined when it sent none. `htu` must name
 * the URL the client used: behind the gateway that is the gateway's, read from X-Forwarded-Proto/Host
 * of trusted peers only (`trust`: the app's `trust proxy`), never from an untrusted caller.
 */
export function tokenRequestProof(req: IncomingMessage, trust: ForwardedTrust): TokenRequestProof | undefined {
  const proof = req.headers.dpop;
  return proof === undefined ? undefined : { proof, method: req.method ?? 'GET', url: publicUrlOf(req, trust) };
}
