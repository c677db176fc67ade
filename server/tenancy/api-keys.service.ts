import type { EntityManager } from '@mikro-orm/mariadb';
import { ApiKey, type IApiKey } from './api-key.entity.ts';
import { randomToken, sha256 } from '../auth/tokens.ts';
import { audit } from '../audit/audit.service.ts';
import type { TenantContext } from '../http/context.ts';
import type { Principal } from '../auth/principal.ts';
import { ForbiddenError, NotFoundError, UnauthorizedError, UnprocessableError } from '../http/errors.ts';
import { decodeCursor, isIdCursor, iso, pageOf } from '../http/pagination.ts';
import type { PageQuery } from '../../shared/schemas/common.ts';

type Scope = 'pbx' | 'read' | 'write';

/**
 * How long a node trusts a key it has checked. A busy PBX sends an event per call
 * state change, and each would otherwise read the key (and its tenant) again. A
 * revoke on this node applies at once (it drops the entry); on other nodes, and
 * for a tenant suspended or a key expired meanwhile, within this time.
 */
export const API_KEY_CACHE_MS = 5_000;
const CACHE_MAX = 10_000;

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
    this.cache.delete(row.keyHash);
    if (!row.revokedAt) {
      row.revokedAt = new Date();
      audit(ctx.em, ctx, { tenantId: ctx.principal.tenantId, userId: ctx.principal.userId, action: 'api_key.revoked', entityType: 'api_key', entityId: row.id });
      await ctx.em.flush();
    }
    return view(row);
  }

  /** The principal of a machine presenting `key`, which must hold `scope` (checked keys are trusted for API_KEY_CACHE_MS). */
  async authenticate(em: EntityManager, key: string | undefined, scope: string): Promise<Principal> {
    if (!key) throw new UnauthorizedError('An API key is required: Authorization: Bearer <key>.', 'api_key_missing');
    const hash = sha256(key);
    const now = Date.now();
    let k = this.cache.get(hash);
    if (!k || k.cachedUntil <= now) {
      this.cache.delete(hash);
      const row = await em.findOne(ApiKey, { keyHash: hash }, { filters: { tenant: false }, populate: ['tenant'] });
      if (!row || row.revokedAt) throw new UnauthorizedError('The API key is not valid.', 'api_key_invalid');
      k = {
        id: row.id, tenantId: row.tenant.id, tenantStatus: row.tenant.status, name: row.name, scopes: (row.scopes ?? []) as string[],
        expiresAt: row.expiresAt?.getTime() ?? null, lastUsedAt: row.lastUsedAt?.getTime() ?? 0, cachedUntil: now + API_KEY_CACHE_MS,
      };
      if (this.cache.size >= CACHE_MAX) this.cache.clear();
      this.cache.set(hash, k);
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
