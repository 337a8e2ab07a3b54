/**
 * CPU per hostile DPoP proof (issue 22, point 6): what one proof costs the verifier that the
 * gateway, auth's token endpoints and requireAuth share (lib/verifier/dpop.ts), measured in
 * process with process.cpuUsage() over a batch of calls, for a valid proof and for proofs an
 * attacker would send. With BENCH_BEFORE=<checkout of another commit> the same proofs go through
 * that checkout's verifier too, batches alternating, so both see the same machine load.
 *
 *   npx tsx bench/dpop-hostile.ts
 *   BENCH_BEFORE=/tmp/base ROUNDS=7 BATCH=200 npx tsx bench/dpop-hostile.ts
 *
 * Reported: the median over ROUNDS of (CPU of a batch / BATCH), in ms per proof, and what the
 * verifier answered (the AppError code, or the class of anything else: a TypeError becomes a 500).
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { dpopKey } from '../tests/support/dpop-key.js';
import { hugeExponentProof, rsa1024Proof, rsaModulusProof } from '../tests/support/hostile-dpop.js';
import { fmt, printTable } from './table.js';

type Verify = (request: { proof: string; method: string; url: string }) => Promise<unknown>;
type Factory = (options: { replay: { claimOnce(key: string, expiresAtSeconds: number): boolean } }) => Verify;

const ROUNDS = Number(process.env.ROUNDS ?? 7);
const BATCH = Number(process.env.BATCH ?? 200);
const URL_ = 'https://api.example.test/oauth/token';
const claims = () => ({ htm: 'POST', htu: URL_ });

async function verifierFrom(root: string): Promise<{ verify: Verify; claimed: () => number }> {
  const { createDpopProofVerifier } = (await import(pathToFileURL(path.join(root, 'lib/verifier/dpop.ts')).href)) as { createDpopProofVerifier: Factory };
  const seen = new Set<string>();
  const verify = createDpopProofVerifier({
    replay: {
      claimOnce(key) {
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
      },
    },
  });
  return { verify, claimed: () => seen.size };
}

/** One row: a batch of proofs (fresh ones when a valid proof must not be a replay). */
interface Row {
  name: string;
  batch(): Promise<string[]>;
}

const es256 = await dpopKey('ES256');
const rs256 = await dpopKey('RS256');
const same = (make: () => string) => async () => {
  const proof = make();
  return Array.from({ length: BATCH }, () => proof);
};
const rows: Row[] = [
  { name: 'valid ES256 proof', batch: () => Promise.all(Array.from({ length: BATCH }, () => es256.proof(claims()))) },
  { name: 'valid RS256 proof (2048-bit, e=65537)', batch: () => Promise.all(Array.from({ length: BATCH }, () => rs256.proof(claims()))) },
  { name: '3072-bit key, ~3000-bit exponent, random signature', batch: same(() => hugeExponentProof(claims())) },
  { name: '1024-bit RSA key (real signature)', batch: same(() => rsa1024Proof(claims())) },
  { name: '8192-bit RSA key, random signature', batch: same(() => rsaModulusProof(8192, claims())) },
];

const outcomeOf = (err: unknown) => (err && typeof err === 'object' && 'code' in err && typeof err.code === 'string' && err.code.startsWith('DPOP') ? err.code : `${(err as Error)?.constructor?.name ?? typeof err} (500)`);

/** CPU ms per proof of one batch, and what the last call answered. */
async function measure(verify: Verify, proofs: string[]): Promise<{ ms: number; outcome: string }> {
  let outcome = 'accepted';
  const start = process.cpuUsage();
  for (const proof of proofs) {
    try {
      await verify({ proof, method: 'POST', url: URL_ });
      outcome = 'accepted';
    } catch (err) {
      outcome = outcomeOf(err);
    }
  }
  const used = process.cpuUsage(start);
  return { ms: (used.user + used.system) / 1000 / proofs.length, outcome };
}

/** after/before with two significant digits, so a 250-fold drop does not print as 0.00x. */
const ratio = (value: number, base: number) => `${(value / base).toPrecision(2)}x`;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const after = await verifierFrom(path.resolve(import.meta.dirname, '..'));
const before = process.env.BENCH_BEFORE ? await verifierFrom(path.resolve(process.env.BENCH_BEFORE)) : undefined;
const table: string[][] = [];
for (const row of rows) {
  const results = { before: [] as number[], after: [] as number[], beforeOutcome: '', afterOutcome: '' };
  for (let round = 0; round < ROUNDS; round++) {
    // Alternate which goes first, so neither always runs on a warmer (or busier) moment.
    const order = round % 2 === 0 ? (['after', 'before'] as const) : (['before', 'after'] as const);
    for (const which of order) {
      const target = which === 'after' ? after : before;
      if (target === undefined) continue;
      const { ms, outcome } = await measure(target.verify, await row.batch());
      results[which].push(ms);
      results[`${which}Outcome`] = outcome;
    }
  }
  table.push(
    before
      ? [row.name, fmt(median(results.before), 3), results.beforeOutcome, fmt(median(results.after), 3), results.afterOutcome, ratio(median(results.after), median(results.before))]
      : [row.name, fmt(median(results.after), 3), results.afterOutcome],
  );
}
printTable(
  `CPU per DPoP proof, ms (median of ${ROUNDS} rounds of ${BATCH} proofs, process.cpuUsage)`,
  before ? ['proof', 'before ms', 'before answer', 'after ms', 'after answer', 'after/before'] : ['proof', 'ms', 'answer'],
  table,
  [
    `jti entries left: after ${after.claimed()}${before ? `, before ${before.claimed()}` : ''} (only valid proofs should leave one: ${2 * ROUNDS * BATCH})`,
    ...(before ? [`before = ${process.env.BENCH_BEFORE}`] : []),
  ],
);
