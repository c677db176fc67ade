import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { tenantFilter } from '../db/tenant-filter.ts';
import { Tenant } from '../tenancy/tenant.entity.ts';
import { User } from '../tenancy/user.entity.ts';
import { Contact } from '../contacts/contact.entity.ts';
import { WhatsappChannel } from './whatsapp-channel.entity.ts';

export const CONVERSATION_STATUSES = ['open', 'pending', 'resolved'] as const;
export type ConversationStatus = (typeof CONVERSATION_STATUSES)[number];

/**
 * The WhatsApp thread between one channel and one contact (not in the seeds): its status,
 * assignee, last message and unread count. `lastInboundAt` is when the customer last wrote,
 * which opens WhatsApp's 24-hour window for free-form (non-template) replies.
 */
export const Conversation = defineEntity({
  name: 'Conversation',
  tableName: 'conversations',
  filters: tenantFilter,
  properties: {
    id: p.bigint('number').primary().autoincrement().unsigned(),
    tenant: () => p.manyToOne(Tenant).deleteRule('cascade'),
    channel: () => p.manyToOne(WhatsappChannel).deleteRule('cascade'),
    contact: () => p.manyToOne(Contact).deleteRule('cascade'),
    status: p.enum(CONVERSATION_STATUSES).default('open'),
    assignee: () => p.manyToOne(User).nullable().deleteRule('set null'),
    lastMessageAt: p.datetime().nullable(),
    lastMessagePreview: p.string().length(255).nullable(),
    lastInboundAt: p.datetime().nullable(),
    unreadCount: p.integer().default(0),
    createdAt: p.datetime().onCreate(() => new Date()).nullable(),
    updatedAt: p.datetime().onCreate(() => new Date()).onUpdate(() => new Date()).nullable(),
  },
  uniques: [{ name: 'conversations_tenant_channel_contact_unique', properties: ['tenant', 'channel', 'contact'] }],
  indexes: [
    { name: 'conversations_tenant_status_last_idx', properties: ['tenant', 'status', 'lastMessageAt'] },
    { name: 'conversations_tenant_assignee_status_idx', properties: ['tenant', 'assignee', 'status'] },
  ],
});
export type IConversation = InferEntity<typeof Conversation>;
