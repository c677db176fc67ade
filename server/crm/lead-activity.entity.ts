import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { tenantFilter } from '../db/tenant-filter.ts';
import { Tenant } from '../tenancy/tenant.entity.ts';
import { User } from '../tenancy/user.entity.ts';
import { Lead } from './lead.entity.ts';

export const LEAD_ACTIVITY_TYPES = ['call', 'note', 'status_change', 'followup', 'assignment'] as const;
export type LeadActivityType = (typeof LEAD_ACTIVITY_TYPES)[number];

/** The immutable timeline of a lead (seed 003 lead_activities): no updatedAt, never updated or deleted. */
export const LeadActivity = defineEntity({
  name: 'LeadActivity',
  tableName: 'lead_activities',
  filters: tenantFilter,
  properties: {
    id: p.bigint('number').primary().autoincrement().unsigned(),
    tenant: () => p.manyToOne(Tenant).deleteRule('cascade'),
    lead: () => p.manyToOne(Lead).deleteRule('cascade'),
    user: () => p.manyToOne(User).deleteRule('cascade'),
    type: p.enum(LEAD_ACTIVITY_TYPES),
    /** e.g. { from_status, to_status } / { call_id, duration, outcome } / { note }. */
    payload: p.json<Record<string, unknown>>().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()).nullable(),
  },
  indexes: [{ name: 'lead_activities_tenant_lead_created_idx', properties: ['tenant', 'lead', 'createdAt'] }],
});
export type ILeadActivity = InferEntity<typeof LeadActivity>;
