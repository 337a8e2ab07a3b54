import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { afterEach, describe, expect, it } from 'vitest';
import { pollUntil } from '../contracts/poll.js';
import { startTestAuth } from '../support/auth-harness.js';
import { expectNoSecrets, logLines, openTestMail, removeDir, resetMail, tempDataDir } from './mail-harness.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('mail without SMTP_URL', () => {
  it('when a mail is enqueued, then it is written as a 0600 .eml with both parts under $AUTH_DATA_DIR/outbox/, and one info line names the file but not the link', async () => {
    const dir = await tempDataDir();
    cleanups.push(() => removeDir(dir));
    const { mail, config, sink } = await openTestMail({ AUTH_DATA_DIR: dir, AUTH_ISSUER: 'http://localhost:8080' });
    cleanups.push(() => mail.close());
    expect(mail.kind).toEqual({ outbox: 'embedded', transport: 'file' });
    const { mail: message, token, link } = resetMail(config, 'erin@example.test');
    expect(link.startsWith('http://localhost:8080/account/reset-password?token=')).toBe(true);
    const id = await mail.outbox.enqueue(message);

    const outbox = path.join(dir, 'outbox');
    await pollUntil(async () => (await readdir(outbox).catch((): string[] => [])).includes(`${id}.eml`), { what: 'the .eml file' });
    const file = path.join(outbox, `${id}.eml`);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(outbox)).mode & 0o777).toBe(0o700);
    expect(await readdir(outbox)).toEqual([`${id}.eml`]);
    const parsed = await simpleParser(await readFile(file));
    expect(parsed.subject).toBe('Reset your password');
    expect((parsed.text ?? '').split('\n').filter((l) => l.includes(token))).toEqual([link]);
    expect(parsed.html || '').toContain(`href="${link}"`);

    await pollUntil(async () => (await mail.outbox.counts()).queued === 0, { what: 'the mail to leave the queue' });
    const written = logLines(sink, 'mail written to the outbox');
    expect(written).toHaveLength(1);
    expect(written[0]).toMatchObject({ level: 30, file, purpose: 'password-reset' });
    expectNoSecrets(sink, [token, link, 'erin@example.test']);
  });

  it('when auth starts without SMTP_URL, then /readyz reports mail ready with the file transport and the embedded outbox', async () => {
    const auth = await startTestAuth();
    cleanups.push(() => auth.stop());
    const res = await fetch(`${auth.url}/readyz`);
    const body = (await res.json()) as { checks: Record<string, string>; details?: Record<string, unknown> };
    expect(res.status).toBe(200);
    expect(body.checks.mail).toBe('ok');
    expect(body.details?.mail).toMatchObject({ transport: 'file', failing: false, queued: 0, dead: 0 });
  });
});
