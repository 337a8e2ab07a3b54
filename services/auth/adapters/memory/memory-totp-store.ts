import type { TotpRecord, TotpStore } from '../../domain/mfa/totp-store.js';

/** TOTP records in process memory (tests, one process); each method is one synchronous step, hence atomic. */
export class MemoryTotpStore implements TotpStore {
  readonly #records = new Map<string, TotpRecord>();

  async savePending(userId: string, sealedSecret: string, createdAt: Date): Promise<boolean> {
    if (this.#records.get(userId)?.confirmed) return false;
    this.#records.set(userId, { userId, sealedSecret, confirmed: false, lastStep: -1, recoveryCodes: [], createdAt });
    return true;
  }

  async find(userId: string): Promise<TotpRecord | null> {
    const record = this.#records.get(userId);
    return record ? { ...record, recoveryCodes: [...record.recoveryCodes] } : null;
  }

  async confirm(userId: string, sealedSecret: string, recoveryCodes: string[], step: number): Promise<boolean> {
    const record = this.#records.get(userId);
    if (!record || record.confirmed || record.sealedSecret !== sealedSecret) return false;
    Object.assign(record, { confirmed: true, recoveryCodes: [...recoveryCodes], lastStep: step });
    return true;
  }

  async useStep(userId: string, step: number): Promise<boolean> {
    const record = this.#records.get(userId);
    if (!record?.confirmed || step <= record.lastStep) return false;
    record.lastStep = step;
    return true;
  }

  async useRecoveryCode(userId: string, codeHash: string): Promise<boolean> {
    const record = this.#records.get(userId);
    const at = record?.confirmed ? record.recoveryCodes.indexOf(codeHash) : -1;
    if (at < 0) return false;
    record!.recoveryCodes.splice(at, 1);
    return true;
  }

  async reseal(userId: string, previous: string, next: string): Promise<boolean> {
    const record = this.#records.get(userId);
    if (record?.sealedSecret !== previous) return false;
    record.sealedSecret = next;
    return true;
  }

  async remove(userId: string): Promise<boolean> {
    return this.#records.delete(userId);
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {}
}
