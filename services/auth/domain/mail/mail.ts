/**
 * What the account flows send. A mail carries a single-use link (and so a token): every store
 * keeps it private, and no log line ever holds its text, HTML or link.
 */
export type MailPurpose = 'email-verification' | 'password-reset' | 'invitation';

export const MAIL_PURPOSES: readonly MailPurpose[] = ['email-verification', 'password-reset', 'invitation'];

export interface Mail {
  /** One recipient address. */
  to: string;
  subject: string;
  /** The plain-text part: the link alone on its own line, as one absolute URL. */
  text: string;
  html: string;
  /** What the mail is for: the only thing about it that logs and metrics may name. */
  purpose: MailPurpose;
}

/**
 * What an outbox can carry: a mail, or another message delivered off the request path (a
 * back-channel logout). `to` (where it goes) and `purpose` are all that dead letters keep of it;
 * only `purpose` may be named in logs and metrics.
 */
export interface OutboxPayload {
  to: string;
  purpose: string;
}

/** A mail (or other payload) in the outbox, as a delivery worker claims it. */
export interface QueuedMail<P extends OutboxPayload = Mail> {
  /** Opaque, unique, URL- and file-name-safe; also the Message-ID's local part, so a resend has the same one. */
  id: string;
  mail: P;
  /** Failed delivery attempts so far (0 for a fresh mail). */
  attempts: number;
  /** Epoch milliseconds of `enqueue`. */
  createdAt: number;
  /**
   * The claim this copy was handed out under: `reschedule` and `giveUp` with an older lease are
   * ignored, so a worker whose lease ran out cannot undo what the next holder did.
   */
  lease: string;
}

/** A mail the worker gave up on, kept for an operator to look at (and for the tests to see). */
export interface DeadMail<P extends OutboxPayload = Mail> {
  id: string;
  purpose: P['purpose'];
  to: string;
  attempts: number;
  /** The last failure, as logged: an SMTP code and message, never the mail's content. */
  lastError: string;
  /** Epoch milliseconds. */
  failedAt: number;
}
