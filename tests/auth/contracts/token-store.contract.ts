import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type {
  RefreshSuccessor,
  RefreshTokenKey,
  RefreshTokenRecord,
  TokenStore,
} from '../../../services/auth/domain/tokens/token-store.js';
import { pollUntil } from './poll.js';
import { describeSessionList } from './session-list.contract.js';

export interface TokenStoreFixture {
  store: TokenStore;
  /** Closes the store and removes whatever it wrote. */
  cleanup: () => Promise<void>;
  /**
   * What the store holds for refresh state right now, where the adapter can tell: entries
   * (memory: refresh entries; Redis: keys under the suite's prefix) and bytes (Redis MEMORY USAGE).
   */
  refreshFootprint?: () => Promise<{ entries: number; bytes: number }>;
}

const HOUR = 3_600_000;
const GRACE_MS = 5_000;

const random = (label: string) => `${label}-${randomBytes(8).toString('hex')}`;
const nowSeconds = () => Math.floor(Date.now() / 1000);

function record(now: number, ttlMs = HOUR): RefreshTokenRecord {
  return {
    tokenHash: random('hash'),
    familyId: random('family'),
    subject: random('user'),
    clientId: 'web',
    scope: 'openid notes:read',
    issuedAt: now,
    expiresAt: now + ttlMs,
  };
}

function successor(now: number, ttlMs = HOUR): RefreshSuccessor {
  return { tokenHash: random('hash'), issuedAt: now, expiresAt: now + ttlMs, sealedSuccessor: random('sealed') };
}

/** How a successor of `family` is presented: its token names the family (see refresh-token.ts). */
const inFamily = (family: RefreshTokenKey, next: RefreshSuccessor): RefreshTokenKey => ({ familyId: family.familyId, tokenHash: next.tokenHash });
const unknownKey = (): RefreshTokenKey => ({ familyId: random('family'), tokenHash: random('hash') });
const refOf = (r: RefreshTokenRecord) => ({ familyId: r.familyId, subject: r.subject, clientId: r.clientId });

/**
 * The TokenStore port's contract (services/auth/domain/tokens/token-store.ts), run against every
 * adapter with the real clock: expiry is shown with short TTLs and polling, never fixed sleeps.
 */
export function runTokenStoreContract(name: string, factory: () => Promise<TokenStoreFixture>): void {
  describe(`TokenStore contract: ${name}`, () => {
    let fixture: TokenStoreFixture;
    let store: TokenStore;

    beforeEach(async () => {
      fixture = await factory();
      store = fixture.store;
    });
    afterEach(async () => {
      await fixture.cleanup();
    });

    describeSessionList(() => store);

    describe('refresh families', () => {
      it('when a token is issued, then it is found active with every field', async () => {
        const now = Date.now();
        const first = record(now);
        await store.issueRefreshToken(first);
        expect(await store.findActiveRefreshToken(first, now)).toEqual(first);
      });

      it('when a token is unknown, then it is not active and rotating it is invalid', async () => {
        const now = Date.now();
        expect(await store.findActiveRefreshToken(unknownKey(), now)).toBeNull();
        const result = await store.rotateRefreshToken(unknownKey(), successor(now), { now, graceMs: GRACE_MS });
        expect(result).toEqual({ outcome: 'invalid' });
      });

      it('when an active token is rotated, then it is spent and the successor inherits the family', async () => {
        const now = Date.now();
        const first = record(now);
        await store.issueRefreshToken(first);
        const next = successor(now + 10);

        const result = await store.rotateRefreshToken(first, next, { now: now + 10, graceMs: GRACE_MS });

        expect(result).toEqual({ outcome: 'rotated', previous: first });
        expect(await store.findActiveRefreshToken(first, now + 10)).toBeNull();
        expect(await store.findActiveRefreshToken(inFamily(first, next), now + 10)).toEqual({
          tokenHash: next.tokenHash,
          familyId: first.familyId,
          subject: first.subject,
          clientId: first.clientId,
          scope: first.scope,
          issuedAt: next.issuedAt,
          expiresAt: next.expiresAt,
        });
      });

      it('when a DPoP-bound token (jkt) is rotated twice, then every successor keeps the key and the grace answer names it too', async () => {
        const now = Date.now();
        const first = { ...record(now), jkt: random('jkt') };
        await store.issueRefreshToken(first);
        expect(await store.findActiveRefreshToken(first, now)).toEqual(first);
        const next = successor(now + 10);
        expect(await store.rotateRefreshToken(first, next, { now: now + 10, graceMs: GRACE_MS })).toEqual({ outcome: 'rotated', previous: first });
        expect(await store.findActiveRefreshToken(inFamily(first, next), now + 10)).toMatchObject({ tokenHash: next.tokenHash, jkt: first.jkt });
        const retry = await store.rotateRefreshToken(first, successor(now + 20), { now: now + 20, graceMs: GRACE_MS });
        expect(retry).toMatchObject({ outcome: 'grace', previous: { jkt: first.jkt } });
        const third = successor(now + 30);
        await store.rotateRefreshToken(inFamily(first, next), third, { now: now + 30, graceMs: GRACE_MS });
        expect(await store.findActiveRefreshToken(inFamily(first, third), now + 30)).toMatchObject({ jkt: first.jkt });
      });

      it('when a family carries how its login signed in, then every successor and the grace answer keep it unchanged', async () => {
        const now = Date.now();
        const authentication = { time: now - 60_000, amr: ['pwd', 'otp', 'mfa'] as const };
        const first: RefreshTokenRecord = { ...record(now), authentication: { ...authentication, amr: [...authentication.amr] } };
        await store.issueRefreshToken(first);
        expect(await store.findActiveRefreshToken(first, now)).toEqual(first);
        const next = successor(now + 10);
        expect(await store.rotateRefreshToken(first, next, { now: now + 10, graceMs: GRACE_MS })).toEqual({ outcome: 'rotated', previous: first });
        expect(await store.rotateRefreshToken(first, successor(now + 20), { now: now + 20, graceMs: GRACE_MS })).toMatchObject({ outcome: 'grace', previous: { authentication } });
        const third = successor(now + 30);
        const rotated = await store.rotateRefreshToken(inFamily(first, next), third, { now: now + 30, graceMs: GRACE_MS });
        expect(rotated).toMatchObject({ outcome: 'rotated', previous: { authentication } });
        expect(await store.findActiveRefreshToken(inFamily(first, third), now + 30)).toMatchObject({ authentication });
      });

      it('when a spent token is retried within the grace window, then it gets the same sealed successor and nothing changes', async () => {
        const now = Date.now();
        const first = record(now);
        await store.issueRefreshToken(first);
        const winner = successor(now);
        await store.rotateRefreshToken(first, winner, { now, graceMs: GRACE_MS });
        const loser = successor(now + 1_000);

        const retry = await store.rotateRefreshToken(first, loser, { now: now + 1_000, graceMs: GRACE_MS });

        expect(retry).toEqual({ outcome: 'grace', previous: first, sealedSuccessor: winner.sealedSuccessor });
        expect(await store.findActiveRefreshToken(inFamily(first, winner), now + 1_000)).not.toBeNull();
        expect(await store.findActiveRefreshToken(inFamily(first, loser), now + 1_000)).toBeNull();
      });

      it('when a spent token is presented after the grace window, then it is reused and the whole family is revoked', async () => {
        const now = Date.now();
        const first = record(now);
        await store.issueRefreshToken(first);
        const next = successor(now);
        await store.rotateRefreshToken(first, next, { now, graceMs: GRACE_MS });
        const later = now + GRACE_MS + 1;

        const replay = await store.rotateRefreshToken(first, successor(later), { now: later, graceMs: GRACE_MS });

        expect(replay).toEqual({ outcome: 'reused', family: refOf(first) });
        expect(await store.findActiveRefreshToken(inFamily(first, next), later)).toBeNull();
        const useSuccessor = await store.rotateRefreshToken(inFamily(first, next), successor(later), { now: later, graceMs: GRACE_MS });
        expect(useSuccessor).toEqual({ outcome: 'invalid' });
        const replayAgain = await store.rotateRefreshToken(first, successor(later), { now: later, graceMs: GRACE_MS });
        expect(replayAgain).toEqual({ outcome: 'invalid' });
      });

      it('when a spent token is retried within the window but its successor was already rotated, then it is reused and the family revoked', async () => {
        const now = Date.now();
        const first = record(now);
        await store.issueRefreshToken(first);
        const second = successor(now);
        await store.rotateRefreshToken(first, second, { now, graceMs: GRACE_MS });
        const third = successor(now + 10);
        await store.rotateRefreshToken(inFamily(first, second), third, { now: now + 10, graceMs: GRACE_MS });

        const retry = await store.rotateRefreshToken(first, successor(now + 20), { now: now + 20, graceMs: GRACE_MS });

        expect(retry).toEqual({ outcome: 'reused', family: refOf(first) });
        expect(await store.findActiveRefreshToken(inFamily(first, third), now + 20)).toBeNull();
      });

      it('when 20 rotations of one token race, then exactly one rotates, the rest get grace, and the family does not fork', async () => {
        const now = Date.now();
        const first = record(now);
        await store.issueRefreshToken(first);
        const candidates = Array.from({ length: 20 }, () => successor(now));

        const results = await Promise.all(
          candidates.map((next) => store.rotateRefreshToken(first, next, { now, graceMs: GRACE_MS })),
        );

        const rotatedAt = results.findIndex((r) => r.outcome === 'rotated');
        expect(results.filter((r) => r.outcome === 'rotated')).toHaveLength(1);
        expect(results.filter((r) => r.outcome === 'grace')).toHaveLength(19);
        const winner = candidates[rotatedAt];
        for (const r of results) if (r.outcome === 'grace') expect(r.sealedSuccessor).toBe(winner?.sealedSuccessor);
        const active = await Promise.all(candidates.map((c) => store.findActiveRefreshToken(inFamily(first, c), now)));
        expect(active.filter((r) => r !== null)).toHaveLength(1);
        expect(active[rotatedAt]?.tokenHash).toBe(winner?.tokenHash);
        expect(await store.findActiveRefreshToken(first, now)).toBeNull();
      });

      describe('after a long chain (state per family, not per refresh: issue 22, point 3)', () => {
        const ROTATIONS = 50;

        /** Issues a family and rotates it `ROTATIONS` times; returns the record and every successor, oldest first. */
        async function longChain(now: number) {
          const first = record(now);
          await store.issueRefreshToken(first);
          const chain: RefreshSuccessor[] = [];
          let presented: RefreshTokenKey = first;
          for (let i = 0; i < ROTATIONS; i++) {
            const next = successor(now + i);
            expect(await store.rotateRefreshToken(presented, next, { now: now + i, graceMs: GRACE_MS })).toMatchObject({ outcome: 'rotated' });
            chain.push(next);
            presented = inFamily(first, next);
          }
          return { first, chain, last: chain[chain.length - 1]! };
        }

        it('when it is measured, then the store holds as much for the family as after 2 rotations', async (ctx) => {
          const footprint = fixture.refreshFootprint;
          if (!footprint) return ctx.skip();
          const now = Date.now();
          const first = record(now);
          await store.issueRefreshToken(first);
          let presented: RefreshTokenKey = first;
          const rotate = async (i: number) => {
            const next = successor(now + i);
            await store.rotateRefreshToken(presented, next, { now: now + i, graceMs: GRACE_MS });
            presented = inFamily(first, next);
          };
          for (let i = 0; i < 2; i++) await rotate(i);
          const early = await footprint();
          for (let i = 2; i < ROTATIONS; i++) await rotate(i);
          const late = await footprint();

          expect(late.entries).toBe(early.entries);
          expect(late.bytes).toBeLessThanOrEqual(early.bytes + 64);
        });

        it('when the family\'s first token is presented, then it is reuse and the active token is revoked', async () => {
          const now = Date.now();
          const { first, last } = await longChain(now);
          const later = now + ROTATIONS;

          expect(await store.rotateRefreshToken(first, successor(later), { now: later, graceMs: GRACE_MS })).toEqual({ outcome: 'reused', family: refOf(first) });
          expect(await store.findActiveRefreshToken(inFamily(first, last), later)).toBeNull();
          expect(await store.rotateRefreshToken(inFamily(first, last), successor(later), { now: later, graceMs: GRACE_MS })).toEqual({ outcome: 'invalid' });
        });

        it('when a token spent halfway back is presented within what was its grace window, then it is still reuse', async () => {
          const now = Date.now();
          const { first, chain, last } = await longChain(now);
          const middle = chain[ROTATIONS / 2]!;

          const replay = await store.rotateRefreshToken(inFamily(first, middle), successor(now + ROTATIONS), { now: now + ROTATIONS, graceMs: GRACE_MS });

          expect(replay).toEqual({ outcome: 'reused', family: refOf(first) });
          expect(await store.findActiveRefreshToken(inFamily(first, last), now + ROTATIONS)).toBeNull();
        });

        it('when a hash the family never had is presented under its id (a made-up token), then it is reuse', async () => {
          const now = Date.now();
          const { first, last } = await longChain(now);

          const madeUp = { familyId: first.familyId, tokenHash: random('hash') };

          expect(await store.rotateRefreshToken(madeUp, successor(now + ROTATIONS), { now: now + ROTATIONS, graceMs: GRACE_MS })).toEqual({ outcome: 'reused', family: refOf(first) });
          expect(await store.findActiveRefreshToken(inFamily(first, last), now + ROTATIONS)).toBeNull();
        });

        it('when the just-spent token is retried within the grace window, then it gets the same sealed successor', async () => {
          const now = Date.now();
          const { first, chain, last } = await longChain(now);
          const spent = chain[ROTATIONS - 2]!;

          const retry = await store.rotateRefreshToken(inFamily(first, spent), successor(now + ROTATIONS), { now: now + ROTATIONS, graceMs: GRACE_MS });

          expect(retry).toEqual({
            outcome: 'grace',
            previous: { ...first, tokenHash: spent.tokenHash, issuedAt: spent.issuedAt, expiresAt: spent.expiresAt },
            sealedSuccessor: last.sealedSuccessor,
          });
          expect(await store.findActiveRefreshToken(inFamily(first, last), now + ROTATIONS)).not.toBeNull();
        });

        it('when 20 rotations of the active token race, then exactly one rotates and the rest get its successor', async () => {
          const now = Date.now();
          const { first, last } = await longChain(now);
          const candidates = Array.from({ length: 20 }, () => successor(now + ROTATIONS));

          const results = await Promise.all(candidates.map((next) => store.rotateRefreshToken(inFamily(first, last), next, { now: now + ROTATIONS, graceMs: GRACE_MS })));

          const rotatedAt = results.findIndex((r) => r.outcome === 'rotated');
          expect(results.filter((r) => r.outcome === 'rotated')).toHaveLength(1);
          for (const r of results) if (r.outcome !== 'rotated') expect(r).toMatchObject({ outcome: 'grace', sealedSuccessor: candidates[rotatedAt]!.sealedSuccessor });
          const active = await Promise.all(candidates.map((c) => store.findActiveRefreshToken(inFamily(first, c), now + ROTATIONS)));
          expect(active.filter((r) => r !== null)).toHaveLength(1);
        });
      });

      it('when a family is revoked, then its active token is invalid and revoking again or an unknown family is harmless', async () => {
        const now = Date.now();
        const first = record(now);
        await store.issueRefreshToken(first);

        await store.revokeRefreshFamily(first.familyId);
        await store.revokeRefreshFamily(first.familyId);
        await store.revokeRefreshFamily(random('family'));

        expect(await store.findActiveRefreshToken(first, now)).toBeNull();
        const result = await store.rotateRefreshToken(first, successor(now), { now, graceMs: GRACE_MS });
        expect(result).toEqual({ outcome: 'invalid' });
      });

      it('when a spent token of a revoked family is retried within the window, then it is invalid, not grace', async () => {
        const now = Date.now();
        const first = record(now);
        await store.issueRefreshToken(first);
        await store.rotateRefreshToken(first, successor(now), { now, graceMs: GRACE_MS });
        await store.revokeRefreshFamily(first.familyId);

        const retry = await store.rotateRefreshToken(first, successor(now), { now, graceMs: GRACE_MS });

        expect(retry).toEqual({ outcome: 'invalid' });
      });

      it('when one family is revoked, then another family of the same subject stays active', async () => {
        const now = Date.now();
        const a = record(now);
        const b = { ...record(now), subject: a.subject };
        await store.issueRefreshToken(a);
        await store.issueRefreshToken(b);

        await store.revokeRefreshFamily(a.familyId);

        expect(await store.findActiveRefreshToken(b, now)).toEqual(b);
      });

      it('when the caller clock passes expiresAt, then the token is not active and rotating it is invalid', async () => {
        const now = Date.now();
        const first = record(now);
        await store.issueRefreshToken(first);

        expect(await store.findActiveRefreshToken(first, first.expiresAt)).toBeNull();
        const result = await store.rotateRefreshToken(first, successor(first.expiresAt), {
          now: first.expiresAt,
          graceMs: GRACE_MS,
        });
        expect(result).toEqual({ outcome: 'invalid' });
      });

      it('when a short-lived token reaches its expiry, then the store forgets it on its own', async () => {
        const now = Date.now();
        const first = record(now, 300);
        await store.issueRefreshToken(first);
        expect(await store.findActiveRefreshToken(first, now)).not.toBeNull();

        // Asking with the issue-time clock shows the entry itself is gone, not just judged expired.
        await pollUntil(async () => (await store.findActiveRefreshToken(first, now)) === null, {
          what: 'the refresh token to expire',
        });
      });
    });

    describe('refresh family lookup (any stored token)', () => {
      it('when a token is active, then its family, subject and client come back', async () => {
        const now = Date.now();
        const first = record(now);
        await store.issueRefreshToken(first);
        expect(await store.findRefreshFamily(first, now)).toEqual(refOf(first));
      });

      it('when a token was rotated, then the spent one and its successor both name the same family', async () => {
        const now = Date.now();
        const first = record(now);
        await store.issueRefreshToken(first);
        const next = successor(now + 10);
        await store.rotateRefreshToken(first, next, { now: now + 10, graceMs: GRACE_MS });

        expect(await store.findActiveRefreshToken(first, now + 10)).toBeNull();
        expect(await store.findRefreshFamily(first, now + 10)).toEqual(refOf(first));
        expect(await store.findRefreshFamily(inFamily(first, next), now + 10)).toEqual(refOf(first));
      });

      it('when the family is already revoked, then a token still names it, and the lookup changes nothing', async () => {
        const now = Date.now();
        const first = record(now);
        const other = { ...record(now), subject: first.subject };
        await store.issueRefreshToken(first);
        await store.issueRefreshToken(other);
        await store.revokeRefreshFamily(first.familyId);

        expect(await store.findRefreshFamily(first, now)).toEqual(refOf(first));
        expect(await store.findRefreshFamily(other, now)).toEqual(refOf(other));
        expect(await store.findActiveRefreshToken(other, now)).toEqual(other);
      });

      it('when a token is unknown, then null', async () => {
        expect(await store.findRefreshFamily(unknownKey(), Date.now())).toBeNull();
      });

      it('when the caller clock reaches expiresAt, then null', async () => {
        const now = Date.now();
        const first = record(now);
        await store.issueRefreshToken(first);
        expect(await store.findRefreshFamily(first, first.expiresAt - 1)).toEqual(refOf(first));
        expect(await store.findRefreshFamily(first, first.expiresAt)).toBeNull();
      });

      it('when the latest token of a short-lived family reaches its expiry, then the store forgets the spent one too', async () => {
        const now = Date.now();
        const first = record(now, 300);
        await store.issueRefreshToken(first);
        await store.rotateRefreshToken(first, successor(now, 400), { now, graceMs: GRACE_MS });
        expect(await store.findRefreshFamily(first, now)).not.toBeNull();
        await pollUntil(async () => (await store.findRefreshFamily(first, now)) === null, {
          what: 'the spent refresh token to expire',
        });
      });
    });

    describe('access token denylist', () => {
      it('when a jti is denied, then it is denied and other jtis are not', async () => {
        const jti = random('jti');
        await store.denyAccessToken(jti, nowSeconds() + 900);
        expect(await store.isAccessTokenDenied(jti)).toBe(true);
        expect(await store.isAccessTokenDenied(random('jti'))).toBe(false);
      });

      it('when a denied token reaches its exp, then the entry disappears', async () => {
        const jti = random('jti');
        await store.denyAccessToken(jti, nowSeconds() + 1);
        await pollUntil(async () => !(await store.isAccessTokenDenied(jti)), { what: 'the denylist entry to expire' });
      });

      it('when a jti is denied with an exp already past, then it is not kept', async () => {
        const jti = random('jti');
        await store.denyAccessToken(jti, nowSeconds() - 10);
        expect(await store.isAccessTokenDenied(jti)).toBe(false);
      });

      it('when a jti is denied again with an earlier exp, then the later exp still holds', async () => {
        const jti = random('jti');
        await store.denyAccessToken(jti, nowSeconds() + 900);
        await store.denyAccessToken(jti, nowSeconds() - 10);
        expect(await store.isAccessTokenDenied(jti)).toBe(true);
      });

      it('when families are issued for a subject, then findSessions lists them all and nothing for another subject', async () => {
        const subject = random('user');
        const families = [random('fam'), random('fam')];
        for (const familyId of families) {
          await store.issueRefreshToken({ tokenHash: random('hash'), familyId, subject, clientId: 'first-party', scope: 'a', issuedAt: Date.now(), expiresAt: Date.now() + 60_000 });
        }
        expect((await store.findSessions(subject)).sort()).toEqual([...families].sort());
        expect(await store.findSessions(random('user'))).toEqual([]);
      });

      it('when a session is denied, then that sid is denied, other sids are not, and no jti of the same value is', async () => {
        const sid = random('sid');
        await store.denySession(sid, nowSeconds() + 900);
        expect(await store.isSessionDenied(sid)).toBe(true);
        expect(await store.isSessionDenied(random('sid'))).toBe(false);
        expect(await store.isAccessTokenDenied(sid)).toBe(false);
      });

      it('when a denied session reaches its deadline, then the entry disappears', async () => {
        const sid = random('sid');
        await store.denySession(sid, nowSeconds() + 1);
        await pollUntil(async () => !(await store.isSessionDenied(sid)), { what: 'the session denial to expire' });
      });
    });

    describe('attempt counters', () => {
      it('when attempts are recorded, then the count grows and resetInSeconds stays within the window', async () => {
        const key = random('login');
        expect(await store.recordAttempt(key, 60)).toMatchObject({ count: 1 });
        expect(await store.recordAttempt(key, 60)).toMatchObject({ count: 2 });
        const third = await store.recordAttempt(key, 60);
        expect(third.count).toBe(3);
        expect(third.resetInSeconds).toBeGreaterThanOrEqual(1);
        expect(third.resetInSeconds).toBeLessThanOrEqual(60);
      });

      it('when attempts are peeked, then they are read without counting', async () => {
        const key = random('login');
        expect(await store.peekAttempts(key)).toEqual({ count: 0, resetInSeconds: 0 });
        await store.recordAttempt(key, 60);
        expect((await store.peekAttempts(key)).count).toBe(1);
        expect((await store.peekAttempts(key)).count).toBe(1);
      });

      it('when attempts are cleared, then the count starts again from zero', async () => {
        const key = random('login');
        await store.recordAttempt(key, 60);
        await store.recordAttempt(key, 60);
        await store.clearAttempts(key);
        expect(await store.peekAttempts(key)).toEqual({ count: 0, resetInSeconds: 0 });
        expect((await store.recordAttempt(key, 60)).count).toBe(1);
      });

      it('when an attempt is released, then the count drops by one in the same window and never below zero', async () => {
        const key = random('login');
        await store.recordAttempt(key, 60);
        await store.recordAttempt(key, 60);
        await store.releaseAttempt(key);
        const left = await store.peekAttempts(key);
        expect(left.count).toBe(1);
        expect(left.resetInSeconds).toBeGreaterThanOrEqual(1);
        expect(left.resetInSeconds).toBeLessThanOrEqual(60);
        await store.releaseAttempt(key);
        await store.releaseAttempt(key);
        expect(await store.peekAttempts(key)).toEqual({ count: 0, resetInSeconds: 0 });
        expect((await store.recordAttempt(key, 60)).count).toBe(1);
      });

      it('when the window ends, then the count returns to zero', async () => {
        const key = random('login');
        await store.recordAttempt(key, 1);
        await pollUntil(async () => (await store.peekAttempts(key)).count === 0, { what: 'the window to end' });
        expect((await store.recordAttempt(key, 1)).count).toBe(1);
      });

      it('when later attempts come within the window, then they do not extend it', async () => {
        const key = random('login');
        const first = await store.recordAttempt(key, 1);
        expect(first.resetInSeconds).toBe(1);
        await pollUntil(async () => (await store.recordAttempt(key, 60)).count === 1, {
          what: 'the first window to end despite new attempts',
        });
      });

      it('when 10 attempts race on one key, then none is lost', async () => {
        const key = random('login');
        const results = await Promise.all(Array.from({ length: 10 }, () => store.recordAttempt(key, 60)));
        expect(results.map((r) => r.count).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
        expect((await store.peekAttempts(key)).count).toBe(10);
      });

      it('when one key is counted, then another key is untouched', async () => {
        const key = random('login');
        await store.recordAttempt(key, 60);
        expect((await store.peekAttempts(random('login'))).count).toBe(0);
      });
    });

    describe('replay cache', () => {
      it('when a key is claimed twice, then the first claim is true and the second false', async () => {
        const key = random('assertion');
        expect(await store.claimOnce(key, nowSeconds() + 60)).toBe(true);
        expect(await store.claimOnce(key, nowSeconds() + 60)).toBe(false);
      });

      it('when 10 claims of one key race, then exactly one is true', async () => {
        const key = random('assertion');
        const results = await Promise.all(Array.from({ length: 10 }, () => store.claimOnce(key, nowSeconds() + 60)));
        expect(results.filter(Boolean)).toHaveLength(1);
      });

      it('when a claim expires, then the key can be claimed again', async () => {
        const key = random('assertion');
        expect(await store.claimOnce(key, nowSeconds() + 1)).toBe(true);
        await pollUntil(() => store.claimOnce(key, nowSeconds() + 60), { what: 'the claim to expire' });
      });
    });

    it('when the store is reachable, then ping resolves', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });
  });
}
