import { watch, type FSWatcher } from 'node:fs';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { simpleParser } from 'mailparser';

/** What `npm start` shows of a mail the auth service wrote to its outbox directory. */
export interface OutboxNotice {
  file: string;
  to: string;
  subject: string;
  /** The line of the text part that is one absolute URL (API.md, "Mail"); undefined if none. */
  link: string | undefined;
}

/** Reads an `.eml` the file transport wrote (services/auth/adapters/mail/file-transport.ts). */
export async function readOutboxMail(file: string): Promise<OutboxNotice> {
  const parsed = await simpleParser(await readFile(file));
  const to = parsed.to === undefined ? '' : Array.isArray(parsed.to) ? parsed.to.map((a) => a.text).join(', ') : parsed.to.text;
  const link = (parsed.text ?? '').split(/\r?\n/).find((line) => /^https?:\/\/\S+$/.test(line.trim()))?.trim();
  return { file, to, subject: parsed.subject ?? '', link };
}

/** `mail to <addr>: <subject>` and the link on the next line, for the developer's terminal. */
export function formatNotice({ to, subject, link, file }: OutboxNotice): string {
  return `mail to ${to}: ${subject}\n  ${link ?? `(no link; see ${file})`}`;
}

/**
 * Calls `onMail` for every `.eml` that appears in `dir` from now on (mails of earlier runs are
 * left alone), creating `dir` (0700, as auth would) so it can be watched before auth starts.
 * Reading the file here is what lets the link reach the terminal without ever being in a log.
 */
export async function watchOutbox(dir: string, onMail: (notice: OutboxNotice) => void, onError: (err: Error) => void = () => {}): Promise<{ close(): void }> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const seen = new Set((await readdir(dir)).filter((name) => name.endsWith('.eml')));
  const watcher: FSWatcher = watch(dir, (_event, name) => {
    // The transport writes `<id>.eml.tmp`, then renames it: only the final name is a whole mail.
    if (!name || !name.endsWith('.eml') || seen.has(name)) return;
    seen.add(name);
    readOutboxMail(path.join(dir, name)).then(onMail, (err: Error) => {
      // A rename away (or a file removed at once) is no mail to show.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') seen.delete(name);
      else onError(err);
    });
  });
  watcher.on('error', onError);
  return { close: () => watcher.close() };
}
