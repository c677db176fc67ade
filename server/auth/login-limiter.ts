import { RateLimiterRedis } from 'rate-limiter-flexible';
import type { Redis } from 'ioredis';

/**
 * Counts failed logins per (email, IP) in Redis, shared by every web node.
 *
 * Keyed by the pair, not by the email alone: an attacker spraying one email
 * from many addresses locks out only those addresses, never the real user's
 * own, and every lock ends when the window does.
 */
export class LoginLimiter {
  private readonly limiter: RateLimiterRedis;
  constructor(redis: Redis, readonly maxFailures: number, readonly windowSeconds: number, prefix = 'cc:login-fail') {
    this.limiter = new RateLimiterRedis({ storeClient: redis, keyPrefix: prefix, points: maxFailures, duration: windowSeconds, useRedisPackage: false });
  }

  private key(email: string, ip: string): string {
    return `${email.toLowerCase()}|${ip}`;
  }

  /** Seconds until this pair may try again, or 0 when it may try now. */
  async blockedFor(email: string, ip: string): Promise<number> {
    const res = await this.limiter.get(this.key(email, ip));
    if (!res || res.consumedPoints < this.maxFailures) return 0;
    return Math.max(1, Math.ceil(res.msBeforeNext / 1000));
  }

  async recordFailure(email: string, ip: string): Promise<void> {
    // consume rejects once the budget is spent; the count is still kept.
    await this.limiter.consume(this.key(email, ip)).catch(() => undefined);
  }

  async reset(email: string, ip: string): Promise<void> {
    await this.limiter.delete(this.key(email, ip));
  }
}
