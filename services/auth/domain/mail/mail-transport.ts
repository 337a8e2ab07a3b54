import type { Mail, OutboxPayload } from './mail.js';

/** Hands one outbox payload to whatever delivers it; rejects (ideally with a MailSendError) when it was not accepted. */
export interface DeliveryTransport<P extends OutboxPayload = Mail> {
  /** Shown in the readiness detail and the start log. */
  readonly kind: string;
  /** `id` is stable across retries, so a receiver can see a resend. */
  send(payload: P, id: string): Promise<void>;
}

/**
 * Hands one mail to something that delivers it (an SMTP server, the outbox directory).
 * `send` resolves once the mail was accepted, and rejects with a MailSendError otherwise.
 */
export interface MailTransport extends DeliveryTransport<Mail> {
  /** `smtp` or `file`: shown in the readiness detail and the start log. */
  readonly kind: string;
  /** `id` is stable across retries (it names the Message-ID), so a receiver can see a resend. */
  send(mail: Mail, id: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * Why an attempt failed, in words fit for a log line: a transport error code and the server's
 * reply code and text, never the mail's content. `message` is cleaned of URLs before it is kept.
 */
export class MailSendError extends Error {
  constructor(
    /** `ECONNECTION`, `ETIMEDOUT`, `EENVELOPE`, `EAUTH`, ... (nodemailer's) or `EFILE`. */
    readonly code: string,
    message: string,
    /** The SMTP reply code (421, 450, 550, ...) when the server answered. */
    readonly responseCode?: number,
  ) {
    super(withoutUrls(message));
    this.name = 'MailSendError';
  }

  /** One line for logs and the dead letter: `EENVELOPE 550: mailbox unavailable`. */
  summary(): string {
    return `${this.code}${this.responseCode ? ` ${this.responseCode}` : ''}: ${this.message}`;
  }
}

const URL_PATTERN = /\b[a-z][a-z0-9+.-]*:\/\/\S+/gi;
const MAX_MESSAGE_CHARS = 200;

/**
 * A server reply may quote what it was sent; a link in it would carry a token into the log.
 * Long replies are cut: one log line per attempt, not a transcript.
 */
export function withoutUrls(text: string): string {
  const cleaned = text.replace(URL_PATTERN, '[url]').replace(/\s+/g, ' ').trim();
  return cleaned.length > MAX_MESSAGE_CHARS ? `${cleaned.slice(0, MAX_MESSAGE_CHARS)}...` : cleaned;
}
