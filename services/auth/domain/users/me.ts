import { tokenError } from '../../../../lib/verifier/errors.js';
import type { UserStore } from './user-store.js';
import type { AccessTokenClaims } from '../../../../lib/verifier/claims.js';

/** `username` only for users; a client (client-credentials token) has none, and `client_id` instead. */
export interface Me {
  sub: string;
  username?: string;
  roles: string[];
  scope: string;
  client_id?: string;
}

/**
 * Who the caller is: the account as stored now, with the scope its token was granted. A locked
 * account still answers while its access token lives: like the gateway and every resource server,
 * this endpoint honours a valid token until `exp`; the lock bites at the next login or refresh.
 *
 * A client-credentials token (RFC 6749 §4.4: `sub` = `client_id`, no user behind it) is valid too,
 * so it gets its own identity rather than invalid_token; the client is not looked up, as a deleted
 * client's tokens also stay valid until they expire. Client ids never equal user ids (refused at
 * registration), so a user is always looked up first.
 */
export function createMe({ users }: { users: UserStore }) {
  return async function me(caller: AccessTokenClaims): Promise<Me> {
    const user = await users.findById(caller.sub);
    const scope = caller.scope ?? '';
    if (user) return { sub: user.id, username: user.username, roles: user.roles, scope };
    if (caller.sub === caller.client_id) return { sub: caller.sub, roles: [], scope, client_id: caller.client_id };
    throw tokenError('TOKEN_SUBJECT_GONE');
  };
}
