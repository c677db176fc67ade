import type { EntityManager } from '@mikro-orm/mariadb';
import type { Redis } from 'ioredis';
import type { Logger } from '../logger.ts';
import { ApiKey, type IApiKey } from './api-key.entity.ts';
import { randomToken, sha256 } from '../auth/tokens.ts';
import { audit } from '../audit/audit.service.ts';
import type { TenantContext } from '../http/context.ts';
import type { Principal } from '../auth/principal.ts';
import { ForbiddenError, NotFoundError, TooManyRequestsError, UnauthorizedError, UnprocessableError } from '../http/errors.ts';
import type { FailureLimiter } from '../auth/login-limiter.ts';
import { decodeCursor, isIdCursor, iso, pageOf } from '../http/pagination.ts';
import type { PageQuery } from '../../shared/schemas/common.ts';

type Scope = 'pbx' | 'read' | 'write';

/**
 * How long a node trusts a key it has checked. A busy PBX sends an event per call
 * state change, and each would otherwise read the key (and its tenant) again. A
 * revoke applies at once on every node: the revoking node publishes the key's id
 * on the invalidation channel and each node drops its entry when it hears it. This
 * time is the safety net: it bounds a lost message, and changes made outside the
 * API (a tenant suspended or a key revoked or expired in SQL).
 */
export const API_KEY_CACHE_MS = 5_000;
const CACHE_MAX = 10_000;

/** The Redis pub/sub channel on which a node announces the id of a key that became invalid. */
export const apiKeyInvalidationChannel = (prefix: string) => `${prefix}:api-keys:invalidate`;

/** Where invalidations are published: a connection not in subscriber mode, and the channel. */
export interface ApiKeyBus {
  redis: Redis;
  channel: string;
  logger: Logger;
}

interface CachedKey {
  id: number;
  tenantId: number;
  tenantStatus: string;
  name: string;
  scopes: string[];
  expiresAt: number | null;
  /** When this node last wrote last_used_at (or read it). */
  lastUsedAt: number;
  cachedUntil: number;
}

function view(k: IApiKey) {
  return {
    id: k.id, name: k.name, prefix: k.keyPrefix, scopes: k.scopes as Scope[],
    lastUsedAt: iso(k.lastUsedAt), expiresAt: iso(k.expiresAt), revokedAt: iso(k.revokedAt), createdAt: iso(k.createdAt),
  };
}

/**
 * Tenant API keys for machines (the PBX). The key is shown once at creation;
 * only its SHA-256 is stored, with a short prefix to recognise it in a list.
 */
export class ApiKeyService {
  private readonly cache = new Map<string, CachedKey>();
  /** Bumped by every invalidation heard (and by a lost subscription): a read that began before one is not cached. */
  private generation = 0;
  private sub: Redis | null = null;
  private subscribed = false;

  /**
   * `failures` counts unknown keys per client address: past its limit, that address gets 429 for the rest of
   * the window without a database read, so guessing keys (or a PBX left with a revoked one) costs nothing
   * but a Redis read. Keys in this node's cache (checked in the last API_KEY_CACHE_MS) pass without it, so a PBX that keeps
   * sending is not stopped by a blocked neighbour behind the same address.
   */
  constructor(private readonly bus: ApiKeyBus, private readonly failures?: FailureLimiter) {}

  /**
   * Whether this node hears the invalidation channel right now. Checked keys are
   * cached only then: while the subscription is down (not yet made, or its
   * connection lost) a revoke on another node could go unheard, so every request
   * reads the key.
   */
  get listening(): boolean {
    return this.subscribed;
  }

  /**
   * Subscribes `sub` (a connection of its own, made with `autoResubscribe: false`)
   * to the invalidation channel, again after every reconnect. The caller owns the
   * connection and closes it with `stop()`.
   */
  listen(sub: Redis): void {
    if (this.sub) throw new Error('ApiKeyService is already listening');
    this.sub = sub;
    const { channel, logger } = this.bus;
    sub.on('message', (ch: string, message: string) => {
      if (ch !== channel) return;
      const id = Number(message);
      if (Number.isSafeInteger(id)) this.drop(id);
    });
    const subscribe = () => {
      sub.subscribe(channel).then(
        () => {
          if (this.sub !== sub || sub.status !== 'ready') return;
          this.forgetAll();
          this.subscribed = true;
        },
        (err: Error) => logger.warn({ err: err.message }, 'api key invalidation: subscribe failed'),
      );
    };
    sub.on('ready', subscribe);
    // Messages published while the connection is down are lost: stop trusting the cache until subscribed again.
    sub.on('close', () => {
      this.subscribed = false;
      this.forgetAll();
    });
    if (sub.status === 'ready') subscribe();
  }

  /** Stops listening and closes the subscriber connection (the system's close()). */
  async stop(): Promise<void> {
    const sub = this.sub;
    if (!sub) return;
    this.sub = null;
    this.subscribed = false;
    this.forgetAll();
    await sub.quit().catch(() => sub.disconnect());
  }

  /**
   * After a change that makes a key invalid has committed: drops it here at once and
   * tells every node (they drop it when the message arrives). A failed publish is
   * logged; the other nodes then stop trusting the key within API_KEY_CACHE_MS.
   */
  private async invalidate(id: number): Promise<void> {
    this.drop(id);
    await this.bus.redis.publish(this.bus.channel, String(id)).catch((err: Error) => {
      this.bus.logger.warn({ err: err.message, apiKeyId: id }, 'api key invalidation: publish failed');
    });
  }

  /** Forgets the cached entry of key `id` (the cache is keyed by hash: revokes are rare, a scan is fine). */
  private drop(id: number): void {
    this.generation++;
    for (const [hash, k] of this.cache) if (k.id === id) this.cache.delete(hash);
  }

  private forgetAll(): void {
    this.generation++;
    this.cache.clear();
  }

  async create(ctx: TenantContext, body: { name: string; scopes: Scope[]; expiresAt?: string }) {
    const expiresAt = body.expiresAt ? new Date(body.expiresAt) : null;
    if (expiresAt && expiresAt.getTime() <= Date.now()) {
      throw new UnprocessableError('expiresAt must be in the future.', [{ path: 'body.expiresAt', message: 'must be in the future' }]);
    }
    const prefix = randomToken(6).slice(0, 8);
    const key = `cck_${prefix}_${randomToken(32)}`;
    const row = ctx.em.create(ApiKey, {
      tenant: ctx.principal.tenantId, name: body.name, keyPrefix: prefix, keyHash: sha256(key), scopes: body.scopes,
      createdBy: ctx.principal.userId, expiresAt,
    } as never);
    await ctx.em.flush();
    audit(ctx.em, ctx, { tenantId: ctx.principal.tenantId, userId: ctx.principal.userId, action: 'api_key.created', entityType: 'api_key', entityId: row.id, changes: { name: body.name, scopes: body.scopes } });
    await ctx.em.flush();
    return { id: row.id, key, name: row.name, prefix, scopes: body.scopes };
  }

  async list(ctx: TenantContext, q: PageQuery) {
    const after = decodeCursor(q.cursor, isIdCursor);
    const rows = await ctx.em.find(ApiKey, after ? { id: { $lt: after.id } } : {}, { orderBy: { id: 'desc' }, limit: q.limit + 1 });
    return pageOf(rows, q.limit, view);
  }

  async revoke(ctx: TenantContext, id: number) {
    const row = await ctx.em.findOne(ApiKey, { id });
    if (!row) throw new NotFoundError('API key');
    if (!row.revokedAt) {
      row.revokedAt = new Date();
      audit(ctx.em, ctx, { tenantId: ctx.principal.tenantId, userId: ctx.principal.userId, action: 'api_key.revoked', entityType: 'api_key', entityId: row.id });
      await ctx.em.flush();
    }
    // After the commit, so that no node re-reads the key as still valid once it has dropped it; the answer
    // waits for the publish. Sent again for a key already revoked, in case the first message was lost.
    await this.invalidate(row.id);
    return view(row);
  }

  /**
   * The principal of a machine presenting `key`, which must hold `scope` (checked keys are trusted for
   * API_KEY_CACHE_MS while this node hears invalidations).
   */
  async authenticate(em: EntityManager, key: string | undefined, scope: string, ip?: string): Promise<Principal> {
    if (!key) throw new UnauthorizedError('An API key is required: Authorization: Bearer <key>.', 'api_key_missing');
    const hash = sha256(key);
    const now = Date.now();
    let k = this.cache.get(hash);
    if (!k || k.cachedUntil <= now) {
      this.cache.delete(hash);
      const limited = ip !== undefined ? this.failures : undefined;
      // The counter is a guard, not the check: if it cannot be read, the key is still looked up.
      const wait = limited ? await limited.blockedFor(ip!).catch(() => 0) : 0;
      if (wait > 0) {
        throw new TooManyRequestsError(`Too many requests with an invalid API key from this address. Try again in ${wait} s.`, wait, 'api_key_rate_limited');
      }
      const generation = this.generation;
      const row = await em.findOne(ApiKey, { keyHash: hash }, { filters: { tenant: false }, populate: ['tenant'] });
      if (!row || row.revokedAt) {
        await limited?.recordFailure(ip!);
        throw new UnauthorizedError('The API key is not valid.', 'api_key_invalid');
      }
      k = {
        id: row.id, tenantId: row.tenant.id, tenantStatus: row.tenant.status, name: row.name, scopes: (row.scopes ?? []) as string[],
        expiresAt: row.expiresAt?.getTime() ?? null, lastUsedAt: row.lastUsedAt?.getTime() ?? 0, cachedUntil: now + API_KEY_CACHE_MS,
      };
      // Not cached when an invalidation arrived during the read (it may have been this key's, committed
      // after the row was read) or while no invalidation can be heard.
      if (this.subscribed && generation === this.generation) {
        if (this.cache.size >= CACHE_MAX) this.cache.clear();
        this.cache.set(hash, k);
      }
    }
    if (k.expiresAt !== null && k.expiresAt <= now) throw new UnauthorizedError('The API key is not valid.', 'api_key_invalid');
    if (k.tenantStatus !== 'active') throw new UnauthorizedError('This organisation is suspended.', 'tenant_suspended');
    if (!k.scopes.includes(scope)) throw new ForbiddenError(`This API key lacks the ${scope} scope.`, { scope }, 'api_key_scope');
    // Written at most once a minute per key, so a busy PBX does not write on every event.
    if (now - k.lastUsedAt > 60_000) {
      k.lastUsedAt = now;
      await em.nativeUpdate(ApiKey, { id: k.id }, { lastUsedAt: new Date(now) }, { filters: { tenant: { tenantId: k.tenantId } } });
    }
    return { kind: 'apiKey', tenantId: k.tenantId, userId: null, role: null, name: k.name, email: null, permissions: new Set(), apiKeyId: k.id, scopes: k.scopes };
  }
}
