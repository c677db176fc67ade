import { raw, type EntityManager } from '@mikro-orm/mariadb';
import { LeadStatus, type ILeadStatus } from './lead-status.entity.ts';
import { Lead } from './lead.entity.ts';
import { audit, diff } from '../audit/audit.service.ts';
import type { TenantContext } from '../http/context.ts';
import { ConflictError, NotFoundError, UnprocessableError } from '../http/errors.ts';
import type { Publisher } from '../realtime/publisher.ts';
import type { FollowupScheduler } from './followups.ts';
import type { LeadStatusView } from '../../shared/schemas/leads.ts';
import { adjustLeadCounts, createLeadCount } from './lead-counts.ts';
import { statusesWithCounts } from './lead-reads.ts';

export function statusView(s: ILeadStatus, leadCount?: number): LeadStatusView {
  return {
    id: s.id, name: s.name, color: s.color, sortOrder: s.sortOrder, isDefault: s.isDefault, isClosed: s.isClosed, isWon: s.isWon,
    isLost: s.isLost, requiresNote: s.requiresNote, requiresFollowupDate: s.requiresFollowupDate,
    ...(leadCount !== undefined ? { leadCount } : {}),
  };
}

type StatusFields = Partial<Pick<ILeadStatus, 'name' | 'color' | 'isDefault' | 'isClosed' | 'isWon' | 'isLost' | 'requiresNote' | 'requiresFollowupDate'>>;

/**
 * The tenant's pipeline columns and seed 003's rules:
 * - exactly one default: making a status the default unsets the old one in the
 *   same transaction; the default cannot be unset or deleted directly;
 * - won and lost are exclusive, and a won or lost status is closed;
 * - a status with leads cannot be deleted (409 with the count) unless the
 *   request names a status to move them to.
 */
export class LeadStatusService {
  constructor(private readonly publisher: Publisher, private readonly followups: FollowupScheduler) {}

  /** The statuses in order; with counts, each with its leads from the counters the writes keep (the board's own read). */
  async list(ctx: TenantContext, withCounts = false): Promise<LeadStatusView[]> {
    if (withCounts) return (await statusesWithCounts(ctx.em, ctx.principal.tenantId)).map(({ status, count }) => ({ ...status, leadCount: count }));
    const statuses = await ctx.em.find(LeadStatus, {}, { orderBy: { sortOrder: 'asc', id: 'asc' } });
    return statuses.map((s) => statusView(s));
  }

  async get(ctx: TenantContext, id: number) {
    const s = await ctx.em.findOne(LeadStatus, { id });
    if (!s) throw new NotFoundError('Lead status');
    return s;
  }

  async create(ctx: TenantContext, body: StatusFields & { name: string }) {
    const fields = normalise(body);
    await this.assertNameFree(ctx, fields.name!, null);
    const tenantId = ctx.principal.tenantId;
    const row = await ctx.em.transactional(async (em) => {
      const last = await em.findOne(LeadStatus, {}, { orderBy: { sortOrder: 'desc' } });
      if (fields.isDefault) await em.nativeUpdate(LeadStatus, { isDefault: true }, { isDefault: false });
      const s = em.create(LeadStatus, { tenant: tenantId, color: '#3B82F6', ...fields, sortOrder: (last?.sortOrder ?? -1) + 1 } as never);
      await em.flush();
      await createLeadCount(em, tenantId, s.id);
      audit(em, ctx, { tenantId, userId: ctx.principal.userId, action: 'lead_status.created', entityType: 'lead_status', entityId: s.id, changes: fields as Record<string, unknown> });
      return s;
    });
    await this.announce(ctx);
    return statusView(row);
  }

  async update(ctx: TenantContext, id: number, body: StatusFields) {
    const tenantId = ctx.principal.tenantId;
    const current = await this.get(ctx, id);
    if (body.isDefault === false && current.isDefault) {
      throw new UnprocessableError('A tenant always has one default status: make another status the default instead.', [{ path: 'body.isDefault', message: 'cannot unset the only default' }], 'default_required');
    }
    // Making a status won or lost closes it unless the request itself says otherwise (then normalise refuses it).
    const merged = normalise({ ...pick(current), ...((body.isWon || body.isLost) && body.isClosed === undefined ? { isClosed: true } : {}), ...body });
    if (body.name !== undefined) await this.assertNameFree(ctx, merged.name!, id);
    const changes = diff(pick(current) as Record<string, unknown>, merged as Record<string, unknown>);
    const cleared = await ctx.em.transactional(async (em) => {
      if (merged.isDefault && !current.isDefault) await em.nativeUpdate(LeadStatus, { isDefault: true, id: { $ne: id } }, { isDefault: false });
      await em.nativeUpdate(LeadStatus, { id }, merged);
      audit(em, ctx, { tenantId, userId: ctx.principal.userId, action: 'lead_status.updated', entityType: 'lead_status', entityId: id, changes });
      // A status that becomes closed closes its leads: they need no reminder any more.
      return merged.isClosed && !current.isClosed ? this.clearFollowups(em, id) : [];
    });
    await this.cancelReminders(tenantId, cleared);
    await this.announce(ctx);
    ctx.em.clear();
    return statusView(await this.get(ctx, id));
  }

  /** Sets the column order: `ids` must list every status of the tenant exactly once. */
  async reorder(ctx: TenantContext, ids: number[]) {
    const all = await ctx.em.find(LeadStatus, {});
    const known = new Set(all.map((s) => s.id));
    if (ids.length !== all.length || ids.some((id) => !known.has(id))) {
      throw new UnprocessableError('List every status of the pipeline exactly once.', [{ path: 'body.ids', message: `expected the ${all.length} status ids of this tenant` }], 'incomplete_order');
    }
    await ctx.em.transactional(async (em) => {
      for (const [i, id] of ids.entries()) await em.nativeUpdate(LeadStatus, { id }, { sortOrder: i });
      audit(em, ctx, { tenantId: ctx.principal.tenantId, userId: ctx.principal.userId, action: 'lead_status.reordered', entityType: 'lead_status', entityId: null, changes: { order: ids } });
    });
    await this.announce(ctx);
    return this.list(ctx);
  }

  async remove(ctx: TenantContext, id: number, moveTo?: number) {
    const tenantId = ctx.principal.tenantId;
    const status = await this.get(ctx, id);
    if (status.isDefault) throw new ConflictError('The default status cannot be deleted: make another status the default first.', undefined, 'default_status');
    const count = await ctx.em.count(Lead, { status: id });
    if (count > 0 && !moveTo) {
      throw new ConflictError(`This status still holds ${count} lead(s): move them first, or name a status to move them to (?moveTo=).`, { leadCount: count }, 'status_in_use');
    }
    if (moveTo !== undefined) {
      if (moveTo === id) throw new UnprocessableError('Move the leads to another status.', [{ path: 'query.moveTo', message: 'is the status being deleted' }]);
      await this.get(ctx, moveTo).catch(() => {
        throw new UnprocessableError('The status to move the leads to does not exist.', [{ path: 'query.moveTo', message: 'unknown status' }], 'unknown_status');
      });
    }
    const target = moveTo ? await this.get(ctx, moveTo) : null;
    const cleared = await ctx.em.transactional(async (em) => {
      let moved = 0;
      const cleared = target?.isClosed ? await this.clearFollowups(em, id) : [];
      if (moveTo) moved = await em.nativeUpdate(Lead, { status: id }, { status: moveTo, version: raw('version + 1') as never, updatedAt: new Date() });
      // The FK is RESTRICT: a lead added concurrently makes this fail instead of orphaning it.
      // The status's lead counter goes with it (cascade).
      await em.nativeDelete(LeadStatus, { id });
      audit(em, ctx, { tenantId, userId: ctx.principal.userId, action: 'lead_status.deleted', entityType: 'lead_status', entityId: id, changes: { name: status.name, movedLeads: moved, moveTo: moveTo ?? null } });
      await em.flush();
      // Last (lead-counts.ts): the moved leads count in their new status.
      if (moved) await adjustLeadCounts(em, tenantId, [[moveTo!, moved]]);
      return cleared;
    });
    await this.cancelReminders(tenantId, cleared);
    await this.announce(ctx);
  }

  /** Clears the follow-up of every lead in `statusId` (in the caller's transaction); returns what to cancel. */
  private async clearFollowups(em: EntityManager, statusId: number): Promise<{ id: number; at: Date }[]> {
    const rows = await em.find(Lead, { status: statusId, nextFollowupAt: { $ne: null } }, { fields: ['id', 'nextFollowupAt'] });
    if (!rows.length) return [];
    await em.nativeUpdate(Lead, { status: statusId, nextFollowupAt: { $ne: null } }, { nextFollowupAt: null, version: raw('version + 1') as never, updatedAt: new Date() });
    return rows.map((r) => ({ id: r.id, at: r.nextFollowupAt! }));
  }

  private async cancelReminders(tenantId: number, leads: { id: number; at: Date }[]): Promise<void> {
    for (const l of leads) await this.followups.reschedule(tenantId, l.id, l.at, null);
  }

  private async assertNameFree(ctx: TenantContext, name: string, exceptId: number | null) {
    const clash = await ctx.em.findOne(LeadStatus, { name, ...(exceptId ? { id: { $ne: exceptId } } : {}) });
    if (clash) throw new ConflictError('A status with this name already exists.', [{ path: 'body.name', message: 'is taken' }], 'name_taken');
  }

  private async announce(ctx: TenantContext) {
    const statuses = await ctx.em.fork().find(LeadStatus, { tenant: ctx.principal.tenantId }, { orderBy: { sortOrder: 'asc', id: 'asc' }, filters: { tenant: { tenantId: ctx.principal.tenantId } } });
    await this.publisher.publish(ctx.principal.tenantId, 'lead-statuses:changed', { statuses: statuses.map((s) => statusView(s)) }, { kind: 'permission', permission: 'leads.view' });
  }
}

function pick(s: ILeadStatus): StatusFields {
  return { name: s.name, color: s.color, isDefault: s.isDefault, isClosed: s.isClosed, isWon: s.isWon, isLost: s.isLost, requiresNote: s.requiresNote, requiresFollowupDate: s.requiresFollowupDate };
}

/** Won and lost exclude each other (422); either one makes the status closed. */
function normalise(f: StatusFields): StatusFields {
  if (f.isWon && f.isLost) {
    throw new UnprocessableError('A status cannot be both won and lost.', [{ path: 'body.isWon', message: 'excludes isLost' }, { path: 'body.isLost', message: 'excludes isWon' }], 'won_and_lost');
  }
  if ((f.isWon || f.isLost) && f.isClosed === false) {
    throw new UnprocessableError('A won or lost status is always closed.', [{ path: 'body.isClosed', message: 'must be true for a won or lost status' }], 'closed_required');
  }
  return { ...f, ...(f.isWon || f.isLost ? { isClosed: true } : {}) };
}
