import { z } from 'zod';
import { route, IdParams, type RouteSpec } from '../http/route.ts';
import { requirePrincipal, type TenantContext } from '../http/context.ts';
import { ConflictError, ForbiddenError, NotFoundError } from '../http/errors.ts';
import { PresenceReason } from './presence-reason.entity.ts';
import type { PresenceService } from './presence.service.ts';
import type { Publisher } from '../realtime/publisher.ts';
import { audit } from '../audit/audit.service.ts';
import { readTenantDay } from '../common/tenant-day.ts';
import {
  CreatePresenceReasonBody, PresenceReasonView, PresenceSnapshot, TimeInState, TimeInStateQuery, UpdatePresenceReasonBody,
} from '../../shared/schemas/presence.ts';

const reasonView = (r: { id: number; name: string; sortOrder: number; isActive: boolean }) => ({ id: r.id, name: r.name, sortOrder: r.sortOrder, isActive: r.isActive });

export function presenceRoutes(presence: PresenceService, publisher: Publisher): RouteSpec[] {
  return [
    route({
      method: 'get', path: '/presence', tag: 'Presence', auth: { kind: 'user', permission: 'dashboard.view' },
      summary: 'Current state of every agent of the tenant', description: 'Live changes arrive as presence:changed socket events.',
      responses: { 200: { description: 'Snapshot', schema: PresenceSnapshot } }, errors: [401, 403],
      handler: async (ctx) => { requirePrincipal(ctx); return { data: await presence.snapshot(ctx.em, ctx.principal.tenantId) }; },
    }),
    route({
      method: 'get', path: '/presence/time-in-state', tag: 'Presence', auth: { kind: 'user', permission: null },
      summary: 'Seconds each agent spent in each state on one day of the tenant',
      description: 'The day runs from midnight to midnight in the tenant\'s time zone (settings `timezone`; 23 or 25 hours on a daylight-saving change), like the figures of `GET /calls/today`. Holders of dashboard.view see every agent; anyone else only themselves. `date` defaults to today in the tenant\'s zone.',
      query: TimeInStateQuery, responses: { 200: { description: 'Per agent, per state', schema: TimeInState } }, errors: [400, 401, 403],
      handler: async (ctx, { query }) => {
        requirePrincipal(ctx);
        const all = ctx.principal.permissions.has('dashboard.view');
        if (!all && query.userId && query.userId !== ctx.principal.userId) throw new ForbiddenError('Only supervisors see other agents\' time.', { permission: 'dashboard.view' });
        const { date, timezone, from, to } = await readTenantDay(ctx.em, ctx.principal.tenantId, query.date);
        const userId = all ? query.userId : ctx.principal.userId!;
        return { date, timezone, from: from.toISOString(), to: to.toISOString(), data: await presence.timeInState(ctx.em, ctx.principal.tenantId, from, to, userId) };
      },
    }),
    route({
      method: 'get', path: '/presence-reasons', tag: 'Presence', auth: { kind: 'user', permission: null },
      summary: 'The tenant\'s "not ready" reasons (break, training...)',
      responses: { 200: { description: 'Reasons', schema: z.object({ data: z.array(PresenceReasonView) }) } }, errors: [401],
      handler: async (ctx) => { requirePrincipal(ctx); return { data: (await ctx.em.find(PresenceReason, {}, { orderBy: { sortOrder: 'asc', id: 'asc' } })).map(reasonView) }; },
    }),
    route({
      method: 'post', path: '/presence-reasons', tag: 'Presence', auth: { kind: 'user', permission: 'settings.manage' }, summary: 'Add a "not ready" reason',
      body: CreatePresenceReasonBody, status: 201, responses: { 201: { description: 'Created', schema: PresenceReasonView } }, errors: [400, 401, 403, 409],
      handler: async (ctx, { body }) => { requirePrincipal(ctx); return reasonView(await saveReason(ctx, publisher, null, body)); },
    }),
    route({
      method: 'patch', path: '/presence-reasons/:id', tag: 'Presence', auth: { kind: 'user', permission: 'settings.manage' }, summary: 'Rename, reorder or retire a reason',
      params: IdParams, body: UpdatePresenceReasonBody, responses: { 200: { description: 'Updated', schema: PresenceReasonView } }, errors: [400, 401, 403, 404, 409],
      handler: async (ctx, { params, body }) => { requirePrincipal(ctx); return reasonView(await saveReason(ctx, publisher, params.id, body)); },
    }),
  ];
}

async function saveReason(ctx: TenantContext, publisher: Publisher, id: number | null, body: { name?: string; sortOrder?: number; isActive?: boolean }) {
  const tenantId = ctx.principal.tenantId;
  if (body.name) {
    const clash = await ctx.em.findOne(PresenceReason, { name: body.name, ...(id ? { id: { $ne: id } } : {}) });
    if (clash) throw new ConflictError('A reason with this name exists.', [{ path: 'body.name', message: 'is taken' }], 'name_taken');
  }
  let row;
  if (id) {
    row = await ctx.em.findOne(PresenceReason, { id });
    if (!row) throw new NotFoundError('Reason');
    ctx.em.assign(row, body);
  } else {
    row = ctx.em.create(PresenceReason, { tenant: tenantId, name: body.name!, sortOrder: body.sortOrder ?? 0, isActive: true } as never);
  }
  await ctx.em.flush();
  audit(ctx.em, ctx, { tenantId, userId: ctx.principal.userId, action: id ? 'presence_reason.updated' : 'presence_reason.created', entityType: 'presence_reason', entityId: row.id, changes: body });
  await ctx.em.flush();
  const all = await ctx.em.find(PresenceReason, {}, { orderBy: { sortOrder: 'asc', id: 'asc' } });
  await publisher.publish(tenantId, 'presence-reasons:changed', { reasons: all.map(reasonView) }, { kind: 'tenant' });
  return row;
}
