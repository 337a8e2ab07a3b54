import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EmbeddedOutbox, MAIL_SPOOL_DIR } from '../../../services/auth/adapters/mail/embedded-outbox.js';
import { runOutboxContract, testMail } from '../contracts/outbox.contract.js';

const tempDir = () => mkdtemp(path.join(tmpdir(), 'embedded-outbox-'));

runOutboxContract('embedded (spool files)', async () => {
  const dir = await tempDir();
  let current = await EmbeddedOutbox.open(dir);
  return {
    outbox: current,
    reopen: async () => {
      await current.close();
      current = await EmbeddedOutbox.open(dir);
      return current;
    },
    cleanup: async () => {
      await current.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});

describe('EmbeddedOutbox files', () => {
  it('when a mail is enqueued, then it is one 0600 file in a 0700 spool directory, and nothing else is left there', async () => {
    const dir = await tempDir();
    const outbox = await EmbeddedOutbox.open(dir);
    try {
      const id = await outbox.enqueue(testMail(), Date.now());
      const spool = path.join(dir, MAIL_SPOOL_DIR);
      expect((await stat(spool)).mode & 0o777).toBe(0o700);
      expect(await readdir(spool)).toEqual([`${id}.json`]);
      expect((await stat(path.join(spool, `${id}.json`))).mode & 0o777).toBe(0o600);
      await outbox.ping();
      expect(await readdir(spool)).toEqual([`${id}.json`]);
    } finally {
      await outbox.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('when a crash left a temporary file and a garbled file, then the open drops the temporary one, keeps the garbled one and loads the rest', async () => {
    const dir = await tempDir();
    const first = await EmbeddedOutbox.open(dir);
    const id = await first.enqueue(testMail(), Date.now());
    await first.close();
    const spool = path.join(dir, MAIL_SPOOL_DIR);
    await writeFile(path.join(spool, `${id}.json.1.2.tmp`), '{"half');
    await writeFile(path.join(spool, 'garbled.json'), 'not json');
    const outbox = await EmbeddedOutbox.open(dir);
    try {
      expect((await readdir(spool)).sort()).toEqual([`${id}.json`, 'garbled.json']);
      expect(await outbox.counts()).toEqual({ queued: 1, dead: 0 });
    } finally {
      await outbox.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
