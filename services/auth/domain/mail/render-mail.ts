import type { Mail, MailPurpose } from './mail.js';

/** The wording of one kind of mail; `{name}` placeholders are filled from `values`. */
export interface MailTemplate {
  purpose: MailPurpose;
  subject: string;
  /** Paragraphs before the link. */
  intro: readonly string[];
  /** The words of the HTML button; the text part shows the bare link instead. */
  action: string;
  /** Paragraphs after the link (how long it lasts, what to do if it was not you). */
  outro: readonly string[];
}

export interface MailLink {
  /** Path under AUTH_PUBLIC_URL, e.g. `/account/reset-password`. */
  path: string;
  /** Query parameters, e.g. `{token}`; percent-encoded here. */
  query: Record<string, string>;
}

/**
 * The absolute URL of `link` under `publicUrl` (AUTH_PUBLIC_URL), keeping a path prefix the
 * public URL may have (`https://example.com/id` + `/account/x` is `https://example.com/id/account/x`).
 */
export function mailLinkUrl(publicUrl: string, link: MailLink): string {
  const base = new URL(publicUrl);
  const url = new URL(`${base.pathname.replace(/\/+$/, '')}/${link.path.replace(/^\/+/, '')}`, base.origin);
  for (const [name, value] of Object.entries(link.query)) url.searchParams.set(name, value);
  return url.toString();
}

const fill = (text: string, values: Record<string, string>) => text.replace(/\{(\w+)\}/g, (whole, name: string) => values[name] ?? whole);

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

/**
 * Both parts of a mail from one template. The text part has the link alone on its own line (a
 * blank line either side), so mail clients make it clickable whole and `npm start` can find it;
 * the HTML part has it as a button and, for clients that block buttons, as plain text again.
 */
export function renderMail(template: MailTemplate, to: string, linkUrl: string, values: Record<string, string> = {}): Mail {
  if (/\s/.test(linkUrl) || !/^https?:\/\//.test(linkUrl)) throw new Error('a mail link must be one absolute http(s) URL');
  const intro = template.intro.map((p) => fill(p, values));
  const outro = template.outro.map((p) => fill(p, values));
  const text = [...intro, linkUrl, ...outro].join('\n\n') + '\n';
  const href = escapeHtml(linkUrl);
  const paragraphs = (list: string[]) => list.map((p) => `<p>${escapeHtml(p)}</p>`).join('\n');
  const html = [
    '<!doctype html>',
    '<html><body style="font-family: sans-serif; line-height: 1.5">',
    paragraphs(intro),
    `<p><a href="${href}" style="display: inline-block; padding: 0.6em 1.2em; background: #1f5fbf; color: #fff; text-decoration: none; border-radius: 4px">${escapeHtml(fill(template.action, values))}</a></p>`,
    `<p style="font-size: small">Or open this address: <a href="${href}">${href}</a></p>`,
    paragraphs(outro),
    '</body></html>',
    '',
  ].join('\n');
  return { to, subject: fill(template.subject, values), text, html, purpose: template.purpose };
}
