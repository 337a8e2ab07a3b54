import type { FederationStateStore, PendingSignIn, UpstreamSessionKey } from '../../domain/federation/federation-state.js';
import { ExpiringMap } from './expiring-map.js';

/** Federated sign-in state in process memory: one auth process (no Redis configured). */
export class MemoryFederationStateStore implements FederationStateStore {
  private readonly pending: ExpiringMap<string, PendingSignIn>;
  private readonly upstream: ExpiringMap<string, Set<string>>;
  private readonly seen: ExpiringMap<string, true>;

  constructor({ now = Date.now }: { now?: () => number } = {}) {
    this.pending = new ExpiringMap(now);
    this.upstream = new ExpiringMap(now);
    this.seen = new ExpiringMap(now);
  }

  async savePending(state: string, pending: PendingSignIn): Promise<void> {
    this.pending.set(state, { ...pending }, pending.expiresAt);
  }

  async takePending(state: string): Promise<PendingSignIn | null> {
    const found = this.pending.get(state);
    this.pending.delete(state);
    return found ?? null;
  }

  async rememberUpstreamSession(key: UpstreamSessionKey, localSid: string, expiresAt: number): Promise<void> {
    for (const index of indexesOf(key)) {
      const sids = this.upstream.get(index) ?? new Set<string>();
      sids.add(localSid);
      this.upstream.set(index, sids, Math.max(expiresAt, this.upstream.expiresAt(index) ?? 0));
    }
  }

  async takeUpstreamSessions(query: { providerId: string; sid?: string; subject?: string }): Promise<string[]> {
    const index = queriedIndex(query);
    const sids = this.upstream.get(index);
    this.upstream.delete(index);
    return sids ? [...sids] : [];
  }

  async firstSight(key: string, expiresAt: number): Promise<boolean> {
    if (this.seen.get(key)) return false;
    this.seen.set(key, true, expiresAt);
    return true;
  }

  async ping(): Promise<void> {}
  async close(): Promise<void> {}
}

const sidIndex = (providerId: string, sid: string) => JSON.stringify([providerId, 'sid', sid]);
const subjectIndex = (providerId: string, subject: string) => JSON.stringify([providerId, 'sub', subject]);

/** Every upstream session is findable by its subject; by its `sid` too when it has one. */
export function indexesOf(key: UpstreamSessionKey): string[] {
  return [subjectIndex(key.providerId, key.subject), ...(key.sid === undefined ? [] : [sidIndex(key.providerId, key.sid)])];
}

/** The one index a back-channel logout names: its `sid` when it has one, else its subject. */
export function queriedIndex(query: { providerId: string; sid?: string; subject?: string }): string {
  return query.sid !== undefined ? sidIndex(query.providerId, query.sid) : subjectIndex(query.providerId, query.subject ?? '');
}
