/**
 * Every Redis key and channel name the system uses, in one place, because the auth service writes
 * the revocation keys and the gateway reads them: a name changed on one side only would silently
 * break live revocation. Names are `{prefix}{kind}:{id}`; the prefix lets environments (and test
 * suites) share one Redis server.
 */
export const DEFAULT_REDIS_KEY_PREFIX = 'authgate:';

export interface RedisKeys {
  /** String `1` while the access token `jti` is denied; expires at the token's `exp` (EXAT). */
  deniedJti(jti: string): string;
  /** Sorted set of denied jtis scored by `exp` (epoch seconds): the gateway's snapshot source. */
  readonly denylist: string;
  /** Pub/sub channel carrying one `RevocationMessage` JSON per denial. */
  readonly revocationsChannel: string;
  /** Hash of one refresh token (by SHA-256 hash): record fields, plus spend state once rotated. */
  refreshToken(tokenHash: string): string;
  /** Prefix of `refreshToken` keys, for Lua scripts that derive the successor's key. */
  readonly refreshTokenPrefix: string;
  /** Hash of one refresh family: `revoked` (0/1); lives as long as the family's longest-lived token. */
  refreshFamily(familyId: string): string;
  /** Prefix of `refreshFamily` keys, for Lua scripts that derive the family key from a record. */
  readonly refreshFamilyPrefix: string;
  /** Set of the refresh family ids (login sessions) of one subject, so locking can end them all. */
  subjectSessions(subject: string): string;
  /** Integer counter of attempts in a fixed window (e.g. failed logins per account). */
  attempts(key: string): string;
  /** Replay-cache claim (e.g. a private_key_jwt assertion's jti). */
  claim(key: string): string;
}

export function redisKeys(prefix: string = DEFAULT_REDIS_KEY_PREFIX): RedisKeys {
  return {
    deniedJti: (jti) => `${prefix}deny:${jti}`,
    denylist: `${prefix}denylist`,
    revocationsChannel: `${prefix}revocations`,
    refreshToken: (tokenHash) => `${prefix}rt:${tokenHash}`,
    refreshTokenPrefix: `${prefix}rt:`,
    refreshFamily: (familyId) => `${prefix}rf:${familyId}`,
    refreshFamilyPrefix: `${prefix}rf:`,
    subjectSessions: (subject) => `${prefix}sessions:${subject}`,
    attempts: (key) => `${prefix}attempts:${key}`,
    claim: (key) => `${prefix}claim:${key}`,
  };
}

/** What the auth service publishes on `revocationsChannel` for every denied access token. */
export interface RevocationMessage {
  jti: string;
  /** The token's `exp`, epoch seconds: subscribers may forget the jti after it. */
  exp: number;
}

export function encodeRevocationMessage(message: RevocationMessage): string {
  return JSON.stringify({ jti: message.jti, exp: message.exp });
}

/** Parses a channel message; null for anything malformed, so a bad publisher cannot crash readers. */
export function decodeRevocationMessage(raw: string): RevocationMessage | null {
  try {
    const value: unknown = JSON.parse(raw);
    if (typeof value !== 'object' || value === null) return null;
    const { jti, exp } = value as Record<string, unknown>;
    if (typeof jti !== 'string' || jti === '' || typeof exp !== 'number' || !Number.isFinite(exp)) return null;
    return { jti, exp };
  } catch {
    return null;
  }
}
