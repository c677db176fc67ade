import type { EntityManager, FilterQuery } from '@mikro-orm/mariadb';
import { Contact, type IContact } from './contact.entity.ts';
import { Tenant } from '../tenancy/tenant.entity.ts';
import { audit, diff } from '../audit/audit.service.ts';
import type { TenantContext } from '../http/context.ts';
import { NotFoundError } from '../http/errors.ts';
import { decodeCursor, encodeCursor, isIdCursor, iso } from '../http/pagination.ts';
import { phoneSearch, toE164 } from '../common/phone.ts';
import type { Publisher } from '../realtime/publisher.ts';
import type { ContactListQuery, ContactView, CreateContactBody, UpdateContactBody } from '../../shared/schemas/contacts.ts';

/** A contact as the API shows it. */
export function contactView(c: IContact): ContactView {
  const lastName = c.lastName ?? null;
  return {
    id: c.id, firstName: c.firstName, lastName, name: lastName ? `${c.firstName} ${lastName}` : c.firstName, phone: c.phone,
    email: c.email ?? null, address: c.address ?? null, isFavorite: c.isFavorite, createdById: c.createdBy?.id ?? null,
    createdAt: iso(c.createdAt), updatedAt: iso(c.updatedAt),
  };
}

const like = (text: string) => `${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
const isNameCursor = (v: Record<string, unknown>): v is { v: string; id: number } => isIdCursor(v) && typeof (v as Record<string, unknown>).v === 'string';

/**
 * The tenant's contacts (seed 001). Reads are keyset-paged on tenant-first indexes: newest first on
 * (tenant, id), by first name on (tenant, first_name, id). Every write carries its audit row in the same
 * transaction. Phones are stored in E.164, read with the tenant's default country.
 *
 * Once a write has committed, the contact's view (as the API answers it) goes to holders of contacts.view in the
 * tenant: `contact:created` and `contact:updated`. A refused or empty change publishes nothing.
 */
export class ContactService {
  constructor(private readonly publisher: Publisher) {}

  async find(ctx: TenantContext, id: number, em: EntityManager = ctx.em): Promise<IContact> {
    const contact = await em.findOne(Contact, { id });
    if (!contact) throw new NotFoundError('Contact');
    return contact;
  }

  async get(ctx: TenantContext, id: number): Promise<ContactView> {
    return contactView(await this.find(ctx, id));
  }

  private async country(ctx: TenantContext): Promise<string> {
    const t = await ctx.em.findOne(Tenant, { id: ctx.principal.tenantId });
    return t?.defaultCountry ?? 'US';
  }

  async list(ctx: TenantContext, q: ContactListQuery): Promise<{ data: ContactView[]; nextCursor: string | null }> {
    const where: FilterQuery<IContact>[] = [];
    if (q.q) where.push(await this.searchCondition(ctx, q.q));
    let orderBy: Record<string, 'asc' | 'desc'>;
    if (q.sort === 'name') {
      const after = decodeCursor(q.cursor, isNameCursor);
      if (after) where.push({ $or: [{ firstName: { $gt: after.v } }, { firstName: after.v, id: { $gt: after.id } }] });
      orderBy = { firstName: 'asc', id: 'asc' };
    } else {
      const after = decodeCursor(q.cursor, isIdCursor);
      if (after) where.push({ id: { $lt: after.id } });
      orderBy = { id: 'desc' };
    }
    const rows = await ctx.em.find(Contact, where.length ? { $and: where } : {}, { orderBy: orderBy as never, limit: q.limit + 1 });
    const more = rows.length > q.limit;
    const page = more ? rows.slice(0, q.limit) : rows;
    const last = page[page.length - 1];
    const nextCursor = more ? encodeCursor(q.sort === 'name' ? { v: last.firstName, id: last.id } : { id: last.id }) : null;
    return { data: page.map(contactView), nextCursor };
  }

  /**
   * First name, last name and email by prefix, "first last" as a prefix of each, or a phone number in any
   * format by its E.164 form (as the lead search does).
   */
  private async searchCondition(ctx: TenantContext, text: string): Promise<FilterQuery<IContact>> {
    const or: FilterQuery<IContact>[] = [{ firstName: { $like: like(text) } }, { lastName: { $like: like(text) } }, { email: { $like: like(text.toLowerCase()) } }];
    const space = text.search(/\s/);
    if (space > 0) or.push({ firstName: { $like: like(text.slice(0, space)) }, lastName: { $like: like(text.slice(space).trim()) } });
    const phone = phoneSearch(text, await this.country(ctx));
    if (phone?.exact) or.push({ phone: phone.exact });
    if (phone?.like) or.push({ phone: { $like: phone.like } });
    return { $or: or };
  }

  async create(ctx: TenantContext, body: CreateContactBody): Promise<ContactView> {
    const tenantId = ctx.principal.tenantId;
    const phone = toE164(body.phone, await this.country(ctx));
    const contact = await ctx.em.transactional(async (em) => {
      const c = em.create(Contact, {
        tenant: tenantId, firstName: body.firstName, lastName: body.lastName ?? null, phone, email: body.email ?? null,
        address: body.address ?? null, isFavorite: body.isFavorite ?? false, createdBy: ctx.principal.userId ?? null,
      } as never);
      await em.flush();
      audit(em, ctx, { tenantId, userId: ctx.principal.userId, action: 'contact.created', entityType: 'contact', entityId: c.id, changes: { firstName: body.firstName, lastName: body.lastName ?? null, phone } });
      await em.flush();
      return c;
    });
    return this.published(ctx, 'contact:created', await this.reread(ctx, contact.id));
  }

  async update(ctx: TenantContext, id: number, body: UpdateContactBody): Promise<ContactView> {
    const tenantId = ctx.principal.tenantId;
    const contact = await this.find(ctx, id);
    const next: Partial<Record<keyof UpdateContactBody, unknown>> = { ...body };
    if (body.phone !== undefined) next.phone = toE164(body.phone, await this.country(ctx));
    const before = { firstName: contact.firstName, lastName: contact.lastName ?? null, phone: contact.phone, email: contact.email ?? null, address: contact.address ?? null, isFavorite: contact.isFavorite };
    const changes = diff(before, next as Partial<typeof before>);
    if (!Object.keys(changes).length) return contactView(contact);
    ctx.em.assign(contact, Object.fromEntries(Object.entries(changes).map(([k, v]) => [k, v.to])) as never);
    audit(ctx.em, ctx, { tenantId, userId: ctx.principal.userId, action: 'contact.updated', entityType: 'contact', entityId: id, changes });
    // One flush: the change and its audit row in one transaction.
    await ctx.em.flush();
    return this.published(ctx, 'contact:updated', await this.reread(ctx, id));
  }

  /** After the change committed: the contact's view to holders of contacts.view in the tenant. */
  private async published(ctx: TenantContext, type: 'contact:created' | 'contact:updated', view: ContactView): Promise<ContactView> {
    await this.publisher.publish(ctx.principal.tenantId, type, view, { kind: 'permission', permission: 'contacts.view' });
    return view;
  }

  /** The row as stored (DATETIME keeps whole seconds), so the answer equals what a later read shows. */
  private async reread(ctx: TenantContext, id: number): Promise<ContactView> {
    return contactView(await this.find(ctx, id, ctx.em.fork()));
  }
}
