/**
 * One page of users for the admin list and search, in an order the store keeps an index for, so a
 * page costs about `limit` index steps wherever it starts (keyset pagination, no offset):
 * - `by: 'username'`: usernames starting with `prefix` (already normalized), ascending; `after`
 *   is the last username of the previous page. Usernames are unique, so the order is total.
 * - `by: 'email'`: current (not pending) addresses starting with `prefix` (compared as stored),
 *   ascending by address, then by id (addresses are not unique); `after` is the previous page's
 *   last (address, id).
 * `prefix` '' matches every user (by e-mail: every user that has an address). Strictly after
 * `after`, so a user added or removed while an operator pages neither repeats nor hides another.
 */
export type UserPageQuery =
  | { by: 'username'; prefix: string; after?: string; limit: number }
  | { by: 'email'; prefix: string; after?: { email: string; id: string }; limit: number };

/**
 * The key of a user in the e-mail order, for stores that keep their own sorted index: the address,
 * then the id, with NUL between (lower than any character of either), so string order is the
 * (address, id) order.
 */
export const emailOrderKey = (email: string, id: string) => `${email}\u0000${id}`;
