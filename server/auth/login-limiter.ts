import { RateLimiterRedis } from 'rate-limiter-flexible';
import type { Redis } from 'ioredis';

/**
 * Counts failures per key in Redis, shared by every web node: once `maxFailures`
 * are counted within `windowSeconds`, the key is blocked until the window ends.
 */
export class FailureLimiter {
  private readonly limiter: RateLimiterRedis;
  constructor(redis: Redis, readonly maxFailures: number, readonly windowSeconds: number, prefix: string) {
    this.limiter = new RateLimiterRedis({ storeClient: redis, keyPrefix: prefix, points: maxFailures, duration: windowSeconds, useRedisPackage: false });
  }

  /** Seconds until `key` may try again, or 0 when it may try now. */
  async blockedFor(key: string): Promise<number> {
    const res = await this.limiter.get(key);
    if (!res || res.consumedPoints < this.maxFailures) return 0;
    return Math.max(1, Math.ceil(res.msBeforeNext / 1000));
  }

  async recordFailure(key: string): Promise<void> {
    // consume rejects once the budget is spent; the count is still kept.
    await this.limiter.consume(key).catch(() => undefined);
  }

  async reset(key: string): Promise<void> {
    await this.limiter.delete(key);
  }
}

/**
 * Counts failed logins per (email, IP).
 *
 * Keyed by the pair, not by the email alone: an attacker spraying one email
 * from many addresses locks out only those addresses, never the real user's
 * own, and every lock ends when the window does.
 */
export class LoginLimiter {
  private readonly failures: FailureLimiter;
  constructor(redis: Redis, readonly maxFailures: number, readonly windowSeconds: number, prefix = 'cc:login-fail') {
    this.failures = new FailureLimiter(redis, maxFailures, windowSeconds, prefix);
  }

  private key(email: string, ip: string): string {
    return `${email.toLowerCase()}|${ip}`;
  }

  /** Seconds until this pair may try again, or 0 when it may try now. */
  blockedFor(email: string, ip: string): Promise<number> {
    return this.failures.blockedFor(this.key(email, ip));
  }

  recordFailure(email: string, ip: string): Promise<void> {
    return this.failures.recordFailure(this.key(email, ip));
  }

  reset(email: string, ip: string): Promise<void> {
    return this.failures.reset(this.key(email, ip));
  }
}
