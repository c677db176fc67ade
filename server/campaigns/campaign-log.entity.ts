import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { tenantFilter } from '../db/tenant-filter.ts';
import { Tenant } from '../tenancy/tenant.entity.ts';
import { Contact } from '../contacts/contact.entity.ts';
import { Chat } from '../messaging/chat.entity.ts';
import { Campaign } from './campaign.entity.ts';

/** The send job's state per recipient (seed 001). */
export const CAMPAIGN_LOG_STATUSES = ['pending', 'ongoing', 'success', 'failed'] as const;
export type CampaignLogStatus = (typeof CAMPAIGN_LOG_STATUSES)[number];
/** WhatsApp's delivery state of the sent message, from status webhooks. */
export const CAMPAIGN_DELIVERY_STATUSES = ['sent', 'delivered', 'read', 'failed'] as const;
export type CampaignDeliveryStatus = (typeof CAMPAIGN_DELIVERY_STATUSES)[number];

/** One recipient of a campaign (seed 001 campaign_logs; 25M+ rows at scale). */
export const CampaignLog = defineEntity({
  name: 'CampaignLog',
  tableName: 'campaign_logs',
  filters: tenantFilter,
  properties: {
    id: p.bigint('number').primary().autoincrement().unsigned(),
    tenant: () => p.manyToOne(Tenant).deleteRule('cascade'),
    campaign: () => p.manyToOne(Campaign).deleteRule('cascade'),
    contact: () => p.manyToOne(Contact).deleteRule('cascade'),
    /** The resulting message. */
    chat: () => p.manyToOne(Chat).nullable().deleteRule('set null'),
    /** Delivery details. */
    metadata: p.json<Record<string, unknown>>().nullable(),
    status: p.enum(CAMPAIGN_LOG_STATUSES).default('pending'),
    deliveryStatus: p.enum(CAMPAIGN_DELIVERY_STATUSES).nullable(),
    retryCount: p.integer().default(0),
    createdAt: p.datetime().onCreate(() => new Date()).nullable(),
    updatedAt: p.datetime().onCreate(() => new Date()).onUpdate(() => new Date()).nullable(),
  },
  uniques: [{ name: 'campaign_logs_tenant_campaign_contact_unique', properties: ['tenant', 'campaign', 'contact'] }],
  indexes: [{ name: 'campaign_logs_tenant_campaign_status_idx', properties: ['tenant', 'campaign', 'status'] }],
});
export type ICampaignLog = InferEntity<typeof CampaignLog>;
