import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { tenantFilter } from '../db/tenant-filter.ts';
import { Tenant } from '../tenancy/tenant.entity.ts';
import { CampaignLog } from './campaign-log.entity.ts';

/** One retry attempt of a failed campaign send (seed 001 campaign_log_retries). Immutable. */
export const CampaignLogRetry = defineEntity({
  name: 'CampaignLogRetry',
  tableName: 'campaign_log_retries',
  filters: tenantFilter,
  properties: {
    id: p.bigint('number').primary().autoincrement().unsigned(),
    tenant: () => p.manyToOne(Tenant).deleteRule('cascade'),
    campaignLog: () => p.manyToOne(CampaignLog).deleteRule('cascade'),
    retryAttempt: p.integer(),
    failureReason: p.string().length(255).nullable(),
    errorDetails: p.json<Record<string, unknown>>().nullable(),
    attemptedAt: p.datetime(),
    createdAt: p.datetime().onCreate(() => new Date()).nullable(),
  },
  indexes: [{ name: 'campaign_log_retries_tenant_log_idx', properties: ['tenant', 'campaignLog', 'retryAttempt'] }],
});
export type ICampaignLogRetry = InferEntity<typeof CampaignLogRetry>;
