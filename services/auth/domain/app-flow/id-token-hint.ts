import type { PublicJwks } from '../clients/client-store.js';
import type { AssertionSignatureVerifier } from '../tokens/token-signing.js';
import { SIGNING_ALGORITHM } from '../tokens/signing-key-set.js';

/** What a valid `id_token_hint` says: whose login it was, and for which clients. */
export interface IdTokenHint {
  sub: string;
  audiences: string[];
}

export interface IdTokenHintDeps {
  issuer: string;
  /** The same JWS check as client assertions, here against our own published keys. */
  signatures: AssertionSignatureVerifier;
  publicJwks: () => PublicJwks;
}

/** Far above any ID token we sign; a larger hint is refused before any parsing. */
const MAX_HINT_LENGTH = 8192;

/**
 * Reads an `id_token_hint` (OIDC RP-Initiated Logout 1.0 §2) as the OP must: an ID token we
 * signed (RS256 by a key of our own key set, `typ: JWT`, our `iss`). Its expiry is not checked:
 * the spec lets an RP send a hint that has expired, and the hint only proves which user the RP
 * saw signed in. Null for anything else (unsigned, signed by another key, an access token).
 */
export function createIdTokenHintReader({ issuer, signatures, publicJwks }: IdTokenHintDeps): (hint: string) => IdTokenHint | null {
  return (hint) => {
    if (hint.length > MAX_HINT_LENGTH || headerType(hint) !== 'JWT') return null;
    const verified = signatures.verify(hint, publicJwks(), [SIGNING_ALGORITHM]);
    if (!('payload' in verified)) return null;
    const { iss, sub, aud } = verified.payload;
    if (iss !== issuer || typeof sub !== 'string' || sub === '') return null;
    const audiences = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud.filter((value): value is string => typeof value === 'string') : [];
    return audiences.length === 0 ? null : { sub, audiences };
  };
}

/** The JOSE header's `typ`: ID tokens carry `JWT`, our access tokens `at+jwt`. */
function headerType(token: string): unknown {
  try {
    const header = JSON.parse(Buffer.from(token.slice(0, token.indexOf('.')), 'base64url').toString('utf8')) as unknown;
    return typeof header === 'object' && header !== null ? (header as { typ?: unknown }).typ : undefined;
  } catch {
    return undefined;
  }
}
