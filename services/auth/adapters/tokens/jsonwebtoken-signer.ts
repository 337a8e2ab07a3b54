import jwt from 'jsonwebtoken';
import { SIGNING_ALGORITHM, type SigningKeySet } from '../../domain/tokens/signing-key-set.js';
import type { TokenSigner } from '../../domain/tokens/token-signing.js';

/** Signs with the key set's current key; jsonwebtoken keeps the `iat` given (from the injected clock). */
export function createJsonwebtokenSigner(keys: SigningKeySet): TokenSigner {
  return {
    sign(payload, typ) {
      const { kid, privateKey } = keys.currentSigningKey();
      return jwt.sign(payload, privateKey, { algorithm: SIGNING_ALGORITHM, header: { alg: SIGNING_ALGORITHM, kid, typ } });
    },
  };
}
