import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { tenantFilter } from '../db/tenant-filter.ts';
import { Tenant } from '../tenancy/tenant.entity.ts';
import { User } from '../tenancy/user.entity.ts';
import { Ticket } from '../support/ticket.entity.ts';
import { Conversation } from './conversation.entity.ts';
import { Chat } from './chat.entity.ts';

/** A conversation (optionally one message of it) turned into a support ticket (seed 001 chat_tickets). */
export const ChatTicket = defineEntity({
  name: 'ChatTicket',
  tableName: 'chat_tickets',
  filters: tenantFilter,
  properties: {
    id: p.bigint('number').primary().autoincrement().unsigned(),
    tenant: () => p.manyToOne(Tenant).deleteRule('cascade'),
    conversation: () => p.manyToOne(Conversation).deleteRule('cascade'),
    chat: () => p.manyToOne(Chat).nullable().deleteRule('set null'),
    ticket: () => p.manyToOne(Ticket).deleteRule('cascade'),
    createdBy: () => p.manyToOne(User).nullable().deleteRule('set null'),
    createdAt: p.datetime().onCreate(() => new Date()).nullable(),
  },
  uniques: [{ name: 'chat_tickets_tenant_conv_ticket_unique', properties: ['tenant', 'conversation', 'ticket'] }],
  indexes: [{ name: 'chat_tickets_tenant_ticket_idx', properties: ['tenant', 'ticket'] }],
});
export type IChatTicket = InferEntity<typeof ChatTicket>;
