import jwt from 'jsonwebtoken';
import { createVerifier } from '../lib/verifier/index.js';
import type { BenchIssuer } from './issuer.js';
import { fmt, printTable, ratio } from './table.js';

export interface VerifierRow {
  name: string;
  opsPerSecond: number;
  /** What the row's time is spent on. */
  note?: string;
}

export interface VerifierBenchOptions {
  issuer: BenchIssuer;
  /** Distinct tokens signed up front for the miss and baseline rows. */
  tokens: number;
  /** Measuring time per row. */
  measureMs: number;
}

/** Runs `pass` (which does `opsPerPass` operations) until `minMs` of measured time has passed; ops/s. */
async function opsPerSecond(opsPerPass: number, minMs: number, pass: () => Promise<number>): Promise<number> {
  let ops = 0;
  let ms = 0;
  while (ms < minMs) {
    ms += await pass();
    ops += opsPerPass;
  }
  return (ops / ms) * 1000;
}

const elapsedMs = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;

/**
 * verify() on a cache hit and on a cache miss (every token distinct), against the naive
 * baseline a service would hand-roll: jsonwebtoken.verify with the PEM string pasted in config.
 * All in this process, one call at a time (no concurrency), so ops/s = 1 / latency.
 */
export async function runVerifierBench({ issuer, tokens: tokenCount, measureMs }: VerifierBenchOptions): Promise<{ rows: VerifierRow[]; signPerSecond: number }> {
  const signStarted = process.hrtime.bigint();
  const tokens = Array.from({ length: tokenCount }, (_, i) => issuer.sign(`user-${i}`));
  const signPerSecond = (tokenCount / elapsedMs(signStarted)) * 1000;
  const verifierOptions = { issuer: issuer.issuer, audience: issuer.audience, jwksUri: issuer.jwksUri };
  const jwtOptions: jwt.VerifyOptions = { algorithms: ['RS256'], issuer: issuer.issuer, audience: issuer.audience };
  const first = tokens[0];
  if (first === undefined) throw new Error('no tokens');

  // Warm-up of every path (JIT, key import), not measured.
  const warm = createVerifier(verifierOptions);
  await warm.loadKeys();
  for (const token of tokens.slice(0, 200)) {
    await warm.verify(token);
    jwt.verify(token, issuer.publicPem, jwtOptions);
    jwt.verify(token, issuer.publicKey, jwtOptions);
  }
  for (let i = 0; i < 20_000; i++) await warm.verify(first);

  const rows: VerifierRow[] = [];
  const naive = await opsPerSecond(tokens.length, measureMs, async () => {
    const t0 = process.hrtime.bigint();
    for (const token of tokens) jwt.verify(token, issuer.publicPem, jwtOptions);
    return elapsedMs(t0);
  });
  rows.push({ name: 'baseline: jsonwebtoken.verify(token, PEM string), distinct tokens', opsPerSecond: naive });

  const keyObject = await opsPerSecond(tokens.length, measureMs, async () => {
    const t0 = process.hrtime.bigint();
    for (const token of tokens) jwt.verify(token, issuer.publicKey, jwtOptions);
    return elapsedMs(t0);
  });
  rows.push({ name: 'jsonwebtoken.verify(token, KeyObject), distinct tokens', opsPerSecond: keyObject, note: 'what the PEM re-parse costs' });

  const miss = await opsPerSecond(tokens.length, measureMs, async () => {
    // A fresh verifier per pass so every token is a miss; building it and fetching the JWKS are not timed.
    const verifier = createVerifier(verifierOptions);
    await verifier.loadKeys();
    const t0 = process.hrtime.bigint();
    for (const token of tokens) await verifier.verify(token);
    const ms = elapsedMs(t0);
    verifier.close();
    return ms;
  });
  rows.push({ name: 'verifier.verify(), cache miss (distinct tokens)', opsPerSecond: miss, note: 'checks + signature + cache insert' });

  const HIT_BATCH = 50_000;
  const hit = await opsPerSecond(HIT_BATCH, measureMs, async () => {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < HIT_BATCH; i++) await warm.verify(first);
    return elapsedMs(t0);
  });
  rows.push({ name: 'verifier.verify(), cache hit (same token)', opsPerSecond: hit, note: 'LRU lookup + revocation check + await' });
  warm.close();
  return { rows, signPerSecond };
}

export function printVerifierTable(rows: VerifierRow[], signPerSecond: number, tokenCount: number): void {
  const base = rows[0];
  if (base === undefined) return;
  printTable(
    `2. Token verification (one call at a time in the parent process; RS256, 2048-bit key; ${fmt(tokenCount)} distinct tokens)`,
    ['path', 'ops/s', 'µs/op', 'vs baseline', 'what it pays for'],
    rows.map((row) => [row.name, fmt(row.opsPerSecond), fmt(1e6 / row.opsPerSecond, 2), ratio(row.opsPerSecond, base.opsPerSecond), row.note ?? 'PEM parse + signature + claims']),
    [
      'vs baseline: speed-up over the naive hand-rolled verify (higher is better).',
      `for scale: signing (auth service, jsonwebtoken RS256) ran at ${fmt(signPerSecond)} tokens/s, ${fmt(1e6 / signPerSecond, 0)} µs per token.`,
    ],
  );
}
