import type { IdTokenSessions, SessionParticipant } from '../../domain/backchannel-logout/id-token-sessions.js';
import { type PrivateNedb, openPrivateNedb } from '../embedded/private-nedb.js';

interface ParticipantDoc {
  /** `${sid} ${clientId}`: one entry per app and session. */
  key: string;
  sid: string;
  clientId: string;
  sub: string;
  expiresAt: number;
}

/**
 * Opens (creating if needed) `${dataDir}/id-token-sessions.db`, so an auth restart still knows
 * which apps to tell when a session that began before it ends.
 */
export async function openEmbeddedIdTokenSessions(dataDir: string): Promise<EmbeddedIdTokenSessions> {
  const file = await openPrivateNedb<ParticipantDoc>(dataDir, 'id-token-sessions.db', 'key');
  await file.db.ensureIndexAsync({ fieldName: 'sid' });
  return new EmbeddedIdTokenSessions(file);
}

/** Participants in a NeDB file; expired entries are swept whenever one is recorded. */
export class EmbeddedIdTokenSessions implements IdTokenSessions {
  constructor(private readonly file: PrivateNedb<ParticipantDoc>) {}

  async record(sid: string, { clientId, sub }: SessionParticipant, expiresAt: number): Promise<void> {
    const key = `${sid} ${clientId}`;
    await this.file.db.removeAsync({ expiresAt: { $lte: Date.now() } }, { multi: true });
    const previous = await this.file.db.findOneAsync({ key });
    const doc = { key, sid, clientId, sub, expiresAt: Math.max(expiresAt, previous?.expiresAt ?? 0) };
    await this.file.db.updateAsync({ key }, doc, { upsert: true });
  }

  async participants(sid: string, now: number): Promise<SessionParticipant[]> {
    const docs = await this.file.db.findAsync({ sid, expiresAt: { $gt: now } });
    return docs.map((doc) => ({ clientId: doc.clientId, sub: doc.sub }));
  }

  async extend(sid: string, expiresAt: number): Promise<void> {
    await this.file.db.updateAsync({ sid, expiresAt: { $lt: expiresAt } }, { $set: { expiresAt } }, { multi: true });
  }

  async forget(sid: string): Promise<void> {
    await this.file.db.removeAsync({ sid }, { multi: true });
  }

  ping(): Promise<void> {
    return this.file.ping();
  }

  close(): Promise<void> {
    return this.file.close();
  }
}
