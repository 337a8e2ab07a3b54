import { execFile, spawnSync } from 'node:child_process';
import path from 'node:path';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryClientStore } from '../../services/auth/adapters/memory/memory-client-store.js';
import { startTestAuthAsIssuer, type IssuerTestAuth } from './support/auth-harness.js';
import { assertionKey } from './support/oauth-client.js';

/** Debian's python3 with python3-authlib (not a pyenv one earlier on PATH): what .ci/run installs. */
const PYTHON = '/usr/bin/python3';
const SCRIPT = path.join(import.meta.dirname, 'support', 'authlib-client.py');

function authlibAvailable(): boolean {
  const probe = spawnSync(PYTHON, ['-c', 'import authlib, requests'], { stdio: 'ignore' });
  if (probe.status === 0) return true;
  if (process.env.CI) throw new Error('CI is set but Debian python3-authlib is missing (apt-get install python3-authlib python3-requests)');
  console.warn('[skip] Authlib client test: no python3-authlib (apt-get install python3-authlib python3-requests)');
  return false;
}

describe.runIf(authlibAvailable())("Python's Authlib, in its default configuration", () => {
  let auth: IssuerTestAuth;
  let key: Awaited<ReturnType<typeof assertionKey>>;

  beforeAll(async () => {
    const clients = new MemoryClientStore();
    auth = await startTestAuthAsIssuer({ clients });
    key = await assertionKey('RS256');
    await clients.create({
      clientId: 'authlib-service',
      jwks: key.jwks,
      tokenEndpointAuthMethods: ['private_key_jwt'],
      scopes: ['notes:read'],
      audiences: [],
      grantTypes: ['client_credentials'],
    });
  });
  afterAll(() => auth?.stop());

  // Asynchronous: the auth service answering it runs in this process.
  const runAuthlib = (pem: string) =>
    new Promise<string>((resolve, reject) => {
      const child = execFile(PYTHON, [SCRIPT, `${auth.issuer}/oauth/token`, 'authlib-service', key.kid], { encoding: 'utf8', timeout: 20_000 }, (err, stdout, stderr) =>
        err ? reject(new Error(`authlib client failed: ${stderr || err.message}`)) : resolve(stdout),
      );
      child.stdin?.end(pem);
    });

  it('when it authenticates with private_key_jwt (a one-hour assertion), then it gets a client_credentials token', async () => {
    const pem = key.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const out = await runAuthlib(pem);
    const token = JSON.parse(out) as { access_token: string; token_type: string; scope: string };
    expect(token.token_type.toLowerCase()).toBe('bearer');
    expect(token.scope).toBe('notes:read');
    expect(decodeJwt(token.access_token)).toMatchObject({ sub: 'authlib-service', client_id: 'authlib-service', iss: auth.issuer });
  });
});
