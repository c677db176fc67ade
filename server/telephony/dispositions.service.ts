import { CallDisposition, type ICallDisposition } from './call-disposition.entity.ts';
import { audit, diff } from '../audit/audit.service.ts';
import type { TenantContext } from '../http/context.ts';
import { ConflictError, ForbiddenError, NotFoundError, UnprocessableError } from '../http/errors.ts';
import type { Publisher } from '../realtime/publisher.ts';
import type { DispositionView } from '../../shared/schemas/telephony.ts';

export function dispositionView(d: ICallDisposition): DispositionView {
  return { id: d.id, name: d.name, sortOrder: d.sortOrder, isDefault: d.isDefault, requiresNote: d.requiresNote, isActive: d.isActive };
}

type Fields = { name?: string; isDefault?: boolean; requiresNote?: boolean; isActive?: boolean };

const ORDER = { orderBy: { sortOrder: 'asc', id: 'asc' } } as const;

/**
 * The tenant's call outcomes (seed 003 call_dispositions) and their rules:
 * - exactly one default per tenant: making one the default unsets the old one in the same
 *   transaction; the default cannot be unset, retired or deleted directly;
 * - names are unique per tenant (retired ones included);
 * - a disposition that calls already carry is retired (`isActive=false`) instead of deleted,
 *   so past calls keep their outcome; a retired one is no longer offered at wrap-up.
 */
export class DispositionService {
  constructor(private readonly publisher: Publisher) {}

  /** Active dispositions in order; with `all`, retired ones too (settings.manage only). */
  async list(ctx: TenantContext, all = false): Promise<DispositionView[]> {
    if (all && !ctx.principal.permissions.has('settings.manage')) {
      throw new ForbiddenError('Listing retired dispositions needs the settings.manage permission.', { permission: 'settings.manage' });
    }
    const rows = await ctx.em.find(CallDisposition, all ? {} : { isActive: true }, ORDER);
    return rows.map(dispositionView);
  }

  async get(ctx: TenantContext, id: number) {
    const d = await ctx.em.findOne(CallDisposition, { id });
    if (!d) throw new NotFoundError('Disposition');
    return d;
  }

  async create(ctx: TenantContext, body: { name: string; isDefault?: boolean; requiresNote?: boolean }): Promise<DispositionView> {
    const tenantId = ctx.principal.tenantId;
    await this.assertNameFree(ctx, body.name, null);
    const row = await ctx.em.transactional(async (em) => {
      const last = await em.findOne(CallDisposition, {}, { orderBy: { sortOrder: 'desc', id: 'desc' } });
      // The first disposition of a tenant (or one added while none is the default) becomes the default.
      const makeDefault = body.isDefault === true || (await em.count(CallDisposition, { isDefault: true })) === 0;
      if (makeDefault) await em.nativeUpdate(CallDisposition, { isDefault: true }, { isDefault: false });
      const d = em.create(CallDisposition, {
        tenant: tenantId, name: body.name, isDefault: makeDefault, requiresNote: body.requiresNote ?? false, isActive: true, sortOrder: (last?.sortOrder ?? -1) + 1,
      } as never);
      await em.flush();
      audit(em, ctx, { tenantId, userId: ctx.principal.userId, action: 'call_disposition.created', entityType: 'call_disposition', entityId: d.id, changes: { name: d.name, isDefault: d.isDefault, requiresNote: d.requiresNote } });
      await em.flush();
      return d;
    });
    await this.announce(ctx);
    return dispositionView(row);
  }

  async update(ctx: TenantContext, id: number, body: Fields): Promise<DispositionView> {
    const tenantId = ctx.principal.tenantId;
    const current = await this.get(ctx, id);
    const before = pick(current);
    const merged = { ...before, ...stripUndefined(body) };
    if (current.isDefault && body.isDefault === false) {
      throw new UnprocessableError('A tenant always has one default disposition: make another disposition the default instead.', [{ path: 'body.isDefault', message: 'cannot unset the only default' }], 'default_required');
    }
    if (current.isDefault && body.isActive === false) {
      throw new UnprocessableError('The default disposition cannot be retired: make another disposition the default first.', [{ path: 'body.isActive', message: 'the default disposition stays active' }], 'default_required');
    }
    if (merged.isDefault && !merged.isActive) {
      throw new UnprocessableError('A retired disposition cannot be the default: restore it (isActive: true) as well.', [{ path: 'body.isDefault', message: 'the disposition is retired' }], 'retired_default');
    }
    if (body.name !== undefined && body.name !== current.name) await this.assertNameFree(ctx, body.name, id);
    const changes = diff(before as Record<string, unknown>, merged as Record<string, unknown>);
    if (Object.keys(changes).length) {
      await ctx.em.transactional(async (em) => {
        if (merged.isDefault && !current.isDefault) await em.nativeUpdate(CallDisposition, { isDefault: true, id: { $ne: id } }, { isDefault: false });
        await em.nativeUpdate(CallDisposition, { id }, { ...merged, updatedAt: new Date() });
        audit(em, ctx, { tenantId, userId: ctx.principal.userId, action: 'call_disposition.updated', entityType: 'call_disposition', entityId: id, changes });
        await em.flush();
      });
      await this.announce(ctx);
    }
    ctx.em.clear();
    return dispositionView(await this.get(ctx, id));
  }

  /**
   * Sets the order. `ids` must list every active disposition exactly once; retired ones may be
   * listed too, and those left out keep their relative order after the listed ones.
   */
  async reorder(ctx: TenantContext, ids: number[]): Promise<DispositionView[]> {
    const all = await ctx.em.find(CallDisposition, {}, ORDER);
    const byId = new Map(all.map((d) => [d.id, d]));
    const unknown = ids.filter((id) => !byId.has(id));
    const listed = new Set(ids);
    const missing = all.filter((d) => d.isActive && !listed.has(d.id));
    if (unknown.length || missing.length) {
      const active = all.filter((d) => d.isActive).length;
      throw new UnprocessableError(
        'List every active disposition exactly once (retired ones may be listed too).',
        [{ path: 'body.ids', message: unknown.length ? `unknown id(s): ${unknown.join(', ')}` : `expected the ${active} active disposition ids of this tenant; missing ${missing.map((d) => d.id).join(', ')}` }],
        'incomplete_order',
      );
    }
    const order = [...ids, ...all.filter((d) => !listed.has(d.id)).map((d) => d.id)];
    await ctx.em.transactional(async (em) => {
      for (const [i, id] of order.entries()) if (byId.get(id)!.sortOrder !== i) await em.nativeUpdate(CallDisposition, { id }, { sortOrder: i });
      audit(em, ctx, { tenantId: ctx.principal.tenantId, userId: ctx.principal.userId, action: 'call_disposition.reordered', entityType: 'call_disposition', entityId: null, changes: { order } });
      await em.flush();
    });
    await this.announce(ctx);
    ctx.em.clear();
    return this.list(ctx, true);
  }

  /**
   * Deletes a disposition no call carries; retires (isActive=false) one that calls carry, so
   * their outcome stays. Answers the retired disposition, or null when it was deleted.
   */
  async remove(ctx: TenantContext, id: number): Promise<DispositionView | null> {
    const tenantId = ctx.principal.tenantId;
    const current = await this.get(ctx, id);
    if (current.isDefault) {
      throw new ConflictError('The default disposition cannot be deleted: make another disposition the default first.', undefined, 'default_disposition');
    }
    const outcome = await ctx.em.transactional(async (em) => {
      // Lock the row first: closing a call with it (an FK check) waits for this transaction,
      // so no call can pick it up between the count and the delete.
      const locked = await em.execute<{ id: number; is_default: number }[]>('select id, is_default from call_dispositions where id = ? and tenant_id = ? for update', [id, tenantId]);
      if (!locked.length) throw new NotFoundError('Disposition');
      if (Number(locked[0].is_default)) throw new ConflictError('The default disposition cannot be deleted: make another disposition the default first.', undefined, 'default_disposition');
      const [{ n }] = await em.execute<{ n: number }[]>('select count(*) n from calls where tenant_id = ? and disposition_id = ?', [tenantId, id]);
      const calls = Number(n);
      if (calls > 0) {
        if (current.isActive) await em.nativeUpdate(CallDisposition, { id }, { isActive: false, updatedAt: new Date() });
        audit(em, ctx, { tenantId, userId: ctx.principal.userId, action: 'call_disposition.retired', entityType: 'call_disposition', entityId: id, changes: { name: current.name, calls } });
        await em.flush();
        return 'retired' as const;
      }
      await em.nativeDelete(CallDisposition, { id });
      audit(em, ctx, { tenantId, userId: ctx.principal.userId, action: 'call_disposition.deleted', entityType: 'call_disposition', entityId: id, changes: { name: current.name } });
      await em.flush();
      return 'deleted' as const;
    });
    await this.announce(ctx);
    if (outcome === 'deleted') return null;
    ctx.em.clear();
    return dispositionView(await this.get(ctx, id));
  }

  private async assertNameFree(ctx: TenantContext, name: string, exceptId: number | null) {
    const clash = await ctx.em.findOne(CallDisposition, { name, ...(exceptId ? { id: { $ne: exceptId } } : {}) });
    if (clash) {
      const message = clash.isActive ? 'A disposition with this name already exists.' : 'A retired disposition has this name: restore it instead (PATCH isActive: true).';
      throw new ConflictError(message, [{ path: 'body.name', message: 'is taken' }], 'name_taken');
    }
  }

  /** Every disposition of the tenant, retired ones included (clients offer only the active ones). */
  private async announce(ctx: TenantContext) {
    const tenantId = ctx.principal.tenantId;
    const rows = await ctx.em.fork().find(CallDisposition, {}, { ...ORDER, filters: { tenant: { tenantId } } });
    await this.publisher.publish(tenantId, 'call-dispositions:changed', { dispositions: rows.map(dispositionView) }, { kind: 'tenant' });
  }
}

function pick(d: ICallDisposition): Required<Fields> {
  return { name: d.name, isDefault: d.isDefault, requiresNote: d.requiresNote, isActive: d.isActive };
}

function stripUndefined<T extends Record<string, unknown>>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
