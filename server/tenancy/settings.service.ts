import { Tenant } from './tenant.entity.ts';
import { audit, diff } from '../audit/audit.service.ts';
import type { TenantContext } from '../http/context.ts';
import { NotFoundError } from '../http/errors.ts';
import type { IceServer } from '../../shared/schemas/tenancy.ts';

type TenantRow = { id: number; name: string; timezone: string; defaultCountry: string; status: string; settings?: Record<string, unknown> | null };

/** The wrap-up timeout lives in the tenant's settings JSON as telephony.wrapupTimeoutSeconds (read by the telephony worker too). */
function wrapupTimeout(t: TenantRow): number {
  const v = (t.settings?.telephony as { wrapupTimeoutSeconds?: unknown } | undefined)?.wrapupTimeoutSeconds;
  return typeof v === 'number' && v > 0 ? v : 0;
}

/** The softphones' STUN/TURN servers: telephony.iceServers in the tenant's settings JSON. */
export function iceServersOf(t: { settings?: Record<string, unknown> | null }): IceServer[] {
  const v = (t.settings?.telephony as { iceServers?: unknown } | undefined)?.iceServers;
  return Array.isArray(v) ? (v as IceServer[]) : [];
}

function view(t: TenantRow) {
  return { id: t.id, name: t.name, timezone: t.timezone, defaultCountry: t.defaultCountry, status: t.status, wrapupTimeoutSeconds: wrapupTimeout(t), iceServers: iceServersOf(t) };
}

export class SettingsService {
  async get(ctx: TenantContext) {
    const t = await ctx.em.findOne(Tenant, { id: ctx.principal.tenantId });
    if (!t) throw new NotFoundError('Tenant');
    return view(t);
  }

  async update(ctx: TenantContext, body: { name?: string; timezone?: string; defaultCountry?: string; wrapupTimeoutSeconds?: number; iceServers?: IceServer[] }) {
    const t = await ctx.em.findOne(Tenant, { id: ctx.principal.tenantId });
    if (!t) throw new NotFoundError('Tenant');
    const { wrapupTimeoutSeconds, iceServers, ...fields } = body;
    const changes: Record<string, unknown> = diff({ name: t.name, timezone: t.timezone, defaultCountry: t.defaultCountry, wrapupTimeoutSeconds: wrapupTimeout(t) }, { ...fields, wrapupTimeoutSeconds });
    // TURN credentials are not written to the audit log: only which servers.
    if (iceServers !== undefined) changes.iceServers = { from: iceServersOf(t).map((x) => x.urls), to: iceServers.map((x) => x.urls) };
    ctx.em.assign(t, fields);
    if (wrapupTimeoutSeconds !== undefined) {
      const settings = t.settings ?? {};
      t.settings = { ...settings, telephony: { ...(settings.telephony as Record<string, unknown> | undefined), wrapupTimeoutSeconds } };
    }
    if (iceServers !== undefined) {
      const settings = t.settings ?? {};
      t.settings = { ...settings, telephony: { ...(settings.telephony as Record<string, unknown> | undefined), iceServers } };
    }
    audit(ctx.em, ctx, { tenantId: t.id, userId: ctx.principal.userId, action: 'settings.updated', entityType: 'tenant', entityId: t.id, changes });
    await ctx.em.flush();
    return view(t);
  }
}
