import { sessionRevocationId } from '../../../../lib/revocation/revocation-list.js';
import type {
  AttemptCount,
  RefreshFamilyRef,
  RefreshSuccessor,
  RefreshTokenRecord,
  RotateOutcome,
  TokenStore,
} from '../../domain/ports/token-store.js';
import { ExpiringMap } from './expiring-map.js';

interface RefreshEntry {
  record: RefreshTokenRecord;
  /** Set once the token was rotated; kept until the token's own expiry for reuse detection. */
  spent?: { at: number; successorHash: string; sealedSuccessor: string };
}

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
  private readonly refresh: ExpiringMap<string, RefreshEntry>;
  /** familyId -> revoked flag; lives as long as the family's longest-lived token. */
  private readonly families: ExpiringMap<string, { revoked: boolean }>;
  private readonly denied: ExpiringMap<string, true>;
  private readonly attempts: ExpiringMap<string, number>;
  private readonly claims: ExpiringMap<string, true>;
  /** subject -> its family ids; an id whose family has expired is dropped when listed. */
  private readonly sessions = new Map<string, Set<string>>();

  constructor(options: MemoryTokenStoreOptions = {}) {
    this.now = options.now ?? Date.now;
    this.refresh = new ExpiringMap(this.now);
    this.families = new ExpiringMap(this.now);
    this.denied = new ExpiringMap(this.now);
    this.attempts = new ExpiringMap(this.now);
    this.claims = new ExpiringMap(this.now);
  }

  async issueRefreshToken(record: RefreshTokenRecord): Promise<void> {
    this.refresh.set(record.tokenHash, { record: { ...record } }, record.expiresAt);
    this.extendFamily(record.familyId, record.expiresAt);
    const ids = this.sessions.get(record.subject) ?? new Set<string>();
    this.sessions.set(record.subject, ids.add(record.familyId));
  }

  async findSessions(subject: string): Promise<string[]> {
    const ids = this.sessions.get(subject);
    if (!ids) return [];
    for (const id of ids) if (this.families.get(id) === undefined) ids.delete(id);
    if (ids.size === 0) this.sessions.delete(subject);
    return [...ids];
  }

  async rotateRefreshToken(
    presentedHash: string,
    successor: RefreshSuccessor,
    { now, graceMs }: { now: number; graceMs: number },
  ): Promise<RotateOutcome> {
    const entry = this.refresh.get(presentedHash);
    if (!entry || entry.record.expiresAt <= now) return { outcome: 'invalid' };
    const family = this.families.get(entry.record.familyId);
    if (!family || family.revoked) return { outcome: 'invalid' };
    const previous = { ...entry.record };

    if (!entry.spent) {
      entry.spent = { at: now, successorHash: successor.tokenHash, sealedSuccessor: successor.sealedSuccessor };
      const next: RefreshTokenRecord = {
        ...previous,
        tokenHash: successor.tokenHash,
        issuedAt: successor.issuedAt,
        expiresAt: successor.expiresAt,
      };
      this.refresh.set(next.tokenHash, { record: next }, next.expiresAt);
      this.extendFamily(next.familyId, next.expiresAt);
      return { outcome: 'rotated', previous };
    }

    if (now - entry.spent.at < graceMs && this.isActive(entry.spent.successorHash, now)) {
      return { outcome: 'grace', previous, sealedSuccessor: entry.spent.sealedSuccessor };
    }
    family.revoked = true;
    return { outcome: 'reused', previous };
  }

  async findActiveRefreshToken(tokenHash: string, now: number): Promise<RefreshTokenRecord | null> {
    const entry = this.refresh.get(tokenHash);
    return entry && this.isActive(tokenHash, now) ? { ...entry.record } : null;
  }

  async findRefreshFamily(tokenHash: string, now: number): Promise<RefreshFamilyRef | null> {
    const entry = this.refresh.get(tokenHash);
    if (!entry || entry.record.expiresAt <= now) return null;
    const { familyId, subject, clientId } = entry.record;
    return { familyId, subject, clientId };
  }

  async revokeRefreshFamily(familyId: string): Promise<void> {
    const family = this.families.get(familyId);
    if (family) family.revoked = true;
  }

  async denyAccessToken(jti: string, expiresAtSeconds: number): Promise<void> {
    // A longer existing deadline wins, so a late duplicate can never shorten a revocation.
    const current = this.denied.expiresAt(jti) ?? 0;
    this.denied.set(jti, true, Math.max(current, expiresAtSeconds * 1000));
  }

  /** A session is one more entry of the denylist (and of the gateway's feed), under its own id. */
  denySession(sid: string, expiresAtSeconds: number): Promise<void> {
    return this.denyAccessToken(sessionRevocationId(sid), expiresAtSeconds);
  }

  isSessionDenied(sid: string): Promise<boolean> {
    return this.isAccessTokenDenied(sessionRevocationId(sid));
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

  async clearAttempts(key: string): Promise<void> {
    this.attempts.delete(key);
  }

  async claimOnce(key: string, expiresAtSeconds: number): Promise<boolean> {
    if (this.claims.get(key)) return false;
    this.claims.set(key, true, expiresAtSeconds * 1000);
    return true;
  }

  /** Refresh entries held (tokens and families, expired ones not yet swept included); for tests and bench/refresh-footprint.ts. */
  refreshEntryCount(): number {
    return this.refresh.size + this.families.size;
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {}

  private isActive(tokenHash: string, now: number): boolean {
    const entry = this.refresh.get(tokenHash);
    if (!entry || entry.spent || entry.record.expiresAt <= now) return false;
    const family = this.families.get(entry.record.familyId);
    return family !== undefined && !family.revoked;
  }

  /** Keeps the family's revoked flag alive as long as any of its tokens could be presented. */
  private extendFamily(familyId: string, expiresAt: number): void {
    const family = this.families.get(familyId) ?? { revoked: false };
    this.families.set(familyId, family, Math.max(this.families.expiresAt(familyId) ?? 0, expiresAt));
  }

  private countOf(key: string): AttemptCount {
    const count = this.attempts.get(key);
    const resetAt = this.attempts.expiresAt(key);
    if (count === undefined || resetAt === undefined) return { count: 0, resetInSeconds: 0 };
    return { count, resetInSeconds: Math.max(1, Math.ceil((resetAt - this.now()) / 1000)) };
  }
}
