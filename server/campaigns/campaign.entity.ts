import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { tenantFilter } from '../db/tenant-filter.ts';
import { Tenant } from '../tenancy/tenant.entity.ts';
import { User } from '../tenancy/user.entity.ts';
import { ContactGroup } from '../contacts/contact-group.entity.ts';
import { Template } from '../messaging/template.entity.ts';
import { WhatsappChannel } from '../messaging/whatsapp-channel.entity.ts';

/** Seed 001's statuses plus `cancelled` (a supervisor stops a running campaign). */
export const CAMPAIGN_STATUSES = ['pending', 'processing', 'completed', 'failed', 'cancelled'] as const;
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];

/**
 * A bulk WhatsApp template send to a contact group (seed 001 campaigns). The counters are
 * denormalised progress for the live dashboards (campaign_logs reaches 25M+ rows).
 */
export const Campaign = defineEntity({
  name: 'Campaign',
  tableName: 'campaigns',
  filters: tenantFilter,
  properties: {
    id: p.bigint('number').primary().autoincrement().unsigned(),
    tenant: () => p.manyToOne(Tenant).deleteRule('cascade'),
    name: p.string().length(255),
    channel: () => p.manyToOne(WhatsappChannel).nullable().deleteRule('set null'),
    // RESTRICT: a template used by a campaign cannot be deleted (seed 001 FK list).
    template: () => p.manyToOne(Template).deleteRule('restrict'),
    contactGroup: () => p.manyToOne(ContactGroup).nullable().deleteRule('set null'),
    /** Template variables. */
    metadata: p.json<Record<string, unknown>>().nullable(),
    status: p.enum(CAMPAIGN_STATUSES).default('pending'),
    scheduledAt: p.datetime().nullable(),
    startedAt: p.datetime().nullable(),
    completedAt: p.datetime().nullable(),
    totalCount: p.integer().default(0),
    sentCount: p.integer().default(0),
    deliveredCount: p.integer().default(0),
    readCount: p.integer().default(0),
    failedCount: p.integer().default(0),
    createdBy: () => p.manyToOne(User).nullable().deleteRule('set null'),
    createdAt: p.datetime().onCreate(() => new Date()).nullable(),
    updatedAt: p.datetime().onCreate(() => new Date()).onUpdate(() => new Date()).nullable(),
  },
  indexes: [
    { name: 'campaigns_tenant_status_sched_idx', properties: ['tenant', 'status', 'scheduledAt'] },
    { name: 'campaigns_tenant_created_idx', properties: ['tenant', 'createdAt'] },
  ],
});
export type ICampaign = InferEntity<typeof Campaign>;
