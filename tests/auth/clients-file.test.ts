import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { inspect } from 'node:util';
import { randomBytes } from 'node:crypto';
import { Argon2PasswordHasher } from '../../services/auth/adapters/passwords/argon2-password-hasher.js';
import { HmacClientSecretHasher } from '../../services/auth/adapters/passwords/hmac-client-secret-hasher.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../lib/config.js';
import { MemoryClientStore } from '../../services/auth/adapters/memory/memory-client-store.js';
import { MemoryUserStore } from '../../services/auth/adapters/memory/memory-user-store.js';
import { generateClientSecret } from '../../services/auth/domain/clients/client-secret.js';
import { parseClientsFile } from '../../services/auth/adapters/clients-file/clients-file-reader.js';
import { ClientsFileError, SecretValue } from '../../services/auth/domain/clients/clients-file.js';
import type { ClientConfig } from '../../services/auth/domain/clients/client-store.js';
import { applyClientsFile } from '../../services/auth/apply-clients-file.js';

const REPORTS_SECRET = generateClientSecret();
const env = {
  REPORTS_CLIENT_SECRET: REPORTS_SECRET,
  // Weaker than a generated secret, each in its own way.
  SHORT_SECRET: 'too-short-s3cr3t',
  WORDY_SECRET: 'reports-secret-0123456789abcdefghijklmnop',
  REPEATED_SECRET: 'b'.repeat(64),
  PATTERN_SECRET: 'ab'.repeat(40),
  EMPTY_SECRET: '',
};

const rsaKeys = generateKeyPairSync('rsa', { modulusLength: 2048 });
const RSA_PUBLIC = { ...rsaKeys.publicKey.export({ format: 'jwk' }), kid: 'billing-1', alg: 'RS256', use: 'sig' };
const RSA_PRIVATE = { ...rsaKeys.privateKey.export({ format: 'jwk' }), kid: 'billing-1' };
const EC_PUBLIC = { ...generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' }), kid: 'billing-ec', alg: 'ES256' };
const RSA_1024 = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'jwk' });

const jwksYaml = (...keys: object[]) => `{ keys: ${JSON.stringify(keys)} }`;

const GOOD_YAML = `
# clients for the local stack
clients:
  - client_id: reports
    client_secret: \${REPORTS_CLIENT_SECRET}
    scopes: [notes:read]
    audiences: [api]
    token_exchange: { audiences: [api], scopes: [notes:read] }
  - client_id: billing
    jwks: ${jwksYaml(RSA_PUBLIC, EC_PUBLIC)}
    scopes: [notes:read, billing:write]
  - client_id: web
    grant_types: [refresh_token]
    scopes: [notes:read, notes:write]
`;

const secrets = new HmacClientSecretHasher(randomBytes(32), new Argon2PasswordHasher());
const hashSecret = (secret: string) => secrets.hash(secret);
const verify = async (stored: string, secret: string) => (await secrets.verify(stored, secret)).matches;
const FIRST_PARTY = 'first-party';

describe('clients file', () => {
  let dir: string;
  let store: MemoryClientStore;
  let users: MemoryUserStore;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'clients-file-'));
    store = new MemoryClientStore();
    users = new MemoryUserStore();
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function write(name: string, text: string): Promise<string> {
    const file = path.join(dir, name);
    await writeFile(file, text);
    return file;
  }

  describe('when the file is good', () => {
    it('when a good YAML file is applied, then every client is created with a hashed secret, keys and defaults', async () => {
      const file = await write('clients.yaml', GOOD_YAML);
      const result = await applyClientsFile(file, { clients: store, users, firstPartyClientId: FIRST_PARTY, hashSecret, env });
      expect(result).toEqual({ created: ['reports', 'billing', 'web'], updated: [] });

      const reports = await store.findById('reports');
      expect(reports).toMatchObject({
        scopes: ['notes:read'],
        audiences: ['api'],
        grantTypes: ['client_credentials'],
        tokenEndpointAuthMethods: ['client_secret_basic', 'client_secret_post'],
        disabledAt: null,
      });
      expect(reports?.secretHash).toMatch(/^\$hmac-sha256\$/);
      expect(await verify(reports?.secretHash ?? '', REPORTS_SECRET)).toBe(true);
      expect(reports).not.toHaveProperty('jwks');
      expect(reports?.tokenExchange).toEqual({ audiences: ['api'], scopes: ['notes:read'] });

      const billing = await store.findById('billing');
      expect(billing).not.toHaveProperty('secretHash');
      expect(billing?.tokenEndpointAuthMethods).toEqual(['private_key_jwt']);
      expect(billing?.audiences).toEqual([]);
      expect(billing?.jwks?.keys.map((k) => k.kid)).toEqual(['billing-1', 'billing-ec']);
      expect(billing?.jwks?.keys[0]).toEqual(RSA_PUBLIC);

      expect(await store.findById('web')).toMatchObject({ tokenEndpointAuthMethods: ['none'], grantTypes: ['refresh_token'] });
    });

    it('when a client uses the RFC 7591 names, then each lands in the store, and the app defaults to authorization_code + refresh_token', async () => {
      const file = await write(
        'rfc7591.yaml',
        [
          'clients:',
          '  - client_id: spa',
          '    client_name: Notes SPA',
          '    token_endpoint_auth_method: none',
          '    scope: openid profile notes:read',
          '    redirect_uris: ["http://localhost:8080/apps/callback", "https://spa.example/cb"]',
          '    post_logout_redirect_uris: ["https://spa.example/"]',
          '    first_party: true',
          '    dpop_bound_access_tokens: true',
          '  - client_id: reports',
          '    client_secret: ${REPORTS_CLIENT_SECRET}',
          '    token_endpoint_auth_method: client_secret_post',
          '    scope: notes:read',
        ].join('\n'),
      );
      await applyClientsFile(file, { clients: store, users, firstPartyClientId: FIRST_PARTY, hashSecret, env });
      expect(await store.findById('spa')).toMatchObject({
        clientName: 'Notes SPA',
        tokenEndpointAuthMethods: ['none'],
        scopes: ['openid', 'profile', 'notes:read'],
        grantTypes: ['authorization_code', 'refresh_token'],
        redirectUris: ['http://localhost:8080/apps/callback', 'https://spa.example/cb'],
        postLogoutRedirectUris: ['https://spa.example/'],
        firstParty: true,
        dpopBoundAccessTokens: true,
      });
      expect(await store.findById('reports')).toMatchObject({ tokenEndpointAuthMethods: ['client_secret_post'], scopes: ['notes:read'], grantTypes: ['client_credentials'] });
    });

    it.each([
      ['a .json file', 'clients.json'],
      ['JSON content under another extension', 'clients.conf'],
    ])('when the clients come as %s, then they are applied', async (_label, name) => {
      const json = JSON.stringify({
        clients: [{ client_id: 'reports', client_secret: '${REPORTS_CLIENT_SECRET}', scopes: ['notes:read'], token_endpoint_auth_methods: ['client_secret_basic'] }],
      });
      const file = await write(name, json);
      expect(await applyClientsFile(file, { clients: store, users, firstPartyClientId: FIRST_PARTY, hashSecret, env })).toEqual({ created: ['reports'], updated: [] });
      expect((await store.findById('reports'))?.tokenEndpointAuthMethods).toEqual(['client_secret_basic']);
    });

    it('when the same file is applied again, then clients are updated, not duplicated, and keep createdAt', async () => {
      const file = await write('clients.yaml', GOOD_YAML);
      await applyClientsFile(file, { clients: store, users, firstPartyClientId: FIRST_PARTY, hashSecret, env });
      const before = await store.findById('reports');

      const second = await applyClientsFile(file, { clients: store, users, firstPartyClientId: FIRST_PARTY, hashSecret, env });
      expect(second).toEqual({ created: [], updated: ['reports', 'billing', 'web'] });
      expect(await store.list()).toHaveLength(3);
      expect((await store.findById('reports'))?.createdAt).toEqual(before?.createdAt);
    });

    it('when the file changes between runs, then the stored clients follow it, including a rotated secret', async () => {
      const file = await write('clients.yaml', GOOD_YAML);
      await applyClientsFile(file, { clients: store, users, firstPartyClientId: FIRST_PARTY, hashSecret, env });

      const rotated = generateClientSecret();
      await write('clients.yaml', GOOD_YAML.replace('scopes: [notes:read]\n    audiences: [api]', 'scopes: [notes:read, notes:write]\n    audiences: [api]'));
      await applyClientsFile(file, { clients: store, users, firstPartyClientId: FIRST_PARTY, hashSecret, env: { ...env, REPORTS_CLIENT_SECRET: rotated } });

      const reports = await store.findById('reports');
      expect(reports?.scopes).toEqual(['notes:read', 'notes:write']);
      expect(await verify(reports?.secretHash ?? '', rotated)).toBe(true);
      expect(await verify(reports?.secretHash ?? '', REPORTS_SECRET)).toBe(false);
    });

    it('when the store has clients the file does not name, then they are left alone', async () => {
      const adminMade: ClientConfig = {
        clientId: 'admin-made',
        secretHash: await hashSecret(generateClientSecret()),
        tokenEndpointAuthMethods: ['client_secret_basic'],
        scopes: ['x'],
        audiences: [],
        grantTypes: ['client_credentials'],
      };
      const created = await store.create(adminMade);
      await applyClientsFile(await write('clients.yaml', GOOD_YAML), { clients: store, users, firstPartyClientId: FIRST_PARTY, hashSecret, env });
      expect(await store.findById('admin-made')).toEqual(created);
    });

    it('when a client was disabled, then applying the file again keeps it disabled', async () => {
      const file = await write('clients.yaml', GOOD_YAML);
      await applyClientsFile(file, { clients: store, users, firstPartyClientId: FIRST_PARTY, hashSecret, env });
      await store.disable('reports');
      await applyClientsFile(file, { clients: store, users, firstPartyClientId: FIRST_PARTY, hashSecret, env });
      expect((await store.findById('reports'))?.disabledAt).toBeInstanceOf(Date);
    });

    it('when the file lists no clients, then nothing happens', async () => {
      const file = await write('clients.yaml', 'clients: []\n');
      expect(await applyClientsFile(file, { clients: store, users, firstPartyClientId: FIRST_PARTY, hashSecret, env })).toEqual({ created: [], updated: [] });
    });
  });

  describe('when the file is bad, then nothing is written and the error names the client and field', () => {
    const okClient = `  - client_id: fine\n    client_secret: \${REPORTS_CLIENT_SECRET}\n    scopes: [notes:read]\n`;
    /** A valid client first, so each row also proves a later bad entry keeps the good one unwritten. */
    const client = (lines: string, id = 'reports') => `clients:\n${okClient}  - client_id: ${id}\n${lines.replace(/^/gm, '    ')}\n`;

    it.each([
      {
        label: 'a missing environment variable',
        text: client('client_secret: ${REPORTS_SECRET_TYPO}\nscopes: [notes:read]'),
        issue: { path: 'clients[1].client_secret', clientId: 'reports' },
        says: 'REPORTS_SECRET_TYPO is not set',
      },
      {
        label: 'an empty environment variable',
        text: client('client_secret: ${EMPTY_SECRET}\nscopes: [notes:read]'),
        issue: { path: 'clients[1].client_secret', clientId: 'reports' },
        says: 'EMPTY_SECRET is not set',
      },
      ...[
        ['a short secret', 'SHORT_SECRET', 'carries about'],
        ['a long but guessable secret', 'WORDY_SECRET', 'carries about'],
        ['one character repeated', 'REPEATED_SECRET', 'is too repetitive'],
        ['a repeated pattern', 'PATTERN_SECRET', 'is too repetitive'],
      ].map(([label, name, says]) => ({
        label: `${label} (weaker than a generated one)`,
        text: client(`client_secret: \${${name}}\nscopes: [notes:read]`),
        issue: { path: 'clients[1].client_secret', clientId: 'reports' },
        says: `${name} holds a secret that ${says}`,
      })),
      {
        label: 'a token_exchange without audiences',
        text: client('client_secret: ${REPORTS_CLIENT_SECRET}\nscopes: [notes:read]\ntoken_exchange: { audiences: [], scopes: [notes:read] }'),
        issue: { path: 'clients[1].token_exchange.audiences', clientId: 'reports' },
        says: 'at least one audience',
      },
      {
        label: 'an inline secret',
        text: client(`client_secret: ${REPORTS_SECRET}\nscopes: [notes:read]`),
        issue: { path: 'clients[1].client_secret', clientId: 'reports' },
        says: 'inline secrets are not allowed',
      },
      {
        label: 'a secret reference inside a longer value',
        text: client('client_secret: prefix-${REPORTS_CLIENT_SECRET}\nscopes: [notes:read]'),
        issue: { path: 'clients[1].client_secret', clientId: 'reports' },
        says: 'reference to an environment variable',
      },
      {
        label: 'a private JWK',
        text: client(`jwks: ${jwksYaml(RSA_PRIVATE)}\nscopes: [notes:read]`, 'billing'),
        issue: { path: 'clients[1].jwks.keys[0].d', clientId: 'billing' },
        says: 'private key member',
      },
      {
        label: 'a symmetric JWK',
        text: client(`jwks: ${jwksYaml({ kty: 'oct', k: 'c2VjcmV0' })}\nscopes: [notes:read]`, 'billing'),
        issue: { path: 'clients[1].jwks.keys[0].k', clientId: 'billing' },
        says: 'private key member',
      },
      {
        label: 'an RSA key under 2048 bits',
        text: client(`jwks: ${jwksYaml(RSA_1024)}\nscopes: [notes:read]`, 'billing'),
        issue: { path: 'clients[1].jwks.keys[0]', clientId: 'billing' },
        says: 'at least 2048 bits',
      },
      {
        label: 'an alg that does not fit the key',
        text: client(`jwks: ${jwksYaml({ ...RSA_PUBLIC, alg: 'ES256' })}\nscopes: [notes:read]`, 'billing'),
        issue: { path: 'clients[1].jwks.keys[0]', clientId: 'billing' },
        says: 'alg ES256 does not fit',
      },
      {
        label: 'a broken public key',
        text: client(`jwks: ${jwksYaml({ kty: 'RSA', n: 'AQAB', e: 'AQAB', kid: 'x' })}\nscopes: [notes:read]`, 'billing'),
        issue: { path: 'clients[1].jwks.keys[0]', clientId: 'billing' },
        says: 'at least 2048 bits',
      },
      {
        label: 'an EC point that is not on the curve',
        text: client(`jwks: ${jwksYaml({ kty: 'EC', crv: 'P-256', x: 'AAAA', y: 'AAAA' })}\nscopes: [notes:read]`, 'billing'),
        issue: { path: 'clients[1].jwks.keys[0]', clientId: 'billing' },
        says: 'is not a valid EC public key',
      },
      {
        label: 'two keys without kids',
        text: client(`jwks: ${jwksYaml({ ...RSA_PUBLIC, kid: undefined }, EC_PUBLIC)}\nscopes: [notes:read]`, 'billing'),
        issue: { path: 'clients[1].jwks.keys[0].kid', clientId: 'billing' },
        says: 'more than one key',
      },
      {
        label: 'a duplicate client_id',
        text: `clients:\n${okClient}${okClient}`,
        issue: { path: 'clients[1].client_id', clientId: 'fine' },
        says: 'duplicates the client_id of clients[0]',
      },
      {
        label: 'a scope with a space in it',
        text: client('client_secret: ${REPORTS_CLIENT_SECRET}\nscopes: ["notes read"]'),
        issue: { path: 'clients[1].scopes[0]', clientId: 'reports' },
        says: 'scope token',
      },
      {
        label: 'a scope that is not a string',
        text: client('client_secret: ${REPORTS_CLIENT_SECRET}\nscopes: [{ name: notes }]'),
        issue: { path: 'clients[1].scopes[0]', clientId: 'reports' },
        says: 'expected string',
      },
      {
        label: 'a repeated scope',
        text: client('client_secret: ${REPORTS_CLIENT_SECRET}\nscopes: [a, b, a]'),
        issue: { path: 'clients[1].scopes[2]', clientId: 'reports' },
        says: 'repeats entry [0]',
      },
      {
        label: 'no scopes',
        text: client('client_secret: ${REPORTS_CLIENT_SECRET}\nscopes: []'),
        issue: { path: 'clients[1].scopes', clientId: 'reports' },
        says: 'at least one scope',
      },
      {
        label: 'both scope and scopes',
        text: client('client_secret: ${REPORTS_CLIENT_SECRET}\nscope: notes:read\nscopes: [notes:read]'),
        issue: { path: 'clients[1].scopes', clientId: 'reports' },
        says: 'not both',
      },
      {
        label: 'neither scope nor scopes',
        text: client('client_secret: ${REPORTS_CLIENT_SECRET}'),
        issue: { path: 'clients[1].scope', clientId: 'reports' },
        says: 'is required',
      },
      {
        label: 'authorization_code without redirect_uris',
        text: client('token_endpoint_auth_method: none\nscope: openid\ngrant_types: [authorization_code]'),
        issue: { path: 'clients[1].redirect_uris', clientId: 'reports' },
        says: 'at least one redirect URI',
      },
      {
        label: 'a redirect URI with a fragment',
        text: client('token_endpoint_auth_method: none\nscope: openid\nredirect_uris: ["https://app.example/cb#x"]'),
        issue: { path: 'clients[1].redirect_uris[0]', clientId: 'reports' },
        says: 'fragment',
      },
      {
        label: 'a plain-http redirect URI off loopback',
        text: client('token_endpoint_auth_method: none\nscope: openid\nredirect_uris: ["http://app.example/cb"]'),
        issue: { path: 'clients[1].redirect_uris[0]', clientId: 'reports' },
        says: 'must use https',
      },
      {
        label: 'a javascript: redirect URI',
        text: client('token_endpoint_auth_method: none\nscope: openid\nredirect_uris: ["javascript:alert(1)"]'),
        issue: { path: 'clients[1].redirect_uris[0]', clientId: 'reports' },
        says: 'javascript:',
      },
      {
        label: 'both auth method spellings',
        text: client('client_secret: ${REPORTS_CLIENT_SECRET}\nscope: a\ntoken_endpoint_auth_method: client_secret_basic\ntoken_endpoint_auth_methods: [client_secret_basic]'),
        issue: { path: 'clients[1].token_endpoint_auth_methods', clientId: 'reports' },
        says: 'not both',
      },
      {
        label: 'a misspelt key',
        text: client('client_secret: ${REPORTS_CLIENT_SECRET}\nscops: [notes:read]\nscopes: [notes:read]'),
        issue: { path: 'clients[1]', clientId: 'reports' },
        says: 'unknown key scops',
      },
      {
        label: 'an unknown grant type',
        text: client('client_secret: ${REPORTS_CLIENT_SECRET}\nscopes: [a]\ngrant_types: [password]'),
        issue: { path: 'clients[1].grant_types[0]', clientId: 'reports' },
        says: 'client_credentials',
      },
      {
        label: 'a client without credentials or grant_types',
        text: client('scopes: [a]', 'web'),
        issue: { path: 'clients[1].grant_types', clientId: 'web' },
        says: 'public client',
      },
      {
        label: 'a public client asking for client_credentials',
        text: client('scopes: [a]\ngrant_types: [client_credentials]', 'web'),
        issue: { path: 'clients[1].grant_types', clientId: 'web' },
        says: 'client_credentials needs a confidential client',
      },
      {
        label: 'private_key_jwt without jwks',
        text: client('client_secret: ${REPORTS_CLIENT_SECRET}\nscopes: [a]\ntoken_endpoint_auth_methods: [private_key_jwt]'),
        issue: { path: 'clients[1].token_endpoint_auth_methods', clientId: 'reports' },
        says: 'private_key_jwt needs jwks',
      },
      {
        label: 'a client_id with a colon',
        text: client('client_secret: ${REPORTS_CLIENT_SECRET}\nscopes: [a]', '"bad:id"'),
        issue: { path: 'clients[1].client_id', clientId: 'bad:id' },
        says: 'must be 1-128 characters',
      },
      {
        label: 'a secret reference without braces',
        text: client('client_secret: $REPORTS_CLIENT_SECRET\nscopes: [a]'),
        issue: { path: 'clients[1].client_secret', clientId: 'reports' },
        says: 'reference to an environment variable',
      },
      {
        label: 'bad YAML',
        text: `clients:\n  - client_id: reports\n    scopes: [notes:read\n`,
        issue: { path: expect.stringMatching(/^line \d+, column \d+$/) },
        says: 'not valid YAML',
      },
      {
        label: 'a key given twice',
        text: `clients:\n  - client_id: reports\n    client_id: other\n    scopes: [a]\n`,
        issue: { path: 'line 3, column 5' },
        says: 'Map keys must be unique',
      },
      {
        label: 'an empty file',
        text: '',
        issue: { path: 'document' },
        says: 'clients list',
      },
      {
        label: 'a list at the top instead of clients:',
        text: `- client_id: reports\n  scopes: [a]\n`,
        issue: { path: 'document' },
        says: 'clients list',
      },
    ])('when the file has $label, then it is refused at $issue.path', async ({ text, issue, says }) => {
      const file = await write('clients.yaml', text);
      const error = await applyClientsFile(file, { clients: store, users, firstPartyClientId: FIRST_PARTY, hashSecret, env }).then(
        () => null,
        (err: unknown) => err,
      );
      expect(error).toBeInstanceOf(ClientsFileError);
      expect(error).toBeInstanceOf(ConfigError);
      const fileError = error as ClientsFileError;
      expect(fileError.variable).toBe('AUTH_CLIENTS_FILE');
      expect(fileError.issues[0]).toMatchObject(issue);
      expect(fileError.issues[0]?.message).toContain(says);
      expect(fileError.message).toContain(file);
      if (typeof issue.path === 'string') expect(fileError.message).toContain(issue.path);
      if ('clientId' in issue) expect(fileError.message).toContain(`client ${issue.clientId}`);
      expect(fileError.message.split('\n')).toHaveLength(1);
      for (const secret of [REPORTS_SECRET, env.SHORT_SECRET, env.WORDY_SECRET, env.REPEATED_SECRET]) {
        expect(fileError.message).not.toContain(secret);
        expect(JSON.stringify(fileError.issues)).not.toContain(secret);
      }
      expect(await store.list()).toEqual([]);
    });

    it('when YAML is malformed, then the message names the place once and ends in words, not a dangling colon', async () => {
      const error = (await applyClientsFile(await write('clients.yaml', 'clients:\n- client_id: a\n  scopes: [x\n'), { clients: store, users, firstPartyClientId: FIRST_PARTY, hashSecret, env }).catch((e: unknown) => e)) as ClientsFileError;
      expect(error.issues[0]!.path).toMatch(/^line \d+, column \d+$/);
      expect(error.issues[0]!.message).toMatch(/^not valid YAML: .*[a-z\]]$/);
      expect(error.issues[0]!.message).not.toMatch(/line \d+, column \d+/);
    });

    it('when JSON is malformed, then it is refused as JSON with its line', async () => {
      const file = await write('clients.json', '{"clients": [\n  {"client_id": "a" "scopes": ["x"]}\n]}');
      await expect(applyClientsFile(file, { clients: store, users, firstPartyClientId: FIRST_PARTY, hashSecret, env })).rejects.toMatchObject({
        issues: [{ path: expect.stringMatching(/^line 2, column \d+$/), message: expect.stringContaining('not valid JSON') }],
      });
      expect(await store.list()).toEqual([]);
    });

    it('when several clients are bad, then every problem is listed, in the message too', async () => {
      const text = `clients:\n  - client_id: a\n    client_secret: \${MISSING_A}\n    scopes: [x]\n  - client_id: b\n    client_secret: \${MISSING_B}\n    scopes: [x]\n`;
      const error = (await applyClientsFile(await write('clients.yaml', text), { clients: store, users, firstPartyClientId: FIRST_PARTY, hashSecret, env }).catch((e: unknown) => e)) as ClientsFileError;
      expect(error.issues.map((i) => i.clientId)).toEqual(['a', 'b']);
      expect(error.message).toContain('clients[0].client_secret (client a): environment variable MISSING_A is not set; clients[1].client_secret (client b): environment variable MISSING_B is not set');
    });

    it('when a client takes the first-party client id, then the error names it and nothing is written', async () => {
      const file = await write('clients.yaml', GOOD_YAML.replace('client_id: web', `client_id: ${FIRST_PARTY}`));
      const error = (await applyClientsFile(file, { clients: store, users, firstPartyClientId: FIRST_PARTY, hashSecret, env }).catch((e: unknown) => e)) as ClientsFileError;
      expect(error).toBeInstanceOf(ClientsFileError);
      expect(error.variable).toBe('AUTH_CLIENTS_FILE');
      expect(error.issues).toEqual([{ path: 'clients[2].client_id', clientId: FIRST_PARTY, message: expect.stringContaining('first-party client') }]);
      expect(error.message).toContain(`client ${FIRST_PARTY}`);
      expect(await store.list()).toEqual([]);
    });

    it("when a client takes a user's id, then the error names it and nothing is written (RFC 9068 §5)", async () => {
      const user = await users.create({ username: 'alice', passwordHash: 'x', roles: ['user'] });
      const file = await write('clients.yaml', GOOD_YAML.replace('client_id: billing', `client_id: ${user.id}`));
      const error = (await applyClientsFile(file, { clients: store, users, firstPartyClientId: FIRST_PARTY, hashSecret, env }).catch((e: unknown) => e)) as ClientsFileError;
      expect(error).toBeInstanceOf(ClientsFileError);
      expect(error.issues).toEqual([{ path: 'clients[1].client_id', clientId: user.id, message: expect.stringContaining("user's id") }]);
      expect(error.message).toContain(`client ${user.id}`);
      expect(await store.list()).toEqual([]);
    });

    it('when the file does not exist, then the error names the file and nothing is written', async () => {
      const file = path.join(dir, 'missing.yaml');
      await expect(applyClientsFile(file, { clients: store, users, firstPartyClientId: FIRST_PARTY, hashSecret, env })).rejects.toMatchObject({
        variable: 'AUTH_CLIENTS_FILE',
        issues: [{ path: 'file', message: expect.stringContaining('ENOENT') }],
      });
    });

    it('when hashing a secret fails, then nothing is written', async () => {
      const file = await write('clients.yaml', GOOD_YAML.replace('  - client_id: web', `  - client_id: web2\n    client_secret: \${REPORTS_CLIENT_SECRET}\n    scopes: [a]\n  - client_id: web`));
      let calls = 0;
      const failingHash = async (secret: string) => {
        calls += 1;
        if (calls === 2) throw new Error('hasher out of memory');
        return hashSecret(secret);
      };
      await expect(applyClientsFile(file, { clients: store, users, firstPartyClientId: FIRST_PARTY, hashSecret: failingHash, env })).rejects.toThrow('hasher out of memory');
      expect(await store.list()).toEqual([]);
    });
  });

  describe('secrets in parsed definitions', () => {
    it('when a parsed definition is logged, serialized or stringified, then the secret does not show', () => {
      const [reports] = parseClientsFile(GOOD_YAML, { file: 'clients.yaml', env });
      expect(reports?.secret).toBeInstanceOf(SecretValue);
      expect(reports?.secret?.reveal()).toBe(REPORTS_SECRET);
      expect(JSON.stringify(reports)).not.toContain(REPORTS_SECRET);
      expect(inspect(reports, { depth: 10 })).not.toContain(REPORTS_SECRET);
      expect(String(reports?.secret)).toBe('[secret]');
    });
  });
});

describe('generateClientSecret', () => {
  it('when secrets are generated, then each is 256 bits of base64url and they differ', () => {
    const secrets = Array.from({ length: 20 }, () => generateClientSecret());
    for (const secret of secrets) {
      expect(secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(Buffer.from(secret, 'base64url')).toHaveLength(32);
    }
    expect(new Set(secrets).size).toBe(secrets.length);
  });

  it('when a generated secret is put in the environment, then the clients file accepts it', () => {
    const text = `clients:\n  - client_id: svc\n    client_secret: \${SVC_SECRET}\n    scopes: [a]\n`;
    expect(parseClientsFile(text, { file: 'c.yaml', env: { SVC_SECRET: generateClientSecret() } })).toHaveLength(1);
  });
});
