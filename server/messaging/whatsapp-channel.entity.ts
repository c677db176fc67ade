import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { tenantFilter } from '../db/tenant-filter.ts';
import { Tenant } from '../tenancy/tenant.entity.ts';

/**
 * A tenant's WhatsApp Cloud API number (not in the seeds). Inbound webhooks are routed to
 * their tenant by `phoneNumberId`, which is therefore unique across all tenants (and the one
 * index here that does not lead with the tenant). The access token is encrypted at rest.
 */
export const WhatsappChannel = defineEntity({
  name: 'WhatsappChannel',
  tableName: 'whatsapp_channels',
  filters: tenantFilter,
  properties: {
    id: p.bigint('number').primary().autoincrement().unsigned(),
    tenant: () => p.manyToOne(Tenant).deleteRule('cascade'),
    phoneNumberId: p.string().length(64).unique('whatsapp_channels_phone_number_id_unique'),
    businessAccountId: p.string().length(64),
    displayPhoneNumber: p.string().length(32),
    accessTokenCiphertext: p.text().hidden().lazy(),
    accessTokenKeyId: p.string().length(32),
    isActive: p.boolean().default(true),
    createdAt: p.datetime().onCreate(() => new Date()).nullable(),
    updatedAt: p.datetime().onCreate(() => new Date()).onUpdate(() => new Date()).nullable(),
  },
  indexes: [{ name: 'whatsapp_channels_tenant_active_idx', properties: ['tenant', 'isActive'] }],
});
export type IWhatsappChannel = InferEntity<typeof WhatsappChannel>;
