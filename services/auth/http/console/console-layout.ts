import type { Response } from 'express';
import { escapeHtml, setPageHeaders } from '../app-flow/app-pages.js';

/** The console's sections, in the order of its navigation. */
export type ConsoleSection = 'users' | 'clients' | 'keys' | 'audit';

const SECTIONS: Array<[ConsoleSection, string, string]> = [
  ['users', 'users', 'Users'],
  ['clients', 'clients', 'Clients'],
  ['keys', 'keys', 'Signing keys'],
  ['audit', 'audit', 'Audit events'],
];

/** Who is signed in and the sign-out form's CSRF value: absent on the pages before sign-in. */
export interface ConsoleChrome {
  section?: ConsoleSection;
  username: string;
  csrf: string;
}

const STYLE = `body{font:16px/1.5 system-ui,sans-serif;margin:0;background:#f4f5f7;color:#1b1d21}
header{background:#1b1d21;color:#fff;padding:.5rem 1rem;display:flex;flex-wrap:wrap;gap:1rem;align-items:center}
header a{color:#fff}
header .brand{font-weight:700;margin-right:1rem}
nav ul{list-style:none;display:flex;flex-wrap:wrap;gap:1rem;margin:0;padding:0}
nav a[aria-current=page]{font-weight:700;text-decoration-thickness:3px}
header form{margin-left:auto;display:flex;gap:.75rem;align-items:center}
main{max-width:64rem;margin:1.5rem auto;background:#fff;padding:1.5rem;border-radius:8px;box-shadow:0 1px 3px #0003}
h1{font-size:1.5rem;margin-top:0}
h2{font-size:1.2rem;margin-top:2rem}
table{border-collapse:collapse;width:100%;margin:1rem 0}
th,td{text-align:left;padding:.4rem .5rem;border-bottom:1px solid #d1d5db;vertical-align:top;overflow-wrap:anywhere}
label{display:block;margin-top:1rem;font-weight:600}
label.inline{display:inline;font-weight:400;margin:0 1rem 0 .25rem}
input[type=text],input[type=search],textarea,select{width:100%;box-sizing:border-box;padding:.5rem;font-size:1rem;border:1px solid #767676;border-radius:4px}
button{margin-top:.75rem;padding:.5rem 1rem;font-size:1rem;border-radius:4px;border:0;background:#1a56db;color:#fff;cursor:pointer}
button.danger{background:#b91c1c}
header button{margin:0;background:#e5e7eb;color:#1b1d21}
form.inline{display:inline}
:focus-visible{outline:3px solid #f59e0b;outline-offset:2px}
.error{background:#fde8e8;color:#9b1c1c;padding:.75rem;border-radius:4px}
.done{background:#def7ec;color:#03543f;padding:.75rem;border-radius:4px}
.secret{font-family:monospace;background:#fdf6b2;color:#1b1d21;padding:.75rem;border-radius:4px;overflow-wrap:anywhere}
.skip{position:absolute;left:-999px}
.skip:focus{left:1rem;top:1rem;background:#fff;color:#1b1d21;padding:.5rem;z-index:1}
fieldset{border:1px solid #d1d5db;border-radius:4px;margin-top:1rem}`;

function chromeHtml(chrome: ConsoleChrome | undefined): string {
  if (!chrome) return '<header><span class="brand">authgate console</span></header>';
  const links = SECTIONS.map(
    ([section, href, text]) => `<li><a href="/console/${href}"${section === chrome.section ? ' aria-current="page"' : ''}>${text}</a></li>`,
  ).join('');
  return `<header>
<a class="brand" href="/console/">authgate console</a>
<nav aria-label="Console"><ul>${links}</ul></nav>
<form method="post" action="/console/logout">
<span>Signed in as <strong>${escapeHtml(chrome.username)}</strong></span>
<input type="hidden" name="csrf" value="${escapeHtml(chrome.csrf)}">
<button type="submit">Sign out</button>
</form>
</header>`;
}

/**
 * A console page: the hosted pages' headers (no-store, strict CSP with a nonce for the one inline
 * style, no script, no framing, no referrer), a skip link, the navigation and the sign-out form.
 * Links and form actions are absolute paths under /console.
 */
export function sendConsolePage(res: Response, status: number, title: string, body: string, chrome?: ConsoleChrome): void {
  const nonce = setPageHeaders(res.status(status));
  res.send(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · authgate console</title>
<style nonce="${nonce}">${STYLE}</style>
</head>
<body>
<a class="skip" href="#content">Skip to content</a>
${chromeHtml(chrome)}
<main id="content">
${body}
</main>
</body>
</html>`);
}

/** A one-line notice: an error (role alert) or a confirmation (role status). */
export function notice(kind: 'error' | 'done', text: string | undefined): string {
  if (!text) return '';
  return kind === 'error' ? `<p class="error" role="alert">${escapeHtml(text)}</p>` : `<p class="done" role="status">${escapeHtml(text)}</p>`;
}

/** A hidden CSRF field for a form of the console. */
export const csrfField = (csrf: string) => `<input type="hidden" name="csrf" value="${escapeHtml(csrf)}">`;

/** A POST form holding one button (and the CSRF field): every write of the console is one. */
export function actionForm(action: string, csrf: string, label: string, options: { danger?: boolean; confirm?: string; fields?: Record<string, string> } = {}): string {
  const fields = Object.entries(options.fields ?? {})
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join('');
  // A destructive act needs its box ticked: the browser refuses the submit otherwise, and the server checks it too.
  const confirm = options.confirm
    ? `<input type="checkbox" name="confirm" value="yes" required id="confirm-${escapeHtml(action)}"><label class="inline" for="confirm-${escapeHtml(action)}">${escapeHtml(options.confirm)}</label>`
    : '';
  return `<form class="inline" method="post" action="${escapeHtml(action)}">${csrfField(csrf)}${fields}${confirm}<button type="submit"${options.danger ? ' class="danger"' : ''}>${escapeHtml(label)}</button></form>`;
}
