import { randomUUID } from 'node:crypto';
import type { Logger } from '../logger.js';
import type { RedisClient } from '../redis/connection.js';
import type { Budget, BudgetReporter, RateBudgets } from './rate-budgets.js';

/** How often budgets with news worth reporting go to Redis (one pipeline per tick). */
export const REPORT_INTERVAL_MS = 100;
/** How often this replica says it is alive and counts the others (for the shares). */
const HEARTBEAT_MS = 1_000;
/** A replica not heard of for this long no longer counts. */
const REPLICA_TTL_MS = 3_000;

/**
 * Adds this replica's requests to the window's count and answers the cluster's total; the key
 * expires with its window (plus a second for clock skew between replicas).
 */
const ADD_SCRIPT = `local total = redis.call('INCRBY', KEYS[1], ARGV[1])
if total == tonumber(ARGV[1]) then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return total`;

interface InFlight {
  budget: Budget;
  window: number;
  count: number;
}

type ScriptedClient = RedisClient & { authgateRateAdd?: (key: string, count: number, ttlMs: number) => Promise<number> };

export interface SharedBudgetsStatus {
  up: boolean;
  downSince?: number | undefined;
  reason?: string | undefined;
}

export interface SharedBudgets {
  status(): SharedBudgetsStatus;
  close(): void;
}

/**
 * Makes `budgets` one budget for every replica through Redis, without a Redis round trip per
 * request: requests are admitted from memory and reported in batches, every 100 ms for budgets
 * with news worth it (worthReporting) and at once when a budget has spent this replica's share of
 * what is left (what the cluster has left divided by the live replicas). A tick's reports go in one pipeline (one write, one round trip), an
 * EVALSHA per budget with news (INCRBY + PEXPIRE on the window's key, one key per call, each
 * sent alone on a Cluster) whose reply is the cluster's total. While
 * Redis is away nothing waits: every replica goes on limiting on its own, the reports fail fast
 * (no offline queue), the heartbeat probes Redis once a second and the counts wait in memory,
 * `status()` says so for /readyz and the metric.
 */
export function shareBudgets(budgets: RateBudgets, redis: RedisClient, keyPrefix: string, logger: Pick<Logger, 'warn' | 'info'>): SharedBudgets {
  const client = redis as ScriptedClient;
  // ioredis sends EVALSHA and falls back to EVAL once per connection when the script is unknown.
  if (client.authgateRateAdd === undefined) client.defineCommand('authgateRateAdd', { numberOfKeys: 1, lua: ADD_SCRIPT });
  const add = client.authgateRateAdd!.bind(client);
  const replicaId = randomUUID();
  const replicasKey = `${keyPrefix}ratelimit:replicas`;
  let replicas = 1;
  let state: SharedBudgetsStatus = { up: true };

  const up = () => {
    if (state.up) return;
    logger.info('rate limits shared through Redis again');
    state = { up: true };
  };
  const down = (err: unknown) => {
    if (!state.up) return;
    const reason = err instanceof Error ? err.message : String(err);
    logger.warn({ reason }, 'Redis unavailable: rate limits are counted per replica until it is back');
    state = { up: false, downSince: Date.now(), reason };
  };

  /** Moves a budget's pending count in flight; what the reply (or failure) settles. */
  function begin(budget: Budget): InFlight {
    const sent = { budget, window: budget.window, count: budget.pending };
    budget.pending = 0;
    budget.inflight = sent.count;
    budget.flushing = sent.window;
    return sent;
  }

  function settled({ budget, window }: InFlight, total: unknown): void {
    budget.flushing = -1;
    // A report of a window that ended meanwhile changes nothing: take() has reset the budget.
    if (budget.window !== window) return;
    budget.inflight = 0;
    budget.used = Math.max(budget.used, Number(total));
    budget.heardAt = Date.now();
    budget.share = budgets.shareOf(budget.limit, budget.used + budget.pending);
  }

  function failed({ budget, window, count }: InFlight): void {
    budget.flushing = -1;
    if (budget.window !== window) return;
    // Not counted by the cluster (as far as we know): keep it ours, reported once Redis is back.
    budget.inflight = 0;
    budget.pending += count;
  }

  const keyOf = ({ budget, window }: InFlight) => `${keyPrefix}ratelimit:${budget.id}:${window}`;
  const ttlOf = ({ budget }: InFlight) => budget.windowMs + 1_000;

  /** One budget's report, on its own (a share spent between ticks, or a Cluster). */
  function report(budget: Budget): void {
    const sent = begin(budget);
    add(keyOf(sent), sent.count, ttlOf(sent)).then(
      (total) => {
        settled(sent, total);
        up();
      },
      (err: unknown) => {
        failed(sent);
        down(err);
      },
    );
  }

  /** A tick's reports in one pipeline: one write and one round trip, whatever the number of budgets. */
  function reportAll(list: Budget[]): void {
    // A Cluster pipeline must stay on one node; the keys of many budgets do not.
    if (client.isCluster) return list.forEach(report);
    const pipeline = client.pipeline() as ReturnType<RedisClient['pipeline']> & { authgateRateAdd(key: string, count: number, ttlMs: number): unknown };
    const sent = list.map(begin);
    for (const one of sent) pipeline.authgateRateAdd(keyOf(one), one.count, ttlOf(one));
    pipeline.exec().then(
      (replies) => {
        sent.forEach((one, i) => {
          const [err, total] = replies?.[i] ?? [new Error('no reply')];
          if (err) failed(one);
          else settled(one, total);
        });
        up();
      },
      (err: unknown) => {
        sent.forEach(failed);
        down(err);
      },
    );
  }

  const reporter: BudgetReporter = {
    // While Redis is away only the tick retries: a request never starts a report bound to fail.
    reportSoon(budget) {
      if (state.up) report(budget);
    },
    replicas: () => replicas,
    staleAfterMs: REPORT_INTERVAL_MS,
  };

  /**
   * The tick reports a budget that has used a quarter of this replica's share since its last
   * report, or that is half spent: what keeps the others' views close where it matters. The
   * overshoot bound comes from the shares (take() reports a spent share at once), so a budget far
   * from its limit, of a user sending a request now and then, costs no Redis command per request.
   */
  function worthReporting(budget: Budget): boolean {
    return 4 * budget.pending >= budget.share || 2 * (budget.used + budget.inflight + budget.pending) >= budget.limit;
  }

  function tick(): void {
    // While Redis is away the heartbeat alone probes it (once a second), not a failing call per
    // budget every tick; the first tick after it is back reports everything counted meanwhile.
    if (!state.up) return;
    const list: Budget[] = [];
    for (const budget of budgets.unreported()) if (worthReporting(budget)) list.push(budget);
    if (list.length > 0) reportAll(list);
  }

  function heartbeat(): void {
    const now = Date.now();
    redis
      .multi()
      .zadd(replicasKey, now, replicaId)
      .zremrangebyscore(replicasKey, '-inf', now - REPLICA_TTL_MS)
      .zcard(replicasKey)
      .pexpire(replicasKey, REPLICA_TTL_MS * 2)
      .exec()
      .then(
        (replies) => {
          const count = Number(replies?.[2]?.[1]);
          if (Number.isInteger(count) && count > 0) replicas = count;
          up();
        },
        (err: unknown) => down(err),
      );
  }

  budgets.shareThrough(reporter);
  const ticker = setInterval(tick, REPORT_INTERVAL_MS).unref();
  const beat = setInterval(heartbeat, HEARTBEAT_MS).unref();
  heartbeat();

  return {
    status: () => state,
    close() {
      clearInterval(ticker);
      clearInterval(beat);
      // Leave the count at once, so the others' shares grow back without waiting for the TTL.
      redis.zrem(replicasKey, replicaId).catch(() => undefined);
    },
  };
}
