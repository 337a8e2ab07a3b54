import type { AppSessionStore } from '../../../services/auth/domain/app-flow/app-sessions.js';

/**
 * A real app-session store (memory or Redis) whose `recordIssued` for a code waits until `takes`
 * redemptions of that code (`takes`) have come back from `takeCode`, or `deadlineMs` passes. That is the
 * widest window between a first redemption's take and its record: concurrent replays land in it
 * only sometimes on their own (2 rounds in 5 in the issue), here in every round. Nothing else is
 * changed; every call goes to the wrapped adapter.
 */
export class RecordAfterTakes implements AppSessionStore {
  readonly #taken = new Map<string, number>();
  readonly #wakeups = new Set<() => void>();

  /** How many takes of a code its record waits for; 1 (the default) holds nothing. */
  takes = 1;

  constructor(
    private readonly inner: AppSessionStore,
    private readonly deadlineMs = 10_000,
  ) {}

  async takeCode(...args: Parameters<AppSessionStore['takeCode']>): ReturnType<AppSessionStore['takeCode']> {
    const taken = await this.inner.takeCode(...args);
    this.#taken.set(args[0], (this.#taken.get(args[0]) ?? 0) + 1);
    for (const wake of this.#wakeups) wake();
    return taken;
  }

  async recordIssued(...args: Parameters<AppSessionStore['recordIssued']>): ReturnType<AppSessionStore['recordIssued']> {
    await this.#untilTaken(args[0]);
    return this.inner.recordIssued(...args);
  }

  /** Resolves once the code was taken `takes` times; at the deadline anyway, so a test fails rather than hangs. */
  #untilTaken(codeHash: string): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#wakeups.delete(check);
        resolve();
      };
      const check = () => {
        if ((this.#taken.get(codeHash) ?? 0) >= this.takes) done();
      };
      const timer = setTimeout(done, this.deadlineMs);
      this.#wakeups.add(check);
      check();
    });
  }

  saveCode: AppSessionStore['saveCode'] = (...args) => this.inner.saveCode(...args);
  saveSession: AppSessionStore['saveSession'] = (...args) => this.inner.saveSession(...args);
  findSession: AppSessionStore['findSession'] = (...args) => this.inner.findSession(...args);
  addSessionFamily: AppSessionStore['addSessionFamily'] = (...args) => this.inner.addSessionFamily(...args);
  endSession: AppSessionStore['endSession'] = (...args) => this.inner.endSession(...args);
  grantedScopes: AppSessionStore['grantedScopes'] = (...args) => this.inner.grantedScopes(...args);
  grantScopes: AppSessionStore['grantScopes'] = (...args) => this.inner.grantScopes(...args);
  ping: AppSessionStore['ping'] = () => this.inner.ping();
  close: AppSessionStore['close'] = () => this.inner.close();
}
