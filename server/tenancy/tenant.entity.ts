import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

export const TENANT_STATUSES = ['active', 'suspended', 'closed'] as const;

export const Tenant = defineEntity({
  name: 'Tenant',
  tableName: 'tenants',
  properties: {
    id: p.bigint('number').primary().autoincrement().unsigned(),
    name: p.string().length(255),
    status: p.enum(TENANT_STATUSES).default('active').index('tenants_status_idx'),
    timezone: p.string().length(64).default('UTC'),
    defaultCountry: p.string().length(2).default('US'),
    settings: p.json<Record<string, unknown>>().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()).nullable(),
    updatedAt: p.datetime().onCreate(() => new Date()).onUpdate(() => new Date()).nullable(),
  },
});
export type ITenant = InferEntity<typeof Tenant>;
