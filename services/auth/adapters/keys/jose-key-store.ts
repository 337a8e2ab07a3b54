import { createPrivateKey, createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import jose from 'node-jose';
import {
  SIGNING_ALGORITHM,
  type JsonWebKeySet,
  type KeyRotation,
  type KeyStore,
  type PublicJwk,
  type RotatedKey,
  type SigningKey,
} from '../../domain/ports/key-store.js';
import { createKeyFileExclusively, readKeyFile, replaceKeyFile } from './key-file.js';

const FILE_FORMAT = 'authgate-signing-keys';
const FILE_VERSION = 1;
const MIN_RSA_BITS = 2048;

/**
 * The persisted key set. `keystore` is node-jose's own keystore JSON with private members;
 * `keys` holds what node-jose has no field for: when each key was made and from when it may sign.
 * Rotation adds an entry whose `activatesAt` lies in the future (published at once, signing after
 * the publish delay) and later drops retired ones; the reader below already handles several keys.
 */
interface KeyFile {
  format: typeof FILE_FORMAT;
  version: typeof FILE_VERSION;
  keys: KeyMetadata[];
  keystore: { keys: object[] };
}

interface KeyMetadata {
  kid: string;
  createdAt: string;
  activatesAt: string;
}

interface LoadedKey {
  kid: string;
  activatesAt: number;
  privateKey: KeyObject;
  publicKey: KeyObject;
  jwk: PublicJwk;
}

export interface JoseKeyStoreOptions {
  /** Path of the key set file (AUTH_SIGNING_KEY_FILE). */
  file: string;
  /** RSA modulus size for a generated key; at least 2048. */
  modulusBits?: number;
  now?: () => number;
  /** Milliseconds between a rotation and the moment its new key starts signing. Default 0. */
  publishDelayMs?: number;
  /**
   * Milliseconds a replaced key stays published after the newer key started signing: at least the
   * access-token lifetime plus verifier clock tolerance. Default: kept forever.
   */
  retiredKeyRetentionMs?: number;
}

class KeyFileError extends Error {
  constructor(file: string, problem: string) {
    // The path is safe to show; key material never is.
    super(`signing key file ${file}: ${problem}`);
    this.name = 'KeyFileError';
  }
}

interface RotationSettings {
  file: string;
  modulusBits: number;
  publishDelayMs: number;
  retiredKeyRetentionMs: number;
}

/**
 * KeyStore over a node-jose key set persisted as one JSON file (mode 0600, written atomically).
 * Rotation rewrites the file; other replicas sharing it pick the new key up when they restart.
 */
export class JoseKeyStore implements KeyStore, KeyRotation {
  /** Rotations run one after another, each on the file as the previous one left it. */
  private rotating: Promise<unknown> = Promise.resolve();

  private constructor(
    private keys: LoadedKey[],
    private readonly now: () => number,
    private readonly rotation: RotationSettings,
  ) {}

  /**
   * Loads the key set from `file`, or on first start generates an RSA key and persists it there.
   * A file that exists but cannot be read as a key set stops start-up instead of being replaced:
   * replacing it would silently invalidate every token in circulation.
   */
  static async open({
    file,
    modulusBits = MIN_RSA_BITS,
    now = Date.now,
    publishDelayMs = 0,
    retiredKeyRetentionMs = Number.POSITIVE_INFINITY,
  }: JoseKeyStoreOptions): Promise<JoseKeyStore> {
    if (!Number.isInteger(modulusBits) || modulusBits < MIN_RSA_BITS) throw new Error(`RSA signing keys need at least ${MIN_RSA_BITS} bits`);
    let text = await readKeyFile(file);
    if (text === null) {
      const created = await generateKeyFile(modulusBits, new Date(now()));
      // If another replica won the race to create the file, use its keys rather than ours.
      if (!(await createKeyFileExclusively(file, created))) text = await readKeyFile(file);
      else text = created;
      if (text === null) throw new KeyFileError(file, 'disappeared while it was being created');
    }
    return new JoseKeyStore(await parseKeyFile(file, text), now, { file, modulusBits, publishDelayMs, retiredKeyRetentionMs });
  }

  currentSigningKey(): SigningKey {
    const now = this.now();
    // Newest key whose activation time has come; keys are sorted by activation, oldest first.
    const active = this.keys.filter((key) => key.activatesAt <= now).at(-1) ?? this.keys[0];
    if (!active) throw new Error('no signing key loaded');
    return { kid: active.kid, privateKey: active.privateKey };
  }

  verificationKey(kid: string): KeyObject | null {
    return this.published().find((key) => key.kid === kid)?.publicKey ?? null;
  }

  publicJwks(): JsonWebKeySet {
    // Newest first, the order JWKS consumers conventionally expect.
    return { keys: this.published().map((key) => ({ ...key.jwk })).reverse() };
  }

  rotate(): Promise<RotatedKey> {
    const next = this.rotating.then(() => this.rotateNow());
    this.rotating = next.catch(() => undefined);
    return next;
  }

  /** Keys still published now: every key except those replaced longer ago than the retention. */
  private published(): LoadedKey[] {
    const now = this.now();
    return this.keys.filter((key, index) => !isExpiredRetiree(this.keys, index, now, this.rotation.retiredKeyRetentionMs));
  }

  private async rotateNow(): Promise<RotatedKey> {
    const { file, modulusBits, publishDelayMs, retiredKeyRetentionMs } = this.rotation;
    // From the file, not memory: it is the source of truth a restart would load.
    const text = await readKeyFile(file);
    if (text === null) throw new KeyFileError(file, 'disappeared; cannot rotate');
    const current = JSON.parse(text) as KeyFile;
    const now = this.now();
    const generated = await generateKey(modulusBits);
    const activatesAt = new Date(now + publishDelayMs);
    const metadata = [...current.keys, { kid: generated.kid, createdAt: new Date(now).toISOString(), activatesAt: activatesAt.toISOString() }];
    const ordered = metadata
      .map((meta) => ({ meta, activatesAt: Date.parse(meta.activatesAt) }))
      .sort((a, b) => a.activatesAt - b.activatesAt);
    const kept = ordered.filter((_, index) => !isExpiredRetiree(ordered, index, now, retiredKeyRetentionMs)).map(({ meta }) => meta);
    const keptKids = new Set(kept.map((meta) => meta.kid));
    const content: KeyFile = {
      format: FILE_FORMAT,
      version: FILE_VERSION,
      keys: kept,
      keystore: { keys: [...current.keystore.keys, generated.privateJwk].filter((jwk) => keptKids.has(String((jwk as { kid?: unknown }).kid))) },
    };
    const serialized = `${JSON.stringify(content, null, 2)}\n`;
    // Parsed before it is written, so a set this code cannot load never replaces a good one.
    const loaded = await parseKeyFile(file, serialized);
    await replaceKeyFile(file, serialized);
    this.keys = loaded;
    return { kid: generated.kid, activatesAt };
  }
}

/**
 * Whether the key at `index` (keys sorted by activation) was replaced by a newer key that has been
 * signing for longer than `retentionMs`, so no unexpired token can carry its signature any more.
 */
function isExpiredRetiree(keys: ReadonlyArray<{ activatesAt: number }>, index: number, now: number, retentionMs: number): boolean {
  const successors = keys.slice(index + 1).filter((key) => key.activatesAt <= now);
  const replacedAt = successors[0]?.activatesAt;
  return replacedAt !== undefined && replacedAt + retentionMs <= now;
}

/** A new RSA signing key as node-jose private JSON, under its RFC 7638 thumbprint as kid. */
async function generateKey(modulusBits: number): Promise<{ kid: string; privateJwk: object }> {
  const keystore = jose.JWK.createKeyStore();
  const generated = await keystore.generate('RSA', modulusBits, { alg: SIGNING_ALGORITHM, use: 'sig' });
  const kid = await rfc7638Thumbprint(generated);
  return { kid, privateJwk: { ...(generated.toJSON(true) as Record<string, unknown>), kid } };
}

async function generateKeyFile(modulusBits: number, createdAt: Date): Promise<string> {
  const keystore = jose.JWK.createKeyStore();
  const generated = await keystore.generate('RSA', modulusBits, { alg: SIGNING_ALGORITHM, use: 'sig' });
  const kid = await rfc7638Thumbprint(generated);
  // node-jose picks its own kid; re-add the key under its thumbprint so kid is reproducible.
  keystore.remove(generated);
  await keystore.add({ ...(generated.toJSON(true) as Record<string, unknown>), kid } as unknown as jose.JWK.RawKey);
  const content: KeyFile = {
    format: FILE_FORMAT,
    version: FILE_VERSION,
    keys: [{ kid, createdAt: createdAt.toISOString(), activatesAt: createdAt.toISOString() }],
    keystore: keystore.toJSON(true) as { keys: object[] },
  };
  return `${JSON.stringify(content, null, 2)}\n`;
}

async function rfc7638Thumbprint(key: jose.JWK.Key): Promise<string> {
  // node-jose's thumbprint is RFC 7638 (required members, sorted, no whitespace); it yields a Buffer.
  const digest = (await key.thumbprint('SHA-256')) as unknown as Buffer;
  return Buffer.from(digest).toString('base64url');
}

async function parseKeyFile(file: string, text: string): Promise<LoadedKey[]> {
  let parsed: Partial<KeyFile>;
  try {
    parsed = JSON.parse(text) as Partial<KeyFile>;
  } catch {
    throw new KeyFileError(file, 'is not valid JSON');
  }
  if (parsed.format !== FILE_FORMAT || parsed.version !== FILE_VERSION) throw new KeyFileError(file, `is not an ${FILE_FORMAT} v${FILE_VERSION} file`);
  if (!Array.isArray(parsed.keys) || parsed.keys.length === 0 || !parsed.keystore) throw new KeyFileError(file, 'holds no keys');
  let keystore: jose.JWK.KeyStore;
  try {
    keystore = await jose.JWK.asKeyStore(parsed.keystore);
  } catch {
    throw new KeyFileError(file, 'holds a keystore node-jose cannot read');
  }
  const loaded: LoadedKey[] = [];
  for (const meta of parsed.keys) {
    const key = keystore.get(meta.kid);
    if (!key) throw new KeyFileError(file, `lists kid ${meta.kid} but holds no such key`);
    loaded.push(await toLoadedKey(file, key, meta));
  }
  return loaded.sort((a, b) => a.activatesAt - b.activatesAt);
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
  return { kid: meta.kid, activatesAt, privateKey, publicKey, jwk };
}
