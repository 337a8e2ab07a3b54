import type { TotpRecord, TotpStore } from '../../domain/mfa/totp-store.js';
import { isUniqueViolation, openPrivateNedb, type PrivateNedb } from '../embedded/private-nedb.js';

type TotpDoc = TotpRecord & { _id?: string };

/** Opens (creating if needed) `${dataDir}/totp.db`, a file only the service's OS user reads, userId unique. */
export async function openEmbeddedTotpStore(dataDir: string): Promise<EmbeddedTotpStore> {
  return new EmbeddedTotpStore(await openPrivateNedb<TotpDoc>(dataDir, 'totp.db', 'userId'));
}

/**
 * TOTP records in a NeDB file. NeDB runs operations one at a time, so every conditional update
 * below (the condition in the query, the change in the same call) is atomic: of two callers with
 * one step or one recovery code, one sees numAffected 1.
 */
export class EmbeddedTotpStore implements TotpStore {
  constructor(private readonly file: PrivateNedb<TotpDoc>) {}

  async savePending(userId: string, sealedSecret: string, createdAt: Date): Promise<boolean> {
    const pending: TotpRecord = { userId, sealedSecret, confirmed: false, lastStep: -1, recoveryCodes: [], createdAt };
    try {
      // Replaces a pending record; with a confirmed one the upsert's insert breaks the unique index.
      await this.file.db.updateAsync({ userId, confirmed: false }, pending, { upsert: true });
      return true;
    } catch (err) {
      if (isUniqueViolation(err)) return false;
      throw err;
    }
  }

  async find(userId: string): Promise<TotpRecord | null> {
    if (typeof userId !== 'string') return null;
    const doc = await this.file.db.findOneAsync({ userId });
    return doc ? recordOf(doc) : null;
  }

  async confirm(userId: string, sealedSecret: string, recoveryCodes: string[], step: number): Promise<boolean> {
    const { numAffected } = await this.file.db.updateAsync({ userId, sealedSecret, confirmed: false }, { $set: { confirmed: true, recoveryCodes: [...recoveryCodes], lastStep: step } });
    return numAffected === 1;
  }

  async useStep(userId: string, step: number): Promise<boolean> {
    const { numAffected } = await this.file.db.updateAsync({ userId, confirmed: true, lastStep: { $lt: step } }, { $set: { lastStep: step } });
    return numAffected === 1;
  }

  async useRecoveryCode(userId: string, codeHash: string): Promise<boolean> {
    if (typeof codeHash !== 'string') return false;
    const { numAffected } = await this.file.db.updateAsync({ userId, confirmed: true, recoveryCodes: codeHash }, { $pull: { recoveryCodes: codeHash } });
    return numAffected === 1;
  }

  async reseal(userId: string, previous: string, next: string): Promise<boolean> {
    const { numAffected } = await this.file.db.updateAsync({ userId, sealedSecret: previous }, { $set: { sealedSecret: next } });
    return numAffected === 1;
  }

  async remove(userId: string): Promise<boolean> {
    return (await this.file.db.removeAsync({ userId }, {})) === 1;
  }

  ping(): Promise<void> {
    return this.file.ping();
  }

  close(): Promise<void> {
    return this.file.close();
  }
}

function recordOf(doc: TotpDoc): TotpRecord {
  return {
    userId: doc.userId,
    sealedSecret: doc.sealedSecret,
    confirmed: doc.confirmed,
    lastStep: doc.lastStep,
    recoveryCodes: [...doc.recoveryCodes],
    createdAt: new Date(doc.createdAt),
  };
}
