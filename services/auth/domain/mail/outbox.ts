import type { DeadMail, Mail, OutboxPayload, QueuedMail } from './mail.js';

/** How long a mail that was given up on is kept (its links have expired long before). */
export const DEAD_LETTER_RETENTION_MS = 7 * 24 * 3600 * 1000;

/**
 * The mail queue: what the request path writes to (`enqueue`) and the delivery worker reads from.
 *
 * Contract, for every adapter (tests/auth/contracts/outbox.contract.ts):
 * - `enqueue` resolves once the mail is durably stored, never once it is sent: it survives a
 *   process restart in every adapter but memory (Redis, MongoDB, the embedded spool under
 *   AUTH_DATA_DIR). It rejects when the store cannot take it (the caller's request fails; the
 *   mail is not silently dropped).
 * - Delivery is at least once: a mail is removed only by `markSent`. A claim holds a mail for
 *   `leaseMs`; if its holder dies or stalls past that, the mail is due again and another claim
 *   (another replica, or this one after a restart) gets it. So a crash between the SMTP server's
 *   acceptance and `markSent` sends that mail twice; nothing is ever lost by a crash.
 * - Two concurrent `claim`s (two replicas on one store) never get the same mail while its lease
 *   runs: claiming is atomic in every adapter.
 * - Order is not guaranteed: claims come roughly by due time, retried mails wait behind later
 *   ones, and replicas race.
 * - After `giveUp` the mail is never claimed again; it is kept as a dead letter for
 *   DEAD_LETTER_RETENTION_MS (then it may be removed).
 * - Times are epoch milliseconds passed in by the caller, so tests need no waiting.
 */
export interface Outbox<P extends OutboxPayload = Mail> {
  /** Stores `mail`, due at once; resolves with its id once it is durable. */
  enqueue(mail: P, now: number): Promise<string>;
  /**
   * Up to `limit` mails due at `now` (due time ≤ now), each leased to the caller until
   * `now + leaseMs` with a fresh `lease`. An empty array when nothing is due.
   */
  claim(now: number, leaseMs: number, limit: number): Promise<Array<QueuedMail<P>>>;
  /** The mail was accepted by the mail server: it is removed. Unknown ids are ignored. */
  markSent(id: string): Promise<void>;
  /**
   * A failed attempt: the mail is due again at `dueAt` with `attempts` failures counted. Ignored
   * (false) when `lease` is no longer the mail's (its lease ran out and someone else holds it).
   */
  reschedule(id: string, lease: string, dueAt: number, attempts: number): Promise<boolean>;
  /**
   * Puts a claimed mail back as it was (same attempts, due at `now`): a send that did not finish
   * before shutdown. Ignored (false) for a lease that is no longer the mail's.
   */
  release(id: string, lease: string, now: number): Promise<boolean>;
  /** The last attempt failed: the mail becomes a dead letter. Ignored (false) for a stale lease. */
  giveUp(id: string, lease: string, attempts: number, lastError: string, now: number): Promise<boolean>;
  /** Dead letters, newest first, at most `limit`. */
  deadLetters(limit: number): Promise<Array<DeadMail<P>>>;
  /** Mails waiting (claimed ones included) and dead letters kept. */
  counts(): Promise<{ queued: number; dead: number }>;
  /** Rejects when the store cannot be used. */
  ping(): Promise<void>;
  /** Releases the store's connection or files; the adapter's data stays. */
  close(): Promise<void>;
}
