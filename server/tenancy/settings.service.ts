import { Tenant } from './tenant.entity.ts';
import { audit, diff } from '../audit/audit.service.ts';
import type { TenantContext } from '../http/context.ts';
import { NotFoundError } from '../http/errors.ts';

type TenantRow = { id: number; name: string; timezone: string; defaultCountry: string; status: string; settings?: Record<string, unknown> | null };

/** The wrap-up timeout lives in the tenant's settings JSON as telephony.wrapupTimeoutSeconds (read by the telephony worker too). */
function wrapupTimeout(t: TenantRow): number {
  const v = (t.settings?.telephony as { wrapupTimeoutSeconds?: unknown } | undefined)?.wrapupTimeoutSeconds;
  return typeof v === 'number' && v > 0 ? v : 0;
}

function view(t: TenantRow) {
  return { id: t.id, name: t.name, timezone: t.timezone, defaultCountry: t.defaultCountry, status: t.status, wrapupTimeoutSeconds: wrapupTimeout(t) };
}

export class SettingsService {
  async get(ctx: TenantContext) {
    const t = await ctx.em.findOne(Tenant, { id: ctx.principal.tenantId });
    if (!t) throw new NotFoundError('Tenant');
    return view(t);
  }

  async update(ctx: TenantContext, body: { name?: string; timezone?: string; defaultCountry?: string; wrapupTimeoutSeconds?: number }) {
    const t = await ctx.em.findOne(Tenant, { id: ctx.principal.tenantId });
    if (!t) throw new NotFoundError('Tenant');
    const { wrapupTimeoutSeconds, ...fields } = body;
    const changes = diff({ name: t.name, timezone: t.timezone, defaultCountry: t.defaultCountry, wrapupTimeoutSeconds: wrapupTimeout(t) }, body);
    ctx.em.assign(t, fields);
    if (wrapupTimeoutSeconds !== undefined) {
      const settings = t.settings ?? {};
      t.settings = { ...settings, telephony: { ...(settings.telephony as Record<string, unknown> | undefined), wrapupTimeoutSeconds } };
    }
    audit(ctx.em, ctx, { tenantId: t.id, userId: ctx.principal.userId, action: 'settings.updated', entityType: 'tenant', entityId: t.id, changes });
    await ctx.em.flush();
    return view(t);
  }
}
