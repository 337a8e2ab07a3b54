import { passkeyErrors } from '../../domain/passkeys/passkey-errors.js';
import { type PasskeyRecord, type PasskeyStore, type PasskeyUse } from '../../domain/passkeys/passkey-store.js';
import { isUniqueViolation, openPrivateNedb, type PrivateNedb } from '../embedded/private-nedb.js';

/** NeDB keeps Dates as Dates; `credentialId` is the unique key (NeDB's own `_id` is left alone). */
type PasskeyDoc = Omit<PasskeyRecord, 'id'> & { credentialId: string };

const toRecord = ({ credentialId, userId, name, publicKey, counter, transports, deviceType, backedUp, userVerified, createdAt, lastUsedAt }: PasskeyDoc): PasskeyRecord => ({
  id: credentialId,
  userId,
  name,
  publicKey,
  counter,
  transports: [...transports],
  deviceType,
  backedUp,
  userVerified,
  createdAt: new Date(createdAt),
  lastUsedAt: lastUsedAt ? new Date(lastUsedAt) : null,
});

/** Opens (creating if needed) `${dataDir}/passkeys.db`, readable by the service's OS user only. */
export async function openEmbeddedPasskeyStore(dataDir: string): Promise<EmbeddedPasskeyStore> {
  const file = await openPrivateNedb<PasskeyDoc>(dataDir, 'passkeys.db', 'credentialId');
  await file.db.ensureIndexAsync({ fieldName: 'userId' });
  return new EmbeddedPasskeyStore(file);
}

/**
 * Passkeys in a NeDB file. NeDB runs one operation at a time, so the counter rule is one
 * conditional update: of two uses racing with one counter, the second matches nothing.
 */
export class EmbeddedPasskeyStore implements PasskeyStore {
  constructor(private readonly file: PrivateNedb<PasskeyDoc>) {}

  async add(record: PasskeyRecord): Promise<void> {
    const { id, ...rest } = record;
    try {
      await this.file.db.insertAsync({ ...rest, credentialId: id, transports: [...record.transports] });
    } catch (err) {
      if (isUniqueViolation(err)) throw passkeyErrors.alreadyRegistered();
      throw err;
    }
  }

  async findById(id: string): Promise<PasskeyRecord | null> {
    if (typeof id !== 'string') return null;
    const doc = await this.file.db.findOneAsync({ credentialId: id });
    return doc ? toRecord(doc) : null;
  }

  async listByUser(userId: string): Promise<PasskeyRecord[]> {
    if (typeof userId !== 'string') return [];
    const docs = await this.file.db.findAsync({ userId }).sort({ createdAt: 1 });
    return docs.map(toRecord);
  }

  async recordUse(id: string, use: PasskeyUse): Promise<boolean> {
    if (typeof id !== 'string') return false;
    // counterMovesForward (passkey-store.ts) as a query: 0 only over 0, else strictly less than reported.
    const counter = use.counter === 0 ? 0 : { $lt: use.counter };
    const { numAffected } = await this.file.db.updateAsync(
      { credentialId: id, counter },
      { $set: { counter: use.counter, lastUsedAt: use.usedAt, backedUp: use.backedUp } },
      {},
    );
    return numAffected === 1;
  }

  async remove(userId: string, id: string): Promise<boolean> {
    if (typeof id !== 'string' || typeof userId !== 'string') return false;
    return (await this.file.db.removeAsync({ credentialId: id, userId }, {})) === 1;
  }

  async removeAllOf(userId: string): Promise<number> {
    if (typeof userId !== 'string') return 0;
    return this.file.db.removeAsync({ userId }, { multi: true });
  }

  ping(): Promise<void> {
    return this.file.ping();
  }

  close(): Promise<void> {
    return this.file.close();
  }
}
