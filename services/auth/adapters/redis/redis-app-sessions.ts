import { decodeAuthentication } from '../../domain/mfa/authentication.js';
import type { Logger } from '../../../../lib/logger.js';
import { closeRedis, connectRedis, type RedisClient } from '../../../../lib/redis/connection.js';
import { NO_REPLICA_ACK, type RedisSettings, type ReplicaAck } from '../../../../lib/redis/env.js';
import { unlessRedisUnavailable } from '../../../../lib/redis/unavailable.js';
import { DEFAULT_REDIS_KEY_PREFIX } from '../../../../lib/revocation/redis-keys.js';
import type {
  AppSessionStore,
  AuthorizationCodeRecord,
  IssuedFromCode,
  LoginSession,
  TakenCode,
} from '../../domain/app-flow/app-sessions.js';
import {
  addSessionFamilyScript,
  endSessionScript,
  grantScopesScript,
  recordIssuedScript,
  saveCodeScript,
  saveSessionScript,
  takeCodeScript,
} from './app-session-scripts.js';
import type { LuaScript } from './lua-script.js';

/**
 * How long a remembered consent lasts after it was last given. The port has no expiry for
 * consents; a year (as Keycloak's and Hydra's "remember" usually is) keeps the grants of users
 * who left from living in Redis forever.
 */
export const CONSENT_TTL_MS = 365 * 24 * 3600 * 1000;

/**
 * Key names, under the same prefix as the token store's (REDIS_KEY_PREFIX). They are the auth
 * service's alone (no other process reads them), so they live here rather than in
 * lib/revocation/redis-keys.ts. A login session's two keys share the `{sid}` hash tag (one slot
 * on Cluster, so ending a session is one script); ids from outside (user and client ids) are
 * URI-encoded, which also encodes braces, so they cannot pick a slot or collide.
 */
export function appSessionKeys(prefix: string) {
  return {
    code: (codeHash: string) => `${prefix}ac:${codeHash}`,
    session: (sid: string) => `${prefix}as:{${sid}}`,
    sessionFamilies: (sid: string) => `${prefix}as:{${sid}}:families`,
    consent: (userId: string, clientId: string) => `${prefix}consent:${encodeURIComponent(userId)}:${encodeURIComponent(clientId)}`,
  };
}

export interface RedisAppSessionStoreOptions {
  /** The connection this store owns from now on: `close()` quits it. */
  redis: RedisClient;
  /** Default `authgate:`. */
  keyPrefix?: string;
  /** Replicas that must confirm a spend, a recorded issue or a logout, and how long they get. */
  replicaAck?: ReplicaAck;
  /** Epoch ms; the clock the domain passes `now` from, so TTLs agree with its expiries. */
  now?: () => number;
}

/**
 * App-flow state shared by every auth replica: authorization codes (single use through one
 * script, so exactly one replica wins a code), login sessions with the refresh families issued
 * under them, and remembered consents. Every key carries a TTL: a code's 60 s, a session's 8 h,
 * the families set its longest family's, a consent CONSENT_TTL_MS. A Redis that is down or too
 * slow fails every method within about a second with the 503 `REDIS_UNAVAILABLE`.
 */
export class RedisAppSessionStore implements AppSessionStore {
  private readonly redis: RedisClient;
  private readonly keys: ReturnType<typeof appSessionKeys>;
  private readonly replicaAck: ReplicaAck;
  private readonly now: () => number;

  constructor({ redis, keyPrefix = DEFAULT_REDIS_KEY_PREFIX, replicaAck = NO_REPLICA_ACK, now = Date.now }: RedisAppSessionStoreOptions) {
    this.redis = redis;
    this.keys = appSessionKeys(keyPrefix);
    this.replicaAck = replicaAck;
    this.now = now;
  }

  async saveCode(codeHash: string, record: AuthorizationCodeRecord): Promise<void> {
    await this.run(saveCodeScript, [this.keys.code(codeHash)], [JSON.stringify(record), record.expiresAt, record.expiresAt - this.now()]);
  }

  async takeCode(codeHash: string, now: number): Promise<TakenCode> {
    const reply = await this.run(takeCodeScript, [this.keys.code(codeHash)], [now], this.replicaAck);
    if (reply === null) return null;
    const [use, record, issued] = asStrings(reply);
    if (use === 'first') return { use, record: parseRecord(record) };
    if (use === 'replay') return { use, record: parseRecord(record), issued: issued ? parseIssued(issued) : null };
    throw new Error(`unexpected code reply from Redis: ${String(use)}`);
  }

  async recordIssued(codeHash: string, issued: IssuedFromCode): Promise<{ replayed: boolean }> {
    const { familyId, accessTokenJti, accessTokenExp } = issued;
    const reply = await this.run(recordIssuedScript, [this.keys.code(codeHash)], [JSON.stringify({ familyId, accessTokenJti, accessTokenExp })], this.replicaAck);
    return { replayed: reply === 1 };
  }

  async saveSession({ sid, userId, authTime, amr, expiresAt }: LoginSession): Promise<void> {
    await this.run(saveSessionScript, [this.keys.session(sid)], [userId, authTime, expiresAt, expiresAt - this.now(), (amr ?? []).join(' ')]);
  }

  async findSession(sid: string, now: number): Promise<LoginSession | null> {
    // A plain read: nothing is decided or written.
    const [userId, authTime, expiresAt, amr] = await unlessRedisUnavailable(() => this.redis.hmget(this.keys.session(sid), 'userId', 'authTime', 'expiresAt', 'amr'));
    if (!userId || !authTime || !expiresAt || Number(expiresAt) <= now) return null;
    const methods = decodeAuthentication(amr ? `${authTime} ${amr}` : null)?.amr;
    return { sid, userId, authTime: Number(authTime), ...(methods ? { amr: methods } : {}), expiresAt: Number(expiresAt) };
  }

  async addSessionFamily(sid: string, familyId: string, expiresAt: number): Promise<void> {
    await this.run(addSessionFamilyScript, [this.keys.sessionFamilies(sid)], [familyId, expiresAt - this.now()], this.replicaAck);
  }

  async endSession(sid: string): Promise<string[]> {
    return asStrings(await this.run(endSessionScript, [this.keys.session(sid), this.keys.sessionFamilies(sid)], [], this.replicaAck));
  }

  async grantedScopes(userId: string, clientId: string): Promise<string[]> {
    return unlessRedisUnavailable(() => this.redis.smembers(this.keys.consent(userId, clientId)));
  }

  async grantScopes(userId: string, clientId: string, scopes: string[]): Promise<void> {
    if (scopes.length === 0) return;
    await this.run(grantScopesScript, [this.keys.consent(userId, clientId)], [CONSENT_TTL_MS, ...scopes]);
  }

  async ping(): Promise<void> {
    await unlessRedisUnavailable(() => this.redis.ping());
  }

  async close(): Promise<void> {
    await closeRedis(this.redis);
  }

  private run(script: LuaScript, keys: string[], args: (string | number)[], ack: ReplicaAck = NO_REPLICA_ACK): Promise<unknown> {
    return unlessRedisUnavailable(() => script.run(this.redis, keys, args, ack));
  }
}

/**
 * Connects (single server, Sentinel or Cluster, with the fail-fast options of lib/redis) and
 * returns a store that owns the connection; rejects when the first connection fails.
 */
export async function connectRedisAppSessionStore(
  settings: RedisSettings,
  options: { logger?: Pick<Logger, 'warn'>; now?: () => number } = {},
): Promise<RedisAppSessionStore> {
  const redis = await connectRedis(settings, 'authgate-auth-app-sessions', options.logger);
  return new RedisAppSessionStore({
    redis,
    keyPrefix: settings.keyPrefix,
    replicaAck: settings.replicaAck,
    ...(options.now ? { now: options.now } : {}),
  });
}

function asStrings(reply: unknown): string[] {
  if (!Array.isArray(reply)) throw new Error('unexpected reply from Redis: not an array');
  return reply.map(String);
}

function parseRecord(json: string | undefined): AuthorizationCodeRecord {
  if (!json) throw new Error('unexpected code record from Redis');
  return JSON.parse(json) as AuthorizationCodeRecord;
}

function parseIssued(json: string): IssuedFromCode {
  return JSON.parse(json) as IssuedFromCode;
}
