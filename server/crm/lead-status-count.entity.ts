import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { tenantFilter } from '../db/tenant-filter.ts';
import { Tenant } from '../tenancy/tenant.entity.ts';
import { LeadStatus } from './lead-status.entity.ts';

/**
 * How many leads a status holds, kept by the writes (server/crm/lead-counts.ts):
 * every change that adds, removes or moves a lead adjusts these rows in its own
 * transaction, so the board reads its counts here instead of counting the
 * tenant's leads. One row per status, created with the status; it goes with it
 * (and with the tenant) by cascade. Primary key (tenant, status): a tenant's rows
 * are one short range.
 */
export const LeadStatusCount = defineEntity({
  name: 'LeadStatusCount',
  tableName: 'lead_status_counts',
  filters: tenantFilter,
  primaryKeys: ['tenant', 'status'],
  properties: {
    tenant: () => p.manyToOne(Tenant).primary().deleteRule('cascade'),
    status: () => p.manyToOne(LeadStatus).fieldName('lead_status_id').primary().deleteRule('cascade'),
    n: p.integer().default(0),
  },
});
export type ILeadStatusCount = InferEntity<typeof LeadStatusCount>;
