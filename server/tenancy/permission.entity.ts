import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { tenantFilter } from '../db/tenant-filter.ts';
import { Tenant } from './tenant.entity.ts';
import { ROLES } from '../../shared/roles.ts';

/** One granted permission string (e.g. `leads.view`, `calls.recordings.view`) for one role of one tenant. */
export const Permission = defineEntity({
  name: 'Permission',
  tableName: 'permissions',
  filters: tenantFilter,
  properties: {
    id: p.bigint('number').primary().autoincrement().unsigned(),
    tenant: () => p.manyToOne(Tenant).deleteRule('cascade'),
    role: p.enum(ROLES),
    permission: p.string().length(100),
    createdAt: p.datetime().onCreate(() => new Date()).nullable(),
    updatedAt: p.datetime().onCreate(() => new Date()).onUpdate(() => new Date()).nullable(),
  },
  uniques: [{ name: 'permissions_tenant_role_perm_unique', properties: ['tenant', 'role', 'permission'] }],
});
export type IPermission = InferEntity<typeof Permission>;
