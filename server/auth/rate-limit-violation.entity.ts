import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { Tenant } from '../tenancy/tenant.entity.ts';
import { User } from '../tenancy/user.entity.ts';

export const RATE_LIMIT_TYPES = ['login', 'ip', 'user', 'route', 'tenant'] as const;
export type RateLimitType = (typeof RATE_LIMIT_TYPES)[number];

/**
 * A request refused by a rate limiter (seed 001 rate_limit_violations). Immutable.
 *
 * NOT tenant-filtered on purpose: most violations (login flooding) happen before a tenant
 * is known, so `tenant` is nullable and there is no `tenantFilter`.
 */
export const RateLimitViolation = defineEntity({
  name: 'RateLimitViolation',
  tableName: 'rate_limit_violations',
  properties: {
    id: p.bigint('number').primary().autoincrement().unsigned(),
    tenant: () => p.manyToOne(Tenant).nullable().deleteRule('set null'),
    user: () => p.manyToOne(User).nullable().deleteRule('set null'),
    limitType: p.enum(RATE_LIMIT_TYPES).nullable(),
    email: p.string().length(255).nullable(),
    ipAddress: p.string().length(45).nullable(),
    userAgent: p.string().length(512).nullable(),
    /** The limited route or action (seed: endpoint), e.g. `auth.login`. */
    route: p.string().length(255).nullable(),
    attempts: p.integer().default(1),
    /** The threshold that was exceeded (seed: limit_threshold). */
    limit: p.integer().fieldName('limit_threshold').nullable(),
    windowSeconds: p.integer().nullable(),
    blocked: p.boolean().default(true),
    blockExpiresAt: p.datetime().nullable(),
    reason: p.string().length(255).nullable(),
    createdAt: p.datetime().onCreate(() => new Date()).nullable(),
  },
  // Lookups by IP / email happen before the tenant is known, so these do not lead with tenant.
  indexes: [
    { name: 'rate_limit_ip_created_idx', properties: ['ipAddress', 'createdAt'] },
    { name: 'rate_limit_email_created_idx', properties: ['email', 'createdAt'] },
    { name: 'rate_limit_blocked_expires_idx', properties: ['blocked', 'blockExpiresAt'] },
    { name: 'rate_limit_tenant_created_idx', properties: ['tenant', 'createdAt'] },
  ],
});
export type IRateLimitViolation = InferEntity<typeof RateLimitViolation>;
