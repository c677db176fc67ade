import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { tenantFilter } from '../db/tenant-filter.ts';
import { Tenant } from '../tenancy/tenant.entity.ts';
import { User } from '../tenancy/user.entity.ts';

/**
 * The tenant's audit trail (seed 003 audit_logs), plus `changes` (old/new values).
 * Immutable: no updatedAt, and no code path updates or deletes a row.
 */
export const AuditLog = defineEntity({
  name: 'AuditLog',
  tableName: 'audit_logs',
  filters: tenantFilter,
  properties: {
    id: p.bigint('number').primary().autoincrement().unsigned(),
    tenant: () => p.manyToOne(Tenant).deleteRule('cascade'),
    user: () => p.manyToOne(User).nullable().deleteRule('set null'),
    action: p.string().length(255),
    entityType: p.string().length(255).nullable(),
    entityId: p.bigint('number').unsigned().nullable(),
    changes: p.json<Record<string, unknown>>().nullable(),
    ipAddress: p.string().length(45).nullable(),
    userAgent: p.text().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()).nullable(),
  },
  indexes: [
    { name: 'audit_logs_tenant_created_idx', properties: ['tenant', 'createdAt'] },
    { name: 'audit_logs_tenant_entity_idx', properties: ['tenant', 'entityType', 'entityId'] },
  ],
});
export type IAuditLog = InferEntity<typeof AuditLog>;
