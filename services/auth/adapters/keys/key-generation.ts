import jose from 'node-jose';
import { SIGNING_ALGORITHM } from '../../domain/tokens/signing-key-set.js';

/** A freshly generated signing key, as stored in the key set file (private members included). */
export interface GeneratedKey {
  kid: string;
  privateJwk: Record<string, unknown>;
}

/**
 * A new RSA signing key as node-jose private JSON under its RFC 7638 thumbprint as kid: node-jose
 * would pick a random kid, and a thumbprint makes the kid reproducible from the public key alone.
 */
export async function generateSigningKey(modulusBits: number): Promise<GeneratedKey> {
  const keystore = jose.JWK.createKeyStore();
  const generated = await keystore.generate('RSA', modulusBits, { alg: SIGNING_ALGORITHM, use: 'sig' });
  const kid = await rfc7638Thumbprint(generated);
  return { kid, privateJwk: { ...(generated.toJSON(true) as Record<string, unknown>), kid } };
}

export async function rfc7638Thumbprint(key: jose.JWK.Key): Promise<string> {
  // node-jose's thumbprint is RFC 7638 (required members, sorted, no whitespace); it yields a Buffer.
  const digest = (await key.thumbprint('SHA-256')) as unknown as Buffer;
  return Buffer.from(digest).toString('base64url');
}
