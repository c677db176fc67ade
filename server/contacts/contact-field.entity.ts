import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { tenantFilter } from '../db/tenant-filter.ts';
import { Tenant } from '../tenancy/tenant.entity.ts';
import { User } from '../tenancy/user.entity.ts';

export const CONTACT_FIELD_TYPES = ['text', 'number', 'date', 'select'] as const;
export type ContactFieldType = (typeof CONTACT_FIELD_TYPES)[number];

/** A tenant-defined custom contact field (seed 001 contact_fields); values live in contacts.metadata. */
export const ContactField = defineEntity({
  name: 'ContactField',
  tableName: 'contact_fields',
  filters: tenantFilter,
  properties: {
    id: p.bigint('number').primary().autoincrement().unsigned(),
    tenant: () => p.manyToOne(Tenant).deleteRule('cascade'),
    name: p.string().length(255),
    fieldType: p.enum(CONTACT_FIELD_TYPES),
    /** Choices of a `select` field. */
    options: p.json<string[]>().nullable(),
    isRequired: p.boolean().default(false),
    createdBy: () => p.manyToOne(User).nullable().deleteRule('set null'),
    createdAt: p.datetime().onCreate(() => new Date()).nullable(),
    updatedAt: p.datetime().onCreate(() => new Date()).onUpdate(() => new Date()).nullable(),
  },
  uniques: [{ name: 'contact_fields_tenant_name_unique', properties: ['tenant', 'name'] }],
});
export type IContactField = InferEntity<typeof ContactField>;
