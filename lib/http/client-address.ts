import type { IncomingMessage } from 'node:http';
import { BlockList, isIP } from 'node:net';
import { z } from 'zod';

/**
 * Who the client is when proxies stand in between: one rule for the gateway (which builds the
 * X-Forwarded-For chain) and the services behind it (auth's per-IP login limit reads it), so
 * both name the same address. The rule is the usual one (express `trust proxy`, nginx
 * `real_ip_recursive`): walk the chain from the right, skipping addresses we trust to have
 * appended what they saw; the first one we do not trust is the client. `clientAddress` below is
 * that rule, the only one: the gateway builds X-Forwarded-For by the same trust
 * (lib/edge/forwarded-headers.ts), and every express app answers `req.ip` with it (base-app.ts).
 */
export type ProxyTrust = (address: string) => boolean;

/** Loopback, link-local and private ranges: where the gateway and the services run (what express calls loopback, linklocal, uniquelocal). */
export const INTERNAL_NETWORKS = '127.0.0.0/8,::1/128,169.254.0.0/16,fe80::/10,10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,fc00::/7';

const MAPPED_V4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i;

/** `::ffff:10.0.0.1` (an IPv4 peer on a dual-stack socket) is 10.0.0.1. */
export function plainAddress(address: string): string {
  return MAPPED_V4.exec(address)?.[1] ?? address;
}

/**
 * Parses comma-separated IP addresses and CIDR ranges (`10.0.0.0/8, 2001:db8::1`). Throws an
 * Error naming the first entry that is neither, in plain words.
 */
export function parseProxyTrust(list: string): ProxyTrust {
  const entries = list.split(',').map((entry) => entry.trim()).filter((entry) => entry !== '');
  if (entries.length === 0) return () => false;
  const blocks = new BlockList();
  for (const entry of entries) {
    const [address = '', bits, extra] = entry.split('/');
    const family = isIP(address);
    const prefix = bits === undefined ? (family === 6 ? 128 : 32) : Number(bits);
    if (family === 0 || extra !== undefined || !Number.isInteger(prefix) || prefix < 0 || prefix > (family === 6 ? 128 : 32) || bits === '') {
      throw new Error(`"${entry}" is not an IP address or CIDR range (expected e.g. 10.0.0.5 or 10.0.0.0/8)`);
    }
    blocks.addSubnet(address, prefix, family === 6 ? 'ipv6' : 'ipv4');
  }
  return (address) => {
    const plain = plainAddress(address);
    const family = isIP(plain);
    return family !== 0 && blocks.check(plain, family === 6 ? 'ipv6' : 'ipv4');
  };
}

/** Either of two trusts (a service trusting its own network and the ingresses in front of the gateway). */
export function eitherTrust(a: ProxyTrust, b: ProxyTrust): ProxyTrust {
  return (address) => a(address) || b(address);
}

/** The TRUSTED_PROXIES variable: comma-separated IPs/CIDRs, default none. */
export function trustedProxiesField() {
  return z
    .string()
    .default('')
    .transform((value, ctx) => {
      try {
        return { list: value, trust: parseProxyTrust(value) };
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: `must be comma-separated IP addresses or CIDR ranges: ${(err as Error).message}` });
        return z.NEVER;
      }
    });
}

/** The X-Forwarded-For chain as a list, oldest hop first; several header lines count as one list. */
export function forwardedChain(header: string | string[] | undefined): string[] {
  if (header === undefined) return [];
  const joined = Array.isArray(header) ? header.join(',') : header;
  return joined
    .split(',')
    .map((hop) => hop.trim())
    .filter((hop) => hop !== '');
}

/**
 * The client's address: the peer when it is not trusted; otherwise the rightmost hop of
 * `forwardedFor` that is not trusted. A hop that is not an IP address ends the walk at the
 * trusted proxy that passed it on (it wrote garbage, so it is the last address known to be true).
 */
export function clientAddress(peer: string | undefined, forwardedFor: string | string[] | undefined, trust: ProxyTrust): string | undefined {
  if (peer === undefined) return undefined;
  let current = plainAddress(peer);
  if (!trust(current)) return current;
  const chain = forwardedChain(forwardedFor);
  for (let i = chain.length - 1; i >= 0; i--) {
    const hop = plainAddress(chain[i]!);
    if (isIP(hop) === 0) return current;
    current = hop;
    if (!trust(current)) return current;
  }
  return current;
}

/** An express request as this rule reads it: the app's `trust proxy` function is the trust. */
type AppRequest = IncomingMessage & { app: { get(setting: 'trust proxy fn'): unknown } };

/**
 * The client's address of an express request, by `clientAddress` with the trust its app was
 * given (createBaseApp: our own networks and TRUSTED_PROXIES). What `req.ip` answers in every
 * app built on createBaseApp, and what auth's throttles and audit trail count.
 */
export function clientAddressOf(req: AppRequest): string {
  return clientAddress(req.socket.remoteAddress, req.headers['x-forwarded-for'], req.app.get('trust proxy fn') as ProxyTrust) ?? 'unknown';
}
