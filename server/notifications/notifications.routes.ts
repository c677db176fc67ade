import { z } from 'zod';
import { route, IdParams, type RouteSpec } from '../http/route.ts';
import { requirePrincipal } from '../http/context.ts';
import { NotFoundError } from '../http/errors.ts';
import { Page } from '../../shared/schemas/common.ts';
import { NotificationView } from '../../shared/schemas/leads.ts';
import { Notification, type INotification } from './notification.entity.ts';
import { decodeCursor, isIdCursor, iso, pageOf } from '../http/pagination.ts';
import type { TenantContext } from '../http/context.ts';
import type { Publisher } from '../realtime/publisher.ts';

const ListQuery = z.strictObject({
  cursor: z.string().max(200).regex(/^[A-Za-z0-9_-]+$/).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(30),
  unread: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
});

const view = (n: INotification) => ({
  id: n.id, type: n.type, title: n.title, body: n.body ?? null, data: (n.data as Record<string, unknown>) ?? null, readAt: iso(n.readAt), createdAt: iso(n.createdAt)!,
});

/**
 * After a read is committed: the user's other tabs hear of it (notification:read to the user's own room), with
 * the unread count as it is now, so every bell agrees without reloading.
 */
async function announceRead(ctx: TenantContext, publisher: Publisher, read: { ids: number[] | null; upToId: number | null; readAt: Date }) {
  const me = ctx.principal.userId!;
  const unread = await ctx.em.count(Notification, { user: me, readAt: null });
  await publisher.publish(ctx.principal.tenantId, 'notification:read', { ids: read.ids, upToId: read.upToId, readAt: read.readAt.toISOString(), unread }, { kind: 'user', userId: me });
}

/** A user's own notifications (the console's bell). Nobody reads another user's. */
export function notificationRoutes(publisher: Publisher): RouteSpec[] {
  return [
    route({
      method: 'get', path: '/notifications', tag: 'Notifications', auth: { kind: 'user', permission: null }, summary: 'My notifications, newest first',
      description: 'New ones arrive live as notification:created events. The answer also gives the unread count.',
      query: ListQuery, responses: { 200: { description: 'A page', schema: Page(NotificationView).extend({ unread: z.number() }) } }, errors: [400, 401],
      handler: async (ctx, { query }) => {
        requirePrincipal(ctx);
        const me = ctx.principal.userId!;
        const after = decodeCursor(query.cursor, isIdCursor);
        const rows = await ctx.em.find(Notification, { user: me, ...(query.unread ? { readAt: null } : {}), ...(after ? { id: { $lt: after.id } } : {}) }, { orderBy: { id: 'desc' }, limit: query.limit + 1 });
        const unread = await ctx.em.count(Notification, { user: me, readAt: null });
        return { ...pageOf(rows, query.limit, view), unread };
      },
    }),
    route({
      method: 'post', path: '/notifications/:id/read', tag: 'Notifications', auth: { kind: 'user', permission: null }, summary: 'Mark one of my notifications read',
      description: 'The user\'s other tabs get notification:read with the unread count. Reading it again changes nothing and tells no one.',
      params: IdParams, responses: { 200: { description: 'The notification', schema: NotificationView } }, errors: [401, 404],
      handler: async (ctx, { params }) => {
        requirePrincipal(ctx);
        const n = await ctx.em.findOne(Notification, { id: params.id, user: ctx.principal.userId! });
        if (!n) throw new NotFoundError('Notification');
        if (!n.readAt) {
          // Whole seconds, as the DATETIME column keeps it: this answer and every later read agree.
          n.readAt = new Date(Math.floor(Date.now() / 1000) * 1000);
          await ctx.em.flush();
          await announceRead(ctx, publisher, { ids: [n.id], upToId: null, readAt: n.readAt });
        }
        return view(n);
      },
    }),
    route({
      method: 'post', path: '/notifications/read-all', tag: 'Notifications', auth: { kind: 'user', permission: null }, summary: 'Mark all my notifications read',
      description: 'Reads every unread notification up to the newest one there is now; the user\'s other tabs get notification:read (ids null, upToId) with the unread count.',
      responses: { 200: { description: 'How many changed', schema: z.object({ updated: z.number() }) } }, errors: [401],
      handler: async (ctx) => {
        requirePrincipal(ctx);
        const me = ctx.principal.userId!;
        const [newest] = await ctx.em.find(Notification, { user: me }, { orderBy: { id: 'desc' }, limit: 1, fields: ['id'] });
        if (!newest) return { updated: 0 };
        const readAt = new Date(Math.floor(Date.now() / 1000) * 1000);
        // Up to the newest one seen here: one created meanwhile stays unread, in every tab alike.
        const updated = await ctx.em.nativeUpdate(Notification, { user: me, readAt: null, id: { $lte: newest.id } }, { readAt });
        if (updated) await announceRead(ctx, publisher, { ids: null, upToId: newest.id, readAt });
        return { updated };
      },
    }),
  ];
}
