import { randomUUID } from 'node:crypto';
import type { Logger } from '../logger.js';
import type { RedisClient } from '../redis/connection.js';
import type { Budget, BudgetReporter, RateBudgets } from './rate-budgets.js';

/** How often unreported requests go to Redis (one script call per budget with news). */
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
 * request: requests are admitted from memory and reported in batches, every 100 ms and as soon
 * as a budget has spent this replica's share of what is left (what the cluster has left divided
 * by the live replicas). Each report is one EVALSHA per budget (INCRBY + PEXPIRE on the window's
 * key, one key per call so Redis Cluster takes it) whose reply is the cluster's total. While
 * Redis is away nothing waits: every replica goes on limiting on its own, the reports fail fast
 * (no offline queue) and are retried, `status()` says so for /readyz and the metric.
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

  function report(budget: Budget): void {
    const window = budget.window;
    const sent = budget.pending;
    budget.pending = 0;
    budget.inflight = sent;
    budget.flushing = window;
    const ttlMs = budget.windowMs + 1_000;
    add(`${keyPrefix}ratelimit:${budget.id}:${window}`, sent, ttlMs).then(
      (total) => {
        budget.flushing = -1;
        // A report of a window that ended meanwhile changes nothing: take() has reset the budget.
        if (budget.window !== window) return;
        budget.inflight = 0;
        budget.used = Math.max(budget.used, Number(total));
        budget.heardAt = Date.now();
        budget.share = budgets.shareOf(budget.limit, budget.used + budget.pending);
        up();
      },
      (err: unknown) => {
        budget.flushing = -1;
        down(err);
        if (budget.window !== window) return;
        // Not counted by the cluster (as far as we know): keep it ours, reported again next tick.
        budget.inflight = 0;
        budget.pending += sent;
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

  function tick(): void {
    for (const budget of budgets.unreported()) report(budget);
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
