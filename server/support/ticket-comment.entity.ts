import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { tenantFilter } from '../db/tenant-filter.ts';
import { Tenant } from '../tenancy/tenant.entity.ts';
import { User } from '../tenancy/user.entity.ts';
import { Ticket } from './ticket.entity.ts';

/** A comment on a ticket (seed 001 ticket_comments); `isInternal` = agent-only note vs customer reply. */
export const TicketComment = defineEntity({
  name: 'TicketComment',
  tableName: 'ticket_comments',
  filters: tenantFilter,
  properties: {
    id: p.bigint('number').primary().autoincrement().unsigned(),
    tenant: () => p.manyToOne(Tenant).deleteRule('cascade'),
    ticket: () => p.manyToOne(Ticket).deleteRule('cascade'),
    user: () => p.manyToOne(User).nullable().deleteRule('set null'),
    comment: p.text(),
    isInternal: p.boolean().default(false),
    createdAt: p.datetime().onCreate(() => new Date()).nullable(),
    updatedAt: p.datetime().onCreate(() => new Date()).onUpdate(() => new Date()).nullable(),
  },
  indexes: [{ name: 'ticket_comments_tenant_ticket_idx', properties: ['tenant', 'ticket', 'createdAt'] }],
});
export type ITicketComment = InferEntity<typeof TicketComment>;
