import { Tenant } from './tenant.entity.ts';
import { audit, diff } from '../audit/audit.service.ts';
import type { TenantContext } from '../http/context.ts';
import { NotFoundError } from '../http/errors.ts';

function view(t: { id: number; name: string; timezone: string; defaultCountry: string; status: string }) {
  return { id: t.id, name: t.name, timezone: t.timezone, defaultCountry: t.defaultCountry, status: t.status };
}

export class SettingsService {
  async get(ctx: TenantContext) {
    const t = await ctx.em.findOne(Tenant, { id: ctx.principal.tenantId });
    if (!t) throw new NotFoundError('Tenant');
    return view(t);
  }

  async update(ctx: TenantContext, body: { name?: string; timezone?: string; defaultCountry?: string }) {
    const t = await ctx.em.findOne(Tenant, { id: ctx.principal.tenantId });
    if (!t) throw new NotFoundError('Tenant');
    const changes = diff({ name: t.name, timezone: t.timezone, defaultCountry: t.defaultCountry }, body);
    ctx.em.assign(t, body);
    audit(ctx.em, ctx, { tenantId: t.id, userId: ctx.principal.userId, action: 'settings.updated', entityType: 'tenant', entityId: t.id, changes });
    await ctx.em.flush();
    return view(t);
  }
}
