import type { IdTokenSessions, SessionParticipant } from '../../domain/backchannel-logout/id-token-sessions.js';

/**
 * Participants in process memory (tests, and a service built without stores). Entries past their
 * expiry are dropped when their session is read and swept on every `sweepEvery`-th record.
 */
export class MemoryIdTokenSessions implements IdTokenSessions {
  private readonly bySid = new Map<string, Map<string, { sub: string; expiresAt: number }>>();
  private records = 0;

  constructor(
    private readonly now: () => number = Date.now,
    private readonly sweepEvery = 512,
  ) {}

  async record(sid: string, { clientId, sub }: SessionParticipant, expiresAt: number): Promise<void> {
    if (++this.records % this.sweepEvery === 0) this.sweep(this.now());
    const apps = this.bySid.get(sid) ?? new Map<string, { sub: string; expiresAt: number }>();
    const previous = apps.get(clientId);
    apps.set(clientId, { sub, expiresAt: Math.max(expiresAt, previous?.expiresAt ?? 0) });
    this.bySid.set(sid, apps);
  }

  async participants(sid: string, now: number): Promise<SessionParticipant[]> {
    const apps = this.bySid.get(sid);
    if (!apps) return [];
    return [...apps].filter(([, entry]) => entry.expiresAt > now).map(([clientId, entry]) => ({ clientId, sub: entry.sub }));
  }

  async extend(sid: string, expiresAt: number): Promise<void> {
    for (const entry of this.bySid.get(sid)?.values() ?? []) entry.expiresAt = Math.max(entry.expiresAt, expiresAt);
  }

  async forget(sid: string): Promise<void> {
    this.bySid.delete(sid);
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {}

  private sweep(now: number): void {
    for (const [sid, apps] of this.bySid) {
      for (const [clientId, entry] of apps) if (entry.expiresAt <= now) apps.delete(clientId);
      if (apps.size === 0) this.bySid.delete(sid);
    }
  }
}
