import type { AddressInfo } from 'node:net';
import express from 'express';
import { authgateProxy } from '../lib/express/index.js';
import { createVerifier } from '../lib/verifier/index.js';
import { childArgs, serveParent } from './child-ipc.js';

/**
 * The express mount (issue 27, point 3): an express app with `authgateProxy` at `/api`, the same
 * policy as the gateway child's `/api/notes` route (GET needs `notes:read`, the mount path cut
 * before proxying), verifying against the bench issuer's JWKS. No log line, no metrics: the app
 * a team would add its own to.
 */
const { upstreamUrl, issuer, audience, jwksUri } = childArgs<{ upstreamUrl: string; issuer: string; audience: string; jwksUri: string }>();
const verifier = createVerifier({ issuer, audience, jwksUri });
const app = express();
app.use('/api', authgateProxy({ verifier, target: upstreamUrl, timeoutMs: 10_000, requirements: (method) => ({ scopes: method === 'GET' || method === 'HEAD' ? ['notes:read'] : ['notes:write'] }) }));
const server = app.listen(0, '127.0.0.1', () => serveParent(`http://127.0.0.1:${(server.address() as AddressInfo).port}`));
server.keepAliveTimeout = 65_000;
