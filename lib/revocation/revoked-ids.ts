import { revocationKey, type RevocationEntry, type RevocationKind } from './revocation-entry.js';

/**
 * What a verifier's revocation list holds in memory: revoked ids by kind (a `jti`, a session
 * `sid`) with the instant their denial ends, epoch seconds. A later deadline always wins, so a
 * duplicate or late message never shortens a revocation; expired ids answer false and are swept
 * on a timer, so memory holds only what is still denied. Shared by the Redis and the HTTP feed,
 * so both answer `isRevoked` and `isSessionRevoked` the same way.
 */
export class RevokedIds {
  /** By `revocationKey(kind, value)`. */
  private readonly until = new Map<string, number>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(sweepIntervalMs: number) {
    this.sweeper = setInterval(() => this.sweep(), sweepIntervalMs).unref();
  }

  remember({ kind, value, until: untilSeconds }: RevocationEntry): void {
    if (untilSeconds * 1000 <= Date.now()) return;
    const id = revocationKey(kind, value);
    if ((this.until.get(id) ?? 0) < untilSeconds) this.until.set(id, untilSeconds);
  }

  has(kind: RevocationKind, value: string): boolean {
    const id = revocationKey(kind, value);
    const until = this.until.get(id);
    if (until === undefined) return false;
    if (until * 1000 > Date.now()) return true;
    this.until.delete(id);
    return false;
  }

  get size(): number {
    return this.until.size;
  }

  close(): void {
    clearInterval(this.sweeper);
  }

  private sweep(): void {
    const now = Date.now();
    for (const [id, until] of this.until) if (until * 1000 <= now) this.until.delete(id);
  }
}
