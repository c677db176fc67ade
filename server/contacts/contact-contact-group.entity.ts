import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { tenantFilter } from '../db/tenant-filter.ts';
import { Tenant } from '../tenancy/tenant.entity.ts';
import { Contact } from './contact.entity.ts';
import { ContactGroup } from './contact-group.entity.ts';

/** Membership of a contact in a group (seed 001 contact_contact_group), as an explicit pivot entity. */
export const ContactContactGroup = defineEntity({
  name: 'ContactContactGroup',
  tableName: 'contact_contact_group',
  filters: tenantFilter,
  properties: {
    id: p.bigint('number').primary().autoincrement().unsigned(),
    tenant: () => p.manyToOne(Tenant).deleteRule('cascade'),
    contact: () => p.manyToOne(Contact).deleteRule('cascade'),
    group: () => p.manyToOne(ContactGroup).deleteRule('cascade'),
    createdAt: p.datetime().onCreate(() => new Date()).nullable(),
  },
  uniques: [{ name: 'contact_group_members_unique', properties: ['tenant', 'contact', 'group'] }],
  // Seed 001 idx_group_members: list a group's members (campaign fan-out) by keyset on id.
  indexes: [{ name: 'contact_group_members_group_idx', properties: ['tenant', 'group', 'id'] }],
});
export type IContactContactGroup = InferEntity<typeof ContactContactGroup>;
