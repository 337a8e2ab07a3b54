import type { AppSessionStore, AuthorizationCodeRecord, IssuedFromCode, LoginSession, TakenCode } from '../../domain/app-flow/app-sessions.js';
import { ExpiringMap } from './expiring-map.js';

interface CodeEntry {
  record: AuthorizationCodeRecord;
  spent: boolean;
  issued: IssuedFromCode | null;
  /** A replay took the code; recordIssued reports it to the first redemption. */
  replayed: boolean;
}

/**
 * App-flow state in process memory, for tests and single-process runs. JavaScript runs each
 * method to its end before another starts, which makes takeCode and recordIssued atomic here.
 */
export class MemoryAppSessionStore implements AppSessionStore {
  readonly #codes: ExpiringMap<string, CodeEntry>;
  readonly #sessions: ExpiringMap<string, LoginSession>;
  readonly #families = new Map<string, Set<string>>();
  readonly #consents = new Map<string, Set<string>>();

  constructor(options: { now?: () => number } = {}) {
    const now = options.now ?? Date.now;
    this.#codes = new ExpiringMap(now);
    this.#sessions = new ExpiringMap(now);
  }

  async saveCode(codeHash: string, record: AuthorizationCodeRecord): Promise<void> {
    this.#codes.set(codeHash, { record: structuredClone(record), spent: false, issued: null, replayed: false }, record.expiresAt);
  }

  async takeCode(codeHash: string, now: number): Promise<TakenCode> {
    const entry = this.#codes.get(codeHash);
    if (!entry || entry.record.expiresAt <= now) return null;
    if (entry.spent) {
      entry.replayed = true;
      return { use: 'replay', record: structuredClone(entry.record), issued: entry.issued && { ...entry.issued } };
    }
    entry.spent = true;
    return { use: 'first', record: structuredClone(entry.record) };
  }

  async recordIssued(codeHash: string, issued: IssuedFromCode): Promise<{ replayed: boolean }> {
    const entry = this.#codes.get(codeHash);
    if (!entry) return { replayed: false };
    entry.issued = { ...issued };
    return { replayed: entry.replayed };
  }

  async saveSession(session: LoginSession): Promise<void> {
    this.#sessions.set(session.sid, { ...session }, session.expiresAt);
  }

  async findSession(sid: string, now: number): Promise<LoginSession | null> {
    const session = this.#sessions.get(sid);
    return session && session.expiresAt > now ? { ...session } : null;
  }

  async addSessionFamily(sid: string, familyId: string): Promise<void> {
    const families = this.#families.get(sid) ?? new Set<string>();
    families.add(familyId);
    this.#families.set(sid, families);
  }

  async endSession(sid: string): Promise<string[]> {
    this.#sessions.delete(sid);
    const families = [...(this.#families.get(sid) ?? [])];
    this.#families.delete(sid);
    return families;
  }

  async grantedScopes(userId: string, clientId: string): Promise<string[]> {
    return [...(this.#consents.get(consentKey(userId, clientId)) ?? [])];
  }

  async grantScopes(userId: string, clientId: string, scopes: string[]): Promise<void> {
    const key = consentKey(userId, clientId);
    this.#consents.set(key, new Set([...(this.#consents.get(key) ?? []), ...scopes]));
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {}
}

/** Unambiguous whatever the ids contain (a space-joined key would let `a b`+`c` meet `a`+`b c`). */
const consentKey = (userId: string, clientId: string) => JSON.stringify([userId, clientId]);
