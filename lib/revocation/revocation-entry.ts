/**
 * One revocation as the auth service's HTTP feed carries it, and as the embedded denylist keeps
 * it on disk. `kind` names what is denied: `jti` (one access token) or `sid` (every access token
 * of a login session: refreshed, exchanged, issued to an app). Readers keep entries of any
 * well-formed kind and answer for the kinds they know, so a later kind cannot break them.
 */
export interface RevocationEntry {
  kind: RevocationKind;
  /** The denied identifier (a jti or a sid). */
  value: string;
  /** Epoch seconds after which the entry no longer matters (the token's exp plus clock skew). */
  until: number;
}

export type RevocationKind = 'jti' | 'sid' | (string & {});

const KIND = /^[a-z][a-z0-9_]{0,15}$/;
/** jtis are ours (base64url/uuid); the bound keeps a bad writer from filling memory with one entry. */
const MAX_VALUE_LENGTH = 256;

/** The entry in `raw`, or null when anything about it is malformed (a bad line never crashes a reader). */
export function parseRevocationEntry(raw: unknown): RevocationEntry | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const { kind, value, until } = raw as Record<string, unknown>;
  if (typeof kind !== 'string' || !KIND.test(kind)) return null;
  if (typeof value !== 'string' || value === '' || value.length > MAX_VALUE_LENGTH) return null;
  if (typeof until !== 'number' || !Number.isSafeInteger(until) || until <= 0) return null;
  return { kind, value, until };
}

/** The map key of an entry: one live deadline per kind and value. */
export const revocationKey = (kind: RevocationKind, value: string): string => `${kind}:${value}`;

/**
 * Where the auth service serves its revocation feed. Not under /auth, /oauth or /.well-known,
 * the prefixes the gateway forwards to auth, so the public port never reaches it; it also needs
 * `Authorization: Bearer <REVOCATION_FEED_TOKEN>`.
 */
export const REVOCATION_FEED_PATH = '/internal/revocations';

/** Longest a feed request may be held open waiting for a revocation, seconds. */
export const MAX_FEED_WAIT_SECONDS = 30;

/** One answer of the feed: entries after the presented cursor, and the cursor to present next. */
export interface RevocationFeedPage {
  /** Opaque; present it as `after` on the next request to get only what came later. */
  cursor: string;
  entries: RevocationEntry[];
  /** More entries are waiting right away (the page was full): ask again without waiting. */
  more: boolean;
  /**
   * The presented cursor belongs to an earlier run of the auth service: this page starts from the
   * beginning (every unexpired revocation), so nothing revoked while the reader was away is lost.
   */
  reset: boolean;
}
