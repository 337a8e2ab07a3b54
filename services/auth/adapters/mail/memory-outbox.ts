import type { DeadMail, Mail, OutboxPayload, QueuedMail } from '../../domain/mail/mail.js';
import { DEAD_LETTER_RETENTION_MS, type Outbox } from '../../domain/mail/outbox.js';
import { newestDead, newLease, newMailId, queuedOf, type OutboxRecord } from './outbox-record.js';

/**
 * The outbox in process memory: for tests and for code that builds the service without any
 * store. Nothing survives the process; `openMail` never picks it for a running service.
 *
 * Also the table of the embedded outbox, which overrides `persist` to write each change through
 * to its spool directory before the call resolves.
 */
export class MemoryOutbox<P extends OutboxPayload = Mail> implements Outbox<P> {
  protected readonly records = new Map<string, OutboxRecord<P>>();
  protected closed = false;

  /** Called after every durable change (not after claims): `record` undefined means removed. */
  protected async persist(_id: string, _record: OutboxRecord<P> | undefined): Promise<void> {}

  async enqueue(mail: P, now: number): Promise<string> {
    this.assertOpen();
    const id = newMailId(now);
    const record: OutboxRecord<P> = { id, mail: { ...mail }, attempts: 0, createdAt: now, dueAt: now, lease: '', state: 'queued' };
    this.records.set(id, record);
    try {
      await this.persist(id, record);
    } catch (err) {
      this.records.delete(id);
      throw err;
    }
    return id;
  }

  async claim(now: number, leaseMs: number, limit: number): Promise<Array<QueuedMail<P>>> {
    this.assertOpen();
    const due = [...this.records.values()].filter((r) => r.state === 'queued' && r.dueAt <= now).sort((a, b) => a.dueAt - b.dueAt).slice(0, limit);
    return due.map((record) => {
      record.lease = newLease();
      record.dueAt = now + leaseMs;
      return queuedOf(record);
    });
  }

  async markSent(id: string): Promise<void> {
    this.assertOpen();
    if (this.records.get(id)?.state !== 'queued') return;
    this.records.delete(id);
    await this.persist(id, undefined);
  }

  async reschedule(id: string, lease: string, dueAt: number, attempts: number): Promise<boolean> {
    const record = this.held(id, lease);
    if (!record) return false;
    Object.assign(record, { dueAt, attempts, lease: '' });
    await this.persist(id, record);
    return true;
  }

  async release(id: string, lease: string, now: number): Promise<boolean> {
    const record = this.held(id, lease);
    if (!record) return false;
    Object.assign(record, { dueAt: now, lease: '' });
    await this.persist(id, record);
    return true;
  }

  async giveUp(id: string, lease: string, attempts: number, lastError: string, now: number): Promise<boolean> {
    const record = this.held(id, lease);
    if (!record) return false;
    Object.assign(record, { state: 'dead', attempts, lastError, failedAt: now, lease: '' });
    await this.persist(id, record);
    for (const [key, r] of this.records) {
      if (r.state !== 'dead' || (r.failedAt ?? 0) >= now - DEAD_LETTER_RETENTION_MS) continue;
      this.records.delete(key);
      await this.persist(key, undefined);
    }
    return true;
  }

  async deadLetters(limit: number): Promise<Array<DeadMail<P>>> {
    this.assertOpen();
    return newestDead(this.records.values(), limit);
  }

  async counts(): Promise<{ queued: number; dead: number }> {
    this.assertOpen();
    let queued = 0;
    for (const r of this.records.values()) if (r.state === 'queued') queued += 1;
    return { queued, dead: this.records.size - queued };
  }

  async ping(): Promise<void> {
    this.assertOpen();
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  protected held(id: string, lease: string): OutboxRecord<P> | undefined {
    this.assertOpen();
    const record = this.records.get(id);
    return record && record.state === 'queued' && lease !== '' && record.lease === lease ? record : undefined;
  }

  protected assertOpen(): void {
    if (this.closed) throw new Error('the memory outbox is closed');
  }
}
