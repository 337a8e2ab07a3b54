import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Mail } from '../../../services/auth/domain/mail/mail.js';
import { DEAD_LETTER_RETENTION_MS, type Outbox } from '../../../services/auth/domain/mail/outbox.js';

export interface OutboxFixture {
  outbox: Outbox;
  /**
   * A second outbox over the same mails, as another auth replica has it (its own connection);
   * undefined for adapters one process owns (memory, embedded).
   */
  replica?: Outbox;
  /** Closes the outbox and opens it again on the same data (a restart); undefined for memory. */
  reopen?: () => Promise<Outbox>;
  /** Closes whatever is open and removes what was written. */
  cleanup: () => Promise<void>;
}

const LEASE_MS = 60_000;

export function testMail(extra: Partial<Mail> = {}): Mail {
  const token = randomBytes(16).toString('base64url');
  return {
    to: `user-${randomBytes(4).toString('hex')}@example.test`,
    subject: 'Reset your password',
    text: `Open this link:\n\nhttps://id.example.test/account/reset-password?token=${token}\n`,
    html: `<p><a href="https://id.example.test/account/reset-password?token=${token}">Reset</a></p>`,
    purpose: 'password-reset',
    ...extra,
  };
}

/**
 * The Outbox port's contract (services/auth/domain/mail/outbox.ts), run against every adapter.
 * Due times and leases are shown through the `now` the port takes, never by waiting.
 */
export function runOutboxContract(name: string, factory: () => Promise<OutboxFixture>): void {
  describe(`Outbox contract: ${name}`, () => {
    let fixture: OutboxFixture;
    let outbox: Outbox;

    beforeEach(async () => {
      fixture = await factory();
      outbox = fixture.outbox;
    });
    afterEach(async () => {
      await fixture.cleanup();
    });

    it('when a mail is enqueued, then a claim hands it back whole with no attempts, once', async () => {
      const now = Date.now();
      const mail = testMail();
      const id = await outbox.enqueue(mail, now);
      const [claimed, ...more] = await outbox.claim(now, LEASE_MS, 10);
      expect(more).toEqual([]);
      expect(claimed).toMatchObject({ id, mail, attempts: 0, createdAt: now });
      expect(claimed!.lease).not.toBe('');
      // Leased: not due again until the lease ends.
      expect(await outbox.claim(now + LEASE_MS - 1, LEASE_MS, 10)).toEqual([]);
      expect(await outbox.counts()).toEqual({ queued: 1, dead: 0 });
    });

    it('when ids are made, then they are unique and safe in file names, keys and a Message-ID', async () => {
      const now = Date.now();
      const ids = await Promise.all(Array.from({ length: 20 }, () => outbox.enqueue(testMail(), now)));
      expect(new Set(ids).size).toBe(20);
      for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_-]{16,64}$/);
    });

    it('when nothing is due, then a claim is empty; a mail is due from its enqueue on', async () => {
      const now = Date.now();
      expect(await outbox.claim(now, LEASE_MS, 10)).toEqual([]);
      await outbox.enqueue(testMail(), now);
      expect(await outbox.claim(now - 1, LEASE_MS, 10)).toEqual([]);
      expect(await outbox.claim(now, LEASE_MS, 10)).toHaveLength(1);
    });

    it('when more mails are due than the limit, then a claim takes the limit and the next one the rest', async () => {
      const now = Date.now();
      for (let i = 0; i < 5; i += 1) await outbox.enqueue(testMail(), now + i);
      const first = await outbox.claim(now + 10, LEASE_MS, 3);
      const second = await outbox.claim(now + 10, LEASE_MS, 3);
      expect(first).toHaveLength(3);
      expect(second).toHaveLength(2);
      expect(new Set([...first, ...second].map((m) => m.id)).size).toBe(5);
    });

    it('when a mail is marked sent, then it is gone for good', async () => {
      const now = Date.now();
      const id = await outbox.enqueue(testMail(), now);
      await outbox.claim(now, LEASE_MS, 10);
      await outbox.markSent(id);
      expect(await outbox.claim(now + 10 * LEASE_MS, LEASE_MS, 10)).toEqual([]);
      expect(await outbox.counts()).toEqual({ queued: 0, dead: 0 });
      // Unknown ids are no error (a second worker's late mark).
      await outbox.markSent(id);
    });

    it('when a lease runs out without a mark, then the mail is claimed again under a new lease (at least once)', async () => {
      const now = Date.now();
      const id = await outbox.enqueue(testMail(), now);
      const [first] = await outbox.claim(now, LEASE_MS, 10);
      const [again] = await outbox.claim(now + LEASE_MS, LEASE_MS, 10);
      expect(again).toMatchObject({ id, attempts: 0 });
      expect(again!.lease).not.toBe(first!.lease);
      // The first holder's lease is stale: what it says no longer counts.
      expect(await outbox.reschedule(id, first!.lease, now + 1, 1)).toBe(false);
      expect(await outbox.giveUp(id, first!.lease, 1, 'late', now)).toBe(false);
      expect(await outbox.release(id, first!.lease, now)).toBe(false);
      expect(await outbox.reschedule(id, again!.lease, now + LEASE_MS + 5_000, 1)).toBe(true);
    });

    it('when a failed mail is rescheduled, then it is due at the given time with its attempts counted', async () => {
      const now = Date.now();
      const id = await outbox.enqueue(testMail(), now);
      const [claimed] = await outbox.claim(now, LEASE_MS, 10);
      expect(await outbox.reschedule(id, claimed!.lease, now + 5_000, 1)).toBe(true);
      expect(await outbox.claim(now + 4_999, LEASE_MS, 10)).toEqual([]);
      const [retried] = await outbox.claim(now + 5_000, LEASE_MS, 10);
      expect(retried).toMatchObject({ id, attempts: 1 });
      // A lease is spent by its reschedule: the same lease cannot move the mail twice.
      expect(await outbox.reschedule(id, claimed!.lease, now, 2)).toBe(false);
    });

    it('when a claimed mail is released, then it is due at once with its attempts unchanged', async () => {
      const now = Date.now();
      const id = await outbox.enqueue(testMail(), now);
      const [claimed] = await outbox.claim(now, LEASE_MS, 10);
      await outbox.reschedule(id, claimed!.lease, now, 2);
      const [again] = await outbox.claim(now, LEASE_MS, 10);
      expect(await outbox.release(id, again!.lease, now + 1)).toBe(true);
      expect(await outbox.claim(now + 1, LEASE_MS, 10)).toMatchObject([{ id, attempts: 2 }]);
    });

    it('when a mail is given up, then it is never claimed again and is kept as a dead letter', async () => {
      const now = Date.now();
      const mail = testMail();
      const id = await outbox.enqueue(mail, now);
      const kept = await outbox.enqueue(testMail(), now + 1);
      const [claimed] = await outbox.claim(now, LEASE_MS, 1);
      expect(claimed!.id).toBe(id);
      expect(await outbox.giveUp(id, claimed!.lease, 5, 'EENVELOPE 550: mailbox unavailable', now + 2)).toBe(true);
      expect(await outbox.claim(now + 100 * LEASE_MS, LEASE_MS, 10)).toMatchObject([{ id: kept }]);
      expect(await outbox.deadLetters(10)).toEqual([
        { id, to: mail.to, purpose: 'password-reset', attempts: 5, lastError: 'EENVELOPE 550: mailbox unavailable', failedAt: now + 2 },
      ]);
      expect(await outbox.counts()).toEqual({ queued: 1, dead: 1 });
      // A late mark of a dead letter does not remove it.
      await outbox.markSent(id);
      expect(await outbox.counts()).toEqual({ queued: 1, dead: 1 });
    });

    it('when dead letters are listed, then the newest come first, at most the limit', async () => {
      const now = Date.now();
      const ids: string[] = [];
      for (let i = 0; i < 3; i += 1) {
        const id = await outbox.enqueue(testMail(), now);
        const [claimed] = await outbox.claim(now + i, LEASE_MS, 1);
        await outbox.giveUp(claimed!.id, claimed!.lease, 1, `failure ${i}`, now + i);
        ids.push(id);
      }
      expect((await outbox.deadLetters(2)).map((d) => d.lastError)).toEqual(['failure 2', 'failure 1']);
      expect(DEAD_LETTER_RETENTION_MS).toBeGreaterThan(24 * 3600 * 1000);
    });

    it('when the store is pinged while open, then it answers', async () => {
      await expect(outbox.ping()).resolves.toBeUndefined();
    });

    it('when the outbox is closed and opened again, then queued mails, attempts and dead letters are all still there; a claim held at the close is due again', async (ctx) => {
      if (!fixture.reopen) return ctx.skip();
      const now = Date.now();
      const waiting = testMail();
      const waitingId = await outbox.enqueue(waiting, now);
      const retriedId = await outbox.enqueue(testMail(), now + 1);
      const deadId = await outbox.enqueue(testMail(), now + 2);
      for (const claimed of await outbox.claim(now + 2, LEASE_MS, 10)) {
        if (claimed.id === retriedId) await outbox.reschedule(retriedId, claimed.lease, now + 1_000, 3);
        if (claimed.id === deadId) await outbox.giveUp(deadId, claimed.lease, 12, 'ECONNECTION: refused', now + 3);
      }
      outbox = await fixture.reopen();
      // The waiting mail was claimed when the process "died": at least once means it comes back
      // no later than its lease's end (the embedded spool, one process, makes it due at once).
      const claimedAfter = await outbox.claim(now + 2 + LEASE_MS, LEASE_MS, 10);
      expect(claimedAfter.find((m) => m.id === waitingId)?.mail).toEqual(waiting);
      expect(claimedAfter.find((m) => m.id === retriedId)).toMatchObject({ attempts: 3 });
      expect(claimedAfter).toHaveLength(2);
      expect((await outbox.deadLetters(10)).map((d) => d.id)).toEqual([deadId]);
    });

    it('when two replicas claim the same due mails at once, then each mail goes to exactly one of them', async (ctx) => {
      const replica = fixture.replica;
      if (!replica) return ctx.skip();
      const now = Date.now();
      const ids = new Set<string>();
      for (let i = 0; i < 30; i += 1) ids.add(await outbox.enqueue(testMail(), now));
      const rounds = await Promise.all(Array.from({ length: 6 }, (_, i) => (i % 2 === 0 ? outbox : replica).claim(now, LEASE_MS, 10)));
      const claimed = rounds.flat().map((m) => m.id);
      // No mail twice; whatever a lost race left unclaimed is still due for the next claim.
      expect(new Set(claimed).size).toBe(claimed.length);
      const rest = (await outbox.claim(now, LEASE_MS, 30)).map((m) => m.id);
      expect([...claimed, ...rest].sort()).toEqual([...ids].sort());
    });
  });
}
