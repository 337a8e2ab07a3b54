/**
 * One caller's budget on one route, in the current fixed window. `used` is the cluster's count
 * as last reported by the shared store (this replica's flushed requests included), `inflight`
 * what this replica is reporting right now, `pending` what it admitted since. Without a shared
 * store `used` stays 0 and `pending` is the whole count.
 */
export interface Budget {
  /** Route and caller, e.g. `0\u0000client-a`; the shared store appends the window. */
  readonly id: string;
  readonly limit: number;
  readonly windowMs: number;
  window: number;
  used: number;
  inflight: number;
  pending: number;
  /** The window whose count is being reported, -1 when none: one report per budget at a time. */
  flushing: number;
  /**
   * How many requests this replica admits before it reports early (its share of what is left
   * among the live replicas), so replicas that have not heard of each other yet cannot together
   * spend much more than the budget (docs/edge.md, "Overshoot"). 1 for a budget new to this
   * replica or window, so its first request learns what the other replicas spent.
   */
  share: number;
  /** When the cluster's count was last heard (a report's reply), 0 never. */
  heardAt: number;
}

/** What the budgets need of a shared store (shared-budgets.ts); absent: this process alone. */
export interface BudgetReporter {
  /** The budget spent its share since its last report: report it now, not at the next tick. */
  reportSoon(budget: Budget): void;
  /** Live replicas sharing the budgets, as last counted (1 until known). */
  replicas(): number;
  /** A view of the cluster's count older than this is refreshed by the next request's report. */
  readonly staleAfterMs: number;
}

/** Budgets of windows that ended are dropped this often (a flood of one-off addresses must not pile up). */
const SWEEP_MS = 5_000;

/**
 * Fixed-window request budgets, decided in memory and synchronously: the hot path is one Map
 * lookup and a few additions, never a wait on Redis. Windows are aligned to the epoch
 * (`floor(now / window)`) so every replica counts the same window under the same key.
 */
export class RateBudgets {
  private readonly routes: RouteBudgets[] = [];
  /** The shared store, once shareThrough was called (RouteBudgets reads it on every take). */
  reporter: BudgetReporter | undefined;
  private readonly sweeper: NodeJS.Timeout;

  constructor(readonly now: () => number = Date.now) {
    this.sweeper = setInterval(() => this.sweep(), SWEEP_MS).unref();
  }

  /** Shares every budget through `reporter` from now on. */
  shareThrough(reporter: BudgetReporter): void {
    this.reporter = reporter;
  }

  /**
   * The budgets of one route's limit, one per caller: `idPrefix` names the route and the kind of
   * key (a budget's id is `idPrefix` + the caller, what the shared store counts under).
   */
  forRoute(idPrefix: string, limit: number, windowMs: number): RouteBudgets {
    const route = new RouteBudgets(this, idPrefix, limit, windowMs);
    this.routes.push(route);
    return route;
  }

  /** Budgets with requests not yet reported and no report under way (the shared store's tick). */
  *unreported(): Iterable<Budget> {
    for (const route of this.routes) for (const budget of route.byCaller.values()) if (budget.pending > 0 && budget.flushing !== budget.window) yield budget;
  }

  /** After a report: this replica's share of what the cluster has left, split among the live replicas. */
  shareOf(limit: number, used = 0): number {
    return Math.max(1, Math.floor((limit - used) / (this.reporter?.replicas() ?? 1)));
  }

  get size(): number {
    return this.routes.reduce((sum, route) => sum + route.byCaller.size, 0);
  }

  close(): void {
    clearInterval(this.sweeper);
  }

  private sweep(): void {
    const now = this.now();
    for (const route of this.routes) {
      const current = Math.floor(now / route.windowMs);
      for (const [caller, budget] of route.byCaller) if (budget.window < current && budget.flushing === -1) route.byCaller.delete(caller);
    }
  }
}

/**
 * One route's budgets, keyed by the caller alone (client id, subject or address): the string the
 * verified token or the socket already holds, whose hash V8 has cached, so a request builds no
 * key and hashes nothing new.
 */
export class RouteBudgets {
  readonly byCaller = new Map<string, Budget>();

  constructor(
    private readonly all: RateBudgets,
    private readonly idPrefix: string,
    readonly limit: number,
    readonly windowMs: number,
  ) {}

  /**
   * Spends one request of `caller`'s budget at `now`: the requests left after it (0 or more), or
   * -1 when the budget is spent (nothing is counted then: a refused request does not push the window).
   */
  take(caller: string, now: number): number {
    const { limit, windowMs } = this;
    const window = Math.floor(now / windowMs);
    let budget = this.byCaller.get(caller);
    if (budget === undefined) {
      // Share 1: a budget new to this replica reports its first request at once, to learn what the others spent.
      budget = { id: this.idPrefix + caller, limit, windowMs, window, used: 0, inflight: 0, pending: 0, flushing: -1, share: 1, heardAt: 0 };
      this.byCaller.set(caller, budget);
    } else if (budget.window !== window) {
      // A new window: what the old one counted (and any report of it still on its way) is over.
      budget.window = window;
      budget.used = 0;
      budget.inflight = 0;
      budget.pending = 0;
      budget.share = 1;
    }
    const spent = budget.used + budget.inflight + budget.pending;
    if (spent >= limit) return -1;
    budget.pending++;
    // Reported now, not at the next tick, when this replica spent its share, or when the budget is
    // half spent and what it knows of the others is stale (it was quiet while they spent): near the
    // limit at most one request on an old view, and far from it no Redis call out of turn.
    const reporter = this.all.reporter;
    if (reporter !== undefined && budget.flushing !== window && (budget.pending >= budget.share || (now - budget.heardAt > reporter.staleAfterMs && 2 * (spent + 1) >= limit))) {
      reporter.reportSoon(budget);
    }
    return limit - spent - 1;
  }

  /** Seconds from `now` until the current window ends, at least 1 (Retry-After and `t=`). */
  resetSeconds(now: number): number {
    return Math.max(1, Math.ceil((this.windowMs - (now % this.windowMs)) / 1000));
  }
}
