import nodemailer from 'nodemailer';
import type { Mail } from '../../domain/mail/mail.js';
import { MailSendError, type MailTransport } from '../../domain/mail/mail-transport.js';

/** A silent server is given up on well within the outbox lease (DEFAULT_DELIVERY_POLICY.leaseMs). */
const CONNECTION_TIMEOUT_MS = 10_000;
const GREETING_TIMEOUT_MS = 10_000;
const SOCKET_TIMEOUT_MS = 30_000;

export interface SmtpTransportOptions {
  /** SMTP_URL: `smtp://user:pass@host:port` (STARTTLS when offered) or `smtps://` (TLS from the start). */
  url: string;
  /** MAIL_FROM. */
  from: string;
}

/**
 * Sends through an SMTP server with nodemailer. Every failure becomes a MailSendError carrying nodemailer's code and the
 * server's reply code, which the worker logs and counts.
 */
export function createSmtpTransport({ url, from }: SmtpTransportOptions): MailTransport {
  const transporter = nodemailer.createTransport({
    url,
    // One connection per mail: mail is a trickle, and the pool's own requeueing of a message
    // whose connection dropped would retry behind the outbox's back (and without its backoff).
    pool: false,
    connectionTimeout: CONNECTION_TIMEOUT_MS,
    greetingTimeout: GREETING_TIMEOUT_MS,
    socketTimeout: SOCKET_TIMEOUT_MS,
    // nodemailer's own logger stays off: it would print the message, link included.
    logger: false,
    debug: false,
  });
  return {
    kind: 'smtp',
    async send(mail: Mail, id: string): Promise<void> {
      try {
        await transporter.sendMail(messageOf(mail, id, from));
      } catch (err) {
        throw sendErrorOf(err);
      }
    },
    async close(): Promise<void> {
      transporter.close();
    },
  };
}

/**
 * The nodemailer message of one mail, the same for every transport and every attempt: the same
 * Message-ID each time, so a receiver (or a human) can tell a resend.
 */
export function messageOf(mail: Mail, id: string, from: string) {
  return {
    from,
    to: mail.to,
    subject: mail.subject,
    text: mail.text,
    html: mail.html,
    messageId: `<${id}@${fromDomain(from)}>`,
    headers: { 'X-Authgate-Purpose': mail.purpose },
  };
}

/** The domain of MAIL_FROM's address, for Message-IDs. */
export function fromDomain(from: string): string {
  const address = /<([^<>]+)>\s*$/.exec(from)?.[1] ?? from;
  return address.slice(address.lastIndexOf('@') + 1).trim() || 'localhost';
}

function sendErrorOf(err: unknown): MailSendError {
  const { code, responseCode, response, message } = (err ?? {}) as { code?: unknown; responseCode?: unknown; response?: unknown; message?: unknown };
  // The server's reply says most ("452 4.2.2 mailbox full"); nodemailer's message is the fallback.
  const text = typeof response === 'string' && response !== '' ? response : typeof message === 'string' ? message : String(err);
  return new MailSendError(typeof code === 'string' ? code : 'ESEND', text, typeof responseCode === 'number' ? responseCode : undefined);
}
