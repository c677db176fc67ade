import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { tenantFilter } from '../db/tenant-filter.ts';
import { Tenant } from './tenant.entity.ts';
import { ROLES } from '../../shared/roles.ts';

export const User = defineEntity({
  name: 'User',
  tableName: 'users',
  filters: tenantFilter,
  properties: {
    id: p.bigint('number').primary().autoincrement().unsigned(),
    tenant: () => p.manyToOne(Tenant).deleteRule('cascade'),
    name: p.string().length(255),
    email: p.string().length(255).unique('users_email_unique'),
    emailVerifiedAt: p.datetime().nullable(),
    password: p.string().length(255).hidden().lazy(),
    role: p.enum(ROLES).default('sales_agent'),
    isActive: p.boolean().default(true),
    /** Bumped when a password changes or the user is deactivated: access tokens carry it, older ones stop working. */
    tokenVersion: p.integer().default(0),
    lastLoginAt: p.datetime().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()).nullable(),
    updatedAt: p.datetime().onCreate(() => new Date()).onUpdate(() => new Date()).nullable(),
  },
  indexes: [{ name: 'users_tenant_role_idx', properties: ['tenant', 'role'] }, { name: 'users_tenant_active_idx', properties: ['tenant', 'isActive'] }],
});
export type IUser = InferEntity<typeof User>;
