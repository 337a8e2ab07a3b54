import type { UserView } from '../../domain/admin/user-admin.js';
import { escapeHtml } from '../app-flow/app-pages.js';
import { actionForm, csrfField, notice } from './console-layout.js';

export interface UserSession {
  sid: string;
  created_at: string;
  last_used_at: string;
  user_agent: string | null | undefined;
  ip: string | null | undefined;
}

const userPath = (id: string) => `/console/users/${encodeURIComponent(id)}`;
const when = (iso: string | null) => (iso ? `<time datetime="${escapeHtml(iso)}">${escapeHtml(iso.replace('T', ' ').replace(/\.\d+Z$/, ' UTC'))}</time>` : '');

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** The account's `mfa` in words: what an admin asks before removing factors for a lost device. */
function secondFactorsSummary(mfa: UserView['mfa']): string {
  return `TOTP ${mfa.totp ? 'on' : 'off'}, ${plural(mfa.passkeys, 'passkey', 'passkeys')}, ${plural(mfa.recovery_codes_left, 'recovery code', 'recovery codes')} left`;
}

const hasSecondFactors = (mfa: UserView['mfa']) => mfa.totp || mfa.passkeys > 0 || mfa.recovery_codes_left > 0;

function secondFactorsSection(user: UserView, base: string, csrf: string): string {
  if (!hasSecondFactors(user.mfa)) return '<p>No second factors: the password alone signs in.</p>';
  return `<p>${secondFactorsSummary(user.mfa)}. For a lost device: removing them all (TOTP, passkeys, recovery codes) ends every session; the user then signs in with the password alone and can enrol again.</p>
${actionForm(`${base}/factors/remove`, csrf, 'Remove second factors', { danger: true, confirm: `Yes, remove every second factor of ${user.username}` })}`;
}

export function usersPage(options: { query: string; users: UserView[]; nextHref?: string | undefined; searched: boolean; paged: boolean; done?: string | undefined; error?: string | undefined }): string {
  const rows = options.users
    .map(
      (user) =>
        `<tr><td><a href="${userPath(user.id)}">${escapeHtml(user.username)}</a></td><td>${escapeHtml(user.email ?? '')}</td><td>${escapeHtml(user.roles.join(', '))}</td><td>${user.locked ? 'locked' : 'active'}</td><td>${when(user.created_at)}</td></tr>`,
    )
    .join('\n');
  const table =
    options.users.length > 0
      ? `<table><caption class="skip">Users</caption><thead><tr><th scope="col">Username</th><th scope="col">E-mail</th><th scope="col">Roles</th><th scope="col">State</th><th scope="col">Created</th></tr></thead><tbody>
${rows}
</tbody></table>`
      : `<p role="status">${options.searched ? 'No user matches.' : 'No users yet.'}</p>`;
  return `<h1>Users</h1>
${notice('done', options.done)}${notice('error', options.error)}
<form method="get" action="/console/users" role="search">
<label for="query">Find users by the start of their username (or of their e-mail address, with an @)</label>
<input id="query" name="query" type="search" value="${escapeHtml(options.query)}" autocapitalize="none" spellcheck="false" maxlength="254">
<button type="submit">Search</button>
</form>
${table}
<p>${options.paged ? `<a href="/console/users${options.query ? `?query=${encodeURIComponent(options.query)}` : ''}">First page</a> ` : ''}${options.nextHref ? `<a href="${escapeHtml(options.nextHref)}" rel="next">Next page</a>` : ''}</p>`;
}

export function userDetailPage(options: { user: UserView; sessions: UserSession[]; csrf: string; done?: string | undefined; error?: string | undefined }): string {
  const { user, csrf } = options;
  const base = userPath(user.id);
  const sessionRows = options.sessions
    .map(
      (s) =>
        `<tr><td>${when(s.created_at)}</td><td>${when(s.last_used_at)}</td><td>${escapeHtml(s.user_agent ?? '')}</td><td>${escapeHtml(s.ip ?? '')}</td><td>${actionForm(`${base}/sessions/${encodeURIComponent(s.sid)}/end`, csrf, 'End this session')}</td></tr>`,
    )
    .join('\n');
  const sessions =
    options.sessions.length > 0
      ? `<table><caption class="skip">Sessions of ${escapeHtml(user.username)}</caption><thead><tr><th scope="col">Signed in</th><th scope="col">Last used</th><th scope="col">Browser or app</th><th scope="col">Address</th><th scope="col">Action</th></tr></thead><tbody>
${sessionRows}
</tbody></table>
${actionForm(`${base}/sessions/end`, csrf, 'End every session')}`
      : '<p>No live sessions.</p>';
  return `<p><a href="/console/users">All users</a></p>
<h1>User ${escapeHtml(user.username)}</h1>
${notice('done', options.done)}${notice('error', options.error)}
<table><caption class="skip">Account</caption><tbody>
<tr><th scope="row">Id</th><td>${escapeHtml(user.id)}</td></tr>
<tr><th scope="row">E-mail</th><td>${escapeHtml(user.email ?? '(none)')}${user.email ? (user.email_verified ? ' (verified)' : ' (not verified)') : ''}</td></tr>
<tr><th scope="row">Roles</th><td>${escapeHtml(user.roles.join(', ') || '(none)')}</td></tr>
<tr><th scope="row">Second factors</th><td>${secondFactorsSummary(user.mfa)}</td></tr>
<tr><th scope="row">State</th><td>${user.locked ? `locked since ${when(user.locked_at)}` : 'active'}</td></tr>
<tr><th scope="row">Created</th><td>${when(user.created_at)}</td></tr>
</tbody></table>

<h2>Roles</h2>
<form method="post" action="${base}/roles">
${csrfField(csrf)}
<label for="roles">Roles, separated by spaces or commas</label>
<input id="roles" name="roles" type="text" value="${escapeHtml(user.roles.join(' '))}" autocapitalize="none" spellcheck="false" aria-describedby="roles-help">
<p id="roles-help">A role given shows in the user's next token; a role taken away ends every session of the account at once.</p>
<button type="submit">Save roles</button>
</form>

<h2>Sign-in</h2>
<p>${user.locked ? actionForm(`${base}/unlock`, csrf, 'Unlock the account') : actionForm(`${base}/lock`, csrf, 'Lock the account (ends every session)')}
${actionForm(`${base}/password-reset`, csrf, 'Mail a password reset link')}</p>

<h2>Sessions</h2>
${sessions}

<h2>Second factors</h2>
${secondFactorsSection(user, base, csrf)}

<h2>Delete</h2>
<p>Deleting ends every session; the account cannot be brought back.</p>
${actionForm(`${base}/delete`, csrf, 'Delete the user', { danger: true, confirm: `Yes, delete ${user.username}` })}`;
}
