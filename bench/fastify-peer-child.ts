import fastifyHttpProxy from '@fastify/http-proxy';
import { createVerifier } from 'fast-jwt';
import Fastify from 'fastify';
import { childArgs, serveParent } from './child-ipc.js';

/**
 * The peer: what a team builds today from the best-known Node parts. fastify, @fastify/http-proxy
 * (undici underneath) and fast-jwt with its verification cache, checking the same RS256 tokens
 * (issuer, audience, exp) and the same `notes:read` scope as the gateway's bench route, logging
 * off (fastify's default). The public key is given directly: no JWKS, so it has less to do than
 * the gateway, never more.
 */
const { upstreamUrl, issuer, audience, publicPem } = childArgs<{ upstreamUrl: string; issuer: string; audience: string; publicPem: string }>();
const verify = createVerifier({ key: publicPem, algorithms: ['RS256'], allowedIss: issuer, allowedAud: audience, cache: 2_000 });

const app = Fastify({ logger: false, keepAliveTimeout: 65_000 });
await app.register(fastifyHttpProxy, {
  upstream: upstreamUrl,
  prefix: '/api/notes',
  rewritePrefix: '/notes',
  // fastify awaits an async preHandler; the promise is not dropped.
  // eslint-disable-next-line @typescript-eslint/no-misused-promises
  preHandler: async (request, reply) => {
    const header = request.headers.authorization;
    if (header === undefined || !header.startsWith('Bearer ')) return reply.code(401).send({ error: 'invalid_token' });
    try {
      const claims = verify(header.slice(7)) as { scope?: string };
      if (!(claims.scope ?? '').split(' ').includes('notes:read')) return reply.code(403).send({ error: 'insufficient_scope' });
    } catch {
      return reply.code(401).send({ error: 'invalid_token' });
    }
  },
});
const address = await app.listen({ port: 0, host: '127.0.0.1' });
serveParent(address);
