import { Pool } from 'undici';

export interface UpstreamPools {
  /** The keep-alive connection pool of `upstream`'s origin, created on first use and shared by its routes. */
  poolFor(upstream: URL): Pool;
  close(): Promise<void>;
}

/**
 * One undici `Pool` per upstream origin. undici rather than `http.request` (or http-proxy on top
 * of it): its HTTP/1.1 client parses responses with llhttp in WebAssembly and keeps no per-request
 * ClientRequest/IncomingMessage/Agent bookkeeping, which is most of what a Node proxy spends per
 * request (bench/README.md has the numbers). Idle sockets are reused most-recent first.
 */
export function createUpstreamPools(): UpstreamPools {
  const pools = new Map<string, Pool>();
  return {
    poolFor(upstream) {
      let pool = pools.get(upstream.origin);
      if (pool === undefined) {
        pool = new Pool(upstream.origin, { connections: null, pipelining: 1 });
        pools.set(upstream.origin, pool);
      }
      return pool;
    },
    async close() {
      const all = [...pools.values()];
      pools.clear();
      await Promise.all(all.map((pool) => pool.destroy()));
    },
  };
}
