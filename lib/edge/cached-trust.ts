import type { ProxyTrust } from '../http/client-address.js';

/** Peers remembered at most; past it the memory starts over (a flood of addresses costs a lookup each, never memory). */
const MAX_PEERS = 4_096;

/**
 * `trust`, remembered per address: a peer's trust never changes while the process runs, and
 * node's BlockList.check builds a SocketAddress on every call, a cost the gateway would otherwise
 * pay on every request (its peer is asked on the proxy port and the decision port).
 */
export function cachedTrust(trust: ProxyTrust): ProxyTrust {
  const known = new Map<string, boolean>();
  return (address) => {
    let trusted = known.get(address);
    if (trusted === undefined) {
      if (known.size >= MAX_PEERS) known.clear();
      trusted = trust(address);
      known.set(address, trusted);
    }
    return trusted;
  };
}
