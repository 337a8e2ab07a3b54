import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../support/free-port.js';
import { pollUntil } from '../contracts/poll.js';
import { SmtpTestServer } from '../support/smtp-test-server.js';
import { deliveries, expectNoSecrets, FAST_DELIVERY, logLines, openTestMail, removeDir, resetMail, tempDataDir, type OpenedMail } from './mail-harness.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function smtp(options: Parameters<typeof SmtpTestServer.start>[0] = {}): Promise<SmtpTestServer> {
  const server = await SmtpTestServer.start(options);
  cleanups.push(() => server.stop());
  return server;
}

async function mailTo(smtpUrl: string, env: Record<string, string> = {}, delivery = FAST_DELIVERY): Promise<OpenedMail> {
  const dir = await tempDataDir();
  const opened = await openTestMail({ AUTH_DATA_DIR: dir, SMTP_URL: smtpUrl, ...env }, delivery);
  cleanups.push(async () => {
    await opened.mail.close();
    await removeDir(dir);
  });
  return opened;
}

describe('mail over SMTP', () => {
  it('when a mail is enqueued, then the SMTP server gets it with a text and an HTML part, the link alone on its own line, built on AUTH_PUBLIC_URL', async () => {
    const server = await smtp();
    const { mail, config, metrics, sink } = await mailTo(server.url, { AUTH_PUBLIC_URL: 'https://id.example.test/base/', MAIL_FROM: 'Example ID <id@example.test>' });
    const { mail: message, token, link } = resetMail(config, 'dana@example.test');
    expect(link).toBe(`https://id.example.test/base/account/reset-password?token=${token}`);
    const id = await mail.outbox.enqueue(message);
    await pollUntil(() => server.received.length === 1, { what: 'the mail at the SMTP server' });

    const [got] = server.received;
    expect(got!.subject).toBe('Reset your password');
    expect(got!.from?.text).toBe('"Example ID" <id@example.test>');
    expect(got!.to && !Array.isArray(got!.to) ? got!.to.text : '').toBe('dana@example.test');
    expect(got!.messageId).toBe(`<${id}@example.test>`);
    const lines = (got!.text ?? '').split(/\r?\n/);
    expect(lines.filter((line) => line.includes(token))).toEqual([link]);
    expect(got!.html || '').toContain(`href="${link}"`);
    // The server has the mail a moment before the worker has its 250 and counts it.
    await pollUntil(async () => (await deliveries(metrics, 'sent')) === 1, { what: 'the delivery counted' });
    expect(await mail.outbox.counts()).toEqual({ queued: 0, dead: 0 });
    expectNoSecrets(sink, [token, link]);
  });

  it('when the SMTP server takes 2 s per mail, then enqueue answers at once and the mail still arrives', async () => {
    const server = await smtp({ delayMs: 2_000 });
    const { mail, config } = await mailTo(server.url);
    const started = performance.now();
    await mail.outbox.enqueue(resetMail(config).mail);
    const elapsed = performance.now() - started;
    expect(elapsed).toBeLessThan(500);
    await pollUntil(() => server.received.length === 1, { timeoutMs: 20_000, what: 'the slow server to accept the mail' });
  }, 30_000);

  it('when SMTP is down, then the mail is retried with backoff, /readyz shows it degraded (not failing), and it is delivered once the server is up', async () => {
    const port = await freePort();
    // Attempts enough to outlast the time the test takes to start the server.
    const { mail, config, metrics, sink } = await mailTo(`smtp://127.0.0.1:${port}`, {}, { ...FAST_DELIVERY, maxAttempts: 30 });
    const { mail: message, token, link } = resetMail(config);
    await mail.outbox.enqueue(message);
    await pollUntil(async () => (await deliveries(metrics, 'retry')) >= 2, { timeoutMs: 20_000, what: 'two failed attempts' });
    expect(await mail.readiness.check()).toMatchObject({ degraded: true, detail: { transport: 'smtp', failing: true, queued: 1 } });
    expect(await metrics.registry.getSingleMetricAsString('auth_mail_outbox_mails')).toMatch(/auth_mail_outbox_mails\{state="queued"[^}]*\} 1\n/);
    const failures = logLines(sink, 'mail delivery failed');
    expect(failures[0]).toMatchObject({ level: 40, purpose: 'password-reset', attempt: 1, code: 'ESOCKET' });
    expect(failures[1]).toMatchObject({ attempt: 2 });
    // Backoff: the second wait is scheduled longer (by its step) than the first.
    expect(Number(failures[1]!.retryInMs)).toBeGreaterThanOrEqual(FAST_DELIVERY.baseDelayMs!);

    const server = await smtp({ port });
    await pollUntil(() => server.received.length === 1, { timeoutMs: 20_000, what: 'delivery once SMTP is up' });
    await pollUntil(async () => (await mail.outbox.counts()).queued === 0, { what: 'the mail to leave the outbox' });
    expect(await mail.readiness.check()).toMatchObject({ degraded: false, detail: { failing: false, queued: 0 } });
    expect(server.received).toHaveLength(1);
    expectNoSecrets(sink, [token, link]);
  }, 40_000);

  it('when the server answers 451 twice, then the mail is retried and delivered on the third attempt, once', async () => {
    const server = await smtp({ refuse: (attempt) => (attempt <= 2 ? 451 : undefined) });
    const { mail, config, metrics, sink } = await mailTo(server.url);
    const { mail: message, token } = resetMail(config);
    await mail.outbox.enqueue(message);
    await pollUntil(() => server.received.length === 1, { timeoutMs: 20_000, what: 'delivery after two refusals' });
    expect(server.attempts).toBe(3);
    expect(await deliveries(metrics, 'retry')).toBe(2);
    await pollUntil(async () => (await deliveries(metrics, 'sent')) === 1, { what: 'the sent count' });
    expect(logLines(sink, 'mail delivery failed').map((l) => l.responseCode)).toEqual([451, 451]);
    expectNoSecrets(sink, [token]);
  }, 30_000);

  it('when the server refuses with 550 every time, then the mail is given up after maxAttempts, counted, kept as a dead letter and logged without the link', async () => {
    const server = await smtp({ refuse: () => 550 });
    const { mail, config, metrics, sink } = await mailTo(server.url, {}, { ...FAST_DELIVERY, maxAttempts: 3 });
    const { mail: message, token, link } = resetMail(config, 'gone@example.test');
    const id = await mail.outbox.enqueue(message);
    await pollUntil(async () => (await deliveries(metrics, 'failed')) === 1, { timeoutMs: 20_000, what: 'the mail to be given up' });
    expect(server.attempts).toBe(3);
    expect(await deliveries(metrics, 'retry')).toBe(2);
    expect(await mail.outbox.deadLetters(10)).toMatchObject([{ id, to: 'gone@example.test', purpose: 'password-reset', attempts: 3 }]);
    expect((await mail.outbox.deadLetters(10))[0]!.lastError).toMatch(/^EMESSAGE 550/);
    const failures = logLines(sink, 'mail delivery failed');
    expect(failures.map((l) => [l.attempt, l.responseCode])).toEqual([[1, 550], [2, 550], [3, 550]]);
    expect(failures[2]!.msg).toMatch(/last time/);
    // Nothing more is tried.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(server.attempts).toBe(3);
    expectNoSecrets(sink, [token, link, message.text.trim(), 'gone@example.test']);
  }, 30_000);

  it('when the worker stops while a send is in flight, then the send finishes before the close resolves and the mail is not sent again', async () => {
    const server = await smtp({ delayMs: 1_000 });
    const dir = await tempDataDir();
    cleanups.push(() => removeDir(dir));
    const first = await openTestMail({ AUTH_DATA_DIR: dir, SMTP_URL: server.url });
    await first.mail.outbox.enqueue(resetMail(first.config).mail);
    await pollUntil(() => server.attempts === 1, { what: 'the send to start' });
    await first.mail.close();
    expect(server.received).toHaveLength(1);
    const again = await openTestMail({ AUTH_DATA_DIR: dir, SMTP_URL: server.url });
    cleanups.push(() => again.mail.close());
    expect(await again.mail.outbox.counts()).toEqual({ queued: 0, dead: 0 });
  }, 30_000);

  it('when a send outlasts the stop grace, then the close does not wait for it and the mail goes back to the queue, sent again after the restart (at least once)', async () => {
    const server = await smtp({ delayMs: 3_000 });
    const dir = await tempDataDir();
    cleanups.push(() => removeDir(dir));
    const first = await openTestMail({ AUTH_DATA_DIR: dir, SMTP_URL: server.url }, { ...FAST_DELIVERY, stopGraceMs: 100 });
    const { mail: message, token } = resetMail(first.config);
    await first.mail.outbox.enqueue(message);
    await pollUntil(() => server.attempts === 1, { what: 'the send to start' });
    const started = performance.now();
    await first.mail.close();
    expect(performance.now() - started).toBeLessThan(2_000);
    const again = await openTestMail({ AUTH_DATA_DIR: dir, SMTP_URL: server.url });
    cleanups.push(() => again.mail.close());
    await pollUntil(async () => (await again.mail.outbox.counts()).queued === 0 && server.received.length >= 1, { timeoutMs: 20_000, what: 'the mail sent after the restart' });
    expect(server.received.filter((m) => (m.text ?? '').includes(token)).length).toBeGreaterThanOrEqual(1);
  }, 30_000);
});
