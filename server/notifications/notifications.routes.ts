import { z } from 'zod';
import { route, IdParams, type RouteSpec } from '../http/route.ts';
import { requirePrincipal } from '../http/context.ts';
import { Page } from '../../shared/schemas/common.ts';
import { NotificationView } from '../../shared/schemas/leads.ts';
import type { NotificationService } from './notifications.service.ts';

const ListQuery = z.strictObject({
  cursor: z.string().max(200).regex(/^[A-Za-z0-9_-]+$/).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(30),
  unread: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
});

/** A user's own notifications (the console's bell). Nobody reads another user's. */
export function notificationRoutes(notifications: NotificationService): RouteSpec[] {
  return [
    route({
      method: 'get', path: '/notifications', tag: 'Notifications', auth: { kind: 'user', permission: null }, summary: 'My notifications, newest first',
      description: 'New ones arrive live as notification:created events. The answer also gives the unread count.',
      query: ListQuery, responses: { 200: { description: 'A page', schema: Page(NotificationView).extend({ unread: z.number() }) } }, errors: [400, 401],
      handler: (ctx, { query }) => { requirePrincipal(ctx); return notifications.list(ctx, query); },
    }),
    route({
      method: 'post', path: '/notifications/:id/read', tag: 'Notifications', auth: { kind: 'user', permission: null }, summary: 'Mark one of my notifications read',
      description: 'The user\'s other tabs get notification:read with the unread count. Reading it again changes nothing and tells no one.',
      params: IdParams, responses: { 200: { description: 'The notification', schema: NotificationView } }, errors: [401, 404],
      handler: (ctx, { params }) => { requirePrincipal(ctx); return notifications.markRead(ctx, params.id); },
    }),
    route({
      method: 'post', path: '/notifications/read-all', tag: 'Notifications', auth: { kind: 'user', permission: null }, summary: 'Mark all my notifications read',
      description: 'Reads every unread notification up to the newest one there is now; the user\'s other tabs get notification:read (ids null, upToId) with the unread count.',
      responses: { 200: { description: 'How many changed', schema: z.object({ updated: z.number() }) } }, errors: [401],
      handler: (ctx) => { requirePrincipal(ctx); return notifications.markAllRead(ctx); },
    }),
  ];
}
