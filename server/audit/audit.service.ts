import type { EntityManager } from '@mikro-orm/mariadb';
import { AuditLog } from './audit-log.entity.ts';
import type { RequestContext } from '../http/context.ts';

export interface AuditEntry {
  tenantId: number;
  userId: number | null;
  action: string;
  entityType: string;
  entityId?: number | string | null;
  changes?: Record<string, unknown> | null;
}

/**
 * Adds an audit_logs row to the unit of work of `em`; it is written by the
 * caller's flush, inside the caller's transaction. Audit rows are never
 * updated or deleted: no service offers either.
 */
export function audit(em: EntityManager, ctx: Pick<RequestContext, 'ip' | 'userAgent'>, entry: AuditEntry): void {
  em.create(AuditLog, {
    tenant: entry.tenantId,
    user: entry.userId ?? null,
    action: entry.action,
    entityType: entry.entityType,
    entityId: entry.entityId == null ? null : Number(entry.entityId),
    changes: entry.changes ?? null,
    ipAddress: ctx.ip.slice(0, 45),
    userAgent: ctx.userAgent.slice(0, 512),
  } as never);
}

/** The before/after of the fields that changed, for an audit row. */
export function diff<T extends Record<string, unknown>>(before: T, after: Partial<T>): Record<string, { from: unknown; to: unknown }> {
  const out: Record<string, { from: unknown; to: unknown }> = {};
  for (const [k, v] of Object.entries(after)) {
    if (v !== undefined && before[k] !== v) out[k] = { from: before[k], to: v };
  }
  return out;
}
