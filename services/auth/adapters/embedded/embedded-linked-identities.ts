import { randomUUID } from 'node:crypto';
import { federationErrors } from '../../domain/federation/federation-errors.js';
import type { LinkedIdentity, LinkedIdentityStore, NewLinkedIdentity } from '../../domain/federation/linked-identities.js';
import { identityKey } from '../memory/memory-linked-identities.js';
import { isUniqueViolation, openPrivateNedb, type PrivateNedb } from './private-nedb.js';

type LinkDoc = LinkedIdentity & { key: string };

/** Links in `${dataDir}/linked-identities.db` (NeDB), unique on (issuer, subject). */
export async function openEmbeddedLinkedIdentityStore(dataDir: string): Promise<LinkedIdentityStore> {
  const file = await openPrivateNedb<LinkDoc>(dataDir, 'linked-identities.db', 'key');
  await file.db.ensureIndexAsync({ fieldName: 'userId' });
  return new EmbeddedLinkedIdentityStore(file);
}

class EmbeddedLinkedIdentityStore implements LinkedIdentityStore {
  constructor(private readonly file: PrivateNedb<LinkDoc>) {}

  async link(identity: NewLinkedIdentity): Promise<LinkedIdentity> {
    const record: LinkDoc = { ...identity, id: randomUUID(), linkedAt: new Date(), key: identityKey(identity.issuer, identity.subject) };
    try {
      return toRecord(await this.file.db.insertAsync(record));
    } catch (err) {
      if (isUniqueViolation(err)) throw federationErrors.identityTaken();
      throw err;
    }
  }

  async find(issuer: string, subject: string): Promise<LinkedIdentity | null> {
    const doc = await this.file.db.findOneAsync({ key: identityKey(issuer, subject) });
    return doc ? toRecord(doc) : null;
  }

  async listForUser(userId: string): Promise<LinkedIdentity[]> {
    const docs = await this.file.db.findAsync({ userId }).sort({ linkedAt: 1 });
    return docs.map(toRecord);
  }

  async unlink(userId: string, id: string): Promise<boolean> {
    return (await this.file.db.removeAsync({ userId, id }, {})) > 0;
  }

  async unlinkAll(userId: string): Promise<number> {
    return this.file.db.removeAsync({ userId }, { multi: true });
  }

  ping(): Promise<void> {
    return this.file.ping();
  }

  close(): Promise<void> {
    return this.file.close();
  }
}

function toRecord(doc: LinkDoc): LinkedIdentity {
  const record: LinkedIdentity = { id: doc.id, userId: doc.userId, providerId: doc.providerId, issuer: doc.issuer, subject: doc.subject, linkedAt: new Date(doc.linkedAt) };
  if (doc.label !== undefined) record.label = doc.label;
  return record;
}
