import { authErrors } from '../errors.js';
import type { UserStore } from '../ports/user-store.js';
import type { AccessTokenClaims } from '../tokens/access-token-claims.js';

export interface Me {
  sub: string;
  username: string;
  roles: string[];
  scope: string;
}

/**
 * Who the caller is: the account as stored now, with the scope its token was granted. A locked
 * account still answers while its access token lives: like the gateway and every resource server,
 * this endpoint honours a valid token until `exp`; the lock bites at the next login or refresh.
 */
export function createMe({ users }: { users: UserStore }) {
  return async function me(caller: AccessTokenClaims): Promise<Me> {
    const user = await users.findById(caller.sub);
    if (!user) throw authErrors.invalidAccessToken('TOKEN_SUBJECT_GONE', 'the account no longer exists');
    return { sub: user.id, username: user.username, roles: user.roles, scope: caller.scope };
  };
}
