import { Notification, type INotification } from './notification.entity.ts';
import type { TenantContext } from '../http/context.ts';
import { NotFoundError } from '../http/errors.ts';
import { decodeCursor, isIdCursor, iso, pageOf } from '../http/pagination.ts';
import { wholeSeconds } from '../db/values.ts';
import type { Publisher } from '../realtime/publisher.ts';

export const notificationView = (n: INotification) => ({
  id: n.id, type: n.type, title: n.title, body: n.body ?? null, data: (n.data as Record<string, unknown>) ?? null, readAt: iso(n.readAt), createdAt: iso(n.createdAt)!,
});

/**
 * A user's own notifications (the console's bell). Nobody reads another user's. A read
 * that changes something is announced after it is written (notification:read, to the
 * user's own room, with the unread count as it is then), so the user's other tabs agree.
 */
export class NotificationService {
  constructor(private readonly publisher: Publisher) {}

  async list(ctx: TenantContext, q: { cursor?: string; limit: number; unread?: boolean }) {
    const me = ctx.principal.userId!;
    const after = decodeCursor(q.cursor, isIdCursor);
    const rows = await ctx.em.find(Notification, { user: me, ...(q.unread ? { readAt: null } : {}), ...(after ? { id: { $lt: after.id } } : {}) }, { orderBy: { id: 'desc' }, limit: q.limit + 1 });
    const unread = await ctx.em.count(Notification, { user: me, readAt: null });
    return { ...pageOf(rows, q.limit, notificationView), unread };
  }

  /** Marks one read; reading it again keeps the first time and tells no one. */
  async markRead(ctx: TenantContext, id: number) {
    const n = await ctx.em.findOne(Notification, { id, user: ctx.principal.userId! });
    if (!n) throw new NotFoundError('Notification');
    if (!n.readAt) {
      // Whole seconds, as the DATETIME column keeps it: this answer and every later read agree.
      n.readAt = wholeSeconds(new Date());
      await ctx.em.flush();
      await this.announce(ctx, { ids: [n.id], upToId: null, readAt: n.readAt });
    }
    return notificationView(n);
  }

  /** Marks every unread one read, up to the newest there is now: one created meanwhile stays unread, in every tab alike. */
  async markAllRead(ctx: TenantContext): Promise<{ updated: number }> {
    const me = ctx.principal.userId!;
    const [newest] = await ctx.em.find(Notification, { user: me }, { orderBy: { id: 'desc' }, limit: 1, fields: ['id'] });
    if (!newest) return { updated: 0 };
    const readAt = wholeSeconds(new Date());
    const updated = await ctx.em.nativeUpdate(Notification, { user: me, readAt: null, id: { $lte: newest.id } }, { readAt });
    if (updated) await this.announce(ctx, { ids: null, upToId: newest.id, readAt });
    return { updated };
  }

  private async announce(ctx: TenantContext, read: { ids: number[] | null; upToId: number | null; readAt: Date }) {
    const me = ctx.principal.userId!;
    const unread = await ctx.em.count(Notification, { user: me, readAt: null });
    await this.publisher.publish(ctx.principal.tenantId, 'notification:read', { ids: read.ids, upToId: read.upToId, readAt: read.readAt.toISOString(), unread }, { kind: 'user', userId: me });
  }
}
