/** One audit line as the audit trail wrote it: `time` (ISO 8601), `level`, `event` and its fields in snake_case. */
export interface AuditEntry {
  time: string;
  level: 'info' | 'warn';
  event: string;
  [field: string]: unknown;
}

/**
 * The last audit lines of this process, for the console and `GET /admin/audit-events`. The log is
 * the complete, durable record; this is a window onto its newest part. Entries carry what the
 * audit line carries (ids, addresses, closed-set values), never a secret.
 */
export interface RecentAuditEvents {
  /** Remembers an entry; the oldest one is forgotten once the capacity is reached. */
  record(entry: AuditEntry): void;
  /** Newest first, at most `limit`. */
  newest(limit: number): AuditEntry[];
  /** How many entries are kept at most (0: none). */
  readonly capacity: number;
}

/** Keeps nothing (an app built without a buffer, as some tests build it). */
export const noRecentAuditEvents: RecentAuditEvents = { capacity: 0, record: () => {}, newest: () => [] };
