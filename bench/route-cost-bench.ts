import http from 'node:http';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { startChild } from './children.js';
import type { GatewayChildArgs } from './gateway-child.js';
import type { BenchIssuer } from './issuer.js';
import { median, pairedRatio, runLoad } from './load.js';
import { benchHeaders, REQUEST_PATH_AUTH, REQUEST_PATH_LIMITED, REQUEST_PATH_STEP_UP } from './proxy-bench.js';
import { fmt, printTable } from './table.js';

/**
 * Table 1r (`BENCH_ONLY=route-cost`): what a route feature costs on top of the production route,
 * measured inside one gateway process. Table 1 runs every row in a process of its own, and two
 * processes of the same code differ by several per cent (where the JIT settles, heap layout):
 * more than a rate limit or a step-up check costs. Here one production gateway (info logs,
 * metrics; with Redis for the shared-budget case) serves the plain route and the feature routes,
 * and batches alternate between them, so each ratio compares the same process to itself.
 */
export interface RouteCostOptions {
  issuer: BenchIssuer;
  tokens: number;
  rounds: number;
  requests: number;
  concurrency: number;
  /** Redis for the second gateway, whose rate limits are shared (BENCH_REDIS_URL). */
  redisUrl: string;
  /** Another checkout (BENCH_BEFORE): its gateway is measured the same way, after this one's. */
  before?: string | undefined;
}

export interface RouteCostRow {
  gateway: string;
  route: string;
  cpuUsPerRequest: number;
  /** Median over rounds of this route's CPU/req over the plain route's in the same round (same process). */
  vsPlain: { median: number; interval: [number, number] };
}

const ROUTES = [
  { name: 'plain route (/api/notes: auth, scopes)', path: REQUEST_PATH_AUTH },
  { name: 'the same with rate_limit (per user)', path: REQUEST_PATH_LIMITED },
  { name: 'the same with step-up (acr: mfa, max_age)', path: REQUEST_PATH_STEP_UP },
];

export async function runRouteCostBench(options: RouteCostOptions): Promise<RouteCostRow[]> {
  const headers = benchHeaders(options.issuer, options.tokens);
  const upstream = await startChild('upstream-child.ts', {});
  const rows: RouteCostRow[] = [];
  try {
    const production: GatewayChildArgs = { upstreamUrl: upstream.url, issuer: options.issuer.issuer, logLevel: 'info', metrics: true };
    const gateways: Array<{ name: string; script: string; args: GatewayChildArgs }> = [
      { name: 'production, budgets in this process', script: 'gateway-child.ts', args: production },
      { name: 'production, budgets shared through Redis', script: 'gateway-child.ts', args: { ...production, redisUrl: options.redisUrl } },
    ];
    if (options.before) {
      const script = pathToFileURL(path.join(path.resolve(options.before), 'bench', 'gateway-child.ts')).href;
      for (const gateway of [...gateways]) gateways.push({ ...gateway, name: `${gateway.name}, before: ${options.before}`, script });
    }
    for (const gateway of gateways) {
      process.stderr.write(`  route-cost: ${gateway.name}\n`);
      const child = await startChild(gateway.script, gateway.args);
      const agent = new http.Agent({ keepAlive: true, maxSockets: options.concurrency });
      try {
        const load = (path: string, requests: number) => runLoad({ url: child.url, path, headers, concurrency: options.concurrency, agent, requests, maxMs: 60_000 });
        for (const route of ROUTES) await load(route.path, Math.max(2_000, options.requests));
        const perRound = ROUTES.map(() => [] as number[]);
        for (let round = 0; round < options.rounds; round++) {
          // The order turns each round, so no route always follows the same one.
          for (let k = 0; k < ROUTES.length; k++) {
            const i = (round + k) % ROUTES.length;
            const before = await child.cpuMicros();
            const result = await load(ROUTES[i]!.path, options.requests);
            if (result.failed > 0) throw new Error(`${result.failed} requests to ${ROUTES[i]!.path} failed`);
            perRound[i]!.push(((await child.cpuMicros()) - before) / Math.max(1, result.completed));
          }
        }
        ROUTES.forEach((route, i) => rows.push({ gateway: gateway.name, route: route.name, cpuUsPerRequest: median(perRound[i]!), vsPlain: pairedRatio(perRound[i]!, perRound[0]!) }));
      } finally {
        agent.destroy();
        await child.stop();
      }
    }
  } finally {
    await upstream.stop();
  }
  return rows;
}

export function printRouteCostTable(rows: RouteCostRow[], options: Pick<RouteCostOptions, 'rounds' | 'requests' | 'concurrency' | 'tokens'>): void {
  printTable(
    `1r. A route feature's cost inside one production gateway (routes alternate; ${options.rounds} rounds x ${fmt(options.requests)} requests per route; ${options.concurrency} connections; ${fmt(options.tokens)} users' tokens)`,
    ['gateway', 'route', 'µs CPU/req', 'vs plain route, per round', '95% interval'],
    rows.map((row) => [row.gateway, row.route, fmt(row.cpuUsPerRequest, 1), `${fmt(row.vsPlain.median, 3)}x`, `${fmt(row.vsPlain.interval[0], 3)}-${fmt(row.vsPlain.interval[1], 3)}`]),
    ['vs plain route: this route\'s CPU per request over the plain route\'s, same process, same round. Targets: a rate-limited route within 5 % (issue 27), a step-up route level with it (issue 25).'],
  );
}
