import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { tenantFilter } from '../db/tenant-filter.ts';
import { Tenant } from '../tenancy/tenant.entity.ts';
import { User } from '../tenancy/user.entity.ts';

/** An in-app notification for one user (seed 002 notifications, adapted); unread while `readAt` is NULL. */
export const Notification = defineEntity({
  name: 'Notification',
  tableName: 'notifications',
  filters: tenantFilter,
  properties: {
    id: p.bigint('number').primary().autoincrement().unsigned(),
    tenant: () => p.manyToOne(Tenant).deleteRule('cascade'),
    user: () => p.manyToOne(User).deleteRule('cascade'),
    /** e.g. `lead.assigned`, `followup.due`, `conversation.assigned`. */
    type: p.string().length(64),
    title: p.string().length(255),
    body: p.text().nullable(),
    data: p.json<Record<string, unknown>>().nullable(),
    readAt: p.datetime().nullable(),
    /** Set by producers that must notify once (e.g. one follow-up reminder): unique per tenant. */
    dedupeKey: p.string().length(191).nullable(),
    createdAt: p.datetime().onCreate(() => new Date()).nullable(),
  },
  indexes: [{ name: 'notifications_tenant_user_read_idx', properties: ['tenant', 'user', 'readAt', 'createdAt'] }],
  uniques: [{ name: 'notifications_tenant_dedupe_unique', properties: ['tenant', 'dedupeKey'] }],
});
export type INotification = InferEntity<typeof Notification>;
