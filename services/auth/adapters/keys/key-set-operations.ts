import { KeySetReadOnlyError } from '../../domain/tokens/signing-key-set.js';
import { createKeyFileExclusively, isReadOnlyError, keyFileWritable, readKeyFile, replaceKeyFile } from './key-file.js';
import { generateSigningKey } from './key-generation.js';
import { describeKeys, newKeySet, rotateKeySet, type KeyDescription, type RotationPolicy } from './key-set-changes.js';
import { KeyFileError, MIN_RSA_BITS, parseKeySet, serializeKeySet, type ParsedKeySet } from './key-set-format.js';

/**
 * Operations on a key set file, shared by the auth service (first start, POST /admin/keys/rotate)
 * and the offline keys CLI (scripts/keys.ts), so both always write the format the service loads.
 */

export interface CreatedKeySet {
  /** False when the file already existed (another replica, or an earlier init): it is left alone. */
  created: boolean;
  text: string;
}

/**
 * Creates `file` holding one new key, unless it exists: an existing set is never replaced, since
 * that would invalidate every token in circulation. Safe when several processes race to create it.
 */
export async function createKeySetFile(file: string, { modulusBits = MIN_RSA_BITS, now = Date.now() }: { modulusBits?: number; now?: number } = {}): Promise<CreatedKeySet> {
  assertModulus(modulusBits);
  const existing = await readKeyFile(file);
  if (existing !== null) return { created: false, text: existing };
  const text = serializeKeySet(newKeySet(await generateSigningKey(modulusBits), new Date(now)));
  // Parsed before it is written, so a set this code cannot load never lands on disk.
  await parseKeySet(file, text);
  if (await createKeyFileExclusively(file, text)) return { created: true, text };
  const winner = await readKeyFile(file);
  if (winner === null) throw new KeyFileError(file, 'disappeared while it was being created');
  return { created: false, text: winner };
}

export interface RotatedKeySet extends ParsedKeySet {
  kid: string;
  activatesAt: Date;
  text: string;
}

/**
 * Adds a new key to the set in `file` (published now, signing after the publish delay), drops
 * retirees past their retention, and replaces the file atomically. The current file, not some
 * copy in memory, is the base: another replica may have rotated since this process loaded it.
 * Rejects with KeySetReadOnlyError when the file cannot be replaced from here.
 */
export async function rotateKeySetFile(
  file: string,
  { modulusBits = MIN_RSA_BITS, now = Date.now(), ...policy }: RotationPolicy & { modulusBits?: number; now?: number },
): Promise<RotatedKeySet> {
  assertModulus(modulusBits);
  if (!(await keyFileWritable(file))) throw readOnly(file);
  // Generating is the slow part; done before reading, so the read-modify-write window is short.
  const key = await generateSigningKey(modulusBits);
  const text = await readKeyFile(file);
  if (text === null) throw new KeyFileError(file, 'does not exist; create it first');
  // A set this code cannot load is not rotated: rewriting it could drop keys still in use.
  const current = await parseKeySet(file, text);
  const { content, activatesAt } = rotateKeySet(current.raw, key, now, policy);
  const serialized = serializeKeySet(content);
  const parsed = await parseKeySet(file, serialized);
  try {
    await replaceKeyFile(file, serialized);
  } catch (err) {
    if (isReadOnlyError(err)) throw readOnly(file, err);
    throw err;
  }
  return { ...parsed, kid: key.kid, activatesAt, text: serialized };
}

/** The keys in `file` with their schedule, public facts only; the file is checked as the service would. */
export async function describeKeySetFile(file: string, { now = Date.now(), retiredKeyRetentionMs }: { now?: number; retiredKeyRetentionMs: number }): Promise<KeyDescription[]> {
  const text = await readKeyFile(file);
  if (text === null) throw new KeyFileError(file, 'does not exist');
  const { keys } = await parseKeySet(file, text);
  return describeKeys(keys, now, retiredKeyRetentionMs);
}

function assertModulus(modulusBits: number): void {
  if (!Number.isInteger(modulusBits) || modulusBits < MIN_RSA_BITS) throw new Error(`RSA signing keys need at least ${MIN_RSA_BITS} bits`);
}

function readOnly(file: string, cause?: unknown): KeySetReadOnlyError {
  return new KeySetReadOnlyError(`signing key file ${file} is read-only here`, cause === undefined ? undefined : { cause });
}
