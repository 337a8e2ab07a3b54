import { EventEmitter } from 'node:events';
import { Redis } from 'ioredis';
import type { Logger } from '../logger.js';
import { closeRedis, createRedisClient, type RedisClient } from './connection.js';
import type { RedisHostPort, RedisSettings } from './env.js';

export type SubscriberState = 'connecting' | 'up' | 'down' | 'closed';

/**
 * One channel, heard across reconnects and failovers. Events: `up` each time the subscription is
 * (re)established (the moment to re-read whatever was published while away), `down` when it was
 * lost, `message` (payload) for each message on the channel.
 */
export interface RedisSubscriber extends EventEmitter<{ up: []; down: [error?: Error]; message: [payload: string] }> {
  readonly state: SubscriberState;
  close(): Promise<void>;
}

/**
 * Subscribes to `channel` with plain pub/sub. On Redis Cluster, PUBLISH reaches every node, so
 * the subscription lives on one node and moves to another when that one goes away (ioredis's own
 * cluster subscriber moves silently, and a silent move would hide the gap to re-read).
 */
export function openRedisSubscriber(
  settings: RedisSettings,
  channel: string,
  { connectionName, logger }: { connectionName: string; logger?: Pick<Logger, 'warn'> },
): RedisSubscriber {
  const emitter = new EventEmitter() as RedisSubscriber & { state: SubscriberState };
  emitter.state = 'connecting';
  let closed = false;
  let current: RedisClient | undefined;
  let retryTimer: NodeJS.Timeout | undefined;
  const { target } = settings;
  // Cluster: the seeds, plus every node the cluster reported since; tried round-robin.
  const nodes: RedisHostPort[] = target.mode === 'cluster' ? [...target.nodes] : [];
  let nextNode = 0;
  let attempts = 0;

  const goDown = (error?: Error) => {
    if (emitter.state === 'up' || emitter.state === 'connecting') {
      const wasUp = emitter.state === 'up';
      emitter.state = 'down';
      if (wasUp) emitter.emit('down', error);
    }
  };

  const attach = (client: RedisClient) => {
    current = client;
    client.on('error', (error: Error) => {
      logger?.warn({ err: error, connection: connectionName }, 'redis subscriber connection error');
      if (emitter.state === 'connecting') emitter.emit('down', error);
    });
    client.on('message', (heard: string, payload: string) => {
      if (heard === channel) emitter.emit('message', payload);
    });
    client.on('close', () => goDown());
    client.on('ready', () => {
      void (async () => {
        try {
          if (target.mode === 'cluster') learnNodes(await (client as Redis).call('CLUSTER', 'NODES'));
          await client.subscribe(channel);
          attempts = 0;
          emitter.state = 'up';
          emitter.emit('up');
        } catch (error) {
          // Subscribing failed on a live socket: drop it, so the reconnect path tries again.
          logger?.warn({ err: error, connection: connectionName }, 'redis subscribe failed');
          client.disconnect(target.mode !== 'cluster');
        }
      })();
    });
    client.connect().catch(() => undefined);
  };

  const learnNodes = (reply: unknown) => {
    for (const line of String(reply).split('\n')) {
      // `<id> <ip:port@cport[,hostname]> <flags> ...`; failed nodes are kept out.
      const [, address, flags] = line.split(' ');
      const hostPort = address?.split('@')[0];
      if (!hostPort || !flags || flags.includes('fail') || flags.includes('noaddr')) continue;
      const at = hostPort.lastIndexOf(':');
      const node = { host: hostPort.slice(0, at), port: Number(hostPort.slice(at + 1)) };
      if (node.host && !nodes.some((n) => n.host === node.host && n.port === node.port)) nodes.push(node);
    }
  };

  /** Cluster only: a connection to one node that does not retry; its end moves us to the next node. */
  const connectToNextNode = () => {
    if (closed) return;
    const node = nodes[nextNode++ % nodes.length]!;
    const client = createRedisClient({ ...settings, target: { mode: 'standalone', url: `redis://${formatHost(node.host)}:${node.port}` } }, connectionName) as Redis;
    client.options.retryStrategy = () => null;
    client.once('end', () => {
      goDown();
      if (closed) return;
      clearTimeout(retryTimer);
      retryTimer = setTimeout(connectToNextNode, Math.min(100 * ++attempts, 1_000)).unref();
    });
    attach(client);
  };

  if (target.mode === 'cluster') connectToNextNode();
  else attach(createRedisClient(settings, connectionName));

  emitter.close = async () => {
    closed = true;
    emitter.state = 'closed';
    clearTimeout(retryTimer);
    if (current) await closeRedis(current);
  };
  return emitter;
}

function formatHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}
