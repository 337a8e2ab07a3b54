import type { AuditEntry } from '../../domain/admin/recent-audit-events.js';
import type { PublicJwk } from '../../domain/tokens/signing-key-set.js';
import { escapeHtml } from '../app-flow/app-pages.js';
import { actionForm, notice } from './console-layout.js';

export function keysPage(options: { keys: PublicJwk[]; signingKid: string; csrf: string; publishDelaySeconds: number; done?: string | undefined; error?: string | undefined }): string {
  const rows = options.keys
    .map((key) => `<tr><td><code>${escapeHtml(key.kid)}</code></td><td>${escapeHtml(key.alg)}</td><td>${key.kid === options.signingKid ? 'signing now' : 'published (verifies; signs only after a rotation activates it)'}</td></tr>`)
    .join('\n');
  return `<h1>Signing keys</h1>
${notice('done', options.done)}${notice('error', options.error)}
<table><caption class="skip">Published keys</caption><thead><tr><th scope="col">kid</th><th scope="col">Algorithm</th><th scope="col">State</th></tr></thead><tbody>
${rows}
</tbody></table>
<h2>Rotate</h2>
<p>A new key is published at once and starts signing after ${options.publishDelaySeconds} seconds (KEY_PUBLISH_DELAY_SECONDS), so every verifier has fetched it first; the old key stays published until the last token it signed has expired.</p>
${actionForm('/console/keys/rotate', options.csrf, 'Rotate the signing key')}`;
}

const detailsOf = (entry: AuditEntry) =>
  Object.entries(entry)
    .filter(([name]) => name !== 'time' && name !== 'event' && name !== 'level')
    .map(([name, value]) => `${name}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(' ');

export function auditPage(options: { entries: AuditEntry[]; capacity: number }): string {
  if (options.capacity === 0) return '<h1>Audit events</h1><p>This service keeps no audit lines in memory (AUDIT_RECENT_EVENTS=0); read them in the log (logger name <code>audit</code>).</p>';
  const rows = options.entries
    .map((entry) => `<tr><td><time datetime="${escapeHtml(entry.time)}">${escapeHtml(entry.time)}</time></td><td>${escapeHtml(entry.event)}</td><td>${escapeHtml(detailsOf(entry))}</td></tr>`)
    .join('\n');
  return `<h1>Audit events</h1>
<p>The newest audit lines of this auth process (it keeps the last ${options.capacity}; each replica its own, none after a restart). The complete trail is the log: lines with logger name <code>audit</code>.</p>
${
  options.entries.length === 0
    ? '<p role="status">Nothing yet.</p>'
    : `<table><caption class="skip">Newest first</caption><thead><tr><th scope="col">Time</th><th scope="col">Event</th><th scope="col">Details</th></tr></thead><tbody>
${rows}
</tbody></table>`
}`;
}
