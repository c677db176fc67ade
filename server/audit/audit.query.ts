import { AuditLog } from './audit-log.entity.ts';
import type { TenantContext } from '../http/context.ts';
import { decodeCursor, isIdCursor, iso, pageOf } from '../http/pagination.ts';

export async function listAuditLogs(ctx: TenantContext, q: { cursor?: string; limit: number; action?: string; userId?: number }) {
  const after = decodeCursor(q.cursor, isIdCursor);
  const where: Record<string, unknown> = {};
  if (after) where.id = { $lt: after.id };
  if (q.action) where.action = q.action;
  if (q.userId) where.user = q.userId;
  const rows = await ctx.em.find(AuditLog, where, { orderBy: { id: 'desc' }, limit: q.limit + 1 });
  return pageOf(rows, q.limit, (a) => ({
    id: a.id, userId: a.user?.id ?? null, action: a.action, entityType: a.entityType ?? '', entityId: a.entityId ?? null,
    changes: a.changes ?? null, ipAddress: a.ipAddress ?? null, userAgent: a.userAgent ?? null, createdAt: iso(a.createdAt),
  }));
}
