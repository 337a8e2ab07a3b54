import { isAppError } from '../../../../lib/errors.js';
import { createVerifier, type VerificationKeys } from '../../../../lib/verifier/index.js';
import { isTokenErrorCode, tokenError } from '../../../../lib/verifier/errors.js';
import type { SigningKeySet } from '../../domain/tokens/signing-key-set.js';
import type { OwnAccessTokens } from '../../domain/tokens/token-signing.js';
import type { AccessTokenDenylist } from '../../domain/tokens/token-store.js';

export interface OwnAccessTokensOptions {
  keys: SigningKeySet;
  denylist: AccessTokenDenylist;
  issuer: string;
  /** AUTH_AUDIENCE: what the first-party API accepts. */
  audience: string;
  now: () => number;
}

/**
 * The shared verification core with the issuer's options: keys from its own signing key set (no
 * JWKS round trip), no clock tolerance, and the token store as the revocation authority.
 */
export function createOwnAccessTokens({ keys, denylist, issuer, audience, now }: OwnAccessTokensOptions): OwnAccessTokens {
  const localKeys: VerificationKeys = {
    getKey(kid) {
      const key = keys.verificationKey(kid);
      if (key === null) throw tokenError('KEY_NOT_FOUND');
      return key;
    },
  };
  const common = { issuer, keys: localKeys, clockToleranceSeconds: 0, now };
  const forApi = createVerifier({ ...common, audience, revocations: { isRevoked: (jti) => denylist.isAccessTokenDenied(jti), isSessionRevoked: (sid) => denylist.isSessionDenied(sid) } });
  const anyOfOurs = createVerifier({ ...common, audience: null, enforceExpiry: false });
  return {
    verify: (token) => forApi.verify(token),
    async read(token) {
      try {
        return await anyOfOurs.verify(token);
      } catch (err) {
        if (isAppError(err) && isTokenErrorCode(err.code)) return null;
        throw err;
      }
    },
  };
}
