import type { AccountFlowDeps } from './account-flow-deps.js';

/**
 * Ends the account's login sessions through the service's one session ender (refresh family
 * revoked, sid denied, so every verifier refuses the sessions' access tokens), except `keep` (the
 * caller's own, on a password change). Resolves how many were ended.
 */
export async function endEverySession({ tokens, endTokenSession }: Pick<AccountFlowDeps, 'tokens' | 'endTokenSession'>, userId: string, keep?: string): Promise<number> {
  const sids = (await tokens.findSessions(userId)).filter((sid) => sid !== keep);
  for (const sid of sids) await endTokenSession(sid);
  return sids.length;
}
