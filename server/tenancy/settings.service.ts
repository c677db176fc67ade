import { Tenant } from './tenant.entity.ts';
import { audit, diff } from '../audit/audit.service.ts';
import type { TenantContext } from '../http/context.ts';
import { NotFoundError } from '../http/errors.ts';
import type { IceServer } from '../../shared/schemas/tenancy.ts';

type TenantSettings = { settings?: Record<string, unknown> | null };
type TenantRow = TenantSettings & { id: number; name: string; timezone: string; defaultCountry: string; status: string };

/**
 * The wrap-up timeout: telephony.wrapupTimeoutSeconds in the tenant's settings JSON (0, the
 * default, means the agent leaves wrap-up by closing the call). Read by telephony too.
 */
export function wrapupTimeoutOf(t: TenantSettings): number {
  const v = (t.settings?.telephony as { wrapupTimeoutSeconds?: unknown } | undefined)?.wrapupTimeoutSeconds;
  return typeof v === 'number' && v > 0 ? v : 0;
}

/** The softphones' STUN/TURN servers: telephony.iceServers in the tenant's settings JSON. */
export function iceServersOf(t: TenantSettings): IceServer[] {
  const v = (t.settings?.telephony as { iceServers?: unknown } | undefined)?.iceServers;
  return Array.isArray(v) ? (v as IceServer[]) : [];
}

function view(t: TenantRow) {
  return { id: t.id, name: t.name, timezone: t.timezone, defaultCountry: t.defaultCountry, status: t.status, wrapupTimeoutSeconds: wrapupTimeoutOf(t), iceServers: iceServersOf(t) };
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
    const changes: Record<string, unknown> = diff({ name: t.name, timezone: t.timezone, defaultCountry: t.defaultCountry, wrapupTimeoutSeconds: wrapupTimeoutOf(t) }, { ...fields, wrapupTimeoutSeconds });
    // TURN credentials are not written to the audit log: only which servers.
    if (iceServers !== undefined) changes.iceServers = { from: iceServersOf(t).map((x) => x.urls), to: iceServers.map((x) => x.urls) };
    ctx.em.assign(t, fields);
    if (wrapupTimeoutSeconds !== undefined || iceServers !== undefined) {
      const settings = t.settings ?? {};
      const telephony = { ...(settings.telephony as Record<string, unknown> | undefined) };
      if (wrapupTimeoutSeconds !== undefined) telephony.wrapupTimeoutSeconds = wrapupTimeoutSeconds;
      if (iceServers !== undefined) telephony.iceServers = iceServers;
      t.settings = { ...settings, telephony };
    }
    audit(ctx.em, ctx, { tenantId: t.id, userId: ctx.principal.userId, action: 'settings.updated', entityType: 'tenant', entityId: t.id, changes });
    await ctx.em.flush();
    return view(t);
  }
}
