import type { UserView } from '../../services/auth/domain/admin/user-view.js';
import { UsageError } from '../cli.js';
import type { AdminApiClient } from './admin-api-client.js';

export const USER_USAGE = `  users list [--query <prefix>] [--limit <n>] [--cursor <c>]
                            users by username prefix (with an @: by e-mail prefix), 50 a page;
                            prints the --cursor of the next page when there is one
  users show <username>     id, roles, locked or not (and the address, when there is one)
  users create <username> [--email <address>] [--roles <r1,r2>] [--password-stdin]
                            with --password-stdin the password is read from standard input;
                            without it an invitation mail to --email lets the user set one
  users set-roles <username> --roles <r1,r2>
                            replaces the user's roles; scopes come with them (AUTH_ROLES_FILE; admin
                            grants admin). Given: in the next token. Taken: every session ends now
  users lock <username>     refuses the user's next login and refresh (as a wrong password would)
                            and ends every session: its access tokens are refused within a second
  users unlock <username>   the user can log in again (sessions ended while locked stay ended)
  users sessions <username> the user's live sessions
  users end-sessions <username> [--sid <sid>]
                            ends every session of the user (or the one --sid names)
  users remove-factors <username>
                            removes the user's second factors (TOTP, recovery codes, passkeys) and
                            ends every session: they sign in with the password alone and enrol again
  users reset-password <username>
                            mails a reset link to the user's verified address
  users delete <username>   ends every session and deletes the account (the last admin cannot go)`;

export interface UserCommandOptions {
  roles?: string | undefined;
  query?: string | undefined;
  limit?: string | undefined;
  cursor?: string | undefined;
  email?: string | undefined;
  'password-stdin'?: boolean | undefined;
  sid?: string | undefined;
}

export interface UserCommandContext {
  api: AdminApiClient;
  options: UserCommandOptions;
  /** The username argument, or a usage error naming the command. */
  needTarget: () => string;
  hasTarget: boolean;
  print: (json: unknown, text: () => void) => void;
  out: (line: string) => void;
  list: (value: string | undefined) => string[] | undefined;
  readStdin: () => Promise<string>;
}

const stateOf = (user: UserView) => (user.locked ? `locked since ${String(user.locked_at)}` : 'active');
const addressOf = (user: UserView) => (user.email ? `${user.email} (${user.email_verified ? 'verified' : 'not verified'})` : '-');

/** `authctl users <action>`; false when `action` is not one of them. */
export async function runUserCommand(action: string, ctx: UserCommandContext): Promise<boolean> {
  const { api, options, needTarget, print, out } = ctx;
  /** The admin API works by id; operators know the username. */
  const userOf = async () => (await api.findUser(needTarget())) as UserView;

  switch (action) {
    case 'list': {
      if (ctx.hasTarget) throw new UsageError('users list takes no username (use --query <prefix>)');
      const page = (await api.listUsers({ query: options.query, limit: options.limit, cursor: options.cursor })) as { users: UserView[]; next_cursor: string | null };
      print(page, () => {
        if (page.users.length === 0) return out('no users');
        out(['username', 'id', 'e-mail', 'roles', 'state'].join('\t'));
        for (const user of page.users) out([user.username, user.id, addressOf(user), user.roles.join(' ') || '-', stateOf(user)].join('\t'));
        if (page.next_cursor) out(`more: --cursor ${page.next_cursor}`);
      });
      return true;
    }
    case 'show': {
      const user = await userOf();
      print(user, () => {
        out(`${user.username}\t${user.id}\t${user.roles.join(' ')}\t${stateOf(user)}\tcreated ${user.created_at}`);
        if (user.email) out(`e-mail: ${addressOf(user)}`);
      });
      return true;
    }
    case 'create': {
      const username = needTarget();
      const password = options['password-stdin'] ? (await ctx.readStdin()).replace(/\r?\n$/, '') : undefined;
      if (password === undefined && options.email === undefined) throw new UsageError('users create needs --email (for the invitation) or --password-stdin');
      const roles = ctx.list(options.roles);
      const user = (await api.createUser({ username, ...(options.email === undefined ? {} : { email: options.email }), ...(password === undefined ? {} : { password }), ...(roles ? { roles } : {}) })) as UserView;
      print(user, () => {
        out(`created user ${user.username} (${user.id}) with roles: ${user.roles.join(' ') || '(none)'}`);
        if (password === undefined) out(`an invitation to set the password was mailed to ${String(user.email)}`);
      });
      return true;
    }
    case 'set-roles': {
      if (options.roles === undefined) throw new UsageError('users set-roles needs --roles, e.g. --roles user,admin (an empty value removes every role)');
      const user = (await api.setRoles((await userOf()).id, ctx.list(options.roles) ?? [])) as UserView;
      print(user, () => out(`user ${user.username} (${user.id}) now has roles: ${user.roles.join(' ') || '(none)'}`));
      return true;
    }
    case 'lock': {
      const user = (await api.lockUser((await userOf()).id)) as UserView;
      print(user, () => {
        out(`locked user ${user.username} (${user.id}) since ${String(user.locked_at)}`);
        out('its next login and refresh are refused; its sessions are over (access tokens refused within a second)');
      });
      return true;
    }
    case 'unlock': {
      const user = (await api.unlockUser((await userOf()).id)) as UserView;
      print(user, () => out(`unlocked user ${user.username} (${user.id}): they can log in again`));
      return true;
    }
    case 'sessions': {
      const body = (await api.listSessions((await userOf()).id)) as { sessions: Array<Record<string, unknown>> };
      print(body, () => {
        if (body.sessions.length === 0) return out('no sessions');
        out(['sid', 'created', 'last used', 'ip', 'user agent'].join('\t'));
        for (const s of body.sessions) out([s.sid, s.created_at, s.last_used_at, s.ip ?? '-', s.user_agent ?? '-'].map(String).join('\t'));
      });
      return true;
    }
    case 'end-sessions': {
      const user = await userOf();
      if (options.sid !== undefined) await api.endSession(user.id, options.sid);
      else await api.endSessions(user.id);
      const what = options.sid === undefined ? 'every session' : `session ${options.sid}`;
      print({ ended: options.sid ?? 'all', user_id: user.id }, () => out(`ended ${what} of ${user.username} (${user.id}): its access tokens are refused within a second`));
      return true;
    }
    case 'remove-factors': {
      const user = await userOf();
      await api.removeFactors(user.id);
      print({ user_id: user.id, factors_removed: true }, () => out(`removed every second factor of ${user.username} (${user.id}); its sessions are over`));
      return true;
    }
    case 'reset-password': {
      const user = await userOf();
      await api.sendPasswordReset(user.id);
      print({ status: 'accepted', user_id: user.id }, () => out(`a reset link is on its way to the verified address of ${user.username}`));
      return true;
    }
    case 'delete': {
      const user = await userOf();
      await api.deleteUser(user.id);
      print({ deleted: user.id }, () => out(`deleted user ${user.username} (${user.id}); its sessions are over`));
      return true;
    }
    default:
      return false;
  }
}
