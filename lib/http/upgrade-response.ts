import { ServerResponse, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';

/**
 * A ServerResponse bound to the raw socket of an `upgrade` event, so an upgrade request can run
 * through the same handler (and the same JSON error answers) as any request. Bytes that came
 * after the request head (`head`) are put back on the socket for whoever takes it over. The
 * connection closes after the answer: the HTTP parser has already let go of it.
 */
export function responseForUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): ServerResponse {
  if (head.length > 0) socket.unshift(head);
  const res = new ServerResponse(req);
  res.shouldKeepAlive = false;
  res.assignSocket(socket as import('node:net').Socket);
  // A refusal (or any plain answer) ends the connection once written; a taken-over socket never finishes `res`.
  res.once('finish', () => socket.end());
  return res;
}
