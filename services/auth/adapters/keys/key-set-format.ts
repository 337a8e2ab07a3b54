import { createHash, createPrivateKey, createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import jose from 'node-jose';
import { SIGNING_ALGORITHM, type PublicJwk } from '../../domain/tokens/signing-key-set.js';
import { rfc7638Thumbprint } from './key-generation.js';

export const FILE_FORMAT = 'authgate-signing-keys';
export const FILE_VERSION = 1;
export const MIN_RSA_BITS = 2048;

/**
 * The persisted key set, shared by every replica and by the keys CLI. `keystore` is node-jose's
 * own keystore JSON with private members; `keys` holds what node-jose has no field for: when each
 * key was made and from when it may sign. `activatesAt` is an absolute time, so replicas that
 * load the set at different moments still switch to a new key at the same instant.
 */
export interface KeyFile {
  format: typeof FILE_FORMAT;
  version: typeof FILE_VERSION;
  keys: KeyMetadata[];
  keystore: { keys: object[] };
}

export interface KeyMetadata {
  kid: string;
  createdAt: string;
  activatesAt: string;
}

/** One key of a parsed set, ready to sign and verify. */
export interface LoadedKey {
  kid: string;
  createdAt: string;
  /** Epoch milliseconds from which it may sign. */
  activatesAt: number;
  privateKey: KeyObject;
  publicKey: KeyObject;
  jwk: PublicJwk;
}

/** A key set file as text, parsed and checked: `keys` sorted by activation, oldest first. */
export interface ParsedKeySet {
  raw: KeyFile;
  keys: LoadedKey[];
}

/** A key set this code refuses. The message names the file and the problem, never key material. */
export class KeyFileError extends Error {
  constructor(file: string, problem: string) {
    super(`signing key file ${file}: ${problem}`);
    this.name = 'KeyFileError';
  }
}

export function serializeKeySet(content: KeyFile): string {
  return `${JSON.stringify(content, null, 2)}\n`;
}

/** Content hash of a key set file: how a reload tells a new set from the one already loaded. */
export function keySetHash(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * Parses and checks a key set: format and version, every listed kid present and equal to its
 * key's thumbprint, RSA of at least 2048 bits with a usable private part, a valid activation time.
 * Errors from JSON or node-jose are replaced by KeyFileError, since theirs may quote the content.
 */
export async function parseKeySet(file: string, text: string): Promise<ParsedKeySet> {
  let parsed: Partial<KeyFile>;
  try {
    parsed = JSON.parse(text) as Partial<KeyFile>;
  } catch {
    throw new KeyFileError(file, 'is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null) throw new KeyFileError(file, `is not an ${FILE_FORMAT} v${FILE_VERSION} file`);
  if (parsed.format !== FILE_FORMAT || parsed.version !== FILE_VERSION) throw new KeyFileError(file, `is not an ${FILE_FORMAT} v${FILE_VERSION} file`);
  if (!Array.isArray(parsed.keys) || parsed.keys.length === 0 || !parsed.keystore || !Array.isArray(parsed.keystore.keys)) {
    throw new KeyFileError(file, 'holds no keys');
  }
  let keystore: jose.JWK.KeyStore;
  try {
    keystore = await jose.JWK.asKeyStore(parsed.keystore);
  } catch {
    throw new KeyFileError(file, 'holds a keystore node-jose cannot read');
  }
  const loaded: LoadedKey[] = [];
  for (const meta of parsed.keys) {
    if (typeof meta?.kid !== 'string') throw new KeyFileError(file, 'lists a key without a kid');
    const key = keystore.get(meta.kid);
    if (!key) throw new KeyFileError(file, `lists kid ${meta.kid} but holds no such key`);
    loaded.push(await toLoadedKey(file, key, meta));
  }
  return { raw: parsed as KeyFile, keys: loaded.sort((a, b) => a.activatesAt - b.activatesAt) };
}

async function toLoadedKey(file: string, key: jose.JWK.Key, meta: KeyMetadata): Promise<LoadedKey> {
  if (key.kty !== 'RSA') throw new KeyFileError(file, `key ${meta.kid} is not an RSA key`);
  if ((await rfc7638Thumbprint(key)) !== meta.kid) throw new KeyFileError(file, `key ${meta.kid} does not match its thumbprint`);
  const activatesAt = Date.parse(meta.activatesAt);
  if (Number.isNaN(activatesAt)) throw new KeyFileError(file, `key ${meta.kid} has no valid activatesAt`);
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: key.toJSON(true) as JsonWebKey, format: 'jwk' });
  } catch {
    throw new KeyFileError(file, `key ${meta.kid} has no usable private part`);
  }
  const bits = privateKey.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < MIN_RSA_BITS) throw new KeyFileError(file, `key ${meta.kid} has ${bits} bits; at least ${MIN_RSA_BITS} are required`);
  const publicKey = createPublicKey(privateKey);
  const { n, e } = publicKey.export({ format: 'jwk' });
  if (typeof n !== 'string' || typeof e !== 'string') throw new KeyFileError(file, `key ${meta.kid} has no RSA public members`);
  // Members picked one by one, so no private member can ever reach the published set.
  const jwk: PublicJwk = { kty: 'RSA', n, e, kid: meta.kid, use: 'sig', alg: SIGNING_ALGORITHM };
  return { kid: meta.kid, createdAt: String(meta.createdAt), activatesAt, privateKey, publicKey, jwk };
}
