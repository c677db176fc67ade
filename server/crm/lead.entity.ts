import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { tenantFilter } from '../db/tenant-filter.ts';
import { Tenant } from '../tenancy/tenant.entity.ts';
import { User } from '../tenancy/user.entity.ts';
import { LeadStatus } from './lead-status.entity.ts';

export const LEAD_SCORES = ['hot', 'warm', 'cold'] as const;
export type LeadScore = (typeof LEAD_SCORES)[number];

/** A lead on the kanban (seed 003 leads), optimistic-locked by `version`. */
export const Lead = defineEntity({
  name: 'Lead',
  tableName: 'leads',
  filters: tenantFilter,
  properties: {
    id: p.bigint('number').primary().autoincrement().unsigned(),
    tenant: () => p.manyToOne(Tenant).deleteRule('cascade'),
    // RESTRICT: a status that still has leads cannot be deleted (seed 003 rule).
    status: () => p.manyToOne(LeadStatus).fieldName('lead_status_id').deleteRule('restrict'),
    assignedTo: () => p.manyToOne(User).fieldName('assigned_to_user_id').nullable().deleteRule('set null'),
    createdBy: () => p.manyToOne(User).fieldName('created_by_user_id').nullable().deleteRule('set null'),
    name: p.string().length(255),
    companyName: p.string().length(255).nullable(),
    email: p.string().length(255).nullable(),
    /** E.164, e.g. +15551230000. */
    phone: p.string().length(32).nullable(),
    source: p.string().length(255).nullable(),
    score: p.enum(LEAD_SCORES).default('warm'),
    estimatedValue: p.decimal('number').precision(12).scale(2).nullable(),
    lastContactedAt: p.datetime().nullable(),
    nextFollowupAt: p.datetime().nullable(),
    version: p.integer().version(),
    createdAt: p.datetime().onCreate(() => new Date()).nullable(),
    updatedAt: p.datetime().onCreate(() => new Date()).onUpdate(() => new Date()).nullable(),
  },
  indexes: [
    { name: 'leads_tenant_status_idx', properties: ['tenant', 'status', 'id'] },
    { name: 'leads_tenant_assigned_fup_idx', properties: ['tenant', 'assignedTo', 'nextFollowupAt'] },
    // One agent's board: its counts (covering) and each of its columns, newest first.
    { name: 'leads_tenant_assigned_status_idx', properties: ['tenant', 'assignedTo', 'status', 'id'] },
    { name: 'leads_tenant_followup_idx', properties: ['tenant', 'nextFollowupAt'] },
    { name: 'leads_tenant_phone_idx', properties: ['tenant', 'phone'] },
    { name: 'leads_tenant_email_idx', properties: ['tenant', 'email'] },
    { name: 'leads_tenant_name_idx', properties: ['tenant', 'name'] },
    { name: 'leads_tenant_company_idx', properties: ['tenant', 'companyName'] },
  ],
});
export type ILead = InferEntity<typeof Lead>;
