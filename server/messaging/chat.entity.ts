import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { tenantFilter } from '../db/tenant-filter.ts';
import { Tenant } from '../tenancy/tenant.entity.ts';
import { User } from '../tenancy/user.entity.ts';
import { Contact } from '../contacts/contact.entity.ts';
import { Campaign } from '../campaigns/campaign.entity.ts';
import { Conversation } from './conversation.entity.ts';
import { ChatMedia } from './chat-media.entity.ts';

export const CHAT_DIRECTIONS = ['inbound', 'outbound'] as const;
export type ChatDirection = (typeof CHAT_DIRECTIONS)[number];
/** WhatsApp message types. */
export const CHAT_TYPES = ['text', 'image', 'video', 'audio', 'document', 'sticker', 'location', 'contacts', 'template', 'interactive', 'button', 'reaction', 'unsupported'] as const;
export type ChatType = (typeof CHAT_TYPES)[number];
/** Outbound: queued → sent → delivered → read, or failed. Inbound: received (→ read once an agent read it). */
export const CHAT_STATUSES = ['queued', 'sent', 'delivered', 'read', 'failed', 'received'] as const;
export type ChatStatus = (typeof CHAT_STATUSES)[number];

/**
 * One WhatsApp message (seed 001 chats; 10M+ rows at scale). `wamid` is WhatsApp's message
 * id: unique per tenant so a webhook Meta retries is stored once (NULL until an outbound
 * message is accepted by the Graph API; MariaDB allows many NULLs in a unique key).
 */
export const Chat = defineEntity({
  name: 'Chat',
  tableName: 'chats',
  filters: tenantFilter,
  properties: {
    id: p.bigint('number').primary().autoincrement().unsigned(),
    tenant: () => p.manyToOne(Tenant).deleteRule('cascade'),
    conversation: () => p.manyToOne(Conversation).deleteRule('cascade'),
    contact: () => p.manyToOne(Contact).deleteRule('cascade'),
    wamid: p.string().length(128).nullable(),
    direction: p.enum(CHAT_DIRECTIONS),
    type: p.enum(CHAT_TYPES).default('text'),
    /** The text, or the caption of a media message. */
    body: p.text().nullable(),
    /** The message content as WhatsApp sent / we sent it (template parameters, location, ...). */
    metadata: p.json<Record<string, unknown>>().nullable(),
    media: () => p.manyToOne(ChatMedia).nullable().deleteRule('set null'),
    status: p.enum(CHAT_STATUSES),
    /** Meta's error(s) of a failed message. */
    error: p.json<Record<string, unknown>>().nullable(),
    campaign: () => p.manyToOne(Campaign).nullable().deleteRule('set null'),
    sentBy: () => p.manyToOne(User).nullable().deleteRule('set null'),
    sentAt: p.datetime().nullable(),
    deliveredAt: p.datetime().nullable(),
    readAt: p.datetime().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()).nullable(),
    updatedAt: p.datetime().onCreate(() => new Date()).onUpdate(() => new Date()).nullable(),
  },
  uniques: [{ name: 'chats_tenant_wamid_unique', properties: ['tenant', 'wamid'] }],
  indexes: [
    { name: 'chats_tenant_conversation_idx', properties: ['tenant', 'conversation', 'id'] },
    { name: 'chats_tenant_contact_created_idx', properties: ['tenant', 'contact', 'createdAt'] },
  ],
});
export type IChat = InferEntity<typeof Chat>;
