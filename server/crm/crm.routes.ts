import { z } from 'zod';
import { route, IdParams, type RouteSpec } from '../http/route.ts';
import { requirePrincipal } from '../http/context.ts';
import { Page } from '../../shared/schemas/common.ts';
import {
  AddNoteBody, AssignLeadBody, Board, BoardQuery, ColumnQuery, CreateLeadBody, CreateLeadStatusBody, DeleteLeadStatusQuery, LeadActivityView,
  LeadListQuery, LeadStatusView, LeadView, MoveLeadBody, MyFollowupsQuery, PageOnlyQuery, ReorderLeadStatusesBody, StatusParams, UpdateLeadBody, UpdateLeadStatusBody,
} from '../../shared/schemas/leads.ts';
import type { LeadService } from './leads.service.ts';
import type { LeadStatusService } from './lead-statuses.service.ts';

const CountsQuery = z.strictObject({ counts: z.enum(['true', 'false']).transform((v) => v === 'true').optional() });

export function crmRoutes(leads: LeadService, statuses: LeadStatusService): RouteSpec[] {
  return [
    // Pipeline columns
    route({
      method: 'get', path: '/lead-statuses', tag: 'Lead statuses', auth: { kind: 'user', permission: 'leads.view' }, summary: 'The pipeline\'s statuses in order',
      query: CountsQuery, responses: { 200: { description: 'Statuses', schema: z.object({ data: z.array(LeadStatusView) }) } }, errors: [400, 401, 403],
      handler: async (ctx, { query }) => { requirePrincipal(ctx); return { data: await statuses.list(ctx, query.counts ?? false) }; },
    }),
    route({
      method: 'post', path: '/lead-statuses', tag: 'Lead statuses', auth: { kind: 'user', permission: 'settings.manage' }, summary: 'Add a status (at the end)',
      description: 'Rules: one default per tenant (a new default replaces the old one); won and lost exclude each other; won or lost implies closed.',
      body: CreateLeadStatusBody, status: 201, responses: { 201: { description: 'Created', schema: LeadStatusView } }, errors: [400, 401, 403, 409, 422],
      handler: (ctx, { body }) => { requirePrincipal(ctx); return statuses.create(ctx, body); },
    }),
    route({
      method: 'put', path: '/lead-statuses/order', tag: 'Lead statuses', auth: { kind: 'user', permission: 'settings.manage' }, summary: 'Reorder the columns (every id, once)',
      body: ReorderLeadStatusesBody, responses: { 200: { description: 'Statuses in the new order', schema: z.object({ data: z.array(LeadStatusView) }) } }, errors: [400, 401, 403, 422],
      handler: async (ctx, { body }) => { requirePrincipal(ctx); return { data: await statuses.reorder(ctx, body.ids) }; },
    }),
    route({
      method: 'patch', path: '/lead-statuses/:id', tag: 'Lead statuses', auth: { kind: 'user', permission: 'settings.manage' }, summary: 'Rename, recolour or change the flags of a status',
      params: IdParams, body: UpdateLeadStatusBody, responses: { 200: { description: 'Updated', schema: LeadStatusView } }, errors: [400, 401, 403, 404, 409, 422],
      handler: (ctx, { params, body }) => { requirePrincipal(ctx); return statuses.update(ctx, params.id, body); },
    }),
    route({
      method: 'delete', path: '/lead-statuses/:id', tag: 'Lead statuses', auth: { kind: 'user', permission: 'settings.manage' },
      summary: 'Delete a status', description: 'A status that holds leads answers 409 with the count, unless `moveTo` names the status to move them to. The default status cannot be deleted.',
      params: IdParams, query: DeleteLeadStatusQuery, status: 204, responses: { 204: { description: 'Deleted' } }, errors: [400, 401, 403, 404, 409, 422],
      handler: async (ctx, { params, query }) => { requirePrincipal(ctx); await statuses.remove(ctx, params.id, query.moveTo); },
    }),
    // Leads: fixed paths before /leads/:id
    route({
      method: 'get', path: '/leads/board', tag: 'Leads', auth: { kind: 'user', permission: 'leads.view' }, summary: 'The kanban: every column with its count and first cards',
      query: BoardQuery, responses: { 200: { description: 'Board', schema: Board } }, errors: [400, 401, 403],
      handler: (ctx, { query }) => { requirePrincipal(ctx); return leads.board(ctx, query); },
    }),
    route({
      method: 'get', path: '/leads/board/:statusId', tag: 'Leads', auth: { kind: 'user', permission: 'leads.view' }, summary: 'Next cards of one column',
      params: StatusParams, query: ColumnQuery, responses: { 200: { description: 'A page of cards', schema: Page(LeadView) } }, errors: [400, 401, 403, 404],
      handler: (ctx, { params, query }) => { requirePrincipal(ctx); return leads.column(ctx, params.statusId, query); },
    }),
    route({
      method: 'get', path: '/leads/my-followups', tag: 'Leads', auth: { kind: 'user', permission: 'leads.view' }, summary: 'My open leads with an upcoming follow-up, soonest first',
      description: 'Seed 003\'s query: follow-ups from now on. `includeOverdue=true` adds the overdue ones (they come first).',
      query: MyFollowupsQuery, responses: { 200: { description: 'A page of leads', schema: Page(LeadView) } }, errors: [400, 401, 403],
      handler: (ctx, { query }) => { requirePrincipal(ctx); return leads.myFollowups(ctx, query); },
    }),
    route({
      method: 'get', path: '/leads/assignees', tag: 'Leads', auth: { kind: 'user', permission: 'leads.manage' },
      summary: 'Who a lead can be assigned to: the active users of the tenant (id and name only)',
      responses: { 200: { description: 'Assignees', schema: z.object({ data: z.array(z.object({ id: z.number(), name: z.string() })) }) } }, errors: [401, 403],
      handler: async (ctx) => { requirePrincipal(ctx); return { data: await leads.assignees(ctx) }; },
    }),
    route({
      method: 'get', path: '/leads', tag: 'Leads', auth: { kind: 'user', permission: 'leads.view' }, summary: 'Search and filter leads',
      description: '`q` matches the start of the name, company or email, or a phone number (any format; compared in E.164).',
      query: LeadListQuery, responses: { 200: { description: 'A page of leads', schema: Page(LeadView) } }, errors: [400, 401, 403],
      handler: (ctx, { query }) => { requirePrincipal(ctx); return leads.list(ctx, query); },
    }),
    route({
      method: 'post', path: '/leads', tag: 'Leads', auth: { kind: 'user', permission: 'leads.manage' }, summary: 'Create a lead (in the default status unless statusId is given)',
      description: 'The phone is stored in E.164, read with the tenant\'s default country; an invalid number is a 422.',
      body: CreateLeadBody, status: 201, responses: { 201: { description: 'Created', schema: LeadView } }, errors: [400, 401, 403, 422],
      handler: (ctx, { body }) => { requirePrincipal(ctx); return leads.create(ctx, body); },
    }),
    route({
      method: 'get', path: '/leads/:id', tag: 'Leads', auth: { kind: 'user', permission: 'leads.view' }, summary: 'One lead',
      params: IdParams, responses: { 200: { description: 'The lead', schema: LeadView } }, errors: [400, 401, 403, 404],
      handler: (ctx, { params }) => { requirePrincipal(ctx); return leads.get(ctx, params.id); },
    }),
    route({
      method: 'patch', path: '/leads/:id', tag: 'Leads', auth: { kind: 'user', permission: 'leads.manage' }, summary: 'Edit a lead\'s fields or follow-up',
      description: 'Send the `version` you saw to make a concurrent edit a 409 carrying the current lead.',
      params: IdParams, body: UpdateLeadBody, responses: { 200: { description: 'Updated', schema: LeadView } }, errors: [400, 401, 403, 404, 409, 422],
      handler: (ctx, { params, body }) => { requirePrincipal(ctx); return leads.update(ctx, params.id, body); },
    }),
    route({
      method: 'post', path: '/leads/:id/assign', tag: 'Leads', auth: { kind: 'user', permission: 'leads.manage' }, summary: 'Assign (or unassign with null) a lead',
      params: IdParams, body: AssignLeadBody, responses: { 200: { description: 'Assigned', schema: LeadView } }, errors: [400, 401, 403, 404, 409, 422],
      handler: (ctx, { params, body }) => { requirePrincipal(ctx); return leads.assign(ctx, params.id, body.userId, body.version); },
    }),
    route({
      method: 'post', path: '/leads/:id/move', tag: 'Leads', auth: { kind: 'user', permission: 'leads.manage' }, summary: 'Move a lead to another status',
      description: 'A status that requires a note needs `note`; one that requires a follow-up date needs a future `nextFollowupAt` (422 naming what is missing). `version` must be the lead\'s current version: a concurrent move answers 409 with the current lead. Moving into a closed status cancels the follow-up.',
      params: IdParams, body: MoveLeadBody, responses: { 200: { description: 'Moved', schema: LeadView } }, errors: [400, 401, 403, 404, 409, 422],
      handler: (ctx, { params, body }) => { requirePrincipal(ctx); return leads.move(ctx, params.id, body); },
    }),
    route({
      method: 'delete', path: '/leads/:id', tag: 'Leads', auth: { kind: 'user', permission: 'leads.delete' }, summary: 'Delete a lead',
      params: IdParams, status: 204, responses: { 204: { description: 'Deleted' } }, errors: [401, 403, 404],
      handler: async (ctx, { params }) => { requirePrincipal(ctx); await leads.remove(ctx, params.id); },
    }),
    route({
      method: 'get', path: '/leads/:id/activities', tag: 'Leads', auth: { kind: 'user', permission: 'leads.view' }, summary: 'The lead\'s timeline, newest first',
      description: 'Activities are immutable: there is no route to change or delete one.',
      params: IdParams, query: PageOnlyQuery, responses: { 200: { description: 'A page of activities', schema: Page(LeadActivityView) } }, errors: [400, 401, 403, 404],
      handler: (ctx, { params, query }) => { requirePrincipal(ctx); return leads.activities(ctx, params.id, query); },
    }),
    route({
      method: 'post', path: '/leads/:id/notes', tag: 'Leads', auth: { kind: 'user', permission: 'leads.manage' }, summary: 'Add a note to the timeline',
      params: IdParams, body: AddNoteBody, status: 201, responses: { 201: { description: 'The note activity', schema: LeadActivityView } }, errors: [400, 401, 403, 404],
      handler: (ctx, { params, body }) => { requirePrincipal(ctx); return leads.addNote(ctx, params.id, body.note); },
    }),
  ];
}
