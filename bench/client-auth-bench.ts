import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import jwt from 'jsonwebtoken';
import { createLogger } from '../lib/logger.js';
import { MemoryClientStore } from '../services/auth/adapters/memory/memory-client-store.js';
import { MemoryTokenStore } from '../services/auth/adapters/memory/memory-token-store.js';
import { MemoryUserStore } from '../services/auth/adapters/memory/memory-user-store.js';
import { Argon2PasswordHasher } from '../services/auth/adapters/passwords/argon2-password-hasher.js';
import { loadAuthConfig } from '../services/auth/config.js';
import type { ClientSecretHasher } from '../services/auth/domain/ports/client-secret-hasher.js';
import { startAuthService } from '../services/auth/start.js';
import { fmt, printTable, ratio } from './table.js';

export interface ClientAuthResult {
  signPerSecond: number;
  issuancePerSecond: number;
  introspectPerSecond: number;
  introspectArgon2PerSecond: number;
  concurrency: number;
}

/** Client secrets as they were before the keyed hash: argon2id on every call, never migrated. */
function argon2Only(): ClientSecretHasher {
  const argon2 = new Argon2PasswordHasher();
  return {
    hash: (secret) => argon2.hash(secret),
    verify: async (stored, secret) => ({ matches: await argon2.verify(stored, secret) }),
    verifyAgainstDummy: (secret) => argon2.verifyAgainstDummy(secret),
  };
}

/** Starts an in-process auth service with one client, made through the admin API as an operator would. */
async function startAuth(dir: string, clientSecrets?: ClientSecretHasher) {
  const adminToken = randomUUID() + randomUUID();
  const config = loadAuthConfig({ AUTH_PORT: '0', AUTH_DATA_DIR: dir, AUTH_ADMIN_TOKEN: adminToken, LOG_LEVEL: 'silent' });
  const service = await startAuthService(config, {
    logger: createLogger({ name: 'auth', level: 'silent' }),
    users: new MemoryUserStore(),
    tokens: new MemoryTokenStore(),
    clients: new MemoryClientStore(),
    ...(clientSecrets ? { clientSecrets } : {}),
  });
  const created = await fetch(`${service.url}/admin/clients`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ client_id: 'bench', scopes: ['notes:read'] }),
  });
  if (created.status !== 201) throw new Error(`admin create answered ${created.status}`);
  const { client_secret: secret } = (await created.json()) as { client_secret: string };
  const authorization = `Basic ${Buffer.from(`bench:${secret}`).toString('base64')}`;
  return { service, authorization };
}

/** One form POST on a keep-alive agent; resolves the status. node:http, not fetch: the load generator shares the process. */
function post(agent: http.Agent, url: URL, authorization: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', agent, headers: { authorization, 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** `concurrency` workers POSTing forms until `maxRequests` are answered or `maxMs` passed; answers 200 per second. */
async function postRate(url: string, authorization: string, form: () => string, concurrency: number, maxRequests: number, maxMs: number): Promise<number> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const target = new URL(url);
  let sent = 0;
  let ok = 0;
  const t0 = performance.now();
  try {
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (sent < maxRequests && performance.now() - t0 < maxMs) {
          sent++;
          if ((await post(agent, target, authorization, form())) === 200) ok++;
        }
      }),
    );
  } finally {
    agent.destroy();
  }
  return (ok / (performance.now() - t0)) * 1000;
}

/**
 * Client authentication per token and per introspection, with everything in this one process:
 * the raw RS256 sign rate of a 2048-bit key (the ceiling of issuance), client-credentials issuance
 * over HTTP with the HMAC-stored secret, and introspection with HMAC vs argon2id (today's cost).
 */
export async function runClientAuthBench({ requests, concurrency, measureMs }: { requests: number; concurrency: number; measureMs: number }): Promise<ClientAuthResult> {
  const dir = await mkdtemp(path.join(tmpdir(), 'bench-client-auth-'));
  const fast = await startAuth(path.join(dir, 'hmac'));
  const slow = await startAuth(path.join(dir, 'argon2'), argon2Only());
  try {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const claims = () => ({ iss: 'bench', sub: 'bench', aud: 'api', jti: randomUUID(), client_id: 'bench', scope: 'notes:read' });
    for (let i = 0; i < 50; i++) jwt.sign(claims(), privateKey, { algorithm: 'RS256', expiresIn: 900 });
    let signed = 0;
    const s0 = performance.now();
    while (performance.now() - s0 < measureMs && signed < requests * 4) {
      jwt.sign(claims(), privateKey, { algorithm: 'RS256', expiresIn: 900, header: { alg: 'RS256', typ: 'at+jwt', kid: 'k' } });
      signed++;
    }
    const signPerSecond = (signed / (performance.now() - s0)) * 1000;

    const tokenUrl = `${fast.service.url}/oauth/token`;
    const ccForm = () => 'grant_type=client_credentials';
    await postRate(tokenUrl, fast.authorization, ccForm, concurrency, 200, measureMs); // warm-up
    const issuancePerSecond = await postRate(tokenUrl, fast.authorization, ccForm, concurrency, requests, measureMs);

    const tokenOf = async (running: typeof fast) => {
      const res = await fetch(`${running.service.url}/oauth/token`, { method: 'POST', headers: { authorization: running.authorization, 'content-type': 'application/x-www-form-urlencoded' }, body: ccForm() });
      return ((await res.json()) as { access_token: string }).access_token;
    };
    const introspect = async (running: typeof fast, count: number) => {
      const form = `token=${await tokenOf(running)}`;
      return postRate(`${running.service.url}/oauth/introspect`, running.authorization, () => form, concurrency, count, measureMs);
    };
    await introspect(fast, 200);
    const introspectPerSecond = await introspect(fast, requests);
    await introspect(slow, 8);
    const introspectArgon2PerSecond = await introspect(slow, Math.min(requests, 2_000));
    return { signPerSecond, issuancePerSecond, introspectPerSecond, introspectArgon2PerSecond, concurrency };
  } finally {
    await fast.service.close();
    await slow.service.close();
    await rm(dir, { recursive: true, force: true });
  }
}

export function printClientAuthTable(result: ClientAuthResult): void {
  printTable(
    `4. Client authentication (client_secret_basic, ${result.concurrency} requests in flight, auth service in this process)`,
    ['measure', 'per second', 'ratio'],
    [
      ['baseline: raw RS256 sign (jsonwebtoken, 2048-bit key, one at a time)', fmt(result.signPerSecond), '1.00x'],
      ['client_credentials issuance over HTTP (HMAC-SHA-256 secret)', fmt(result.issuancePerSecond), ratio(result.issuancePerSecond, result.signPerSecond)],
      ['baseline: introspection with an argon2id-stored secret (before)', fmt(result.introspectArgon2PerSecond), '1.00x'],
      ['introspection with an HMAC-SHA-256-stored secret (now)', fmt(result.introspectPerSecond), ratio(result.introspectPerSecond, result.introspectArgon2PerSecond)],
    ],
    ['targets: issuance >= 0.50x the raw sign rate; introspection >= 10x the argon2id baseline. Shared machines make these indicative.'],
  );
}
