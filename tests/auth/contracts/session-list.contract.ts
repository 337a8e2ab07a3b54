import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { RefreshTokenRecord, TokenStore } from '../../../services/auth/domain/tokens/token-store.js';

const HOUR = 3_600_000;
const random = (label: string) => `${label}-${randomBytes(8).toString('hex')}`;

function login(subject: string, issuedAt: number, device?: RefreshTokenRecord['device']): RefreshTokenRecord {
  return { tokenHash: random('hash'), familyId: random('family'), subject, clientId: 'first-party', scope: 'a', issuedAt, expiresAt: issuedAt + HOUR, ...(device ? { device } : {}) };
}

/**
 * The session list of the TokenStore port (`listSessions`: the user's "where am I signed in"),
 * part of the token store contract so every adapter (memory, embedded, Redis) runs it.
 */
export function describeSessionList(storeOf: () => TokenStore): void {
  describe('session list (issue 23, point 4)', () => {
    it('when a subject logs in twice, then both sessions are listed oldest first with their login time, user agent and address, and nothing of another subject', async () => {
      const store = storeOf();
      const subject = random('user');
      const now = Date.now();
      const first = login(subject, now - 2_000, { userAgent: 'Firefox/128', ip: '203.0.113.7' });
      const second = login(subject, now - 1_000, { userAgent: 'curl/8', ip: '2001:db8::1' });
      await store.issueRefreshToken(second);
      await store.issueRefreshToken(first);
      await store.issueRefreshToken(login(random('user'), now, { userAgent: 'other', ip: '198.51.100.1' }));
      expect(await store.listSessions(subject, now)).toEqual([
        { sid: first.familyId, clientId: 'first-party', createdAt: first.issuedAt, lastUsedAt: first.issuedAt, userAgent: 'Firefox/128', ip: '203.0.113.7' },
        { sid: second.familyId, clientId: 'first-party', createdAt: second.issuedAt, lastUsedAt: second.issuedAt, userAgent: 'curl/8', ip: '2001:db8::1' },
      ]);
      expect(await store.listSessions(random('user'), now)).toEqual([]);
    });

    it('when a session is refreshed, then its last use is the refresh and its login time, agent and address stay', async () => {
      const store = storeOf();
      const now = Date.now();
      const first = login(random('user'), now - 5_000, { userAgent: 'Safari', ip: '192.0.2.1' });
      await store.issueRefreshToken(first);
      const successor = { tokenHash: random('hash'), issuedAt: now, expiresAt: now + HOUR, sealedSuccessor: random('sealed') };
      expect((await store.rotateRefreshToken(first, successor, { now, graceMs: 5_000 })).outcome).toBe('rotated');
      expect(await store.listSessions(first.subject, now)).toEqual([
        { sid: first.familyId, clientId: 'first-party', createdAt: first.issuedAt, lastUsedAt: now, userAgent: 'Safari', ip: '192.0.2.1' },
      ]);
    });

    it('when a session is revoked or past its expiry, then it is no longer listed, and one stored without a device shows empty strings', async () => {
      const store = storeOf();
      const subject = random('user');
      const now = Date.now();
      const revoked = login(subject, now);
      const ended = login(subject, now);
      const plain = login(subject, now);
      for (const r of [revoked, ended, plain]) await store.issueRefreshToken(r);
      await store.revokeRefreshFamily(revoked.familyId);
      expect((await store.listSessions(subject, now)).map((s) => s.sid).sort()).toEqual([ended.familyId, plain.familyId].sort());
      expect((await store.listSessions(subject, now)).find((s) => s.sid === plain.familyId)).toMatchObject({ userAgent: '', ip: '' });
      expect(await store.listSessions(subject, now + HOUR)).toEqual([]);
    });
  });
}
