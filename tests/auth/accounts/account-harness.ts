import { afterEach } from 'vitest';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { pollUntil } from '../contracts/poll.js';
import { LineSink, removeDir, startAuditedAuth, tempDir, type AuditedAuth } from '../support/audit-capture.js';

export interface OutboxMail {
  to: string;
  subject: string;
  text: string;
  /** The one absolute URL on a line of its own in the text part. */
  link: string;
  token: string;
}

/** The link alone on its own line of a mail's text part, and its `token` parameter. */
export function linkOf(text: string): { link: string; token: string } {
  const lines = text.split('\n').filter((line) => /^https?:\/\/\S+$/.test(line.trim()));
  if (lines.length !== 1) throw new Error(`expected one link line, found ${lines.length}`);
  const link = lines[0]!.trim();
  return { link, token: new URL(link).searchParams.get('token') ?? '' };
}

/** Every mail the file transport wrote under `$dataDir/outbox/` (no SMTP_URL), parsed. */
export async function outboxMails(dataDir: string): Promise<OutboxMail[]> {
  const dir = path.join(dataDir, 'outbox');
  const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.eml')).sort();
  const mails: OutboxMail[] = [];
  for (const file of files) {
    const parsed = await simpleParser(await readFile(path.join(dir, file)));
    const to = parsed.to && !Array.isArray(parsed.to) ? parsed.to.text : '';
    mails.push({ to, subject: parsed.subject ?? '', text: parsed.text ?? '', ...linkOf(parsed.text ?? '') });
  }
  return mails;
}

/** Waits until `to` has `count` mails in the outbox directory; resolves them, oldest first. */
export async function mailsTo(dataDir: string, to: string, count = 1): Promise<OutboxMail[]> {
  let found: OutboxMail[] = [];
  await pollUntil(
    async () => {
      found = (await outboxMails(dataDir)).filter((m) => m.to === to);
      return found.length >= count;
    },
    { what: `${count} mail(s) to ${to}`, timeoutMs: 10_000 },
  );
  return found;
}

export interface AccountsAuth extends AuditedAuth {
  sink: LineSink;
  dataDir: string;
  stop(): Promise<void>;
}

/** The real auth service (memory users and tokens, embedded outbox and account tokens, `.eml` mail) with its logs captured. */
export async function startAccountsAuth(env: Record<string, string> = {}): Promise<AccountsAuth> {
  const dataDir = await tempDir('accounts');
  const sink = new LineSink();
  const auth = await startAuditedAuth(sink, { AUTH_DATA_DIR: dataDir, LOG_LEVEL: 'info', AUTH_PUBLIC_URL: 'https://id.example.test', ...env });
  return {
    ...auth,
    sink,
    dataDir,
    stop: async () => {
      await auth.close();
      await removeDir(dataDir);
    },
  };
}

/** `auth(env)` starts one for the calling test; every one started in a test stops after it. */
export function accountsAuthPerTest(): (env?: Record<string, string>) => Promise<AccountsAuth> {
  const running: AccountsAuth[] = [];
  afterEach(async () => {
    for (const service of running.splice(0).reverse()) await service.stop();
  });
  return async (env = {}) => {
    const started = await startAccountsAuth(env);
    running.push(started);
    return started;
  };
}
