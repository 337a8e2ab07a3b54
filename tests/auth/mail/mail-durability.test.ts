import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../support/free-port.js';
import { HAS_REDIS, TEST_REDIS_URL, uniqueRedisPrefix } from '../../support/redis.js';
import { deleteKeysWithPrefix } from '../adapters/redis-test-fixture.js';
import { pollUntil } from '../contracts/poll.js';
import { SmtpTestServer } from '../support/smtp-test-server.js';
import { FAST_DELIVERY, openTestMail, removeDir, resetMail, tempDataDir, type OpenedMail } from './mail-harness.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Opened with the worker running; closed by the test or, failing that, after it. */
async function open(env: Record<string, string>): Promise<OpenedMail> {
  const opened = await openTestMail(env, { ...FAST_DELIVERY, maxAttempts: 30 });
  cleanups.push(() => opened.mail.close());
  return opened;
}

/**
 * Auth "restarts" between enqueue and delivery: the mail is queued while SMTP is down, the mail
 * wiring is closed (worker stopped, store closed) and opened again on the same data, SMTP comes
 * up, and the mail arrives exactly once.
 */
async function restartBetweenEnqueueAndDelivery(env: Record<string, string>): Promise<void> {
  const port = await freePort();
  const smtpEnv = { ...env, SMTP_URL: `smtp://127.0.0.1:${port}` };
  const before = await open(smtpEnv);
  const { mail, token } = resetMail(before.config);
  await before.mail.outbox.enqueue(mail);
  await pollUntil(() => before.mail.worker.status().failing, { what: 'a failed attempt while SMTP is down' });
  await before.mail.close();

  const server = await SmtpTestServer.start({ port });
  cleanups.push(() => server.stop());
  const after = await open(smtpEnv);
  await pollUntil(() => server.received.length === 1, { timeoutMs: 20_000, what: 'the mail after the restart' });
  await pollUntil(async () => (await after.mail.outbox.counts()).queued === 0, { what: 'the outbox to empty' });
  expect(server.received).toHaveLength(1);
  expect(server.received[0]!.text).toContain(token);
}

describe('mail survives an auth restart', () => {
  it('when auth restarts between enqueue and delivery without Redis, then the mail under AUTH_DATA_DIR is delivered exactly once', async () => {
    const dir = await tempDataDir();
    cleanups.push(() => removeDir(dir));
    await restartBetweenEnqueueAndDelivery({ AUTH_DATA_DIR: dir });
  }, 40_000);

  describe.runIf(HAS_REDIS)('with Redis', () => {
    const prefix = uniqueRedisPrefix('mail-durability');
    let admin: Redis;
    beforeAll(() => void (admin = new Redis(TEST_REDIS_URL)));
    afterAll(async () => {
      await deleteKeysWithPrefix(admin, prefix);
      await admin.quit();
    });

    it('when auth restarts between enqueue and delivery, then the mail in Redis (under REDIS_KEY_PREFIX) is delivered exactly once', async () => {
      const dir = await tempDataDir();
      cleanups.push(() => removeDir(dir));
      await restartBetweenEnqueueAndDelivery({ AUTH_DATA_DIR: dir, REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: `${prefix}restart:` });
      expect(await admin.exists(`${prefix}restart:{mail}:due`)).toBe(0);
    }, 40_000);

    it('when two auth replicas share one Redis, then each of 30 mails is sent exactly once', async () => {
      const server = await SmtpTestServer.start({ delayMs: 20 });
      cleanups.push(() => server.stop());
      const env = (dir: string) => ({ AUTH_DATA_DIR: dir, REDIS_URL: TEST_REDIS_URL, REDIS_KEY_PREFIX: `${prefix}replicas:`, SMTP_URL: server.url });
      const [dirA, dirB] = [await tempDataDir(), await tempDataDir()];
      cleanups.push(() => removeDir(dirA), () => removeDir(dirB));
      const [a, b] = [await open(env(dirA)), await open(env(dirB))];
      const tokens: string[] = [];
      for (let i = 0; i < 30; i += 1) {
        const replica = i % 2 === 0 ? a : b;
        const { mail, token } = resetMail(replica.config, `user-${i}@example.test`);
        tokens.push(token);
        await replica.mail.outbox.enqueue(mail);
      }
      await pollUntil(() => server.received.length >= 30, { timeoutMs: 30_000, what: '30 mails' });
      await pollUntil(async () => (await a.mail.outbox.counts()).queued === 0, { what: 'the shared outbox to empty' });
      expect(server.received).toHaveLength(30);
      const ids = server.received.map((m) => m.messageId);
      expect(new Set(ids).size).toBe(30);
      for (const token of tokens) expect(server.received.filter((m) => (m.text ?? '').includes(token))).toHaveLength(1);
      // Every send was counted by one replica or the other, once. A replica counts a send after its
      // markSent reply, which can reach it after the outbox reads empty on the other connection.
      const sentBy = async (opened: OpenedMail) => (await opened.metrics.registry.getSingleMetric('auth_mail_deliveries_total')!.get()).values.find((v) => v.labels.result === 'sent')?.value ?? 0;
      const sentByBoth = async () => (await sentBy(a)) + (await sentBy(b));
      await pollUntil(async () => (await sentByBoth()) >= 30, { what: '30 sends counted' });
      expect(await sentByBoth()).toBe(30);
    }, 60_000);
  });
});
