import type {
  RefreshFamilyRef,
  RefreshSuccessor,
  RefreshTokenKey,
  RefreshTokenRecord,
  RefreshTokenStore,
  RotateOutcome,
  SessionSummary,
} from '../../domain/tokens/token-store.js';
import type { Authentication } from '../../domain/mfa/authentication.js';
import { ExpiringMap } from './expiring-map.js';

/** A token of the family by its hash, with its own lifetime. */
interface TokenSlot {
  tokenHash: string;
  issuedAt: number;
  expiresAt: number;
}

/**
 * One family: what every token of it inherits, its active token, and the one that token replaced
 * (kept for the grace retry: when it was spent and the active token sealed under it). Nothing
 * else is kept: any other token naming the family is an earlier one, which is reuse.
 */
interface FamilyEntry {
  ref: RefreshFamilyRef;
  scope: string;
  jkt?: string;
  authentication?: Authentication;
  revoked: boolean;
  /** The login: first token's issuedAt, and where it came from. */
  createdAt: number;
  /** The last rotation (epoch ms); createdAt until the first. */
  lastUsedAt: number;
  userAgent: string;
  ip: string;
  current: TokenSlot;
  previous?: TokenSlot & { spentAt: number; sealedSuccessor: string };
}

/**
 * Refresh families in process memory: one entry per family however often it rotates. Every method
 * reads and writes in one synchronous step, which is what makes rotation atomic here. A family
 * lives until its latest token expires (lazy expiry, as ExpiringMap does), revoked or not.
 */
export class MemoryRefreshFamilies implements RefreshTokenStore {
  private readonly families: ExpiringMap<string, FamilyEntry>;
  /** subject -> its family ids; an id whose family has expired is dropped when listed. */
  private readonly sessions = new Map<string, Set<string>>();

  constructor(now: () => number) {
    this.families = new ExpiringMap(now);
  }

  /** Families held (expired ones not yet swept included). */
  get size(): number {
    return this.families.size;
  }

  async issueRefreshToken(record: RefreshTokenRecord): Promise<void> {
    const { tokenHash, familyId, subject, clientId, scope, issuedAt, expiresAt, jkt, device, authentication } = record;
    const entry: FamilyEntry = {
      ref: { familyId, subject, clientId },
      scope,
      revoked: false,
      createdAt: issuedAt,
      lastUsedAt: issuedAt,
      userAgent: device?.userAgent ?? '',
      ip: device?.ip ?? '',
      current: { tokenHash, issuedAt, expiresAt },
      ...(jkt !== undefined ? { jkt } : {}),
      ...(authentication !== undefined ? { authentication } : {}),
    };
    this.families.set(familyId, entry, expiresAt);
    const ids = this.sessions.get(subject) ?? new Set<string>();
    this.sessions.set(subject, ids.add(familyId));
  }

  async findSessions(subject: string): Promise<string[]> {
    const ids = this.sessions.get(subject);
    if (!ids) return [];
    for (const id of ids) if (this.families.get(id) === undefined) ids.delete(id);
    if (ids.size === 0) this.sessions.delete(subject);
    return [...ids];
  }

  async listSessions(subject: string, now: number): Promise<SessionSummary[]> {
    const live: SessionSummary[] = [];
    for (const sid of await this.findSessions(subject)) {
      const family = this.liveFamily(sid, now);
      if (!family || family.revoked || family.ref.subject !== subject) continue;
      const { clientId } = family.ref;
      live.push({ sid, clientId, createdAt: family.createdAt, lastUsedAt: family.lastUsedAt, userAgent: family.userAgent, ip: family.ip });
    }
    return live.sort((a, b) => a.createdAt - b.createdAt);
  }

  async rotateRefreshToken(presented: RefreshTokenKey, successor: RefreshSuccessor, { now, graceMs }: { now: number; graceMs: number }): Promise<RotateOutcome> {
    const family = this.liveFamily(presented.familyId, now);
    if (!family || family.revoked) return { outcome: 'invalid' };

    if (presented.tokenHash === family.current.tokenHash) {
      if (family.current.expiresAt <= now) return { outcome: 'invalid' };
      const previous = recordOf(family, family.current);
      family.previous = { ...family.current, spentAt: now, sealedSuccessor: successor.sealedSuccessor };
      family.current = { tokenHash: successor.tokenHash, issuedAt: successor.issuedAt, expiresAt: successor.expiresAt };
      family.lastUsedAt = now;
      // The family lives as long as its latest token; a shorter successor never shortens it.
      const until = Math.max(this.families.expiresAt(family.ref.familyId) ?? 0, successor.expiresAt);
      this.families.set(family.ref.familyId, family, until);
      return { outcome: 'rotated', previous };
    }

    const spent = family.previous;
    if (spent && presented.tokenHash === spent.tokenHash && now - spent.spentAt < graceMs && family.current.expiresAt > now) {
      return { outcome: 'grace', previous: recordOf(family, spent), sealedSuccessor: spent.sealedSuccessor };
    }
    family.revoked = true;
    return { outcome: 'reused', family: { ...family.ref } };
  }

  async findActiveRefreshToken(key: RefreshTokenKey, now: number): Promise<RefreshTokenRecord | null> {
    const family = this.liveFamily(key.familyId, now);
    if (!family || family.revoked || family.current.tokenHash !== key.tokenHash || family.current.expiresAt <= now) return null;
    return recordOf(family, family.current);
  }

  async findRefreshFamily(key: RefreshTokenKey, now: number): Promise<RefreshFamilyRef | null> {
    const family = this.liveFamily(key.familyId, now);
    return family ? { ...family.ref } : null;
  }

  async revokeRefreshFamily(familyId: string): Promise<void> {
    const family = this.families.get(familyId);
    if (family) family.revoked = true;
  }

  /** The family, unless unknown or past its latest token's expiry by the caller's clock. */
  private liveFamily(familyId: string, now: number): FamilyEntry | undefined {
    const family = this.families.get(familyId);
    const until = this.families.expiresAt(familyId);
    return family && until !== undefined && until > now ? family : undefined;
  }
}

function recordOf(family: FamilyEntry, token: TokenSlot): RefreshTokenRecord {
  return {
    ...family.ref,
    tokenHash: token.tokenHash,
    scope: family.scope,
    issuedAt: token.issuedAt,
    expiresAt: token.expiresAt,
    ...(family.jkt !== undefined ? { jkt: family.jkt } : {}),
    ...(family.authentication !== undefined ? { authentication: family.authentication } : {}),
  };
}
