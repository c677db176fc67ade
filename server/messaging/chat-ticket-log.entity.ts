import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { tenantFilter } from '../db/tenant-filter.ts';
import { Tenant } from '../tenancy/tenant.entity.ts';
import { User } from '../tenancy/user.entity.ts';
import { ChatTicket } from './chat-ticket.entity.ts';

/** The activity history of a chat ticket (seed 001 chat_ticket_logs), e.g. created / status_changed / assigned. Immutable. */
export const ChatTicketLog = defineEntity({
  name: 'ChatTicketLog',
  tableName: 'chat_ticket_logs',
  filters: tenantFilter,
  properties: {
    id: p.bigint('number').primary().autoincrement().unsigned(),
    tenant: () => p.manyToOne(Tenant).deleteRule('cascade'),
    chatTicket: () => p.manyToOne(ChatTicket).deleteRule('cascade'),
    user: () => p.manyToOne(User).nullable().deleteRule('set null'),
    action: p.string().length(64),
    details: p.json<Record<string, unknown>>().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()).nullable(),
  },
  indexes: [{ name: 'chat_ticket_logs_tenant_ticket_idx', properties: ['tenant', 'chatTicket', 'createdAt'] }],
});
export type IChatTicketLog = InferEntity<typeof ChatTicketLog>;
