import { z } from 'zod';
import { envField } from '../../lib/config.js';

function isSmtpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'smtp:' || url.protocol === 'smtps:') && url.hostname !== '' && (url.pathname === '' || url.pathname === '/');
  } catch {
    return false;
  }
}

/** `addr@domain` or `Name <addr@domain>`; no line breaks (they would inject headers). */
const MAIL_FROM_PATTERN = /^(?:[^<>@\r\n]*<[^<>@\s]+@[^<>@\s]+>|[^<>@\s]+@[^<>@\s]+)$/;

/** A public base URL: http(s), without query or fragment, so paths can be appended to it. */
function isPublicBase(value: string): boolean {
  // zod runs this after a failed URL check too; that one's message is the one reported.
  if (!URL.canParse(value)) return true;
  const url = new URL(value);
  return (url.protocol === 'http:' || url.protocol === 'https:') && url.search === '' && url.hash === '';
}

/**
 * The mail variables of the auth schema (API.md, "Mail"): spread into its z.object, then
 * `publicUrlOf(env)` in its transform. Messages never repeat a value: SMTP_URL holds a password.
 */
export const mailEnvFields = {
  /** Unset: mails become `.eml` files under `$AUTH_DATA_DIR/outbox/` (docs/mail.md). */
  SMTP_URL: z.string().refine(isSmtpUrl, 'must be smtp://user:pass@host:port or smtps://user:pass@host:port').optional(),
  MAIL_FROM: z.string().regex(MAIL_FROM_PATTERN, 'must be an address such as no-reply@example.com or "Name <no-reply@example.com>"').default('authgate <no-reply@localhost>'),
  /** The base of every link in a mail and of the hosted account pages; AUTH_ISSUER when unset. */
  AUTH_PUBLIC_URL: envField.url().refine(isPublicBase, 'must be an http:// or https:// URL without query or fragment').optional(),
};

/** AUTH_PUBLIC_URL, or AUTH_ISSUER; without a trailing slash, so links join with one. */
export function publicUrlOf(env: { AUTH_PUBLIC_URL?: string | undefined; AUTH_ISSUER: string }): string {
  return (env.AUTH_PUBLIC_URL ?? env.AUTH_ISSUER).replace(/\/+$/, '');
}
