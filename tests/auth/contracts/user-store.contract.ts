import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { NewUser, UserStore } from '../../../services/auth/domain/users/user-store.js';

export interface UserStoreFixture {
  store: UserStore;
  /** Closes the store and removes whatever it wrote (files, database). */
  cleanup: () => Promise<void>;
}

/** A fixture whose store was opened over a record written before `lockedAt` existed. */
export interface LegacyUserStoreFixture extends UserStoreFixture {
  /** The record as the old code wrote it: username, passwordHash, roles, createdAt and no lockedAt. */
  legacy: { id: string; username: string };
}

export interface UserStoreContractOptions {
  /**
   * For adapters that persist (embedded, mongo): a store opened over data that holds a user
   * written without `lockedAt`, straight through the backend (never through the adapter).
   */
  legacyFactory?: () => Promise<LegacyUserStoreFixture>;
}

/** Usernames unique per call, so runs against a shared server never collide. */
function newUser(overrides: Partial<NewUser> = {}): NewUser {
  return {
    username: `user-${randomBytes(6).toString('hex')}`,
    passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo',
    roles: ['user'],
    ...overrides,
  };
}

/**
 * The UserStore port's contract (services/auth/domain/users/user-store.ts), run against every
 * adapter. `factory` gives each test a fresh store.
 */
export function runUserStoreContract(name: string, factory: () => Promise<UserStoreFixture>, options: UserStoreContractOptions = {}): void {
  describe(`UserStore contract: ${name}`, () => {
    let fixture: UserStoreFixture;
    let store: UserStore;

    beforeEach(async () => {
      fixture = await factory();
      store = fixture.store;
    });
    afterEach(async () => {
      await fixture.cleanup();
    });

    it('when a user is created, then it comes back with an id, createdAt and every field', async () => {
      const input = newUser({ email: 'a@example.test', roles: ['user', 'admin'] });
      const before = Date.now();
      const created = await store.create(input);
      expect(created.id).toEqual(expect.any(String));
      expect(created.id.length).toBeGreaterThan(0);
      expect(created).toMatchObject(input);
      expect(created.createdAt).toBeInstanceOf(Date);
      expect(created.createdAt.getTime()).toBeGreaterThanOrEqual(before - 1_000);
    });

    it('when a created user is looked up by id and by username, then both give the same record', async () => {
      const created = await store.create(newUser({ email: 'b@example.test' }));
      expect(await store.findById(created.id)).toEqual(created);
      expect(await store.findByUsername(created.username)).toEqual(created);
    });

    it('when a user has no email, then the stored record has no email', async () => {
      const created = await store.create(newUser());
      expect(created.email).toBeUndefined();
      expect((await store.findById(created.id))?.email).toBeUndefined();
    });

    it('when two users are created, then their ids differ', async () => {
      const [a, b] = await Promise.all([store.create(newUser()), store.create(newUser())]);
      expect(a.id).not.toBe(b.id);
    });

    it('when a username is created twice, then the second rejects with USERNAME_TAKEN', async () => {
      const input = newUser();
      await store.create(input);
      await expect(store.create({ ...input, passwordHash: 'other' })).rejects.toMatchObject({
        code: 'USERNAME_TAKEN',
        status: 409,
      });
    });

    it('when two creates with one username race, then exactly one succeeds and the other is USERNAME_TAKEN', async () => {
      const input = newUser();
      const results = await Promise.allSettled([store.create(input), store.create({ ...input })]);
      const fulfilled = results.filter((r) => r.status === 'fulfilled');
      const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(fulfilled).toHaveLength(1);
      expect(rejected).toHaveLength(1);
      expect(rejected[0]?.reason).toMatchObject({ code: 'USERNAME_TAKEN' });
      const found = await store.findByUsername(input.username);
      expect(found?.id).toBe((fulfilled[0] as PromiseFulfilledResult<{ id: string }>).value.id);
    });

    it('when the username is unknown, then findByUsername resolves null', async () => {
      expect(await store.findByUsername(`nobody-${randomBytes(6).toString('hex')}`)).toBeNull();
    });

    it.each([
      ['an unknown id of a plausible shape', '0123456789abcdef01234567'],
      ['a random uuid', '6f1c2f8e-2c1a-4a7e-9a53-5e0d6b1f2a90'],
      ['an empty string', ''],
      ['a short word', 'nope'],
      ['an operator-looking string', '{"$ne":null}'],
      ['a path-looking string', '../../etc/passwd'],
      ['a very long string', 'x'.repeat(2_000)],
    ])('when findById gets %s, then it resolves null', async (_label, id) => {
      await store.create(newUser());
      expect(await store.findById(id)).toBeNull();
    });

    it('when a returned record is mutated, then the stored user is unchanged', async () => {
      const created = await store.create(newUser({ roles: ['user'] }));
      created.roles.push('admin');
      created.username = 'changed';
      const found = await store.findById(created.id);
      expect(found?.roles).toEqual(['user']);
      expect(found?.username).not.toBe('changed');
    });

    it('when a user is created with an address, then it is not verified and has no pending address', async () => {
      const created = await store.create(newUser({ email: 'new@example.test' }));
      expect([created.emailVerified, created.pendingEmail, (await store.findById(created.id))?.emailVerified]).toEqual([false, undefined, false]);
    });

    it('when the e-mail state is set, then all three fields are replaced together, and absent ones removed', async () => {
      const created = await store.create(newUser({ email: 'old@example.test' }));
      expect(await store.setEmailState(created.id, { email: 'old@example.test', emailVerified: true, pendingEmail: 'next@example.test' })).toBe(true);
      expect(await store.findById(created.id)).toMatchObject({ email: 'old@example.test', emailVerified: true, pendingEmail: 'next@example.test' });
      expect(await store.setEmailState(created.id, { email: 'next@example.test', emailVerified: true })).toBe(true);
      const after = await store.findById(created.id);
      expect(after).toMatchObject({ email: 'next@example.test', emailVerified: true, username: created.username, passwordHash: created.passwordHash });
      expect(after?.pendingEmail).toBeUndefined();
      expect(await store.findByUsername(created.username)).toEqual(after);
    });

    it('when accounts are looked up by address, then every account with it as its current address comes back, and none for a pending one', async () => {
      const address = `shared-${randomBytes(4).toString('hex')}@example.test`;
      const a = await store.create(newUser({ email: address }));
      const b = await store.create(newUser({ email: address }));
      const c = await store.create(newUser({ email: 'other@example.test' }));
      await store.setEmailState(c.id, { email: 'other@example.test', emailVerified: true, pendingEmail: address });
      expect((await store.findByEmail(address)).map((u) => u.id).sort()).toEqual([a.id, b.id].sort());
      expect(await store.findByEmail(`none-${randomBytes(4).toString('hex')}@example.test`)).toEqual([]);
    });

    it('when the password hash is replaced, then the new one is stored and nothing else changes', async () => {
      const created = await store.create(newUser({ email: 'p@example.test' }));
      expect(await store.setPasswordHash(created.id, '$argon2id$new')).toBe(true);
      expect(await store.findById(created.id)).toEqual({ ...created, passwordHash: '$argon2id$new' });
    });

    it('when an unknown id is given, then setEmailState and setPasswordHash resolve false', async () => {
      for (const id of ['nope', '0123456789abcdef01234567']) expect([await store.setEmailState(id, { emailVerified: true }), await store.setPasswordHash(id, 'x')]).toEqual([false, false]);
    });

    describe('deletion (issue 23, point 4)', () => {
      it('when a user is deleted, then it is gone by id, username and address, and another user stays', async () => {
        const gone = await store.create(newUser({ email: 'gone@example.test' }));
        const kept = await store.create(newUser());
        expect(await store.delete(gone.id)).toBe(true);
        expect(await store.findById(gone.id)).toBeNull();
        expect(await store.findByUsername(gone.username)).toBeNull();
        expect((await store.findByEmail('gone@example.test')).map((u) => u.id)).not.toContain(gone.id);
        expect((await store.findById(kept.id))?.username).toBe(kept.username);
      });

      it('when a deleted user\'s name is registered again, then it is a new account with another id', async () => {
        const first = await store.create(newUser());
        await store.delete(first.id);
        const again = await store.create(newUser({ username: first.username }));
        expect(again.id).not.toBe(first.id);
        expect((await store.findByUsername(first.username))?.id).toBe(again.id);
      });

      it('when an unknown, odd or already deleted id is deleted, then false and nothing changes', async () => {
        const user = await store.create(newUser());
        expect(await store.delete('nope')).toBe(false);
        expect(await store.delete('0123456789abcdef01234567')).toBe(false);
        expect(await store.delete({ $ne: null } as unknown as string)).toBe(false);
        expect(await store.findById(user.id)).not.toBeNull();
        await store.delete(user.id);
        expect(await store.delete(user.id)).toBe(false);
      });
    });

    describe('list pages (issue 24, point 2)', () => {
      /** A prefix unique to this test, so a shared server's other users never show. */
      const freshPrefix = () => `p${randomBytes(4).toString('hex')}-`;
      const names = (page: { username: string }[]) => page.map((u) => u.username);

      it('when users are paged by username, then each page continues strictly after the last, in order, and the end is []', async () => {
        const prefix = freshPrefix();
        const created = await Promise.all(['d', 'a', 'e', 'b', 'c'].map((s) => store.create(newUser({ username: `${prefix}${s}` }))));
        const first = await store.listPage({ by: 'username', prefix, limit: 2 });
        expect(names(first)).toEqual([`${prefix}a`, `${prefix}b`]);
        expect(first[0]).toEqual(created[1]);
        const second = await store.listPage({ by: 'username', prefix, after: first[1]!.username, limit: 2 });
        expect(names(second)).toEqual([`${prefix}c`, `${prefix}d`]);
        const third = await store.listPage({ by: 'username', prefix, after: second[1]!.username, limit: 2 });
        expect(names(third)).toEqual([`${prefix}e`]);
        expect(await store.listPage({ by: 'username', prefix, after: `${prefix}e`, limit: 2 })).toEqual([]);
      });

      it('when users are added and removed between pages, then the next page neither repeats nor skips a user that was there', async () => {
        const prefix = freshPrefix();
        for (const s of ['b', 'd', 'f', 'h']) await store.create(newUser({ username: `${prefix}${s}` }));
        const first = await store.listPage({ by: 'username', prefix, limit: 2 });
        expect(names(first)).toEqual([`${prefix}b`, `${prefix}d`]);
        await store.create(newUser({ username: `${prefix}a` }));
        await store.create(newUser({ username: `${prefix}c` }));
        await store.create(newUser({ username: `${prefix}g` }));
        const gone = await store.findByUsername(`${prefix}h`);
        await store.delete(gone!.id);
        const rest = await store.listPage({ by: 'username', prefix, after: first[1]!.username, limit: 10 });
        expect(names(rest)).toEqual([`${prefix}f`, `${prefix}g`]);
      });

      it('when the prefix matches nobody, or is a regex or operator in disguise, then [] and no error', async () => {
        const prefix = freshPrefix();
        await store.create(newUser({ username: `${prefix}x` }));
        for (const odd of [`${prefix}y`, '.*', '^', '[', '(?', '\\', '$where', '{"$gt":""}']) {
          expect(await store.listPage({ by: 'username', prefix: odd, limit: 5 })).toEqual([]);
        }
      });

      it('when the prefix is empty, then users come from the start of the order', async () => {
        await store.create(newUser());
        const page = await store.listPage({ by: 'username', prefix: '', limit: 3 });
        expect(page.length).toBeGreaterThan(0);
        expect(names(page)).toEqual([...names(page)].sort());
      });

      it('when users are searched by address prefix, then (address, id) order pages through shared addresses; pending and absent addresses do not match', async () => {
        const domain = `${randomBytes(4).toString('hex')}.example.test`;
        const shared = await Promise.all([1, 2, 3].map(() => store.create(newUser({ email: `ann@${domain}` }))));
        const bob = await store.create(newUser({ email: `bob@${domain}` }));
        const pending = await store.create(newUser({ email: `zed@other-${domain}` }));
        await store.setEmailState(pending.id, { email: `zed@other-${domain}`, emailVerified: true, pendingEmail: `ann@${domain}` });
        await store.create(newUser());
        const sharedIds = shared.map((u) => u.id).sort();
        const byAddress = async (prefix: string) => {
          const seen: string[] = [];
          let after: { email: string; id: string } | undefined;
          for (;;) {
            const page = await store.listPage({ by: 'email', prefix, limit: 2, ...(after ? { after } : {}) });
            if (page.length === 0) return seen;
            seen.push(...page.map((u) => u.id));
            const last = page[page.length - 1]!;
            after = { email: last.email!, id: last.id };
          }
        };
        // Ids sort the same way in a store's own order as the store compares them; the test only
        // asks that the three shared ones come before bob, each once.
        const annOnly = await byAddress('ann@');
        expect(annOnly.filter((id) => sharedIds.includes(id)).sort()).toEqual(sharedIds);
        expect(new Set(annOnly).size).toBe(annOnly.length);
        const all = await byAddress(`ann@${domain}`);
        expect([...all].sort()).toEqual(sharedIds);
        const both = (await byAddress('')).filter((id) => [...sharedIds, bob.id].includes(id));
        expect(both.slice(0, 3).sort()).toEqual(sharedIds);
        expect(both[3]).toBe(bob.id);
        expect(both).not.toContain(pending.id);
      });

      it('when an address changes or its user is deleted, then the search follows', async () => {
        const domain = `${randomBytes(4).toString('hex')}.example.test`;
        const user = await store.create(newUser({ email: `old@${domain}` }));
        await store.setEmailState(user.id, { email: `new@${domain}`, emailVerified: true });
        expect(await store.listPage({ by: 'email', prefix: `old@${domain}`, limit: 5 })).toEqual([]);
        expect((await store.listPage({ by: 'email', prefix: `new@${domain}`, limit: 5 })).map((u) => u.id)).toEqual([user.id]);
        await store.setEmailState(user.id, { emailVerified: false });
        expect(await store.listPage({ by: 'email', prefix: `new@${domain}`, limit: 5 })).toEqual([]);
        await store.setEmailState(user.id, { email: `back@${domain}`, emailVerified: false });
        await store.delete(user.id);
        expect(await store.listPage({ by: 'email', prefix: `back@${domain}`, limit: 5 })).toEqual([]);
        expect(await store.listPage({ by: 'username', prefix: user.username, limit: 5 })).toEqual([]);
      });

      it('when a deleted name is registered again, then it is listed once, as the new account', async () => {
        const prefix = freshPrefix();
        const first = await store.create(newUser({ username: `${prefix}same` }));
        await store.delete(first.id);
        const again = await store.create(newUser({ username: `${prefix}same` }));
        expect((await store.listPage({ by: 'username', prefix, limit: 5 })).map((u) => u.id)).toEqual([again.id]);
      });
    });

    it('when the store is reachable, then ping resolves', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });

    describe('roles', () => {
      it('when roles are set, then the user has exactly those, by id and by username, and nothing else changes', async () => {
        const created = await store.create(newUser({ email: 'roles@example.test' }));
        const updated = await store.setRoles(created.id, ['user', 'admin', 'billing']);
        expect(updated).toEqual({ ...created, roles: ['user', 'admin', 'billing'] });
        expect(await store.findById(created.id)).toEqual(updated);
        expect(await store.findByUsername(created.username)).toEqual(updated);
        expect((await store.setRoles(created.id, ['user']))?.roles).toEqual(['user']);
        expect((await store.setRoles(created.id, []))?.roles).toEqual([]);
      });

      it('when an unknown or odd id gets roles, then null and no user changes', async () => {
        const other = await store.create(newUser());
        for (const id of ['no-such-user', '0123456789abcdef01234567', '', '{"$gt":""}']) {
          expect(await store.setRoles(id, ['admin'])).toBeNull();
        }
        expect((await store.findById(other.id))?.roles).toEqual(other.roles);
      });
    });

    describe('users with a role (last admin checks)', () => {
      it('when users with a role are asked for, then those with it come, up to the limit, and a role taken away stops counting', async () => {
        const role = `r${randomBytes(4).toString('hex')}`;
        const [a, b, c] = await Promise.all([1, 2, 3].map(() => store.create(newUser({ roles: ['user', role] }))));
        await store.create(newUser({ roles: ['user'] }));
        expect((await store.findWithRole(role, 10)).map((u) => u.id).sort()).toEqual([a!.id, b!.id, c!.id].sort());
        expect(await store.findWithRole(role, 2)).toHaveLength(2);
        await store.setRoles(a!.id, ['user']);
        await store.delete(b!.id);
        expect((await store.findWithRole(role, 10)).map((u) => u.id)).toEqual([c!.id]);
        expect(await store.findWithRole(`none-${role}`, 10)).toEqual([]);
      });
    });

    describe('account lock', () => {
      it('when a user is created, then it is unlocked, by id and by username', async () => {
        const created = await store.create(newUser());
        expect(created.lockedAt).toBeNull();
        expect((await store.findById(created.id))?.lockedAt).toBeNull();
        expect((await store.findByUsername(created.username))?.lockedAt).toBeNull();
      });

      it('when a user is locked and unlocked, then lockedAt is stamped then cleared, and nothing else changes', async () => {
        const created = await store.create(newUser({ email: 'lock@example.test' }));
        const before = Date.now();
        expect(await store.setLocked(created.id, true)).toBe(true);
        const locked = await store.findById(created.id);
        expect(locked?.lockedAt).toBeInstanceOf(Date);
        expect(locked?.lockedAt?.getTime()).toBeGreaterThanOrEqual(before - 1_000);
        expect(locked?.lockedAt?.getTime()).toBeLessThanOrEqual(Date.now() + 1_000);
        expect(await store.findByUsername(created.username)).toEqual(locked);
        expect({ ...locked, lockedAt: null }).toEqual(created);

        expect(await store.setLocked(created.id, false)).toBe(true);
        expect(await store.findById(created.id)).toEqual(created);
      });

      it('when a locked user is locked again, then the first lockedAt stays; unlocking twice is harmless', async () => {
        const created = await store.create(newUser());
        await store.setLocked(created.id, true);
        const first = (await store.findById(created.id))?.lockedAt;
        expect(await store.setLocked(created.id, true)).toBe(true);
        expect((await store.findById(created.id))?.lockedAt).toEqual(first);
        expect(await store.setLocked(created.id, false)).toBe(true);
        expect(await store.setLocked(created.id, false)).toBe(true);
        expect((await store.findById(created.id))?.lockedAt).toBeNull();
      });

      it('when one user is locked, then another stays unlocked', async () => {
        const [a, b] = await Promise.all([store.create(newUser()), store.create(newUser())]);
        await store.setLocked(a.id, true);
        expect((await store.findById(b.id))?.lockedAt).toBeNull();
      });

      it.each([
        ['an unknown id of a plausible shape', '0123456789abcdef01234567'],
        ['a random uuid', '6f1c2f8e-2c1a-4a7e-9a53-5e0d6b1f2a90'],
        ['an empty string', ''],
        ['an operator-looking string', '{"$ne":null}'],
      ])('when setLocked gets %s, then it resolves false either way and writes nothing', async (_label, id) => {
        const created = await store.create(newUser());
        expect(await store.setLocked(id, true)).toBe(false);
        expect(await store.setLocked(id, false)).toBe(false);
        expect(await store.findById(id)).toBeNull();
        expect((await store.findById(created.id))?.lockedAt).toBeNull();
      });
    });
  });

  const { legacyFactory } = options;
  if (legacyFactory) {
    describe(`UserStore contract: ${name}, records written before lockedAt existed`, () => {
      let fixture: LegacyUserStoreFixture;
      beforeEach(async () => {
        fixture = await legacyFactory();
      });
      afterEach(async () => {
        await fixture.cleanup();
      });

      it('when an old record is read, then it is unlocked, by id and by username', async () => {
        const byId = await fixture.store.findById(fixture.legacy.id);
        expect(byId).toMatchObject({ id: fixture.legacy.id, username: fixture.legacy.username, lockedAt: null, emailVerified: false });
        expect(await fixture.store.findByUsername(fixture.legacy.username)).toEqual(byId);
      });

      it('when an old record is locked and unlocked, then both take effect', async () => {
        expect(await fixture.store.setLocked(fixture.legacy.id, true)).toBe(true);
        expect((await fixture.store.findById(fixture.legacy.id))?.lockedAt).toBeInstanceOf(Date);
        expect(await fixture.store.setLocked(fixture.legacy.id, false)).toBe(true);
        expect((await fixture.store.findById(fixture.legacy.id))?.lockedAt).toBeNull();
      });
    });
  }
}
