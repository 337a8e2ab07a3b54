import { passkeyErrors } from '../../domain/passkeys/passkey-errors.js';
import { counterMovesForward, type PasskeyRecord, type PasskeyStore, type PasskeyUse } from '../../domain/passkeys/passkey-store.js';

const copy = (record: PasskeyRecord): PasskeyRecord => ({ ...record, transports: [...record.transports] });

/** Passkeys in process memory (tests). Every method runs to its end without awaiting, so each is atomic. */
export class MemoryPasskeyStore implements PasskeyStore {
  private readonly byId = new Map<string, PasskeyRecord>();

  async add(record: PasskeyRecord): Promise<void> {
    if (this.byId.has(record.id)) throw passkeyErrors.alreadyRegistered();
    this.byId.set(record.id, copy(record));
  }

  async findById(id: string): Promise<PasskeyRecord | null> {
    const record = typeof id === 'string' ? this.byId.get(id) : undefined;
    return record ? copy(record) : null;
  }

  async listByUser(userId: string): Promise<PasskeyRecord[]> {
    return [...this.byId.values()].filter((record) => record.userId === userId).sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime()).map(copy);
  }

  async recordUse(id: string, use: PasskeyUse): Promise<boolean> {
    const record = this.byId.get(id);
    if (!record || !counterMovesForward(record.counter, use.counter)) return false;
    this.byId.set(id, { ...record, counter: use.counter, lastUsedAt: use.usedAt, backedUp: use.backedUp });
    return true;
  }

  async remove(userId: string, id: string): Promise<boolean> {
    if (this.byId.get(id)?.userId !== userId) return false;
    return this.byId.delete(id);
  }

  async removeAllOf(userId: string): Promise<number> {
    let removed = 0;
    for (const [id, record] of this.byId) if (record.userId === userId && this.byId.delete(id)) removed += 1;
    return removed;
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    this.byId.clear();
  }
}
