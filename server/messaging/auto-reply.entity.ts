import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { tenantFilter } from '../db/tenant-filter.ts';
import { Tenant } from '../tenancy/tenant.entity.ts';
import { User } from '../tenancy/user.entity.ts';

export const AUTO_REPLY_MATCHES = ['exact', 'contains', 'regex'] as const;
export type AutoReplyMatch = (typeof AUTO_REPLY_MATCHES)[number];

/** An automated response rule (seed 001 auto_replies); `reply` is the reply content (seed: metadata). */
export const AutoReply = defineEntity({
  name: 'AutoReply',
  tableName: 'auto_replies',
  filters: tenantFilter,
  properties: {
    id: p.bigint('number').primary().autoincrement().unsigned(),
    tenant: () => p.manyToOne(Tenant).deleteRule('cascade'),
    name: p.string().length(255),
    /** Keyword or pattern. */
    trigger: p.text(),
    matchCriteria: p.enum(AUTO_REPLY_MATCHES).default('exact'),
    reply: p.json<Record<string, unknown>>(),
    isActive: p.boolean().default(true),
    createdBy: () => p.manyToOne(User).nullable().deleteRule('set null'),
    createdAt: p.datetime().onCreate(() => new Date()).nullable(),
    updatedAt: p.datetime().onCreate(() => new Date()).onUpdate(() => new Date()).nullable(),
  },
  indexes: [{ name: 'auto_replies_tenant_active_idx', properties: ['tenant', 'isActive'] }],
});
export type IAutoReply = InferEntity<typeof AutoReply>;
