import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { hash, verify, type Algorithm, type Options } from '@node-rs/argon2';
import type { HashRequesters, PasswordHasher } from '../../domain/users/password-hasher.js';
import { withSpan } from '../../../../lib/tracing/tracer.js';
import { BoundedWorkQueue, defaultMaxPerKey, type BoundedWorkQueueOptions } from './bounded-work-queue.js';

/**
 * `Algorithm` is an ambient const enum, which isolatedModules cannot read; 2 is its Argon2id.
 */
const ARGON2ID = 2 as Algorithm;

/** OWASP Password Storage Cheat Sheet, first argon2id option: m=19 MiB, t=2, p=1. */
export const OWASP_ARGON2ID: Options = { algorithm: ARGON2ID, memoryCost: 19_456, timeCost: 2, parallelism: 1 };

/**
 * Hashes at once: every core but one, so the event loop always has a core for health checks,
 * token verification and everything else while a login storm runs (one hash per core at a time:
 * parallelism 1). Beyond them a short queue absorbs bursts; past it a login gets 503 at once.
 * One account or one address holds at most an eighth of the places (4 of 33 on 2 cores); past
 * that it gets 429 at once while others still get in.
 */
const CONCURRENCY_AND_QUEUE = { concurrency: Math.max(1, availableParallelism() - 1), maxWaiting: 32 };
export const DEFAULT_HASHING_LIMITS: Required<BoundedWorkQueueOptions> = { ...CONCURRENCY_AND_QUEUE, maxPerKey: defaultMaxPerKey(CONCURRENCY_AND_QUEUE) };

/**
 * argon2id via @node-rs/argon2, whose hash and verify run on the libuv thread pool, so the event
 * loop keeps serving other requests while a password is checked. Every hash and verification,
 * the dummy one included (login timing must not tell unknown users apart), goes through one
 * bounded queue, with the share of whoever it is for (`by`) capped.
 */
export class Argon2PasswordHasher implements PasswordHasher {
  /** Hash of a random password nobody knows, made with the same cost as real hashes. */
  private readonly dummyHash: Promise<string>;
  private readonly queue: BoundedWorkQueue;

  constructor(
    private readonly options: Options = OWASP_ARGON2ID,
    limits: BoundedWorkQueueOptions = DEFAULT_HASHING_LIMITS,
  ) {
    this.queue = new BoundedWorkQueue(limits);
    this.dummyHash = hash(randomBytes(32).toString('base64url'), options);
    // Surfaced again by verifyAgainstDummy; this only keeps an early failure from going unhandled.
    this.dummyHash.catch(() => undefined);
  }

  hash(password: string, by?: HashRequesters): Promise<string> {
    return withSpan('hash password', { 'authgate.password.operation': 'hash' }, () => this.queue.run(() => hash(password, this.options), by));
  }

  async verify(passwordHash: string, password: string, by?: HashRequesters): Promise<boolean> {
    return withSpan('verify password', { 'authgate.password.operation': 'verify' }, () => this.queue.run(async () => {
      try {
        return await verify(passwordHash, password);
      } catch {
        // A malformed stored hash must fail closed, not reveal itself as a 500 on one account.
        return false;
      }
    }, by));
  }

  async verifyAgainstDummy(password: string, by?: HashRequesters): Promise<void> {
    const dummy = await this.dummyHash;
    // The same span name as a real check: a trace must not tell unknown users apart either.
    await withSpan('verify password', { 'authgate.password.operation': 'verify' }, () => this.queue.run(() => verify(dummy, password), by));
  }
}
