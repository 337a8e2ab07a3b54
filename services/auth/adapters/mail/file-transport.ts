import { chmod, mkdir, open, rename } from 'node:fs/promises';
import path from 'node:path';
import nodemailer from 'nodemailer';
import type { Logger } from '../../../../lib/logger.js';
import type { Mail } from '../../domain/mail/mail.js';
import { MailSendError, type MailTransport } from '../../domain/mail/mail-transport.js';
import { PRIVATE_DIR_MODE, PRIVATE_FILE_MODE } from '../embedded/private-datafile.js';
import { messageOf } from './smtp-transport.js';

/** Under AUTH_DATA_DIR: where mails go when SMTP_URL is unset (the API's contract names it). */
export const OUTBOX_DIR = 'outbox';

export interface FileTransportOptions {
  dataDir: string;
  from: string;
  logger: Pick<Logger, 'info'>;
}

/**
 * Without SMTP_URL: each mail becomes an `.eml` file (the full RFC 5322 message, both parts) in
 * `$AUTH_DATA_DIR/outbox/`, 0600 in a 0700 directory, since it carries a single-use link. One
 * info line says where the file is; the link itself is never logged (`npm start` reads the file
 * and shows it to the developer). The file appears whole: written aside, then renamed.
 */
export function createFileTransport({ dataDir, from, logger }: FileTransportOptions): MailTransport {
  const dir = path.join(dataDir, OUTBOX_DIR);
  const composer = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  let ready: Promise<void> | undefined;
  return {
    kind: 'file',
    async send(mail: Mail, id: string): Promise<void> {
      try {
        ready ??= mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE }).then(() => chmod(dir, PRIVATE_DIR_MODE));
        await ready;
        const info = await composer.sendMail(messageOf(mail, id, from));
        const file = path.join(dir, `${id}.eml`);
        const temp = `${file}.tmp`;
        const handle = await open(temp, 'w', PRIVATE_FILE_MODE);
        try {
          await handle.writeFile(info.message as Buffer);
        } finally {
          await handle.close();
        }
        await rename(temp, file);
        logger.info({ file, purpose: mail.purpose }, 'mail written to the outbox directory (SMTP_URL is not set)');
      } catch (err) {
        ready = undefined;
        const { code, message } = (err ?? {}) as { code?: unknown; message?: unknown };
        throw new MailSendError(typeof code === 'string' ? code : 'EFILE', typeof message === 'string' ? message : String(err));
      }
    },
    async close(): Promise<void> {
      composer.close();
    },
  };
}
