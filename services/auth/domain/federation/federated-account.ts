import { isAppError } from '../../../../lib/errors.js';
import type { UserRecord, UserStore } from '../users/user-store.js';
import { normalizeUsername, usernameProblem } from '../users/username.js';
import type { ClaimMapping } from './identity-providers-file.js';
import { federationErrors } from './federation-errors.js';
import type { LinkedIdentityStore } from './linked-identities.js';
import type { UpstreamIdentity } from './upstream-provider.js';

/**
 * The password hash of an account made by a federated sign-in: argon2id of 48 random bytes that
 * were thrown away, so no password matches it and the login path needs no special case. A
 * password set later (reset) replaces it; until then the account has no password (last-way rule).
 */
export const NO_PASSWORD_HASH = '$argon2id$v=19$m=19456,t=2,p=1$JjkLOZjJ46+LXZCUa9mcOg$HrlLL4oLDrMOcbDLcjUDB6WzsgB4nFbm35zr4eNrcq8';

/** Name collisions on first sign-in: `alice`, then `alice-2` ... `alice-5`, then `alice-` and 6 random hex. */
const NUMBERED_TRIES = 5;
const USERNAME_MAX = 64;

export interface FederatedProvider {
  id: string;
  name: string;
  issuer: string;
  claims: ClaimMapping;
}

const stringClaim = (claims: Record<string, unknown>, name: string): string | undefined => {
  const value = claims[name];
  if (typeof value === 'string' && value !== '') return value;
  return typeof value === 'number' && Number.isSafeInteger(value) ? String(value) : undefined;
};

/** The local roles the upstream grants: only the listed values of the listed claim. */
export function mappedRoles(provider: FederatedProvider, claims: Record<string, unknown>): { managed: string[]; granted: string[] } {
  const rule = provider.claims.roles;
  if (!rule) return { managed: [], granted: [] };
  const raw = claims[rule.claim];
  const given = new Set(Array.isArray(raw) ? raw.filter((v): v is string => typeof v === 'string') : typeof raw === 'string' ? raw.split(' ') : []);
  return { managed: rule.values, granted: rule.values.filter((role) => given.has(role)) };
}

/**
 * Finds or makes the local account of an upstream identity. Never by e-mail: an address that
 * matches an existing account links nothing (keycloak#52321); linking an existing account is
 * only done for its proven owner (linkTo).
 */
export function createFederatedAccounts({ users, links, randomHex }: { users: UserStore; links: LinkedIdentityStore; randomHex: (bytes: number) => string }) {
  async function createUser(provider: FederatedProvider, identity: UpstreamIdentity): Promise<UserRecord> {
    const email = stringClaim(identity.claims, provider.claims.email);
    const wanted = normalizeUsername(stringClaim(identity.claims, provider.claims.username) ?? '');
    const base = usernameProblem(wanted) ? `${provider.id}-${randomHex(4)}`.slice(0, USERNAME_MAX) : wanted;
    const candidates = [base, ...Array.from({ length: NUMBERED_TRIES - 1 }, (_, i) => `${base.slice(0, USERNAME_MAX - 3)}-${i + 2}`), `${base.slice(0, USERNAME_MAX - 7)}-${randomHex(3)}`];
    const roles = mappedRoles(provider, identity.claims).granted;
    for (const username of candidates) {
      try {
        // The address is kept unverified: this service did not prove it, and it never links accounts.
        return await users.create({ username, passwordHash: NO_PASSWORD_HASH, roles, ...(email && email.length <= 254 ? { email } : {}) });
      } catch (err) {
        if (!isAppError(err) || err.code !== 'USERNAME_TAKEN') throw err;
      }
    }
    throw federationErrors.upstreamInvalid(provider.name);
  }

  /** Roles the upstream manages follow it at each sign-in; roles given here otherwise stay. */
  async function syncRoles(provider: FederatedProvider, user: UserRecord, claims: Record<string, unknown>): Promise<UserRecord> {
    const { managed, granted } = mappedRoles(provider, claims);
    if (managed.length === 0) return user;
    const next = [...user.roles.filter((role) => !managed.includes(role)), ...granted];
    const same = next.length === user.roles.length && next.every((role) => user.roles.includes(role));
    return same ? user : ((await users.setRoles(user.id, [...new Set(next)])) ?? user);
  }

  const labelOf = (provider: FederatedProvider, identity: UpstreamIdentity) =>
    (stringClaim(identity.claims, provider.claims.username) ?? stringClaim(identity.claims, provider.claims.email) ?? identity.subject).slice(0, 200);

  return {
    /** The account of this identity: the linked one, or a new one (no half-made account on failure). */
    async signIn(provider: FederatedProvider, identity: UpstreamIdentity): Promise<{ user: UserRecord; created: boolean }> {
      const linked = await links.find(provider.issuer, identity.subject);
      if (linked) {
        const user = await users.findById(linked.userId);
        if (!user || user.lockedAt) throw federationErrors.accountUnavailable();
        return { user: await syncRoles(provider, user, identity.claims), created: false };
      }
      const user = await createUser(provider, identity);
      try {
        await links.link({ userId: user.id, providerId: provider.id, issuer: provider.issuer, subject: identity.subject, label: labelOf(provider, identity) });
        return { user, created: true };
      } catch (err) {
        // A concurrent first sign-in of the same identity won, or the store failed: this account goes.
        await users.delete(user.id);
        if (isAppError(err) && err.code === 'FEDERATION_IDENTITY_TAKEN') {
          const winner = await links.find(provider.issuer, identity.subject);
          const user = winner ? await users.findById(winner.userId) : null;
          if (user && !user.lockedAt) return { user, created: false };
        }
        throw err;
      }
    },

    /** Links the identity to `userId`, whose owner proved the account (a live session of it); `created` when the link is new. */
    async linkTo(userId: string, provider: FederatedProvider, identity: UpstreamIdentity): Promise<{ user: UserRecord; created: boolean }> {
      const user = await users.findById(userId);
      if (!user || user.lockedAt) throw federationErrors.accountUnavailable();
      const linked = await links.find(provider.issuer, identity.subject);
      if (linked && linked.userId !== userId) throw federationErrors.identityTaken();
      if (!linked) await links.link({ userId, providerId: provider.id, issuer: provider.issuer, subject: identity.subject, label: labelOf(provider, identity) });
      return { user, created: !linked };
    },
  };
}
