import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { tenantFilter } from '../db/tenant-filter.ts';
import { Tenant } from '../tenancy/tenant.entity.ts';
import { User } from '../tenancy/user.entity.ts';
import { Conversation } from './conversation.entity.ts';
import { Chat } from './chat.entity.ts';

/**
 * An internal agent note on a conversation (seed 001 chat_notes), never sent to the customer.
 * It belongs to the conversation and may point at the message it is about (`chat`).
 */
export const ChatNote = defineEntity({
  name: 'ChatNote',
  tableName: 'chat_notes',
  filters: tenantFilter,
  properties: {
    id: p.bigint('number').primary().autoincrement().unsigned(),
    tenant: () => p.manyToOne(Tenant).deleteRule('cascade'),
    conversation: () => p.manyToOne(Conversation).deleteRule('cascade'),
    chat: () => p.manyToOne(Chat).nullable().deleteRule('set null'),
    user: () => p.manyToOne(User).nullable().deleteRule('set null'),
    note: p.text(),
    createdAt: p.datetime().onCreate(() => new Date()).nullable(),
    updatedAt: p.datetime().onCreate(() => new Date()).onUpdate(() => new Date()).nullable(),
  },
  indexes: [{ name: 'chat_notes_tenant_conversation_idx', properties: ['tenant', 'conversation', 'createdAt'] }],
});
export type IChatNote = InferEntity<typeof ChatNote>;
