import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { tenantFilter } from '../db/tenant-filter.ts';
import { Tenant } from '../tenancy/tenant.entity.ts';

/**
 * A tenant-configurable lead pipeline column (seed 003 lead_statuses).
 *
 * Business rules (seed 003): exactly one default per tenant; won and lost are exclusive;
 * a status with leads cannot be deleted (leads.status_id is ON DELETE RESTRICT); moving a
 * lead into a status that requiresNote / requiresFollowupDate needs a note / follow-up date.
 * The database backs two of them: a CHECK keeps won/lost exclusive, and `defaultKey`
 * (a generated column, tenant id when isDefault else NULL) is unique, so a tenant can never
 * have two defaults. "At least one" is the service's job (it moves the flag in one transaction).
 */
export const LeadStatus = defineEntity({
  name: 'LeadStatus',
  tableName: 'lead_statuses',
  filters: tenantFilter,
  properties: {
    id: p.bigint('number').primary().autoincrement().unsigned(),
    tenant: () => p.manyToOne(Tenant).deleteRule('cascade'),
    name: p.string().length(255),
    color: p.string().length(7).default('#3B82F6'),
    sortOrder: p.integer().default(0),
    isDefault: p.boolean().default(false),
    isClosed: p.boolean().default(false),
    isWon: p.boolean().default(false),
    isLost: p.boolean().default(false),
    requiresNote: p.boolean().default(false),
    requiresFollowupDate: p.boolean().default(false),
    /** Generated, read-only: the tenant id while this is the default status, else NULL. */
    defaultKey: p
      .bigint('number')
      .generated('(case when `is_default` = 1 then `tenant_id` else NULL end) virtual')
      .unique('lead_statuses_one_default_unique')
      .hidden(),
    createdAt: p.datetime().onCreate(() => new Date()).nullable(),
    updatedAt: p.datetime().onCreate(() => new Date()).onUpdate(() => new Date()).nullable(),
  },
  indexes: [{ name: 'lead_statuses_tenant_sort_idx', properties: ['tenant', 'sortOrder'] }],
  uniques: [{ name: 'lead_statuses_tenant_name_unique', properties: ['tenant', 'name'] }],
  checks: [{ name: 'lead_statuses_won_lost_chk', expression: '`is_won` <> 1 or `is_lost` <> 1' }],
});
export type ILeadStatus = InferEntity<typeof LeadStatus>;
