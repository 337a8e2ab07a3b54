import { createLogger, type Logger } from '../../../../lib/logger.js';
import type { DestinationStream } from 'pino';
import type { AdminCaller, AuthEvents } from '../../domain/auth-events.js';
import type { RecentAuditEvents } from '../../domain/admin/recent-audit-events.js';

/**
 * Version of the audit line schema (docs/operations.md, "Audit trail"). Raised when a field is
 * renamed, removed or changes meaning; adding a field or an event keeps the version.
 */
export const AUDIT_SCHEMA_VERSION = 1;

/** The pino logger name of audit lines: route them by `"name":"audit"`. */
export const AUDIT_LOGGER_NAME = 'audit';

/**
 * The audit logger of the auth service: its own name, the service's `service` field. Audit lines
 * are written at info or warn, so LOG_LEVEL=warn or error (quieter request logs) keeps the trail;
 * only LOG_LEVEL=silent turns it off.
 */
export function createAuditLogger({ logLevel, destination }: { logLevel: string; destination?: DestinationStream | undefined }): Logger {
  return createLogger({ name: AUDIT_LOGGER_NAME, service: 'auth', level: logLevel === 'silent' ? 'silent' : 'info', destination });
}

const by = (caller: AdminCaller | { source: 'clients_file' }) =>
  'clientIp' in caller
    ? { source: caller.source, client_ip: caller.clientIp, ...(caller.userId === undefined ? {} : { by_user_id: caller.userId }) }
    : { source: caller.source };

/**
 * AuthEvents as one JSON line per security event: `audit_version`, `event` (also the message) and
 * the event's fields in snake_case. The details hold only ids, addresses and closed-set values
 * (the port's rules), so nothing a caller sends as a secret can reach these lines. `recent`, when
 * given, keeps the newest lines in memory too.
 */
export function pinoAuditEvents(logger: Logger, recent?: RecentAuditEvents): AuthEvents {
  const write = (level: 'info' | 'warn', event: string, fields: object) => {
    logger[level]({ audit_version: AUDIT_SCHEMA_VERSION, event, ...fields }, event);
    // The same line, kept for the console and GET /admin/audit-events (even with LOG_LEVEL=silent).
    recent?.record({ time: new Date().toISOString(), level, event, ...fields });
  };
  return {
    loginFinished(login) {
      const where = { client_id: login.clientId, client_ip: login.clientIp };
      if (login.outcome === 'success') write('info', 'login.succeeded', { user_id: login.userId, username: login.username, ...where });
      else if (login.outcome === 'rate_limited') write('info', 'login.failed', { reason: 'rate_limited', user_id: null, username: null, ...where });
      else write('info', 'login.failed', { reason: login.reason, user_id: login.userId, username: login.username, ...where });
    },
    // Counted, not audited: every login, refresh and client grant already has its own line or none is wanted.
    accessTokenIssued: () => {},
    refreshReuseDetected: ({ userId, clientId, familyId }) => write('warn', 'refresh.reuse_detected', { user_id: userId, client_id: clientId, family_id: familyId }),
    loggedOut: ({ userId, clientId, familyEnded }) => write('info', 'logout', { user_id: userId, client_id: clientId, family_ended: familyEnded }),
    tokenExchanged: ({ clientId, userId, actorId, audience, scope }) =>
      write('info', 'token.exchanged', { client_id: clientId, user_id: userId, ...(actorId === undefined ? {} : { actor_id: actorId }), audience, scope }),
    accountLockChanged: ({ userId, locked, by: caller }) => write('info', locked ? 'account.locked' : 'account.unlocked', { user_id: userId, ...by(caller) }),
    userAdministered: ({ userId, action, sessionsEnded, by: caller }) =>
      write('info', `user.${action}`, { user_id: userId, ...(sessionsEnded === undefined ? {} : { sessions_ended: sessionsEnded }), ...by(caller) }),
    usersListed: ({ search, returned, by: caller }) => write('info', 'users.listed', { search, returned, ...by(caller) }),
    rolesChanged: ({ userId, roles, removed, sessionsEnded, by: caller }) => write('info', 'user.roles_changed', { user_id: userId, roles, removed, sessions_ended: sessionsEnded, ...by(caller) }),
    clientChanged: ({ change, clientId, by: caller }) => write('info', `client.${change}`, { client_id: clientId, ...by(caller) }),
    signingKeysChanged: (keys) =>
      keys.change === 'rotated'
        ? write('info', 'key.rotated', { kid: keys.kid, activates_at: keys.activatesAt.toISOString() })
        : write('info', 'key.reloaded', { kids: keys.kids, signing_kid: keys.signingKid }),
    adminAuthFailed: ({ reason, clientIp, path }) => write('warn', 'admin.auth_failed', { reason, client_ip: clientIp, path }),
    accountChanged: (event) => {
      const { change, userId, ...rest } = event;
      const fields: Record<string, unknown> = { user_id: userId };
      if ('mailed' in rest) fields.mailed = rest.mailed;
      if ('sid' in rest) fields.sid = rest.sid;
      if ('clientIp' in rest) fields.client_ip = rest.clientIp;
      if ('sessionsEnded' in rest) fields.sessions_ended = rest.sessionsEnded;
      write('info', change, fields);
    },
    federationEvent: (event) => {
      const { change, providerId, ...rest } = event;
      const fields: Record<string, unknown> = { provider_id: providerId };
      if ('userId' in rest) fields.user_id = rest.userId;
      if ('created' in rest) fields.created = rest.created;
      if ('outcome' in rest) fields.outcome = rest.outcome;
      if ('sessionsEnded' in rest) fields.sessions_ended = rest.sessionsEnded;
      if ('reason' in rest) fields.reason = rest.reason;
      if ('clientIp' in rest) fields.client_ip = rest.clientIp;
      const refused = change === 'callback_refused' || ('outcome' in rest && rest.outcome === 'refused');
      write(refused ? 'warn' : 'info', `federation.${change}`, fields);
    },
    passkey: (event) => {
      const where = 'clientIp' in event ? { client_ip: event.clientIp } : {};
      if (event.change === 'registered') write('info', 'passkey.registered', { user_id: event.userId, credential_id: event.credentialId, user_verified: event.userVerified, ...where });
      else if (event.change === 'removed') write('info', 'passkey.removed', { user_id: event.userId, credential_id: event.credentialId, count: event.count });
      else if (event.change === 'signed_in') write('info', 'passkey.signed_in', { ceremony: event.ceremony, user_id: event.userId, credential_id: event.credentialId, user_verified: event.userVerified, ...where });
      // A counter going back means a cloned authenticator: the one refusal an operator must look at.
      else write(event.reason === 'counter_regressed' ? 'warn' : 'info', 'passkey.refused', { ceremony: event.ceremony, reason: event.reason, user_id: event.userId, credential_id: event.credentialId, ...where });
    },
    secondFactorChanged: (event) => {
      const { change, userId } = event;
      const fields: Record<string, unknown> = { user_id: userId };
      if ('factor' in event) fields.factor = event.factor;
      if ('reason' in event) fields.reason = event.reason;
      if ('left' in event) fields.recovery_codes_left = event.left;
      if ('clientIp' in event) fields.client_ip = event.clientIp;
      if ('sessionsEnded' in event && event.sessionsEnded !== undefined) fields.sessions_ended = event.sessionsEnded;
      if ('by' in event) Object.assign(fields, event.by === 'user' ? { source: 'user' } : by(event.by));
      write(change === 'mfa.failed' ? 'warn' : 'info', change, fields);
    },
  };
}
