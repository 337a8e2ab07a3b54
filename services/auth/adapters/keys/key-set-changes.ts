import type { GeneratedKey } from './key-generation.js';
import { FILE_FORMAT, FILE_VERSION, type KeyFile, type KeyMetadata } from './key-set-format.js';

/** How a rotation schedules the new key and when it forgets replaced ones. */
export interface RotationPolicy {
  /** Milliseconds between the rotation and the new key signing (it is published at once). */
  publishDelayMs: number;
  /**
   * Milliseconds a replaced key stays published after its successor started signing: at least the
   * access-token lifetime plus verifier clock tolerance. Infinity keeps every key.
   */
  retiredKeyRetentionMs: number;
}

/** A key set holding one key that signs from `createdAt` on. */
export function newKeySet(key: GeneratedKey, createdAt: Date): KeyFile {
  const at = createdAt.toISOString();
  return { format: FILE_FORMAT, version: FILE_VERSION, keys: [{ kid: key.kid, createdAt: at, activatesAt: at }], keystore: { keys: [key.privateJwk] } };
}

/**
 * `current` plus `key`, published now and signing after the publish delay; keys whose successor
 * has been signing for longer than the retention are dropped, as no unexpired token can carry
 * their signature any more.
 */
export function rotateKeySet(current: KeyFile, key: GeneratedKey, now: number, policy: RotationPolicy): { content: KeyFile; activatesAt: Date } {
  const activatesAt = new Date(now + policy.publishDelayMs);
  const added: KeyMetadata = { kid: key.kid, createdAt: new Date(now).toISOString(), activatesAt: activatesAt.toISOString() };
  const ordered = [...current.keys, added]
    .map((meta) => ({ meta, activatesAt: Date.parse(meta.activatesAt) }))
    .sort((a, b) => a.activatesAt - b.activatesAt);
  const kept = ordered.filter((_, index) => !isExpiredRetiree(ordered, index, now, policy.retiredKeyRetentionMs)).map(({ meta }) => meta);
  const keptKids = new Set(kept.map((meta) => meta.kid));
  const keystore = [...current.keystore.keys, key.privateJwk].filter((jwk) => keptKids.has(String((jwk as { kid?: unknown }).kid)));
  return { content: { format: FILE_FORMAT, version: FILE_VERSION, keys: kept, keystore: { keys: keystore } }, activatesAt };
}

/**
 * When the key at `index` (keys sorted by activation) stops signing: the activation of the next
 * key. Undefined for the newest key, which signs until a rotation adds a successor.
 */
export function replacedAt(keys: ReadonlyArray<{ activatesAt: number }>, index: number): number | undefined {
  return keys[index + 1]?.activatesAt;
}

/**
 * Whether the key at `index` (keys sorted by activation) was replaced by a newer key that has been
 * signing for longer than `retentionMs`, so no unexpired token can carry its signature any more.
 */
export function isExpiredRetiree(keys: ReadonlyArray<{ activatesAt: number }>, index: number, now: number, retentionMs: number): boolean {
  const replaced = replacedAt(keys, index);
  return replaced !== undefined && replaced <= now && replaced + retentionMs <= now;
}

/** What `npm run keys -- show` prints for one key: public facts only, never key material. */
export interface KeyDescription {
  kid: string;
  /** pending: published, not signing yet; signing; retired: published for tokens it signed; expired: no longer published. */
  status: 'pending' | 'signing' | 'retired' | 'expired';
  createdAt: string;
  activatesAt: string;
  /** When a successor takes over signing, if one is scheduled. */
  replacedAt: string | null;
  /** When it leaves the JWKS (replacedAt + retention), if replaced and retention is finite. */
  unpublishedAt: string | null;
}

export function describeKeys(
  keys: ReadonlyArray<{ kid: string; createdAt: string; activatesAt: number }>,
  now: number,
  retentionMs: number,
): KeyDescription[] {
  return keys.map((key, index) => {
    const replaced = replacedAt(keys, index);
    const unpublished = replaced === undefined || !Number.isFinite(retentionMs) ? undefined : replaced + retentionMs;
    const status: KeyDescription['status'] =
      key.activatesAt > now ? 'pending' : replaced === undefined || replaced > now ? 'signing' : unpublished !== undefined && unpublished <= now ? 'expired' : 'retired';
    return {
      kid: key.kid,
      status,
      createdAt: key.createdAt,
      activatesAt: new Date(key.activatesAt).toISOString(),
      replacedAt: replaced === undefined ? null : new Date(replaced).toISOString(),
      unpublishedAt: unpublished === undefined ? null : new Date(unpublished).toISOString(),
    };
  });
}
