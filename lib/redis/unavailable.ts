import { AppError } from '../errors.js';

/** Seconds a client is asked to wait: the connection layer retries Redis at least once a second. */
const RETRY_AFTER_SECONDS = 1;

/**
 * Redis replies that mean "not now" rather than "wrong": a failover or resharding in progress, a
 * replica promoted under us, a server still loading its data, or a busy script.
 */
const TRANSIENT_REPLY = /^(READONLY|LOADING|MASTERDOWN|CLUSTERDOWN|TRYAGAIN|NOREPLICAS|BUSY|MOVED|ASK)\b/;

/** 503 `temporarily_unavailable` with Retry-After: what every process answers while Redis is away. */
export function redisUnavailable(cause: unknown): AppError {
  return new AppError('REDIS_UNAVAILABLE', 503, 'a required service is temporarily unavailable; try again shortly', {
    error: 'temporarily_unavailable',
    headers: { 'Retry-After': String(RETRY_AFTER_SECONDS) },
    cause,
  });
}

/**
 * Whether an error from ioredis means Redis could not be reached or could not answer in time
 * (closed connection, no offline queue, timeout, failover replies), as opposed to a reply that
 * points at a bug of ours (a script error), which stays a 500.
 */
export function isRedisUnavailable(error: unknown): boolean {
  if (error instanceof AppError) return error.code === 'REDIS_UNAVAILABLE';
  if (!(error instanceof Error)) return false;
  if (error.name === 'ReplyError') return TRANSIENT_REPLY.test(error.message);
  // Our own programming faults stay 500s; every other ioredis error is about the connection.
  return !(error instanceof TypeError || error instanceof RangeError || error instanceof SyntaxError || error instanceof ReferenceError);
}

/** Runs a Redis operation, turning unavailability into the 503 and passing anything else on. */
export async function unlessRedisUnavailable<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw isRedisUnavailable(error) ? redisUnavailable(error) : error;
  }
}
