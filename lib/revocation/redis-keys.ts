import { DEFAULT_REDIS_KEY_PREFIX } from '../redis/env.js';

/**
 * Every Redis key and channel name the system uses, in one place, because the auth service writes
 * the revocation keys and the gateway reads them: a name changed on one side only would silently
 * break live revocation. Names are `{prefix}{kind}:{id}`; the prefix lets environments (and test
 * suites) share one Redis server.
 */
export { DEFAULT_REDIS_KEY_PREFIX };

/**
 * On Redis Cluster a script may only touch keys of one hash slot; every script here touches a
 * single key. A refresh family is one key (its tokens name it, see the auth service's
 * refresh-token.ts), carrying a `{familyId}` hash tag so families spread over the slots. The prefix
 * must not contain braces (the config refuses them): the first `{...}` of a key decides its slot.
 */
export interface RedisKeys {
  /**
   * Sorted set of denied access-token jtis scored by `exp` (epoch seconds): the auth service's
   * denial check (ZSCORE) and the gateway's snapshot source; one key, so one slot.
   */
  readonly denylist: string;
  /** Pub/sub channel carrying one `RevocationMessage` JSON per denial (plain PUBLISH reaches every cluster node). */
  readonly revocationsChannel: string;
  /**
   * Hash of one refresh family: what its tokens inherit, `revoked`, its active token and the one
   * that token replaced (auth's token-scripts.ts); lives as long as the family's latest token.
   */
  refreshFamily(familyId: string): string;
  /** Set of the refresh family ids (login sessions) of one subject, so locking can end them all. */
  subjectSessions(subject: string): string;
  /** Integer counter of attempts in a fixed window (e.g. failed logins per account). */
  attempts(key: string): string;
  /** Replay-cache claim (e.g. a private_key_jwt assertion's jti). */
  claim(key: string): string;
}

export function redisKeys(prefix: string = DEFAULT_REDIS_KEY_PREFIX): RedisKeys {
  return {
    denylist: `${prefix}denylist`,
    revocationsChannel: `${prefix}revocations`,
    refreshFamily: (familyId) => `${prefix}rf:{${familyId}}`,
    subjectSessions: (subject) => `${prefix}sessions:${subject}`,
    attempts: (key) => `${prefix}attempts:${key}`,
    claim: (key) => `${prefix}claim:${key}`,
  };
}

/**
 * How a denial is spelled in the Redis denylist and on its channel: a jti as itself, a login
 * session as `sid:<sid>`. The prefix cannot collide with a jti (the issuer's jtis are UUIDs), and
 * a jti keeps its bare spelling so denylists written before sessions existed read the same. Only
 * Redis code speaks this spelling; everything else says `{ kind, value }` (revocation-entry.ts).
 */
export function denylistMember(kind: 'jti' | 'sid', value: string): string {
  return kind === 'sid' ? `${SESSION_MEMBER_PREFIX}${value}` : value;
}

/** The kind and value a denylist member stands for (the inverse of `denylistMember`). */
export function parseDenylistMember(member: string): { kind: 'jti' | 'sid'; value: string } {
  return member.startsWith(SESSION_MEMBER_PREFIX) ? { kind: 'sid', value: member.slice(SESSION_MEMBER_PREFIX.length) } : { kind: 'jti', value: member };
}

const SESSION_MEMBER_PREFIX = 'sid:';

/** What the auth service publishes on `revocationsChannel` for every denial (a jti or a session). */
export interface RevocationMessage {
  /** The denylist member (`denylistMember`): a jti, or `sid:<sid>` for a session; the field keeps its first name for readers already deployed. */
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
