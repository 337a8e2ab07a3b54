import { describe, expect, it } from 'vitest';
import { MemoryTokenStore } from '../../../services/auth/adapters/memory/memory-token-store.js';
import { MemoryUserStore } from '../../../services/auth/adapters/memory/memory-user-store.js';
import { createAccountDeletion } from '../../../services/auth/domain/accounts/account-deletion.js';
import { ignoreAuthEvents, type AccountChanged } from '../../../services/auth/domain/auth-events.js';
import { createSessionEnder } from '../../../services/auth/domain/sessions/session-ender.js';

describe('account deletion racing a login', () => {
  it('when a login that passed its password check starts a session while the account is being deleted, then that session is ended too', async () => {
    const tokens = new MemoryTokenStore();
    const users = new MemoryUserStore();
    const user = await users.create({ username: 'racer', passwordHash: 'x', roles: [] });
    const family = (familyId: string) => ({ tokenHash: `h-${familyId}`, familyId, subject: user.id, clientId: 'first-party', scope: 'a', issuedAt: Date.now(), expiresAt: Date.now() + 60_000 });
    await tokens.issueRefreshToken(family('00000000-0000-8000-8000-000000000001'));
    // The racing login's family lands between the first sweep and the delete.
    const racing = Object.assign(Object.create(users) as MemoryUserStore, {
      delete: async (id: string) => {
        await tokens.issueRefreshToken(family('00000000-0000-8000-8000-000000000002'));
        return users.delete(id);
      },
    });
    const events: AccountChanged[] = [];
    const deleteAccount = createAccountDeletion({
      users: racing,
      tokens,
      endTokenSession: createSessionEnder({ tokens, accessTokenTtlSeconds: 60, now: Date.now }),
      events: { ...ignoreAuthEvents, accountChanged: (e) => events.push(e) },
      confirmPassword: async () => user,
      firstPartyClientId: 'first-party',
      now: Date.now,
      removeFactors: async () => false,
    });

    await deleteAccount({ userId: user.id, password: 'irrelevant', clientIp: '192.0.2.1' });
    expect(await tokens.listSessions(user.id, Date.now())).toEqual([]);
    expect(await tokens.isSessionDenied('00000000-0000-8000-8000-000000000002')).toBe(true);
    expect(events).toEqual([{ change: 'account.deleted', userId: user.id, sessionsEnded: 2, clientIp: '192.0.2.1' }]);
  });
});
