import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MemoryUserStore } from '../../../services/auth/adapters/memory/memory-user-store.js';
import { MemoryLinkedIdentityStore } from '../../../services/auth/adapters/memory/memory-linked-identities.js';
import { parseIdentityProvidersFile, readIdentityProvidersFile } from '../../../services/auth/adapters/federation/providers-file-reader.js';
import { IdentityProvidersFileError } from '../../../services/auth/domain/federation/identity-providers-file.js';
import { linksFollowUsers } from '../../../services/auth/domain/federation/links-follow-users.js';
import { startTestAuth } from '../support/auth-harness.js';

const env = { CORP_SECRET: 'corp-secret-value', GH_SECRET: 'gh-secret-value' };
const parse = (text: string, file = 'providers.yaml') => parseIdentityProvidersFile(text, { file, env });
const problems = (text: string, file?: string) => {
  try {
    parse(text, file);
  } catch (err) {
    if (err instanceof IdentityProvidersFileError) return err;
  }
  throw new Error('expected an IdentityProvidersFileError');
};

describe('AUTH_IDENTITY_PROVIDERS_FILE', () => {
  it('when the file is right, then OpenID and plain OAuth 2.0 providers come out with defaults and secrets from the environment', () => {
    const [corp, github] = parse(`
providers:
  - id: corp
    name: Corp SSO
    issuer: https://sso.example.com
    client_id: authgate
    client_secret: \${CORP_SECRET}
  - id: github
    type: oauth2
    name: GitHub
    issuer: https://github.com
    authorization_endpoint: https://github.com/login/oauth/authorize
    token_endpoint: https://github.com/login/oauth/access_token
    userinfo_endpoint: https://api.github.com/user
    client_id: Iv1.abc
    client_secret: \${GH_SECRET}
    scopes: [read:user, user:email]
    claims: { subject: id, username: login, roles: { claim: teams, values: [admin] } }
`);
    expect(corp).toMatchObject({ id: 'corp', type: 'oidc', scopes: ['openid', 'profile', 'email'], claims: { subject: 'sub', username: 'preferred_username', email: 'email' } });
    expect(corp!.clientSecret!.reveal()).toBe('corp-secret-value');
    expect(String(corp!.clientSecret)).toBe('[secret]');
    expect(github).toMatchObject({ type: 'oauth2', endpoints: { userinfo: 'https://api.github.com/user' }, claims: { subject: 'id', username: 'login', roles: { claim: 'teams', values: ['admin'] } } });
  });

  it('when the file has many mistakes, then every one is listed at once and no secret value is echoed', () => {
    const error = problems(
      JSON.stringify([
        { id: 'Bad Id', name: 'x', issuer: 'http://sso.example.com', client_id: 'a', client_secret: 'literal-secret-in-file' },
        { id: 'ok', name: 'ok', issuer: 'https://ok.example', client_id: 'a', client_secret: '${MISSING_VAR}', scopes: ['profile'] },
        { id: 'ok', name: 'dup', issuer: 'https://ok2.example', client_id: 'a' },
        { id: 'gh', type: 'oauth2', name: 'GitHub', issuer: 'https://github.com', client_id: 'a', colour: 'blue' },
      ]),
      'providers.json',
    );
    const where = error.issues.map((issue) => issue.path);
    expect(where).toEqual(expect.arrayContaining(['providers[0].id', 'providers[0].issuer', 'providers[0].client_secret', 'providers[3].authorization_endpoint', 'providers[3].token_endpoint', 'providers[3].userinfo_endpoint', 'providers[3]']));
    expect(error.message).toContain('unknown key colour');
    expect(error.message).not.toContain('literal-secret-in-file');
    // The second pass (after the shape is right) lists its own problems together too.
    const second = problems(JSON.stringify([
      { id: 'ok', name: 'ok', issuer: 'https://ok.example', client_id: 'a', client_secret: '${MISSING_VAR}', scopes: ['profile'] },
      { id: 'ok', name: 'dup', issuer: 'https://ok2.example', client_id: 'a' },
    ]), 'providers.json');
    expect(second.issues).toEqual([
      { path: 'providers[0].scopes', message: expect.stringContaining('must include openid') },
      { path: 'providers[0].client_secret', message: 'environment variable MISSING_VAR is not set' },
      { path: 'providers[1].id', message: 'duplicates the id of providers[0]' },
    ]);
  });

  it('when the file is not YAML, or missing, then the place is named', async () => {
    expect(problems('providers: [\n  - id: x', 'p.yaml').issues[0]!.path).toMatch(/^line \d+, column \d+$/);
    await expect(readIdentityProvidersFile('/nonexistent/providers.yaml', env)).rejects.toThrow(/providers.yaml: file: cannot be read \(ENOENT\)/);
  });

  it('when the service starts with a bad providers file, then it refuses to start, naming AUTH_IDENTITY_PROVIDERS_FILE', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'providers-file-'));
    try {
      const file = path.join(dir, 'providers.yaml');
      await writeFile(file, 'providers:\n  - id: corp\n    name: Corp\n    issuer: ftp://x\n    client_id: a\n');
      const refused = startTestAuth({ dataDir: dir, env: { AUTH_IDENTITY_PROVIDERS_FILE: file } });
      await expect(refused).rejects.toMatchObject({ name: 'IdentityProvidersFileError', variable: 'AUTH_IDENTITY_PROVIDERS_FILE' });
      await expect(refused).rejects.toThrow(/providers\[0\]\.issuer: must be an https URL/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('linked identities follow their user', () => {
  it('when a user is deleted (account deletion and the admin API both delete through this store), then its links go too', async () => {
    const links = new MemoryLinkedIdentityStore();
    const users = linksFollowUsers(new MemoryUserStore(), links);
    const user = await users.create({ username: 'ursula', passwordHash: 'x', roles: [] });
    await links.link({ userId: user.id, providerId: 'corp', issuer: 'https://sso.example.com', subject: 'u' });
    await links.link({ userId: 'someone-else', providerId: 'corp', issuer: 'https://sso.example.com', subject: 'v' });
    expect(await users.findById(user.id)).not.toBeNull();
    expect(await users.delete(user.id)).toBe(true);
    expect(await users.findById(user.id)).toBeNull();
    expect(await links.listForUser(user.id)).toEqual([]);
    expect(await links.find('https://sso.example.com', 'v')).not.toBeNull();
  });
});
