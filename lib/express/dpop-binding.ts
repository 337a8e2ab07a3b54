import type { Request } from 'express';
import { checkSenderConstraint, needsSenderCheck, publicUrlOf, type DpopPolicy, type ForwardedTrust, type PresentedToken } from '../verifier/dpop-binding.js';
import type { DpopProofVerifier } from '../verifier/dpop.js';

/** The `trust proxy` function express resolved for this request's app. */
export function expressTrustOf(req: Request): ForwardedTrust {
  return req.app.get('trust proxy fn') as ForwardedTrust;
}

/**
 * The sender-constraint check (lib/verifier/dpop-binding.ts) for an express request; undefined
 * (nothing to wait for) in the common Bearer case.
 */
export function checkExpressSender(verifyProof: DpopProofVerifier, presented: PresentedToken, req: Request, policy: DpopPolicy): Promise<void> | undefined {
  if (!needsSenderCheck(presented.claims, req.headers.authorization, policy)) return undefined;
  const url = publicUrlOf(req, expressTrustOf(req), { forwardedPrefix: true });
  return checkSenderConstraint(verifyProof, presented, { authorization: req.headers.authorization, proof: req.headers.dpop, method: req.method, url }, policy);
}
