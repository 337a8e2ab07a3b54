import type { IncomingMessage } from 'node:http';

/** A route's `stripPrefix`: the upstream gets the rest of `url` (at least `/`, query kept). */
export function stripPathPrefix(req: IncomingMessage, stripPrefix: string, url: string): void {
  if (stripPrefix === '') return;
  const rest = url.slice(stripPrefix.length);
  req.url = rest === '' || rest.startsWith('?') ? `/${rest}` : rest;
}
