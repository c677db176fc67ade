import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { Tenant } from '../tenancy/tenant.entity.ts';
import { User } from '../tenancy/user.entity.ts';

export const AUTH_EVENT_TYPES = ['login_success', 'login_failure', 'login_locked', 'logout', 'refresh', 'refresh_reuse'] as const;
export type AuthEventType = (typeof AUTH_EVENT_TYPES)[number];

/**
 * Login / logout / refresh attempts (seed 001 authentication_events). Immutable.
 *
 * NOT tenant-filtered on purpose: many rows record attempts made before any tenant is
 * known (unknown email, bad refresh token), so `tenant` is nullable and there is no
 * `tenantFilter`; queries on this table must scope by tenant themselves.
 */
export const AuthenticationEvent = defineEntity({
  name: 'AuthenticationEvent',
  tableName: 'authentication_events',
  properties: {
    id: p.bigint('number').primary().autoincrement().unsigned(),
    tenant: () => p.manyToOne(Tenant).nullable().deleteRule('set null'),
    user: () => p.manyToOne(User).nullable().deleteRule('set null'),
    eventType: p.enum(AUTH_EVENT_TYPES),
    email: p.string().length(255).nullable(),
    ipAddress: p.string().length(45).nullable(),
    userAgent: p.string().length(512).nullable(),
    reason: p.string().length(255).nullable(),
    suspicious: p.boolean().default(false),
    data: p.json<Record<string, unknown>>().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()).nullable(),
  },
  // Lookups by email / IP happen before the tenant is known, so these do not lead with tenant.
  indexes: [
    { name: 'auth_events_email_type_created_idx', properties: ['email', 'eventType', 'createdAt'] },
    { name: 'auth_events_ip_created_idx', properties: ['ipAddress', 'createdAt'] },
    { name: 'auth_events_suspicious_created_idx', properties: ['suspicious', 'createdAt'] },
    { name: 'auth_events_tenant_created_idx', properties: ['tenant', 'createdAt'] },
  ],
});
export type IAuthenticationEvent = InferEntity<typeof AuthenticationEvent>;
