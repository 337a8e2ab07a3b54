import { randomBytes, randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AppSessionStore, AuthorizationCodeRecord, LoginSession } from '../../../services/auth/domain/app-flow/app-sessions.js';

export interface AppSessionStoreFixture {
  store: AppSessionStore;
  /**
   * A second store over the same state, as another auth replica has it (its own connection for
   * Redis); the memory adapter, being one process, hands the same store.
   */
  replica: AppSessionStore;
  /** Closes the stores and removes whatever they wrote. */
  cleanup: () => Promise<void>;
}

const random = (label: string) => `${label}-${randomBytes(8).toString('hex')}`;
const CODE_TTL_MS = 60_000;
const SESSION_TTL_MS = 8 * 3600 * 1000;

function codeRecord(now: number, extra: Partial<AuthorizationCodeRecord> = {}): AuthorizationCodeRecord {
  return {
    clientId: random('client'),
    redirectUri: 'https://app.example/callback',
    codeChallenge: randomBytes(32).toString('base64url'),
    userId: random('user'),
    scope: 'openid profile notes:read',
    nonce: random('nonce'),
    sid: randomUUID(),
    authTime: now - 1_000,
    expiresAt: now + CODE_TTL_MS,
    ...extra,
  };
}

function loginSession(now: number): LoginSession {
  return { sid: randomUUID(), userId: random('user'), authTime: now, expiresAt: now + SESSION_TTL_MS };
}

/**
 * The AppSessionStore port's contract (services/auth/domain/app-flow/app-sessions.ts), run against
 * every adapter. Expiry is shown through the `now` the port takes, never by waiting.
 */
export function runAppSessionStoreContract(name: string, factory: () => Promise<AppSessionStoreFixture>): void {
  describe(`AppSessionStore contract: ${name}`, () => {
    let fixture: AppSessionStoreFixture;
    let store: AppSessionStore;

    beforeEach(async () => {
      fixture = await factory();
      store = fixture.store;
    });
    afterEach(async () => {
      await fixture.cleanup();
    });

    describe('authorization codes', () => {
      it('when a code is taken, then the first call gets every field and later calls are replays', async () => {
        const now = Date.now();
        const hash = random('code');
        const record = codeRecord(now);
        await store.saveCode(hash, record);

        expect(await store.takeCode(hash, now)).toEqual({ use: 'first', record });
        expect(await store.takeCode(hash, now + 1)).toEqual({ use: 'replay', record, issued: null });
        expect(await store.takeCode(hash, now + 2)).toEqual({ use: 'replay', record, issued: null });
      });

      it('when a code without a nonce is stored, then it comes back without one', async () => {
        const now = Date.now();
        const hash = random('code');
        const { nonce: _none, ...record } = codeRecord(now);
        await store.saveCode(hash, record);
        const taken = await store.takeCode(hash, now);
        expect(taken?.record).toEqual(record);
        expect(taken?.record).not.toHaveProperty('nonce');
      });

      it('when a code carries the signing-in browser\'s user agent and address, then they come back with it (the session list shows them)', async () => {
        const now = Date.now();
        const hash = random('code');
        const record = codeRecord(now, { device: { userAgent: 'Firefox/128', ip: '203.0.113.9' } });
        await store.saveCode(hash, record);
        expect((await store.takeCode(hash, now))?.record).toEqual(record);
      });

      it('when what a code gave is recorded, then a replay reports it', async () => {
        const now = Date.now();
        const hash = random('code');
        await store.saveCode(hash, codeRecord(now));
        expect((await store.takeCode(hash, now))?.use).toBe('first');
        const issued = { familyId: random('family'), accessTokenJti: random('jti'), accessTokenExp: Math.floor(now / 1000) + 900 };
        await store.recordIssued(hash, issued);

        expect(await store.takeCode(hash, now)).toMatchObject({ use: 'replay', issued });
      });

      it('when a replay on another replica takes the code before the first redemption records what it gave, then recording says replayed', async () => {
        const now = Date.now();
        const hash = random('code');
        await store.saveCode(hash, codeRecord(now));
        expect((await store.takeCode(hash, now))?.use).toBe('first');
        // The replay cannot know what to revoke yet: the record must tell the first redemption to.
        expect(await fixture.replica.takeCode(hash, now)).toMatchObject({ use: 'replay', issued: null });
        const issued = { familyId: random('family'), accessTokenJti: random('jti'), accessTokenExp: Math.floor(now / 1000) + 900 };
        expect(await store.recordIssued(hash, issued)).toEqual({ replayed: true });
      });

      it('when nothing replayed the code before its record, then recording says not replayed, and a later replay gets what it gave', async () => {
        const now = Date.now();
        const hash = random('code');
        await store.saveCode(hash, codeRecord(now));
        await store.takeCode(hash, now);
        const issued = { familyId: random('family'), accessTokenJti: random('jti'), accessTokenExp: Math.floor(now / 1000) + 900 };
        expect(await store.recordIssued(hash, issued)).toEqual({ replayed: false });
        expect(await fixture.replica.takeCode(hash, now)).toMatchObject({ use: 'replay', issued });
      });

      it('when replays race the record on two replicas, then each either sees what was issued or is reported by the record', async () => {
        const now = Date.now();
        const hash = random('code');
        await store.saveCode(hash, codeRecord(now));
        await store.takeCode(hash, now);
        const issued = { familyId: random('family'), accessTokenJti: random('jti'), accessTokenExp: Math.floor(now / 1000) + 900 };
        const stores = [store, fixture.replica];
        const [recorded, ...replays] = await Promise.all([
          store.recordIssued(hash, issued),
          ...Array.from({ length: 20 }, (_x, i) => stores[i % 2]!.takeCode(hash, now)),
        ]);
        const blind = replays.filter((taken) => taken?.use === 'replay' && taken.issued === null);
        // Never a replay that saw nothing while the record missed it.
        if (blind.length > 0) expect(recorded).toEqual({ replayed: true });
        expect(replays.every((taken) => taken?.use === 'replay')).toBe(true);
      });

      it.each([
        ['unknown', async (_hash: string, _now: number) => undefined, 0],
        ['expired at its deadline', async (hash: string, now: number) => store.saveCode(hash, codeRecord(now)), CODE_TTL_MS],
        ['expired after its deadline', async (hash: string, now: number) => store.saveCode(hash, codeRecord(now)), CODE_TTL_MS + 1],
      ])('when a code is %s, then taking it gives null', async (_case, setup, later) => {
        const now = Date.now();
        const hash = random('code');
        await setup(hash, now);
        expect(await store.takeCode(hash, now + later)).toBeNull();
      });

      it('when a spent code has expired, then it is no longer a replay but unknown', async () => {
        const now = Date.now();
        const hash = random('code');
        await store.saveCode(hash, codeRecord(now));
        await store.takeCode(hash, now);
        expect(await store.takeCode(hash, now + CODE_TTL_MS)).toBeNull();
      });

      it('when an issue is recorded for an unknown code, then no code appears', async () => {
        const hash = random('code');
        expect(await store.recordIssued(hash, { familyId: 'f', accessTokenJti: 'j', accessTokenExp: 1 })).toEqual({ replayed: false });
        expect(await store.takeCode(hash, Date.now())).toBeNull();
      });

      it('when two replicas take one code concurrently, then exactly one gets it first', async () => {
        const now = Date.now();
        const hash = random('code');
        await store.saveCode(hash, codeRecord(now));
        const stores = [store, fixture.replica];
        const taken = await Promise.all(Array.from({ length: 20 }, (_x, i) => stores[i % 2]!.takeCode(hash, now)));
        expect(taken.filter((t) => t?.use === 'first')).toHaveLength(1);
        expect(taken.filter((t) => t?.use === 'replay')).toHaveLength(19);
      });

      it('when codes differ, then taking one leaves the other untouched', async () => {
        const now = Date.now();
        const [a, b] = [random('code'), random('code')];
        await store.saveCode(a, codeRecord(now));
        await store.saveCode(b, codeRecord(now));
        await store.takeCode(a, now);
        expect((await fixture.replica.takeCode(b, now))?.use).toBe('first');
      });
    });

    describe('login sessions', () => {
      it('when a session is saved, then every replica finds it until its expiry', async () => {
        const now = Date.now();
        const session = loginSession(now);
        await store.saveSession(session);
        expect(await fixture.replica.findSession(session.sid, now)).toEqual(session);
        expect(await store.findSession(session.sid, session.expiresAt - 1)).toEqual(session);
        expect(await store.findSession(session.sid, session.expiresAt)).toBeNull();
      });

      it('when a session is unknown, then it is not found and ending it gives no families', async () => {
        const sid = randomUUID();
        expect(await store.findSession(sid, Date.now())).toBeNull();
        expect(await store.endSession(sid)).toEqual([]);
      });

      it('when a session ends, then it returns its families once and is gone everywhere', async () => {
        const now = Date.now();
        const session = loginSession(now);
        await store.saveSession(session);
        const [f1, f2] = [random('family'), random('family')];
        await store.addSessionFamily(session.sid, f1, now + SESSION_TTL_MS);
        await fixture.replica.addSessionFamily(session.sid, f2, now + SESSION_TTL_MS);
        await store.addSessionFamily(session.sid, f1, now + SESSION_TTL_MS);

        expect((await fixture.replica.endSession(session.sid)).sort()).toEqual([f1, f2].sort());
        expect(await store.findSession(session.sid, now)).toBeNull();
        expect(await store.endSession(session.sid)).toEqual([]);
      });

      it('when sessions differ, then ending one keeps the other and its families', async () => {
        const now = Date.now();
        const [a, b] = [loginSession(now), loginSession(now)];
        await store.saveSession(a);
        await store.saveSession(b);
        const family = random('family');
        await store.addSessionFamily(b.sid, family, now + SESSION_TTL_MS);
        await store.endSession(a.sid);
        expect(await store.findSession(b.sid, now)).toEqual(b);
        expect(await store.endSession(b.sid)).toEqual([family]);
      });
    });

    describe('consents', () => {
      it('when nothing was granted, then the granted scopes are empty', async () => {
        expect(await store.grantedScopes(random('user'), random('client'))).toEqual([]);
      });

      it('when scopes are granted twice, then they add up per user and client, and no one else gets them', async () => {
        const [user, client] = [random('user'), random('client')];
        await store.grantScopes(user, client, ['openid', 'profile']);
        await fixture.replica.grantScopes(user, client, ['profile', 'notes:read']);
        await store.grantScopes(user, client, []);

        expect((await fixture.replica.grantedScopes(user, client)).sort()).toEqual(['notes:read', 'openid', 'profile']);
        expect(await store.grantedScopes(user, random('client'))).toEqual([]);
        expect(await store.grantedScopes(random('user'), client)).toEqual([]);
      });

      it.each([':', ' ', '}{'])('when ids contain %j, then user and client pairs do not collide', async (separator) => {
        const client = random('client');
        await store.grantScopes(`a${separator}b`, client, ['openid']);
        expect(await store.grantedScopes('a', `b${separator}${client}`)).toEqual([]);
        expect(await store.grantedScopes(`a${separator}b`, client)).toEqual(['openid']);
      });
    });

    it('when pinged, then the store answers', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });
  });
}
