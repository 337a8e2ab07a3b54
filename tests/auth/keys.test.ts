import { generateKeyPairSync } from 'node:crypto';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { calculateJwkThumbprint } from 'jose';
import { beforeEach, describe, expect, it } from 'vitest';
import { tempDirPerTest } from '../support/temp-dir.js';
import { NodeJoseKeySet } from '../../services/auth/adapters/keys/node-jose-key-set.js';

describe('NodeJoseKeySet', () => {
  const temp = tempDirPerTest('auth-keys-');
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = temp.path;
    file = path.join(dir, 'nested', 'signing-keys.json');
  });

  it('when opened on first start, then it generates an RSA 2048 key and writes it with mode 0600 and no temp file left', async () => {
    const keys = await NodeJoseKeySet.open({ file });
    const { privateKey } = keys.currentSigningKey();
    expect(privateKey.asymmetricKeyType).toBe('rsa');
    expect(privateKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await readdir(path.dirname(file))).toEqual(['signing-keys.json']);
  });

  it('when opened again on the same file, then the same key signs (tokens survive a restart)', async () => {
    const first = await NodeJoseKeySet.open({ file });
    const second = await NodeJoseKeySet.open({ file });
    expect(second.currentSigningKey().kid).toBe(first.currentSigningKey().kid);
    expect(second.publicJwks()).toEqual(first.publicJwks());
  });

  it('when the kid is compared with an independent RFC 7638 thumbprint, then they match', async () => {
    const keys = await NodeJoseKeySet.open({ file });
    const [jwk] = keys.publicJwks().keys;
    expect(jwk!.kid).toBe(await calculateJwkThumbprint({ kty: jwk!.kty, n: jwk!.n, e: jwk!.e }, 'sha256'));
  });

  it('when a bigger modulus is asked for, then the key has it', async () => {
    const keys = await NodeJoseKeySet.open({ file, modulusBits: 3072 });
    expect(keys.currentSigningKey().privateKey.asymmetricKeyDetails?.modulusLength).toBe(3072);
  });

  it('when less than 2048 bits is asked for, then it refuses', async () => {
    await expect(NodeJoseKeySet.open({ file, modulusBits: 1024 })).rejects.toThrow(/2048/);
  });

  it('when the file holds private members, then the published JWKS still has none', async () => {
    const keys = await NodeJoseKeySet.open({ file });
    const stored = JSON.parse(await readFile(file, 'utf8'));
    expect(Object.keys(stored.keystore.keys[0])).toEqual(expect.arrayContaining(['d', 'p', 'q', 'dp', 'dq', 'qi']));
    for (const jwk of keys.publicJwks().keys) expect(Object.keys(jwk).sort()).toEqual(['alg', 'e', 'kid', 'kty', 'n', 'use']);
  });

  it('when two replicas start together on one empty volume, then both end up with the same key', async () => {
    const [a, b] = await Promise.all([NodeJoseKeySet.open({ file }), NodeJoseKeySet.open({ file })]);
    expect(a.currentSigningKey().kid).toBe(b.currentSigningKey().kid);
  });

  it.each([
    ['not JSON', 'garbage{', /not valid JSON/],
    ['another format', '{"keys":[]}', /not an authgate-signing-keys/],
    ['no keys', '{"format":"authgate-signing-keys","version":1,"keys":[],"keystore":{"keys":[]}}', /holds no keys/],
  ])('when the file is %s, then start-up stops and the file is left alone', async (_name, content, message) => {
    await NodeJoseKeySet.open({ file });
    await writeFile(file, content);
    await expect(NodeJoseKeySet.open({ file })).rejects.toThrow(message);
    expect(await readFile(file, 'utf8')).toBe(content);
  });

  it('when a listed key is too small, then start-up stops naming the problem', async () => {
    await NodeJoseKeySet.open({ file });
    const stored = JSON.parse(await readFile(file, 'utf8'));
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ format: 'jwk' });
    const kid = await calculateJwkThumbprint({ kty: 'RSA', n: small.n!, e: small.e! }, 'sha256');
    stored.keys = [{ kid, createdAt: new Date().toISOString(), activatesAt: new Date().toISOString() }];
    stored.keystore.keys = [{ ...small, kid, alg: 'RS256', use: 'sig' }];
    await writeFile(file, JSON.stringify(stored));
    await expect(NodeJoseKeySet.open({ file })).rejects.toThrow(/1024 bits/);
  });

  it('when a listed kid is not the key thumbprint, then start-up stops', async () => {
    await NodeJoseKeySet.open({ file });
    const stored = JSON.parse(await readFile(file, 'utf8'));
    stored.keys[0].kid = 'made-up';
    stored.keystore.keys[0].kid = 'made-up';
    await writeFile(file, JSON.stringify(stored));
    await expect(NodeJoseKeySet.open({ file })).rejects.toThrow(/thumbprint/);
  });

  it('when the set holds an older key and a newer active one, then the newer signs and both are published', async () => {
    const older = await NodeJoseKeySet.open({ file });
    const otherFile = path.join(dir, 'other.json');
    const newer = await NodeJoseKeySet.open({ file: otherFile, now: () => Date.now() + 60_000 });
    const a = JSON.parse(await readFile(file, 'utf8'));
    const b = JSON.parse(await readFile(otherFile, 'utf8'));
    const merged = { ...a, keys: [...a.keys, ...b.keys], keystore: { keys: [...a.keystore.keys, ...b.keystore.keys] } };
    await writeFile(file, JSON.stringify(merged));
    const before = await NodeJoseKeySet.open({ file, now: () => Date.now() });
    expect(before.currentSigningKey().kid).toBe(older.currentSigningKey().kid);
    const after = await NodeJoseKeySet.open({ file, now: () => Date.now() + 120_000 });
    expect(after.currentSigningKey().kid).toBe(newer.currentSigningKey().kid);
    expect(after.publicJwks().keys.map((k) => k.kid)).toEqual([newer.currentSigningKey().kid, older.currentSigningKey().kid]);
    expect(after.verificationKey(older.currentSigningKey().kid)).not.toBeNull();
  });
});
