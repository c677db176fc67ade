import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { tenantFilter } from '../db/tenant-filter.ts';
import { Tenant } from '../tenancy/tenant.entity.ts';
import { User } from '../tenancy/user.entity.ts';
import { Contact } from '../contacts/contact.entity.ts';
import { TicketCategory } from './ticket-category.entity.ts';

export const TICKET_PRIORITIES = ['low', 'medium', 'high'] as const;
export type TicketPriority = (typeof TICKET_PRIORITIES)[number];
export const TICKET_STATUSES = ['open', 'in_progress', 'resolved', 'closed'] as const;
export type TicketStatus = (typeof TICKET_STATUSES)[number];

/** A customer support ticket (seed 001 tickets), optionally about a contact. */
export const Ticket = defineEntity({
  name: 'Ticket',
  tableName: 'tickets',
  filters: tenantFilter,
  properties: {
    id: p.bigint('number').primary().autoincrement().unsigned(),
    tenant: () => p.manyToOne(Tenant).deleteRule('cascade'),
    subject: p.string().length(255),
    description: p.text().nullable(),
    category: () => p.manyToOne(TicketCategory).nullable().deleteRule('set null'),
    contact: () => p.manyToOne(Contact).nullable().deleteRule('set null'),
    priority: p.enum(TICKET_PRIORITIES).default('medium'),
    status: p.enum(TICKET_STATUSES).default('open'),
    assignedTo: () => p.manyToOne(User).nullable().deleteRule('set null'),
    createdBy: () => p.manyToOne(User).nullable().deleteRule('set null'),
    resolvedAt: p.datetime().nullable(),
    closedAt: p.datetime().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()).nullable(),
    updatedAt: p.datetime().onCreate(() => new Date()).onUpdate(() => new Date()).nullable(),
  },
  indexes: [
    { name: 'tickets_tenant_status_priority_idx', properties: ['tenant', 'status', 'priority'] },
    { name: 'tickets_tenant_assigned_status_idx', properties: ['tenant', 'assignedTo', 'status'] },
    { name: 'tickets_tenant_contact_idx', properties: ['tenant', 'contact'] },
    { name: 'tickets_tenant_created_idx', properties: ['tenant', 'createdAt'] },
  ],
});
export type ITicket = InferEntity<typeof Ticket>;
