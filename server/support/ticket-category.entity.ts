import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { tenantFilter } from '../db/tenant-filter.ts';
import { Tenant } from '../tenancy/tenant.entity.ts';

/** A support ticket category (seed 001 ticket_categories), per tenant here (system-wide in the seed). */
export const TicketCategory = defineEntity({
  name: 'TicketCategory',
  tableName: 'ticket_categories',
  filters: tenantFilter,
  properties: {
    id: p.bigint('number').primary().autoincrement().unsigned(),
    tenant: () => p.manyToOne(Tenant).deleteRule('cascade'),
    name: p.string().length(255),
    description: p.text().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()).nullable(),
    updatedAt: p.datetime().onCreate(() => new Date()).onUpdate(() => new Date()).nullable(),
  },
  uniques: [{ name: 'ticket_categories_tenant_name_unique', properties: ['tenant', 'name'] }],
});
export type ITicketCategory = InferEntity<typeof TicketCategory>;
