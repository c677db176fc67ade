import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { tenantFilter } from '../db/tenant-filter.ts';
import { Tenant } from '../tenancy/tenant.entity.ts';

/** A tenant-defined reason for being "not ready" (break, lunch, training, ...). */
export const PresenceReason = defineEntity({
  name: 'PresenceReason',
  tableName: 'presence_reasons',
  filters: tenantFilter,
  properties: {
    id: p.bigint('number').primary().autoincrement().unsigned(),
    tenant: () => p.manyToOne(Tenant).deleteRule('cascade'),
    name: p.string().length(100),
    sortOrder: p.integer().default(0),
    isActive: p.boolean().default(true),
    createdAt: p.datetime().onCreate(() => new Date()).nullable(),
    updatedAt: p.datetime().onCreate(() => new Date()).onUpdate(() => new Date()).nullable(),
  },
  uniques: [{ name: 'presence_reasons_tenant_name_unique', properties: ['tenant', 'name'] }],
});
export type IPresenceReason = InferEntity<typeof PresenceReason>;
