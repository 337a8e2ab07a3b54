import { decodeAuthentication } from '../../domain/mfa/authentication.js';
import type { AttemptCount, RefreshTokenRecord, SessionSummary } from '../../domain/tokens/token-store.js';

/** Replies of the Redis token store's scripts and reads, turned into the port's types. */

export function asStrings(reply: unknown): string[] {
  if (!Array.isArray(reply)) throw new Error('unexpected reply from Redis: not an array');
  return reply.map(String);
}

export function asNumbers(reply: unknown): [number, number] {
  const [a, b] = asStrings(reply).map(Number);
  return [a ?? 0, b ?? -2];
}

/** Fields in the scripts' order: familyId subject clientId scope issuedAt expiresAt jkt ('' when unbound) auth ('' when none). */
export function toRecord(tokenHash: string, fields: string[]): RefreshTokenRecord {
  const [familyId, subject, clientId, scope, issuedAt, expiresAt, jkt, auth] = fields;
  const authentication = decodeAuthentication(auth);
  if (familyId === undefined || subject === undefined || clientId === undefined || scope === undefined) {
    throw new Error('unexpected refresh record from Redis');
  }
  return { tokenHash, familyId, subject, clientId, scope, issuedAt: Number(issuedAt), expiresAt: Number(expiresAt), ...(jkt ? { jkt } : {}), ...(authentication ? { authentication } : {}) };
}

export function toCount(count: number, ttlMs: number): AttemptCount {
  if (!count || ttlMs === -2) return { count: 0, resetInSeconds: 0 };
  return { count, resetInSeconds: Math.max(1, Math.ceil(ttlMs / 1000)) };
}

/** The family hash fields a session summary is read from (see token-scripts.ts for the layout). */
export const SESSION_FIELDS = ['familyId', 'subject', 'clientId', 'revoked', 'expiresAt', 'currentIssuedAt', 'createdAt', 'lastUsedAt', 'userAgent', 'ip'] as const;

/**
 * One HMGET of SESSION_FIELDS as a live session of `subject`, or null when the family is gone,
 * revoked, expired by `now`, or someone else's. Families issued before session metadata existed
 * have no createdAt: their active token's issue time stands in.
 */
export function toSession(row: Array<string | null>, subject: string, now: number): SessionSummary | null {
  const [sid, owner, clientId, revoked, expiresAt, currentIssuedAt, createdAt, lastUsedAt, userAgent, ip] = row;
  if (!sid || owner !== subject || !clientId || revoked !== '0' || !expiresAt || Number(expiresAt) <= now) return null;
  const created = Number(createdAt ?? currentIssuedAt ?? 0);
  return { sid, clientId, createdAt: created, lastUsedAt: Number(lastUsedAt ?? created), userAgent: userAgent ?? '', ip: ip ?? '' };
}
