import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../lib/logger.js';
import { createFileTransport } from '../../services/auth/adapters/mail/file-transport.js';
import { MAIL_TEMPLATES } from '../../services/auth/domain/mail/mail-templates.js';
import { renderMail } from '../../services/auth/domain/mail/render-mail.js';
import { formatNotice, watchOutbox, type OutboxNotice } from '../../scripts/start/outbox-watch.js';
import { pollUntil } from '../auth/contracts/poll.js';

describe('npm start shows the links of mails in the outbox', () => {
  it('when auth writes a mail to the outbox directory, then the launcher prints "mail to <addr>: <subject>" and the link on the next line', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'outbox-watch-'));
    const seen: OutboxNotice[] = [];
    const watcher = await watchOutbox(path.join(dir, 'outbox'), (notice) => seen.push(notice));
    const transport = createFileTransport({ dataDir: dir, from: 'authgate <no-reply@localhost>', logger: createLogger({ name: 'auth', level: 'silent' }) });
    try {
      const link = 'http://localhost:8080/account/verify-email?token=abc_DEF-123';
      await transport.send(renderMail(MAIL_TEMPLATES['email-verification'], 'fay@example.test', link, { username: 'fay', hours: '24' }), '0000000001-aa');
      await pollUntil(() => seen.length === 1, { what: 'the watcher to see the mail' });
      expect(formatNotice(seen[0]!)).toBe(`mail to fay@example.test: Confirm your e-mail address\n  ${link}`);
    } finally {
      watcher.close();
      await transport.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
