import type { ClientStore } from '../clients/client-store.js';
import type { Outbox } from '../mail/outbox.js';
import type { IdTokenSessions } from './id-token-sessions.js';
import { BACKCHANNEL_LOGOUT_PURPOSE, type LogoutDelivery } from './logout-delivery.js';

export interface BackchannelLogoutDeps {
  sessions: IdTokenSessions;
  clients: ClientStore;
  /** Durable: `enqueue` resolves once the delivery survives a restart. */
  outbox: Pick<Outbox<LogoutDelivery>, 'enqueue'>;
  now?: () => number;
}

/**
 * OIDC Back-Channel Logout 1.0 as the OP. The code grant reports each ID token it issues
 * (`idTokenIssued`); the one session ender reports each session that ends (`sessionEnded`), so
 * every way a session ends (logout, RP-initiated logout, reset, lock, deletion, admin, the user's
 * own session list) reaches the apps. `sessionEnded` only queues: the deliveries are durable
 * before it resolves, and the delivery worker POSTs them off the request path, at least once.
 */
export function createBackchannelLogout({ sessions, clients, outbox, now = Date.now }: BackchannelLogoutDeps) {
  return {
    idTokenIssued(sid: string, clientId: string, sub: string, expiresAt: number): Promise<void> {
      return sessions.record(sid, { clientId, sub }, expiresAt);
    },

    /** A refresh keeps the session alive: so does the record of who is in it. */
    sessionRefreshed(sid: string, expiresAt: number): Promise<void> {
      return sessions.extend(sid, expiresAt);
    },

    async sessionEnded(sid: string): Promise<void> {
      const participants = await sessions.participants(sid, now());
      for (const { clientId, sub } of participants) {
        const client = await clients.findById(clientId);
        // An app without a back-channel URI (or deleted since) has nothing to be told.
        if (!client?.backchannelLogoutUri) continue;
        await outbox.enqueue({ purpose: BACKCHANNEL_LOGOUT_PURPOSE, to: client.backchannelLogoutUri, clientId, sub, sid }, now());
      }
      // Only once every delivery is queued: a crash before this repeats them (at least once), never loses one.
      if (participants.length > 0) await sessions.forget(sid);
    },
  };
}

export type BackchannelLogout = ReturnType<typeof createBackchannelLogout>;
