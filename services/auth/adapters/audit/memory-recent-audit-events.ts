import type { AuditEntry, RecentAuditEvents } from '../../domain/admin/recent-audit-events.js';

/**
 * A ring buffer of the last `capacity` audit entries of this process (AUDIT_RECENT_EVENTS).
 * Per replica and gone on restart, by design: the audit log stays the record; this only saves an
 * operator a trip to the log for "what just happened here".
 */
export function memoryRecentAuditEvents(capacity: number): RecentAuditEvents {
  const ring: AuditEntry[] = [];
  let next = 0;
  return {
    capacity,
    record(entry) {
      if (capacity === 0) return;
      if (ring.length < capacity) ring.push(entry);
      else ring[next] = entry;
      next = (next + 1) % capacity;
    },
    newest(limit) {
      // `next` is where the oldest entry sits once the ring is full (or the end, before).
      const ordered = ring.length < capacity ? ring : [...ring.slice(next), ...ring.slice(0, next)];
      return ordered.slice(-Math.max(0, limit)).reverse();
    },
  };
}
