import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../lib/config.js';
import { readRolesFile } from '../../services/auth/adapters/roles-file/roles-file-reader.js';
import { createUserScopes, DEFAULT_ROLE_SCOPES } from '../../services/auth/domain/users/roles.js';
import { tempDirPerTest } from '../support/temp-dir.js';

describe('AUTH_ROLES_FILE', () => {
  const temp = tempDirPerTest('roles-file-');
  const fileWith = async (text: string, name = 'roles.yaml') => {
    const file = path.join(temp.path, name);
    await writeFile(file, text);
    return file;
  };

  it('when a role grants scopes, then a user with it gets DEFAULT_USER_SCOPES plus those; admin always grants admin', async () => {
    const roleScopes = await readRolesFile(await fileWith('roles:\n  billing:\n    scopes: [billing:read, billing:write]\n  admin:\n    scopes: [audit:read]\n'));
    const scopesOf = createUserScopes('notes:read reports:read', roleScopes);
    expect(scopesOf({ roles: ['user'] })).toEqual(['notes:read', 'reports:read']);
    expect(scopesOf({ roles: ['user', 'billing'] })).toEqual(['notes:read', 'reports:read', 'billing:read', 'billing:write']);
    expect(scopesOf({ roles: ['admin'] })).toEqual(['notes:read', 'reports:read', 'admin', 'audit:read']);
    expect(createUserScopes('notes:read', DEFAULT_ROLE_SCOPES)({ roles: ['admin', 'unknown'] })).toEqual(['notes:read', 'admin']);
  });

  it('when the file is JSON, then it is read the same way', async () => {
    const roleScopes = await readRolesFile(await fileWith('{"roles": {"ops": {"scopes": ["ops:read"]}}}', 'roles.json'));
    expect(roleScopes.get('ops')).toEqual(['ops:read']);
  });

  it.each([
    ['a malformed role name', 'roles:\n  Bad Role:\n    scopes: [x]\n', /AUTH_ROLES_FILE roles/],
    ['a scope with a space', 'roles:\n  ops:\n    scopes: ["a b"]\n', /AUTH_ROLES_FILE roles\.ops\.scopes\.0/],
    ['an unknown key', 'roles:\n  ops:\n    scopes: []\n    extra: 1\n', /AUTH_ROLES_FILE roles\.ops/],
    ['no roles key', 'groups: {}\n', /AUTH_ROLES_FILE/],
    ['broken YAML', 'roles: [\n', /AUTH_ROLES_FILE: is not valid YAML or JSON/],
  ])('when it has %s, then start stops with a ConfigError naming AUTH_ROLES_FILE', async (_name, text, message) => {
    const failure = readRolesFile(await fileWith(text));
    await expect(failure).rejects.toBeInstanceOf(ConfigError);
    await expect(failure).rejects.toThrow(message);
  });

  it('when the file is missing, then a ConfigError says it cannot be read', async () => {
    await expect(readRolesFile(path.join(temp.path, 'absent.yaml'))).rejects.toThrow(/AUTH_ROLES_FILE: cannot be read \(ENOENT\)/);
  });
});
