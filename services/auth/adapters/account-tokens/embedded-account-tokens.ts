import type { AccountTokenPurpose, AccountTokenRecord, AccountTokenStore } from '../../domain/accounts/account-token-store.js';
import { type PrivateNedb, openPrivateNedb } from '../embedded/private-nedb.js';

type TokenDoc = AccountTokenRecord & { hash: string };

/**
 * Opens (creating if needed) `${dataDir}/account-tokens.db`: verification and reset tokens as
 * hashes, in a file only the service's OS user reads, so a pending link survives a restart.
 */
export async function openEmbeddedAccountTokenStore(dataDir: string): Promise<EmbeddedAccountTokenStore> {
  return new EmbeddedAccountTokenStore(await openPrivateNedb<TokenDoc>(dataDir, 'account-tokens.db', 'hash'));
}

/**
 * Account tokens in a NeDB file. NeDB runs its operations one at a time, so of two concurrent
 * consumes only one sees its remove count 1: that one gets the record.
 */
export class EmbeddedAccountTokenStore implements AccountTokenStore {
  constructor(private readonly file: PrivateNedb<TokenDoc>) {}

  async save(tokenHash: string, record: AccountTokenRecord): Promise<void> {
    // Expired records are swept on the way, so the file does not grow with unused links.
    await this.file.db.removeAsync({ expiresAt: { $lte: Date.now() } }, { multi: true });
    await this.file.db.insertAsync({ hash: tokenHash, purpose: record.purpose, userId: record.userId, binding: record.binding, expiresAt: record.expiresAt });
  }

  async consume(purpose: AccountTokenPurpose, tokenHash: string, now: number): Promise<AccountTokenRecord | null> {
    if (typeof tokenHash !== 'string') return null;
    const doc = await this.file.db.findOneAsync({ hash: tokenHash, purpose });
    if (!doc) return null;
    const removed = await this.file.db.removeAsync({ hash: tokenHash, purpose }, {});
    if (removed !== 1 || doc.expiresAt <= now) return null;
    return { purpose: doc.purpose, userId: doc.userId, binding: doc.binding, expiresAt: doc.expiresAt };
  }

  ping(): Promise<void> {
    return this.file.ping();
  }

  close(): Promise<void> {
    return this.file.close();
  }
}
