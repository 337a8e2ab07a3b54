import type { SessionDevice } from '../tokens/token-store.js';

/** Longest user agent kept with a session: enough to tell browsers apart, never a client-sized blob per login. */
export const MAX_USER_AGENT_LENGTH = 256;
/** An IPv6 address with a zone is under 64 characters; anything longer is not an address. */
const MAX_IP_LENGTH = 64;

/**
 * What a login records about where it came from, for the user's session list. The user agent is
 * the client's own claim (shown, never trusted) and is cut to a bounded size, so a store holds a
 * bounded amount per session whatever a client sends. Control characters are dropped: it is shown.
 */
export function sessionDevice(userAgent: string | undefined, ip: string): SessionDevice {
  return { userAgent: printable(userAgent ?? '').slice(0, MAX_USER_AGENT_LENGTH), ip: printable(ip).slice(0, MAX_IP_LENGTH) };
}

function printable(value: string): string {
  return value.replace(/[\u0000-\u001f\u007f]/g, '');
}
