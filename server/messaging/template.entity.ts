import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { tenantFilter } from '../db/tenant-filter.ts';
import { Tenant } from '../tenancy/tenant.entity.ts';
import { User } from '../tenancy/user.entity.ts';

/** Meta's template categories and statuses, spelled as the Graph API spells them. */
export const TEMPLATE_CATEGORIES = ['MARKETING', 'UTILITY', 'AUTHENTICATION'] as const;
export type TemplateCategory = (typeof TEMPLATE_CATEGORIES)[number];
export const TEMPLATE_STATUSES = ['PENDING', 'APPROVED', 'REJECTED', 'PAUSED', 'DISABLED'] as const;
export type TemplateStatus = (typeof TEMPLATE_STATUSES)[number];

/** A WhatsApp message template (seed 001 templates); `components` is Meta's template structure (seed: metadata). */
export const Template = defineEntity({
  name: 'Template',
  tableName: 'templates',
  filters: tenantFilter,
  properties: {
    id: p.bigint('number').primary().autoincrement().unsigned(),
    tenant: () => p.manyToOne(Tenant).deleteRule('cascade'),
    /** Meta's template id. */
    metaId: p.string().length(64).nullable(),
    name: p.string().length(255),
    category: p.enum(TEMPLATE_CATEGORIES),
    /** e.g. en_US, id_ID. */
    language: p.string().length(16),
    components: p.json<Record<string, unknown>[]>(),
    status: p.enum(TEMPLATE_STATUSES).default('PENDING'),
    createdBy: () => p.manyToOne(User).nullable().deleteRule('set null'),
    createdAt: p.datetime().onCreate(() => new Date()).nullable(),
    updatedAt: p.datetime().onCreate(() => new Date()).onUpdate(() => new Date()).nullable(),
  },
  uniques: [{ name: 'templates_tenant_name_lang_unique', properties: ['tenant', 'name', 'language'] }],
  indexes: [{ name: 'templates_tenant_status_idx', properties: ['tenant', 'status'] }],
});
export type ITemplate = InferEntity<typeof Template>;
