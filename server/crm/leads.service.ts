import type { EntityManager, FilterQuery } from '@mikro-orm/mariadb';
import { Lead, type ILead } from './lead.entity.ts';
import { LeadStatus, type ILeadStatus } from './lead-status.entity.ts';
import { LeadActivity, type ILeadActivity } from './lead-activity.entity.ts';
import { User } from '../tenancy/user.entity.ts';
import { Tenant } from '../tenancy/tenant.entity.ts';
import { audit } from '../audit/audit.service.ts';
import type { TenantContext } from '../http/context.ts';
import { ConflictError, NotFoundError, UnprocessableError } from '../http/errors.ts';
import { decodeCursor, encodeCursor, isIdCursor, iso, pageOf } from '../http/pagination.ts';
import type { Publisher } from '../realtime/publisher.ts';
import type { FollowupScheduler } from './followups.ts';
import { toE164, phoneSearch } from '../common/phone.ts';
import { activityView, leadView } from './lead-views.ts';
import type { LeadStatusService } from './lead-statuses.service.ts';
import { adjustLeadCounts } from './lead-counts.ts';
import { assigneeCounts, columnRows, followupRows, leadRowView, statusesWithCounts, type LeadRow } from './lead-reads.ts';
import type { LeadView } from '../../shared/schemas/leads.ts';
import type { Viewer } from '../../shared/realtime.ts';

const POPULATE = ['status', 'assignedTo'] as const;

/** A checked move (LeadService.planMove), ready to be written in a transaction. */
export interface MovePlan {
  lead: ILead;
  from: ILeadStatus;
  target: ILeadStatus;
  /** Written as a `note` activity with the move. */
  note?: string;
  previousFollowup: Date | null;
  nextFollowup: Date | null;
  /** Same status, no note, no new follow-up: nothing to write. */
  noop: boolean;
}

type LeadFields = {
  name?: string; companyName?: string | null; email?: string | null; phone?: string | null; source?: string | null;
  score?: 'hot' | 'warm' | 'cold'; estimatedValue?: number | null; nextFollowupAt?: string | null;
};

const SORT_PROPS = { created_at: 'createdAt', updated_at: 'updatedAt', name: 'name', next_followup_at: 'nextFollowupAt', estimated_value: 'estimatedValue' } as const;
type SortKey = keyof typeof SORT_PROPS;

/**
 * Leads and their pipeline. Every change is written with its audit row (and its
 * timeline activities) in one transaction, then published to holders of
 * leads.view; timeline entries go to the viewers of that lead. Concurrent
 * changes are settled by the lead's version: a change made on a stale version
 * gets 409 with the current lead.
 */
export class LeadService {
  constructor(
    private readonly publisher: Publisher,
    private readonly followups: FollowupScheduler,
    private readonly statuses: LeadStatusService,
  ) {}

  private by(ctx: TenantContext): Viewer {
    return { userId: ctx.principal.userId!, name: ctx.principal.name };
  }

  async find(ctx: TenantContext, id: number, em: EntityManager = ctx.em): Promise<ILead> {
    const lead = await em.findOne(Lead, { id }, { populate: POPULATE });
    if (!lead) throw new NotFoundError('Lead');
    return lead;
  }

  async get(ctx: TenantContext, id: number): Promise<LeadView> {
    return leadView(await this.find(ctx, id));
  }

  private async country(ctx: TenantContext): Promise<string> {
    const t = await ctx.em.findOne(Tenant, { id: ctx.principal.tenantId });
    return t?.defaultCountry ?? 'US';
  }

  private futureDate(value: string, field: string): Date {
    // Whole seconds: DATETIME keeps no fraction, and the reminder job's id and
    // staleness check compare this exact instant with the stored one.
    const d = new Date(Math.floor(new Date(value).getTime() / 1000) * 1000);
    if (d.getTime() <= Date.now()) throw new UnprocessableError('The follow-up date must be in the future.', [{ path: field, message: 'must be in the future' }], 'followup_in_past');
    return d;
  }

  private async assignee(ctx: TenantContext, userId: number | null | undefined): Promise<number | null | undefined> {
    if (userId === undefined || userId === null) return userId;
    const u = await ctx.em.findOne(User, { id: userId });
    if (!u) throw new UnprocessableError('The assignee is not a user of this organisation.', [{ path: 'body.assignedToId', message: 'unknown user' }], 'unknown_user');
    if (!u.isActive) throw new UnprocessableError('The assignee is deactivated.', [{ path: 'body.assignedToId', message: 'inactive user' }], 'inactive_user');
    return u.id;
  }

  async create(ctx: TenantContext, body: LeadFields & { name: string; statusId?: number; assignedToId?: number | null }): Promise<LeadView> {
    const tenantId = ctx.principal.tenantId;
    const status = body.statusId
      ? await ctx.em.findOne(LeadStatus, { id: body.statusId })
      : await ctx.em.findOne(LeadStatus, { isDefault: true });
    if (!status) throw new UnprocessableError(body.statusId ? 'That status does not exist.' : 'This organisation has no default lead status.', [{ path: 'body.statusId', message: 'unknown status' }], 'unknown_status');
    if (status.requiresNote || (status.requiresFollowupDate && !body.nextFollowupAt)) {
      if (status.requiresFollowupDate && !body.nextFollowupAt) {
        throw new UnprocessableError(`The status "${status.name}" needs a follow-up date.`, [{ path: 'body.nextFollowupAt', message: 'is required by the status' }], 'followup_required');
      }
    }
    const phone = body.phone ? toE164(body.phone, await this.country(ctx)) : (body.phone ?? null);
    const followup = body.nextFollowupAt ? this.futureDate(body.nextFollowupAt, 'body.nextFollowupAt') : null;
    // As for an edit or a move: a closed lead has no follow-up (it would never be shown nor fire).
    if (followup && status.isClosed) throw new UnprocessableError('A closed lead has no follow-up.', [{ path: 'body.nextFollowupAt', message: 'the status is closed' }], 'lead_closed');
    const assignedTo = await this.assignee(ctx, body.assignedToId);
    const lead = await ctx.em.transactional(async (em) => {
      const l = em.create(Lead, {
        tenant: tenantId, status: status.id, assignedTo: assignedTo ?? null, createdBy: ctx.principal.userId, name: body.name,
        companyName: body.companyName ?? null, email: body.email ?? null, phone, source: body.source ?? null, score: body.score ?? 'warm',
        estimatedValue: body.estimatedValue ?? null, nextFollowupAt: followup,
      } as never);
      await em.flush();
      audit(em, ctx, { tenantId, userId: ctx.principal.userId, action: 'lead.created', entityType: 'lead', entityId: l.id, changes: { name: body.name, statusId: status.id } });
      await em.flush();
      // Last in the transaction: the counter row's lock is held for the commit only (lead-counts.ts).
      await adjustLeadCounts(em, tenantId, [[status.id, 1]]);
      return l;
    });
    const fresh = await this.find(ctx, lead.id, ctx.em.fork());
    await this.followups.reschedule(tenantId, fresh.id, null, followup);
    const view = leadView(fresh);
    await this.publisher.publish(tenantId, 'lead:created', { lead: view, by: this.by(ctx) }, { kind: 'permission', permission: 'leads.view' });
    return view;
  }

  /**
   * Writes `changes` only if the lead is still at `version`; returns the new
   * version, or throws 409 with the current lead.
   */
  async conditionalUpdate(ctx: TenantContext, em: EntityManager, lead: ILead, changes: Record<string, unknown>): Promise<number> {
    const n = await em.nativeUpdate(Lead, { id: lead.id, version: lead.version }, { ...changes, version: lead.version + 1, updatedAt: new Date() });
    // The caller's catch turns this into a 409 carrying the current lead.
    if (n !== 1) throw new ConflictError('Someone else changed this lead first.', undefined, 'stale_version');
    return lead.version + 1;
  }

  /** A version clash found inside a transaction becomes the 409 that carries the current lead. */
  private async rethrowStale(ctx: TenantContext, id: number, err: unknown): Promise<never> {
    if (err instanceof ConflictError && err.code === 'stale_version') throw await this.conflictWithCurrent(ctx, id);
    throw err;
  }

  private async conflictWithCurrent(ctx: TenantContext, id: number): Promise<ConflictError> {
    const current = await this.find(ctx, id, ctx.em.fork());
    return new ConflictError('Someone else changed this lead first. Here is the current lead; try again.', { current: leadView(current) }, 'stale_version');
  }

  async update(ctx: TenantContext, id: number, body: LeadFields & { version?: number }): Promise<LeadView> {
    const tenantId = ctx.principal.tenantId;
    const lead = await this.find(ctx, id);
    if (body.version !== undefined && body.version !== lead.version) throw await this.conflictWithCurrent(ctx, id);
    const changes: Record<string, unknown> = {};
    for (const k of ['name', 'companyName', 'email', 'source', 'score', 'estimatedValue'] as const) if (body[k] !== undefined) changes[k] = body[k];
    if (body.phone !== undefined) changes.phone = body.phone ? toE164(body.phone, await this.country(ctx)) : null;
    const previousFollowup = lead.nextFollowupAt ?? null;
    let nextFollowup: Date | null | undefined;
    if (body.nextFollowupAt !== undefined) {
      if (body.nextFollowupAt === null && lead.status.requiresFollowupDate && !lead.status.isClosed) {
        throw new UnprocessableError(`The status "${lead.status.name}" needs a follow-up date.`, [{ path: 'body.nextFollowupAt', message: 'is required by the status' }], 'followup_required');
      }
      nextFollowup = body.nextFollowupAt ? this.futureDate(body.nextFollowupAt, 'body.nextFollowupAt') : null;
      if (nextFollowup && lead.status.isClosed) {
        throw new UnprocessableError('A closed lead has no follow-up.', [{ path: 'body.nextFollowupAt', message: 'the lead is closed' }], 'lead_closed');
      }
      changes.nextFollowupAt = nextFollowup;
    }
    const before = Object.fromEntries(Object.keys(changes).map((k) => [k, (lead as unknown as Record<string, unknown>)[k] instanceof Date ? iso((lead as any)[k]) : (lead as any)[k]]));
    const written: ILeadActivity[] = [];
    await ctx.em.transactional(async (em) => {
      await this.conditionalUpdate(ctx, em, lead, changes);
      if (nextFollowup !== undefined && (nextFollowup?.getTime() ?? null) !== (previousFollowup?.getTime() ?? null)) {
        written.push(em.create(LeadActivity, { tenant: tenantId, lead: id, user: ctx.principal.userId, type: 'followup', payload: { scheduled_for: iso(nextFollowup), previous: iso(previousFollowup) } } as never));
      }
      audit(em, ctx, { tenantId, userId: ctx.principal.userId, action: 'lead.updated', entityType: 'lead', entityId: id, changes: { from: before, to: Object.fromEntries(Object.entries(changes).map(([k, v]) => [k, v instanceof Date ? v.toISOString() : v])) } });
      await em.flush();
    }).catch((err) => this.rethrowStale(ctx, id, err));
    if (nextFollowup !== undefined) await this.followups.reschedule(tenantId, id, previousFollowup, nextFollowup);
    return this.afterChange(ctx, id, 'lead:updated', written);
  }

  async assign(ctx: TenantContext, id: number, userId: number | null, version?: number): Promise<LeadView> {
    const tenantId = ctx.principal.tenantId;
    const lead = await this.find(ctx, id);
    if (version !== undefined && version !== lead.version) throw await this.conflictWithCurrent(ctx, id);
    const target = await this.assignee(ctx, userId);
    const previous = lead.assignedTo?.id ?? null;
    if ((target ?? null) === previous) return leadView(lead);
    const written: ILeadActivity[] = [];
    await ctx.em.transactional(async (em) => {
      await this.conditionalUpdate(ctx, em, lead, { assignedTo: target ?? null });
      written.push(em.create(LeadActivity, { tenant: tenantId, lead: id, user: ctx.principal.userId, type: 'assignment', payload: { from_user_id: previous, to_user_id: target ?? null } } as never));
      audit(em, ctx, { tenantId, userId: ctx.principal.userId, action: target ? 'lead.assigned' : 'lead.unassigned', entityType: 'lead', entityId: id, changes: { from: previous, to: target ?? null } });
      await em.flush();
    }).catch((err) => this.rethrowStale(ctx, id, err));
    const fresh = await this.find(ctx, id, ctx.em.fork());
    const view = leadView(fresh);
    await this.publisher.publish(tenantId, 'lead:assigned', { lead: view, previousAssigneeId: previous, by: this.by(ctx) }, { kind: 'permission', permission: 'leads.view' });
    await this.publishActivities(ctx, id, written);
    return view;
  }

  async remove(ctx: TenantContext, id: number): Promise<void> {
    const tenantId = ctx.principal.tenantId;
    const lead = await this.find(ctx, id);
    const statusId = await ctx.em.transactional(async (em) => {
      // The row as it is now, locked: a concurrent move cannot change the status this delete is counted out of.
      const [row] = (await em.execute('select lead_status_id from leads where tenant_id = ? and id = ? for update', [tenantId, id])) as { lead_status_id: number | string }[];
      if (!row) throw new NotFoundError('Lead');
      const from = Number(row.lead_status_id);
      await em.nativeDelete(Lead, { id });
      audit(em, ctx, { tenantId, userId: ctx.principal.userId, action: 'lead.deleted', entityType: 'lead', entityId: id, changes: { name: lead.name, statusId: from } });
      await em.flush();
      await adjustLeadCounts(em, tenantId, [[from, -1]]);
      return from;
    });
    await this.followups.reschedule(tenantId, id, lead.nextFollowupAt ?? null, null);
    await this.publisher.publish(tenantId, 'lead:deleted', { id, statusId, assignedToId: lead.assignedTo?.id ?? null, by: this.by(ctx) }, { kind: 'permission', permission: 'leads.view' });
  }

  /**
   * Moves a lead to another column, with the target's rules: a note when it
   * requires_note, a future follow-up date when it requires_followup_date.
   * The move, its status_change activity, the note activity and the audit row
   * are one transaction. The move wins only if `version` is still current.
   */
  async move(ctx: TenantContext, id: number, body: { statusId: number; version: number; note?: string; nextFollowupAt?: string }): Promise<LeadView> {
    const lead = await this.find(ctx, id);
    const plan = await this.planMove(ctx, lead, body, { version: body.version });
    if (plan.noop) return leadView(lead);
    const written = await ctx.em.transactional((em) => this.writeMove(ctx, em, plan)).catch((err) => this.rethrowStale(ctx, id, err));
    return this.afterMove(ctx, plan, written);
  }

  /**
   * Checks a move of `lead` into `body.statusId` against the target's rules, before
   * anything is written. Other services that move a lead as part of their own change
   * (the call wrap-up) use this, `writeMove` inside their transaction and `afterMove`
   * after it committed, so the rules live here only. `paths` names the caller's fields
   * in the 422 details.
   */
  async planMove(
    ctx: TenantContext, lead: ILead, body: { statusId: number; note?: string; nextFollowupAt?: string },
    opts: { version?: number; paths?: Partial<Record<'statusId' | 'note' | 'nextFollowupAt', string>> } = {},
  ): Promise<MovePlan> {
    const paths = { statusId: 'body.statusId', note: 'body.note', nextFollowupAt: 'body.nextFollowupAt', ...opts.paths };
    const target = await ctx.em.findOne(LeadStatus, { id: body.statusId });
    if (!target) throw new UnprocessableError('That status does not exist.', [{ path: paths.statusId, message: 'unknown status' }], 'unknown_status');
    if (opts.version !== undefined && opts.version !== lead.version) throw await this.conflictWithCurrent(ctx, lead.id);
    const missing: { path: string; message: string }[] = [];
    if (target.requiresNote && !body.note) missing.push({ path: paths.note, message: `is required to move into "${target.name}"` });
    if (target.requiresFollowupDate && !body.nextFollowupAt) missing.push({ path: paths.nextFollowupAt, message: `is required to move into "${target.name}"` });
    if (missing.length) throw new UnprocessableError(`Moving into "${target.name}" needs ${missing.map((m) => (m.path === paths.note ? 'a note' : 'a follow-up date')).join(' and ')}.`, missing, 'move_requirements');
    const followup = body.nextFollowupAt ? this.futureDate(body.nextFollowupAt, paths.nextFollowupAt) : undefined;
    if (followup && target.isClosed) throw new UnprocessableError('A closed lead has no follow-up.', [{ path: paths.nextFollowupAt, message: 'the target status is closed' }], 'lead_closed');
    const from = lead.status;
    const previousFollowup = lead.nextFollowupAt ?? null;
    // A closed lead needs no reminder; otherwise a new date replaces the old one.
    const nextFollowup = target.isClosed ? null : (followup ?? previousFollowup);
    return { lead, from, target, note: body.note, previousFollowup, nextFollowup, noop: from.id === target.id && !body.note && !followup };
  }

  /**
   * Writes a planned move in the caller's transaction `em` (with `extra` column
   * changes in the same versioned update); returns the timeline entries written.
   * Throws 409 stale_version when the lead changed since it was read.
   */
  async writeMove(ctx: TenantContext, em: EntityManager, plan: MovePlan, extra: Record<string, unknown> = {}): Promise<ILeadActivity[]> {
    const tenantId = ctx.principal.tenantId;
    const { lead, from, target, note, previousFollowup, nextFollowup } = plan;
    const id = lead.id;
    const written: ILeadActivity[] = [];
    await this.conditionalUpdate(ctx, em, lead, { status: target.id, nextFollowupAt: nextFollowup, ...extra });
    if (from.id !== target.id) {
      written.push(em.create(LeadActivity, { tenant: tenantId, lead: id, user: ctx.principal.userId, type: 'status_change', payload: { from_status: from.name, to_status: target.name, from_status_id: from.id, to_status_id: target.id } } as never));
    }
    if (note) written.push(em.create(LeadActivity, { tenant: tenantId, lead: id, user: ctx.principal.userId, type: 'note', payload: { note } } as never));
    if ((nextFollowup?.getTime() ?? null) !== (previousFollowup?.getTime() ?? null)) {
      written.push(em.create(LeadActivity, { tenant: tenantId, lead: id, user: ctx.principal.userId, type: 'followup', payload: { scheduled_for: iso(nextFollowup), previous: iso(previousFollowup) } } as never));
    }
    audit(em, ctx, { tenantId, userId: ctx.principal.userId, action: 'lead.moved', entityType: 'lead', entityId: id, changes: { from: from.id, to: target.id, note: note ?? null } });
    await em.flush();
    // The version matched, so the lead was still in `from`: its count moves with it. Last, so the counter rows
    // are locked only until the commit (a caller writing more after this should keep that short).
    if (from.id !== target.id) await adjustLeadCounts(em, tenantId, [[from.id, -1], [target.id, 1]]);
    return written;
  }

  /** After a planned move committed: its reminder, the lead:moved event and its timeline entries. */
  async afterMove(ctx: TenantContext, plan: MovePlan, written: ILeadActivity[]): Promise<LeadView> {
    const id = plan.lead.id;
    await this.followups.reschedule(ctx.principal.tenantId, id, plan.previousFollowup, plan.nextFollowup);
    const fresh = await this.find(ctx, id, ctx.em.fork());
    const view = leadView(fresh);
    await this.publisher.publish(ctx.principal.tenantId, 'lead:moved', { lead: view, fromStatusId: plan.from.id, toStatusId: plan.target.id, by: this.by(ctx) }, { kind: 'permission', permission: 'leads.view' });
    await this.publishActivities(ctx, id, written);
    return view;
  }

  async addNote(ctx: TenantContext, id: number, note: string) {
    const tenantId = ctx.principal.tenantId;
    await this.find(ctx, id);
    const activity = await ctx.em.transactional(async (em) => {
      const a = em.create(LeadActivity, { tenant: tenantId, lead: id, user: ctx.principal.userId, type: 'note', payload: { note } } as never);
      await em.flush();
      audit(em, ctx, { tenantId, userId: ctx.principal.userId, action: 'lead.note_added', entityType: 'lead', entityId: id });
      return a;
    });
    const view = activityView(activity, ctx.principal.name);
    await this.publisher.publish(tenantId, 'lead:activity', view, { kind: 'entity', entityType: 'lead', id });
    return view;
  }

  /**
   * The timeline, newest first (by when it happened, ties by id: a call logged
   * after the fact keeps its place), with each author's name. Keyset-paged on
   * (created_at, id), the (tenant, lead, created_at) index's order.
   */
  async activities(ctx: TenantContext, id: number, q: { cursor?: string; limit: number }) {
    await this.find(ctx, id);
    const after = decodeCursor(q.cursor, (v): v is { v: string | null; id: number } => Number.isSafeInteger(v.id) && (v.id as number) > 0 && (v.v === null || (typeof v.v === 'string' && !Number.isNaN(Date.parse(v.v)))));
    const where = after ? { $and: [{ lead: id }, keyset('createdAt', 'desc', after.v === null ? null : new Date(after.v), after.id)] } : { lead: id };
    const rows = await ctx.em.find(LeadActivity, where as never, { orderBy: { createdAt: 'desc', id: 'desc' }, limit: q.limit + 1, populate: ['user'], filters: { tenant: { tenantId: ctx.principal.tenantId } } });
    const more = rows.length > q.limit;
    const page = more ? rows.slice(0, q.limit) : rows;
    const last = page[page.length - 1];
    return { data: page.map((a) => activityView(a, a.user.name)), nextCursor: more ? encodeCursor({ v: iso(last.createdAt), id: last.id }) : null };
  }

  /** Publishes, to the viewers of the lead, exactly the timeline entries a change just wrote (oldest first). */
  private async publishActivities(ctx: TenantContext, leadId: number, written: ILeadActivity[]) {
    for (const a of written) {
      await this.publisher.publish(ctx.principal.tenantId, 'lead:activity', activityView(a, ctx.principal.name), { kind: 'entity', entityType: 'lead', id: leadId });
    }
  }

  /** After a change committed: lead:updated to holders of leads.view, and its timeline entries to the lead's viewers. */
  async afterChange(ctx: TenantContext, id: number, type: 'lead:updated', written: ILeadActivity[]): Promise<LeadView> {
    const fresh = await this.find(ctx, id, ctx.em.fork());
    const view = leadView(fresh);
    await this.publisher.publish(ctx.principal.tenantId, type, { lead: view, by: this.by(ctx) }, { kind: 'permission', permission: 'leads.view' });
    await this.publishActivities(ctx, id, written);
    return view;
  }

  // ------------------------------------------------------------------ reads

  async list(ctx: TenantContext, q: {
    cursor?: string; limit: number; q?: string; statusId?: number; assignedToId?: number | 'none'; score?: 'hot' | 'warm' | 'cold';
    source?: string; followupFrom?: string; followupTo?: string; sort: SortKey; order: 'asc' | 'desc';
  }) {
    const where: FilterQuery<ILead>[] = [];
    if (q.statusId) where.push({ status: q.statusId });
    if (q.assignedToId === 'none') where.push({ assignedTo: null });
    else if (q.assignedToId) where.push({ assignedTo: q.assignedToId });
    if (q.score) where.push({ score: q.score });
    if (q.source) where.push({ source: q.source });
    if (q.followupFrom || q.followupTo) {
      where.push({ nextFollowupAt: { ...(q.followupFrom ? { $gte: new Date(q.followupFrom) } : {}), ...(q.followupTo ? { $lt: new Date(q.followupTo) } : {}) } } as FilterQuery<ILead>);
    }
    if (q.q) where.push(await this.searchCondition(ctx, q.q));
    const prop = SORT_PROPS[q.sort];
    const after = decodeCursor(q.cursor, (v): v is { v: string | number | null; id: number } => isIdCursor(v) && 'v' in v);
    if (after) where.push(keyset(prop, q.order, after.v === null ? null : prop.endsWith('At') ? new Date(after.v as string) : after.v, after.id));
    const rows = await ctx.em.find(Lead, where.length ? { $and: where } : {}, { orderBy: { [prop]: q.order, id: q.order } as never, limit: q.limit + 1, populate: POPULATE });
    const more = rows.length > q.limit;
    const page = more ? rows.slice(0, q.limit) : rows;
    const last = page[page.length - 1];
    const raw = last ? (last as unknown as Record<string, unknown>)[prop] : null;
    return {
      data: page.map(leadView),
      nextCursor: more ? encodeCursor({ v: raw instanceof Date ? raw.toISOString() : (raw as string | number | null) ?? null, id: last.id }) : null,
    };
  }

  /** Name, company and email by prefix; a phone number by its E.164 form. Each uses a tenant-first index. */
  private async searchCondition(ctx: TenantContext, text: string): Promise<FilterQuery<ILead>> {
    const like = `${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const or: FilterQuery<ILead>[] = [{ name: { $like: like } }, { companyName: { $like: like } }, { email: { $like: like.toLowerCase() } }];
    // A phone number by its E.164 form; a partial one ("+1415…" as a prefix, "555-0123" anywhere) by LIKE (phoneSearch).
    const phone = /^[+\d(][\d\s().-]{2,}$/.test(text) ? phoneSearch(text, await this.country(ctx)) : null;
    if (phone?.exact) or.push({ phone: phone.exact });
    if (phone?.like) or.push({ phone: { $like: phone.like } });
    return { $or: or };
  }

  /**
   * The kanban: columns in order, each with its count and first page of cards. The statuses and their
   * counts (kept by the writes, lead_status_counts) are one statement, every column's cards another; one
   * agent's board counts that agent's leads on (tenant, assignee, status, id), which also pages its columns.
   */
  async board(ctx: TenantContext, q: { perColumn: number; assignedToId?: number }) {
    const tenantId = ctx.principal.tenantId;
    const statuses = await statusesWithCounts(ctx.em, tenantId);
    const [counts, rows] = await Promise.all([
      q.assignedToId ? assigneeCounts(ctx.em, tenantId, q.assignedToId) : null,
      columnRows(ctx.em, tenantId, statuses.map(({ status }) => ({ statusId: status.id, limit: q.perColumn + 1 })), q.assignedToId),
    ]);
    return {
      columns: statuses.map(({ status, count }) => {
        const page = pageOfRows(rows.get(status.id) ?? [], q.perColumn, status);
        return { status, count: counts ? (counts.get(status.id) ?? 0) : count, cards: page.data, nextCursor: page.nextCursor };
      }),
    };
  }

  /** One column's page, newest lead first (the (tenant, status, id) index, or (tenant, assignee, status, id) for one agent). */
  async columnPage(ctx: TenantContext, status: { id: number; name: string; color: string }, q: { cursor?: string; limit: number; assignedToId?: number }) {
    const after = decodeCursor(q.cursor, isIdCursor);
    const rows = await columnRows(ctx.em, ctx.principal.tenantId, [{ statusId: status.id, beforeId: after?.id, limit: q.limit + 1 }], q.assignedToId);
    return pageOfRows(rows.get(status.id) ?? [], q.limit, status);
  }

  async column(ctx: TenantContext, statusId: number, q: { cursor?: string; limit: number; assignedToId?: number }) {
    const status = await ctx.em.findOne(LeadStatus, { id: statusId });
    if (!status) throw new NotFoundError('Lead status');
    return this.columnPage(ctx, status, q);
  }

  /** Active users of the tenant, by name: the assignee picker (agents hold no users.view). */
  async assignees(ctx: TenantContext): Promise<{ id: number; name: string }[]> {
    const users = await ctx.em.find(User, { isActive: true }, { orderBy: { name: 'asc' }, fields: ['id', 'name'] });
    return users.map((u) => ({ id: u.id, name: u.name }));
  }

  /** The caller's open leads with a follow-up, soonest first (seed 003's sample query, tenant-scoped). */
  async myFollowups(ctx: TenantContext, q: { cursor?: string; limit: number; includeOverdue?: boolean }) {
    const after = decodeCursor(q.cursor, (v): v is { v: string; id: number } => isIdCursor(v) && typeof (v as Record<string, unknown>).v === 'string');
    const rows = await followupRows(ctx.em, ctx.principal.tenantId, ctx.principal.userId!, {
      from: q.includeOverdue ? null : new Date(), after: after ? { at: new Date(after.v), id: after.id } : undefined, limit: q.limit + 1,
    });
    const more = rows.length > q.limit;
    const page = (more ? rows.slice(0, q.limit) : rows).map((r) => leadRowView(r));
    const last = page[page.length - 1];
    return { data: page, nextCursor: more ? encodeCursor({ v: last.nextFollowupAt!, id: last.id }) : null };
  }
}

/** limit + 1 rows of one column → its page of cards and the cursor of the next page. */
function pageOfRows(rows: LeadRow[], limit: number, status: { name: string; color: string }): { data: LeadView[]; nextCursor: string | null } {
  return pageOf(rows.map((r) => ({ ...r, id: Number(r.id) })), limit, (r) => leadRowView(r, status));
}

/** Rows after (v, id) in ORDER BY prop dir, id dir — NULLs sort first ascending and last descending in MariaDB. */
function keyset(prop: string, dir: 'asc' | 'desc', v: unknown, id: number): FilterQuery<ILead> {
  const cmp = dir === 'asc' ? '$gt' : '$lt';
  if (v === null) {
    return (dir === 'asc'
      ? { $or: [{ [prop]: null, id: { $gt: id } }, { [prop]: { $ne: null } }] }
      : { [prop]: null, id: { $lt: id } }) as FilterQuery<ILead>;
  }
  const after: FilterQuery<ILead>[] = [{ [prop]: { [cmp]: v } } as FilterQuery<ILead>, { [prop]: v, id: { [cmp]: id } } as FilterQuery<ILead>];
  if (dir === 'desc') after.push({ [prop]: null } as FilterQuery<ILead>);
  return { $or: after };
}
