import type {
  AttemptCount,
  RefreshFamilyRef,
  RefreshSuccessor,
  RefreshTokenKey,
  RefreshTokenRecord,
  RotateOutcome,
  SessionSummary,
  TokenStore,
} from '../../domain/tokens/token-store.js';
import { ExpiringMap } from './expiring-map.js';
import { MemoryRefreshFamilies } from './memory-refresh-families.js';

export interface MemoryTokenStoreOptions {
  /** Clock for expiry of denylist entries, counters and claims (epoch ms). Default Date.now. */
  now?: () => number;
}

/**
 * Token state for a single process (no Redis). Every method does its reads and writes in one
 * synchronous step, which is what makes rotation atomic here. Expiry is lazy: entries are dropped
 * when read past their deadline, plus an occasional in-passing sweep; there are no timers.
 * Refresh-token decisions use the `now` the caller passes, like the Redis adapter.
 */
export class MemoryTokenStore implements TokenStore {
  private readonly now: () => number;
  /** Refresh families: one entry each, however often they rotate. */
  private readonly refresh: MemoryRefreshFamilies;
  private readonly denied: ExpiringMap<string, true>;
  /** Ended login sessions (sid), beside denied jtis and never mixed with them. */
  private readonly deniedSessions: ExpiringMap<string, true>;
  private readonly attempts: ExpiringMap<string, number>;
  private readonly claims: ExpiringMap<string, true>;

  constructor(options: MemoryTokenStoreOptions = {}) {
    this.now = options.now ?? Date.now;
    this.refresh = new MemoryRefreshFamilies(this.now);
    this.denied = new ExpiringMap(this.now);
    this.deniedSessions = new ExpiringMap(this.now);
    this.attempts = new ExpiringMap(this.now);
    this.claims = new ExpiringMap(this.now);
  }

  issueRefreshToken(record: RefreshTokenRecord): Promise<void> {
    return this.refresh.issueRefreshToken(record);
  }

  findSessions(subject: string): Promise<string[]> {
    return this.refresh.findSessions(subject);
  }

  listSessions(subject: string, now: number): Promise<SessionSummary[]> {
    return this.refresh.listSessions(subject, now);
  }

  rotateRefreshToken(presented: RefreshTokenKey, successor: RefreshSuccessor, options: { now: number; graceMs: number }): Promise<RotateOutcome> {
    return this.refresh.rotateRefreshToken(presented, successor, options);
  }

  findActiveRefreshToken(key: RefreshTokenKey, now: number): Promise<RefreshTokenRecord | null> {
    return this.refresh.findActiveRefreshToken(key, now);
  }

  findRefreshFamily(key: RefreshTokenKey, now: number): Promise<RefreshFamilyRef | null> {
    return this.refresh.findRefreshFamily(key, now);
  }

  revokeRefreshFamily(familyId: string): Promise<void> {
    return this.refresh.revokeRefreshFamily(familyId);
  }

  async denyAccessToken(jti: string, expiresAtSeconds: number): Promise<void> {
    // A longer existing deadline wins, so a late duplicate can never shorten a revocation.
    const current = this.denied.expiresAt(jti) ?? 0;
    this.denied.set(jti, true, Math.max(current, expiresAtSeconds * 1000));
  }

  /**
   * A session denial of its own kind, not a jti in disguise: a subclass that keeps denials
   * elsewhere (the embedded store) must override both kinds, and a sid can never pass for a jti.
   */
  async denySession(sid: string, expiresAtSeconds: number): Promise<void> {
    const current = this.deniedSessions.expiresAt(sid) ?? 0;
    this.deniedSessions.set(sid, true, Math.max(current, expiresAtSeconds * 1000));
  }

  async isSessionDenied(sid: string): Promise<boolean> {
    return this.deniedSessions.get(sid) === true;
  }

  async isAccessTokenDenied(jti: string): Promise<boolean> {
    return this.denied.get(jti) === true;
  }

  async recordAttempt(key: string, windowSeconds: number): Promise<AttemptCount> {
    const count = (this.attempts.get(key) ?? 0) + 1;
    const resetAt = this.attempts.expiresAt(key) ?? this.now() + windowSeconds * 1000;
    this.attempts.set(key, count, resetAt);
    return this.countOf(key);
  }

  async peekAttempts(key: string): Promise<AttemptCount> {
    return this.countOf(key);
  }

  async releaseAttempt(key: string): Promise<void> {
    const count = this.attempts.get(key);
    const resetAt = this.attempts.expiresAt(key);
    if (count === undefined || resetAt === undefined) return;
    if (count > 1) this.attempts.set(key, count - 1, resetAt);
    else this.attempts.delete(key);
  }

  async clearAttempts(key: string): Promise<void> {
    this.attempts.delete(key);
  }

  async claimOnce(key: string, expiresAtSeconds: number): Promise<boolean> {
    if (this.claims.get(key)) return false;
    this.claims.set(key, true, expiresAtSeconds * 1000);
    return true;
  }

  /** Refresh entries held (one per family, expired ones not yet swept included); for tests and bench/refresh-footprint.ts. */
  refreshEntryCount(): number {
    return this.refresh.size;
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {}

  private countOf(key: string): AttemptCount {
    const count = this.attempts.get(key);
    const resetAt = this.attempts.expiresAt(key);
    if (count === undefined || resetAt === undefined) return { count: 0, resetInSeconds: 0 };
    return { count, resetInSeconds: Math.max(1, Math.ceil((resetAt - this.now()) / 1000)) };
  }
}
