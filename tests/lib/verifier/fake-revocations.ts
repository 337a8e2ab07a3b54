import type { RevocationList } from '../../../lib/revocation/revocation-list.js';

/** A RevocationList tests can revoke on (a jti, or a whole session), counting how often it is asked. */
export function createFakeRevocations(): RevocationList & { revoke(jti: string): void; revokeSession(sid: string): void; checks: number } {
  const revoked = new Set<string>();
  const sessions = new Set<string>();
  const list = {
    checks: 0,
    revoke: (jti: string) => void revoked.add(jti),
    revokeSession: (sid: string) => void sessions.add(sid),
    isRevoked(jti: string) {
      list.checks++;
      return revoked.has(jti);
    },
    isSessionRevoked(sid: string) {
      return sessions.has(sid);
    },
    ready: async () => {},
    status: () => ({ source: 'redis' as const, up: true, loaded: true }),
    close: async () => {},
  };
  return list;
}
