import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { NewUser, UserStore } from '../../../services/auth/domain/ports/user-store.js';

export interface UserStoreFixture {
  store: UserStore;
  /** Closes the store and removes whatever it wrote (files, database). */
  cleanup: () => Promise<void>;
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
 * The UserStore port's contract (services/auth/domain/ports/user-store.ts), run against every
 * adapter. `factory` gives each test a fresh store.
 */
export function runUserStoreContract(name: string, factory: () => Promise<UserStoreFixture>): void {
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

    it('when the store is reachable, then ping resolves', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });
  });
}
