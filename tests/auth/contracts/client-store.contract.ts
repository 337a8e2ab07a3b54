import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ClientConfig, ClientStore, Clock, PublicJwks } from '../../../services/auth/domain/clients/client-store.js';

export interface ClientStoreFixture {
  store: ClientStore;
  /** Closes the store and removes whatever it wrote (files, database). */
  cleanup: () => Promise<void>;
}

/** Gets a fresh store that reads the time from `clock`, so tests can tell timestamps apart exactly. */
export type ClientStoreFactory = (clock: Clock) => Promise<ClientStoreFixture>;

const SECRET_HASH = '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo';
const JWKS: PublicJwks = {
  keys: [{ kty: 'RSA', kid: 'key-1', use: 'sig', alg: 'RS256', n: 'sXchDaQebHnPiGvyDOAT4saGEUetSyo9MKLOoWFsueri23bOdgWp4Dy1Wl', e: 'AQAB' }],
};

/** Client ids unique per call, so runs against a shared server never collide. */
function newClient(overrides: Partial<ClientConfig> = {}): ClientConfig {
  return {
    clientId: `client-${randomBytes(6).toString('hex')}`,
    secretHash: SECRET_HASH,
    tokenEndpointAuthMethods: ['client_secret_basic', 'client_secret_post'],
    scopes: ['notes:read', 'notes:write'],
    audiences: ['api'],
    grantTypes: ['client_credentials'],
    ...overrides,
  };
}

function withoutSecret(client: ClientConfig): ClientConfig {
  const { secretHash: _dropped, ...rest } = client;
  return rest;
}

/**
 * The ClientStore port's contract (services/auth/domain/clients/client-store.ts), run against every
 * adapter. `factory` gives each test a fresh store on a clock the test moves by hand.
 */
export function runClientStoreContract(name: string, factory: ClientStoreFactory): void {
  describe(`ClientStore contract: ${name}`, () => {
    const t0 = Date.parse('2026-01-01T00:00:00.000Z');
    let nowMs = t0;
    const clock: Clock = () => new Date(nowMs);
    const advance = (ms: number) => {
      nowMs += ms;
      return new Date(nowMs);
    };
    let fixture: ClientStoreFixture;
    let store: ClientStore;

    beforeEach(async () => {
      nowMs = t0;
      fixture = await factory(clock);
      store = fixture.store;
    });
    afterEach(async () => {
      await fixture.cleanup();
    });

    describe('create', () => {
      it('when a client is created, then it comes back with every field, created and updated now, enabled', async () => {
        const input = newClient({ jwks: JWKS, tokenEndpointAuthMethods: ['client_secret_basic', 'private_key_jwt'] });
        const created = await store.create(input);
        expect(created).toEqual({ ...input, createdAt: new Date(t0), updatedAt: new Date(t0), disabledAt: null });
      });

      it('when a created client is looked up, then findById gives the same record', async () => {
        const created = await store.create(newClient());
        expect(await store.findById(created.clientId)).toEqual(created);
      });

      it('when a client has no secret and no jwks, then the stored record has neither', async () => {
        const input = withoutSecret(newClient({ tokenEndpointAuthMethods: ['none'], grantTypes: ['refresh_token'] }));
        const created = await store.create(input);
        const found = await store.findById(created.clientId);
        expect(found).not.toBeNull();
        expect(found).not.toHaveProperty('secretHash');
        expect(found).not.toHaveProperty('jwks');
        expect(found).toMatchObject({ tokenEndpointAuthMethods: ['none'], grantTypes: ['refresh_token'] });
      });

      it('when a client has a token_exchange allowance, then it comes back whole; upserting without one removes it', async () => {
        const tokenExchange = { audiences: ['api', 'billing'], scopes: ['notes:read'] };
        const created = await store.create(newClient({ tokenExchange }));
        expect((await store.findById(created.clientId))?.tokenExchange).toEqual(tokenExchange);
        const { tokenExchange: _dropped, createdAt: _c, updatedAt: _u, disabledAt: _d, ...config } = created;
        await store.upsert(config);
        expect(await store.findById(created.clientId)).not.toHaveProperty('tokenExchange');
        expect(await store.findById(newClient().clientId)).toBeNull();
      });

      it('when a client has empty scopes and audiences, then they come back empty, not missing', async () => {
        const created = await store.create(newClient({ scopes: [], audiences: [] }));
        expect(await store.findById(created.clientId)).toMatchObject({ scopes: [], audiences: [] });
      });

      it('when a client id is created twice, then the second rejects with CLIENT_EXISTS 409 and the first is unchanged', async () => {
        const input = newClient();
        const first = await store.create(input);
        advance(1_000);
        await expect(store.create({ ...input, scopes: ['other'] })).rejects.toMatchObject({
          code: 'CLIENT_EXISTS',
          status: 409,
          error: 'client_exists',
        });
        expect(await store.findById(input.clientId)).toEqual(first);
      });

      it('when five creates of one client id race, then exactly one succeeds and the others are CLIENT_EXISTS', async () => {
        const input = newClient();
        const results = await Promise.allSettled(
          Array.from({ length: 5 }, (_, i) => store.create({ ...input, scopes: [`scope-${i}`] })),
        );
        const fulfilled = results.filter((r) => r.status === 'fulfilled');
        const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
        expect(fulfilled).toHaveLength(1);
        expect(rejected).toHaveLength(4);
        for (const r of rejected) expect(r.reason).toMatchObject({ code: 'CLIENT_EXISTS' });
        expect(await store.findById(input.clientId)).toEqual(fulfilled[0]?.value);
        expect(await store.list()).toHaveLength(1);
      });
    });

    describe('upsert', () => {
      it('when the client id is unknown, then upsert creates it, enabled, and says so', async () => {
        const input = newClient();
        const result = await store.upsert(input);
        expect(result.created).toBe(true);
        expect(result.client).toEqual({ ...input, createdAt: new Date(t0), updatedAt: new Date(t0), disabledAt: null });
        expect(await store.findById(input.clientId)).toEqual(result.client);
      });

      it('when the client exists, then upsert replaces its configuration, keeps createdAt and moves updatedAt', async () => {
        const original = await store.create(newClient());
        const later = advance(60_000);
        const replacement = newClient({
          clientId: original.clientId,
          scopes: ['reports:read'],
          audiences: ['reports', 'api'],
          tokenEndpointAuthMethods: ['client_secret_post'],
        });
        const result = await store.upsert(replacement);
        expect(result.created).toBe(false);
        expect(result.client).toEqual({ ...replacement, createdAt: original.createdAt, updatedAt: later, disabledAt: null });
        expect(await store.findById(original.clientId)).toEqual(result.client);
      });

      it('when an upsert leaves out the secret and adds jwks, then the old secret hash is gone', async () => {
        const original = await store.create(newClient());
        advance(1_000);
        const replacement = withoutSecret(
          newClient({ clientId: original.clientId, jwks: JWKS, tokenEndpointAuthMethods: ['private_key_jwt'] }),
        );
        await store.upsert(replacement);
        const found = await store.findById(original.clientId);
        expect(found).not.toHaveProperty('secretHash');
        expect(found?.jwks).toEqual(JWKS);
        expect(found?.tokenEndpointAuthMethods).toEqual(['private_key_jwt']);
      });

      it('when an upsert leaves out jwks, then the old jwks are gone', async () => {
        const original = await store.create(newClient({ jwks: JWKS }));
        await store.upsert(newClient({ clientId: original.clientId }));
        expect(await store.findById(original.clientId)).not.toHaveProperty('jwks');
      });

      it('when an app client with every RFC 7591 field is upserted, then each field round-trips, and a later upsert without them removes them', async () => {
        const app = newClient({
          secretHash: undefined,
          tokenEndpointAuthMethods: ['none'],
          grantTypes: ['authorization_code', 'refresh_token'],
          clientName: 'Notes SPA',
          redirectUris: ['https://app.example/cb', 'http://localhost:8080/cb'],
          postLogoutRedirectUris: ['https://app.example/'],
          firstParty: true,
          dpopBoundAccessTokens: false,
        });
        delete app.secretHash;
        const { client } = await store.upsert(app);
        expect(client).toMatchObject(app);
        expect(await store.findById(app.clientId)).toMatchObject(app);
        const bare = newClient({ clientId: app.clientId });
        await store.upsert(bare);
        const after = await store.findById(app.clientId);
        for (const field of ['clientName', 'redirectUris', 'postLogoutRedirectUris', 'firstParty', 'dpopBoundAccessTokens'] as const) {
          expect(after, field).not.toHaveProperty(field);
        }
      });

      it('when an app client is created, then its redirect URIs and flags come back from findById and list', async () => {
        const app = newClient({ redirectUris: ['https://a.example/cb'], firstParty: false, dpopBoundAccessTokens: true, clientName: 'A' });
        await store.create(app);
        expect(await store.findById(app.clientId)).toMatchObject({ redirectUris: ['https://a.example/cb'], firstParty: false, dpopBoundAccessTokens: true, clientName: 'A' });
        expect((await store.list()).find((c) => c.clientId === app.clientId)).toMatchObject({ redirectUris: ['https://a.example/cb'] });
      });

      it('when a disabled client is upserted, then it stays disabled with its first disabledAt', async () => {
        const original = await store.create(newClient());
        const disabledAt = advance(1_000);
        await store.disable(original.clientId);
        advance(1_000);
        const result = await store.upsert(newClient({ clientId: original.clientId, scopes: ['x'] }));
        expect(result.client.disabledAt).toEqual(disabledAt);
        expect((await store.findById(original.clientId))?.disabledAt).toEqual(disabledAt);
      });

      it('when the same client is upserted twice, then there is still one client', async () => {
        const input = newClient();
        await store.upsert(input);
        advance(1_000);
        const second = await store.upsert({ ...input, scopes: ['changed'] });
        expect(second.created).toBe(false);
        expect(second.client.createdAt).toEqual(new Date(t0));
        const all = await store.list();
        expect(all).toHaveLength(1);
        expect(all[0]?.scopes).toEqual(['changed']);
      });

      it('when upserts of one new client id race, then one client exists and exactly one call says created', async () => {
        const input = newClient();
        const results = await Promise.all(
          Array.from({ length: 5 }, (_, i) => store.upsert({ ...input, scopes: [`scope-${i}`] })),
        );
        expect(results.filter((r) => r.created)).toHaveLength(1);
        const all = await store.list();
        expect(all).toHaveLength(1);
        expect(all[0]?.createdAt).toEqual(new Date(t0));
      });

      it('when a create races an upsert of the same id, then one client exists and nothing rejects but a create', async () => {
        const input = newClient();
        const [created, upserted] = await Promise.allSettled([store.create(input), store.upsert({ ...input, scopes: ['u'] })]);
        expect(upserted.status).toBe('fulfilled');
        if (created.status === 'rejected') expect(created.reason).toMatchObject({ code: 'CLIENT_EXISTS' });
        expect(await store.list()).toHaveLength(1);
      });
    });

    describe('list', () => {
      it('when the store is empty, then list gives an empty array', async () => {
        expect(await store.list()).toEqual([]);
      });

      it('when there are clients, then list gives every one ordered by client id, disabled ones and secret hashes included', async () => {
        const suffix = randomBytes(4).toString('hex');
        const b = await store.create(newClient({ clientId: `b-${suffix}` }));
        const a = await store.create(withoutSecret(newClient({ clientId: `a-${suffix}`, jwks: JWKS, tokenEndpointAuthMethods: ['private_key_jwt'] })));
        const c = await store.create(newClient({ clientId: `c-${suffix}` }));
        await store.disable(c.clientId);
        const listed = await store.list();
        expect(listed.map((client) => client.clientId)).toEqual([a.clientId, b.clientId, c.clientId]);
        expect(listed[0]).toEqual(a);
        expect(listed[1]?.secretHash).toBe(SECRET_HASH);
        expect(listed[2]?.disabledAt).toEqual(new Date(t0));
      });
    });

    describe('disable', () => {
      it('when an enabled client is disabled, then disable resolves true and disabledAt and updatedAt are now', async () => {
        const created = await store.create(newClient());
        const at = advance(5_000);
        expect(await store.disable(created.clientId)).toBe(true);
        expect(await store.findById(created.clientId)).toEqual({ ...created, disabledAt: at, updatedAt: at });
      });

      it('when a disabled client is disabled again, then it resolves true and keeps its first disabledAt', async () => {
        const created = await store.create(newClient());
        const first = advance(1_000);
        await store.disable(created.clientId);
        advance(1_000);
        expect(await store.disable(created.clientId)).toBe(true);
        const found = await store.findById(created.clientId);
        expect(found?.disabledAt).toEqual(first);
        expect(found?.updatedAt).toEqual(first);
      });

      it('when the client id is unknown, then disable resolves false and creates nothing', async () => {
        expect(await store.disable(`nobody-${randomBytes(6).toString('hex')}`)).toBe(false);
        expect(await store.list()).toEqual([]);
      });
    });

    describe('delete', () => {
      it('when a client is deleted, then delete resolves true and the client is gone', async () => {
        const created = await store.create(newClient());
        const other = await store.create(newClient());
        expect(await store.delete(created.clientId)).toBe(true);
        expect(await store.findById(created.clientId)).toBeNull();
        expect(await store.list()).toEqual([other]);
      });

      it('when a deleted client is deleted again, then it resolves false', async () => {
        const created = await store.create(newClient());
        await store.delete(created.clientId);
        expect(await store.delete(created.clientId)).toBe(false);
      });

      it('when a client was deleted, then its id can be created again, fresh and enabled', async () => {
        const created = await store.create(newClient());
        await store.disable(created.clientId);
        await store.delete(created.clientId);
        const later = advance(1_000);
        const again = await store.create(newClient({ clientId: created.clientId }));
        expect(again).toMatchObject({ createdAt: later, updatedAt: later, disabledAt: null });
      });

      it('when the client id is unknown, then delete resolves false', async () => {
        await store.create(newClient());
        expect(await store.delete(`nobody-${randomBytes(6).toString('hex')}`)).toBe(false);
        expect(await store.list()).toHaveLength(1);
      });
    });

    it.each([
      ['an empty string', ''],
      ['a different case of a stored id', 'UPPER'],
      ['an operator-looking string', '{"$ne":null}'],
      ['a regex-looking string', '.*'],
      ['a path-looking string', '../../etc/passwd'],
      ['a very long string', 'x'.repeat(2_000)],
    ])('when findById gets %s, then it resolves null', async (_label, id) => {
      await store.create(newClient({ clientId: 'upper' }));
      expect(await store.findById(id)).toBeNull();
    });

    it('when a returned record is mutated, then the stored client is unchanged', async () => {
      const created = await store.create(newClient({ jwks: structuredClone(JWKS) }));
      created.scopes.push('admin');
      created.jwks?.keys.push({ kty: 'RSA', n: 'x', e: 'AQAB' });
      created.createdAt.setTime(0);
      const found = await store.findById(created.clientId);
      expect(found?.scopes).toEqual(['notes:read', 'notes:write']);
      expect(found?.jwks).toEqual(JWKS);
      expect(found?.createdAt).toEqual(new Date(t0));
    });

    it('when a config passed in is mutated after the call, then the stored client is unchanged', async () => {
      const input = newClient();
      await store.create(input);
      input.scopes.push('admin');
      expect((await store.findById(input.clientId))?.scopes).toEqual(['notes:read', 'notes:write']);
    });

    it('when the store is reachable, then ping resolves', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });
  });
}
