import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { tenantFilter } from '../db/tenant-filter.ts';
import { Tenant } from '../tenancy/tenant.entity.ts';

export const CHAT_MEDIA_TYPES = ['image', 'video', 'audio', 'document', 'sticker'] as const;
export type ChatMediaType = (typeof CHAT_MEDIA_TYPES)[number];

/**
 * A media attachment (seed 001 chat_media). The message points at it (chats.media_id,
 * ON DELETE SET NULL, as seed 001's FK list has it); the seed's reverse chat_id column is
 * left out so the two tables do not reference each other.
 */
export const ChatMedia = defineEntity({
  name: 'ChatMedia',
  tableName: 'chat_media',
  filters: tenantFilter,
  properties: {
    id: p.bigint('number').primary().autoincrement().unsigned(),
    tenant: () => p.manyToOne(Tenant).deleteRule('cascade'),
    type: p.enum(CHAT_MEDIA_TYPES),
    /** WhatsApp's media id (seed: media_id). */
    whatsappMediaId: p.string().length(128).nullable(),
    mimeType: p.string().length(255).nullable(),
    filename: p.string().length(255).nullable(),
    fileSize: p.bigint('number').unsigned().nullable(),
    /** Where the downloaded / uploaded file is stored. */
    localPath: p.string().length(1024).nullable(),
    metadata: p.json<Record<string, unknown>>().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()).nullable(),
    updatedAt: p.datetime().onCreate(() => new Date()).onUpdate(() => new Date()).nullable(),
  },
  indexes: [{ name: 'chat_media_tenant_wa_media_idx', properties: ['tenant', 'whatsappMediaId'] }],
});
export type IChatMedia = InferEntity<typeof ChatMedia>;
