import { randomBytes } from 'node:crypto';
import type { DeadMail, Mail, OutboxPayload, QueuedMail } from '../../domain/mail/mail.js';

/**
 * One mail as the memory and embedded outboxes keep it (Redis and MongoDB store the same fields
 * in their own shapes). `state: 'dead'` is a dead letter.
 */
export interface OutboxRecord<P extends OutboxPayload = Mail> {
  id: string;
  mail: P;
  attempts: number;
  createdAt: number;
  dueAt: number;
  /** The current claim's lease; '' when unclaimed. */
  lease: string;
  state: 'queued' | 'dead';
  lastError?: string;
  failedAt?: number;
}

/**
 * Time-ordered (so a directory listing or an index scan comes out roughly oldest first) and
 * unguessable; safe in file names, Redis keys and a Message-ID.
 */
export function newMailId(now: number): string {
  return `${now.toString(36).padStart(9, '0')}-${randomBytes(12).toString('hex')}`;
}

export const newLease = () => randomBytes(12).toString('base64url');

export function queuedOf<P extends OutboxPayload>(record: OutboxRecord<P>): QueuedMail<P> {
  return { id: record.id, mail: { ...record.mail }, attempts: record.attempts, createdAt: record.createdAt, lease: record.lease };
}

export function deadOf<P extends OutboxPayload>(record: OutboxRecord<P>): DeadMail<P> {
  return {
    id: record.id,
    purpose: record.mail.purpose,
    to: record.mail.to,
    attempts: record.attempts,
    lastError: record.lastError ?? '',
    failedAt: record.failedAt ?? 0,
  };
}

/** The dead letters of `records`, newest first. */
export function newestDead<P extends OutboxPayload>(records: Iterable<OutboxRecord<P>>, limit: number): Array<DeadMail<P>> {
  return [...records]
    .filter((r) => r.state === 'dead')
    .sort((a, b) => (b.failedAt ?? 0) - (a.failedAt ?? 0))
    .slice(0, limit)
    .map(deadOf);
}
