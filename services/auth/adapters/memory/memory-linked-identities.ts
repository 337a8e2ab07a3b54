import { randomUUID } from 'node:crypto';
import { federationErrors } from '../../domain/federation/federation-errors.js';
import type { LinkedIdentity, LinkedIdentityStore, NewLinkedIdentity } from '../../domain/federation/linked-identities.js';

/** Links in process memory (tests, one process). */
export class MemoryLinkedIdentityStore implements LinkedIdentityStore {
  private readonly byKey = new Map<string, LinkedIdentity>();

  async link(identity: NewLinkedIdentity): Promise<LinkedIdentity> {
    const key = identityKey(identity.issuer, identity.subject);
    if (this.byKey.has(key)) throw federationErrors.identityTaken();
    const record: LinkedIdentity = { ...identity, id: randomUUID(), linkedAt: new Date() };
    this.byKey.set(key, record);
    return { ...record };
  }

  async find(issuer: string, subject: string): Promise<LinkedIdentity | null> {
    const found = this.byKey.get(identityKey(issuer, subject));
    return found ? { ...found } : null;
  }

  async listForUser(userId: string): Promise<LinkedIdentity[]> {
    return [...this.byKey.values()].filter((link) => link.userId === userId).map((link) => ({ ...link }));
  }

  async unlink(userId: string, id: string): Promise<boolean> {
    for (const [key, link] of this.byKey) {
      if (link.id === id && link.userId === userId) return this.byKey.delete(key);
    }
    return false;
  }

  async unlinkAll(userId: string): Promise<number> {
    let removed = 0;
    for (const [key, link] of this.byKey) if (link.userId === userId && this.byKey.delete(key)) removed += 1;
    return removed;
  }

  async ping(): Promise<void> {}
  async close(): Promise<void> {}
}

/** One string per (issuer, subject): JSON, so no separator inside either can make two pairs collide. */
export const identityKey = (issuer: string, subject: string) => JSON.stringify([issuer, subject]);
