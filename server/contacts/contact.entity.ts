import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { tenantFilter } from '../db/tenant-filter.ts';
import { Tenant } from '../tenancy/tenant.entity.ts';
import { User } from '../tenancy/user.entity.ts';

/**
 * A customer contact (seed 001 contacts; 1.5M+ rows at scale). `phone` is E.164 and is the
 * WhatsApp identity of the contact. `metadata` holds the values of the tenant's contact_fields.
 */
export const Contact = defineEntity({
  name: 'Contact',
  tableName: 'contacts',
  filters: tenantFilter,
  properties: {
    id: p.bigint('number').primary().autoincrement().unsigned(),
    tenant: () => p.manyToOne(Tenant).deleteRule('cascade'),
    firstName: p.string().length(255),
    lastName: p.string().length(255).nullable(),
    /** E.164, e.g. +15551230000. */
    phone: p.string().length(32),
    email: p.string().length(255).nullable(),
    avatar: p.string().length(1024).nullable(),
    address: p.text().nullable(),
    metadata: p.json<Record<string, unknown>>().nullable(),
    isFavorite: p.boolean().default(false),
    /** Denormalised time of the contact's latest message, for the chat list. */
    latestChatCreatedAt: p.datetime().nullable(),
    createdBy: () => p.manyToOne(User).nullable().deleteRule('set null'),
    createdAt: p.datetime().onCreate(() => new Date()).nullable(),
    updatedAt: p.datetime().onCreate(() => new Date()).onUpdate(() => new Date()).nullable(),
  },
  indexes: [
    { name: 'contacts_tenant_first_name_idx', properties: ['tenant', 'firstName'] },
    // The search matches a prefix of the first name, the last name, the email or the phone: with an index on each,
    // MariaDB reads their union (index_merge) instead of every contact of the tenant.
    { name: 'contacts_tenant_last_name_idx', properties: ['tenant', 'lastName'] },
    { name: 'contacts_tenant_phone_idx', properties: ['tenant', 'phone'] },
    { name: 'contacts_tenant_email_idx', properties: ['tenant', 'email'] },
    { name: 'contacts_tenant_latest_chat_idx', properties: ['tenant', 'latestChatCreatedAt'] },
    // Seed 001 idx_contact_fulltext. A FULLTEXT index cannot include tenant_id (not a text
    // column), so queries must add `tenant_id = ?` next to MATCH ... AGAINST.
    { name: 'contacts_fulltext', type: 'fulltext', properties: ['firstName', 'lastName', 'phone', 'email'] },
  ],
});
export type IContact = InferEntity<typeof Contact>;
