import { sessionRevocationId, type RevocationList } from '../../../lib/revocation/revocation-list.js';

/** A RevocationList tests can revoke on (a jti, or `sessionRevocationId(sid)`), counting how often it is asked. */
export function createFakeRevocations(): RevocationList & { revoke(jti: string): void; checks: number } {
  const revoked = new Set<string>();
  const list = {
    checks: 0,
    revoke: (jti: string) => void revoked.add(jti),
    isRevoked(jti: string) {
      list.checks++;
      return revoked.has(jti);
    },
    isSessionRevoked(sid: string) {
      return revoked.has(sessionRevocationId(sid));
    },
    ready: async () => {},
    status: () => ({ source: 'redis' as const, up: true, loaded: true }),
    close: async () => {},
  };
  return list;
}
