import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { tenantFilter } from '../db/tenant-filter.ts';
import { Tenant } from '../tenancy/tenant.entity.ts';

/**
 * A tenant-configurable call outcome (seed 003 call_dispositions), plus `isActive` so a
 * disposition used by past calls can be retired instead of deleted.
 * A call cannot be closed without one; one that requiresNote needs wrap-up notes.
 */
export const CallDisposition = defineEntity({
  name: 'CallDisposition',
  tableName: 'call_dispositions',
  filters: tenantFilter,
  properties: {
    id: p.bigint('number').primary().autoincrement().unsigned(),
    tenant: () => p.manyToOne(Tenant).deleteRule('cascade'),
    name: p.string().length(255),
    sortOrder: p.integer().default(0),
    isDefault: p.boolean().default(false),
    requiresNote: p.boolean().default(false),
    isActive: p.boolean().default(true),
    createdAt: p.datetime().onCreate(() => new Date()).nullable(),
    updatedAt: p.datetime().onCreate(() => new Date()).onUpdate(() => new Date()).nullable(),
  },
  indexes: [{ name: 'call_dispositions_tenant_sort_idx', properties: ['tenant', 'sortOrder'] }],
  uniques: [{ name: 'call_dispositions_tenant_name_unique', properties: ['tenant', 'name'] }],
});
export type ICallDisposition = InferEntity<typeof CallDisposition>;
