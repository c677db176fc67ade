import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { tenantFilter } from '../db/tenant-filter.ts';
import { Tenant } from '../tenancy/tenant.entity.ts';
import { User } from '../tenancy/user.entity.ts';

/**
 * One refresh token of a login (seed 000 token handling). Only the SHA-256 hex is stored.
 * Tokens rotate: each use marks `usedAt`, points `replacedBy` at its successor's hash, and
 * every token descended from one login shares `familyId` so a replayed token revokes the family.
 */
export const RefreshToken = defineEntity({
  name: 'RefreshToken',
  tableName: 'refresh_tokens',
  filters: tenantFilter,
  properties: {
    id: p.bigint('number').primary().autoincrement().unsigned(),
    tenant: () => p.manyToOne(Tenant).deleteRule('cascade'),
    user: () => p.manyToOne(User).deleteRule('cascade'),
    // Globally unique: a presented token is resolved by hash before the tenant is known.
    tokenHash: p.string().length(64).unique('refresh_tokens_token_hash_unique').hidden(),
    familyId: p.string().length(36),
    expiresAt: p.datetime(),
    usedAt: p.datetime().nullable(),
    revokedAt: p.datetime().nullable(),
    replacedBy: p.string().length(64).nullable().hidden(),
    ipAddress: p.string().length(45).nullable(),
    userAgent: p.string().length(512).nullable(),
    createdAt: p.datetime().onCreate(() => new Date()).nullable(),
  },
  indexes: [
    { name: 'refresh_tokens_tenant_user_idx', properties: ['tenant', 'user'] },
    { name: 'refresh_tokens_tenant_family_idx', properties: ['tenant', 'familyId'] },
  ],
});
export type IRefreshToken = InferEntity<typeof RefreshToken>;
