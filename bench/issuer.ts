import type { KeyObject } from 'node:crypto';
import { startTestIssuer } from '../tests/lib/verifier/test-issuer.js';

export interface BenchIssuer {
  /** Issuer URL, also the `iss` of its tokens; JWKS at `${issuer}/.well-known/jwks.json`. */
  issuer: string;
  audience: string;
  jwksUri: string;
  publicKey: KeyObject;
  /** The public key as SPKI PEM, what a hand-rolled service pastes into its config. */
  publicPem: string;
  /** An RFC 9068 access token (RS256, typ at+jwt), valid for 15 minutes. */
  sign(sub?: string): string;
  close(): Promise<void>;
}

/**
 * The bench's token issuer: the tests' own (one RSA-2048 key, a real JWKS endpoint on loopback),
 * so what the bench measures is what the tests check, with 15-minute tokens.
 */
export async function startBenchIssuer(audience = 'api'): Promise<BenchIssuer> {
  const test = await startTestIssuer({ audience });
  const publicKey = test.mainKey.publicKey;
  return {
    issuer: test.issuer,
    audience,
    jwksUri: test.jwksUri,
    publicKey,
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    sign(sub = 'user-1') {
      const now = Math.floor(Date.now() / 1000);
      // Two hours: an instruction count under callgrind on a slow machine outlasts a 15-minute token.
      // A second-factor sign-in, as the issuer writes it, so the step-up route's row passes too.
      return test.sign({ claims: { sub, exp: now + 7_200, auth_time: now, amr: ['pwd', 'otp', 'mfa'], acr: 'urn:authgate:acr:mfa' } });
    },
    close: () => test.close(),
  };
}
