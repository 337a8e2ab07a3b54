import type { UserStore } from '../users/user-store.js';
import type { LinkedIdentityStore } from './linked-identities.js';

/**
 * The user store every use case gets when federation is on: deleting a user (the account's own
 * deletion, the admin API) also removes its linked identities, so no upstream identity stays
 * linked to a subject that no longer exists. The user goes first: a failure in between leaves
 * links to nobody (refused at sign-in as an unavailable account), never an account unreachable
 * by its identity.
 */
export function linksFollowUsers(users: UserStore, links: LinkedIdentityStore): UserStore {
  const deleteWithLinks = async (id: string): Promise<boolean> => {
    const deleted = await users.delete(id);
    await links.unlinkAll(id);
    return deleted;
  };
  // Every other call goes to the store itself (bound: adapters may keep private fields).
  return new Proxy(users, {
    get(target, property) {
      if (property === 'delete') return deleteWithLinks;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
