import { Tenant } from './tenant.entity.ts';
import { audit, diff } from '../audit/audit.service.ts';
import type { TenantContext } from '../http/context.ts';
import { NotFoundError, UnprocessableError } from '../http/errors.ts';
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

/**
 * ICE servers a browser would refuse are refused here (422), as WebRTC's RTCIceServer rules them:
 * - a credential without its username (`ice_username_required`): RTCIceServer ignores a credential it cannot pair
 *   with a username, so an admin who forgot the username would believe TURN configured when it is not;
 * - a TURN server (`turn:`/`turns:` URL) without both a username and a credential (`ice_turn_auth_required`): the
 *   browser throws when the softphone builds its peer connection, so every call of the tenant would fail.
 * Only the URLs are named, never the credential.
 */
function checkIceServers(list: IceServer[]): void {
  const urlsOf = (s: IceServer) => (Array.isArray(s.urls) ? s.urls : [s.urls]);
  const orphan = list.flatMap((s, i) => (s.credential && !s.username?.trim()
    ? [{ path: `body.iceServers.${i}.username`, message: `${urlsOf(s).join(',')} has a credential but no username` }]
    : []));
  if (orphan.length) {
    throw new UnprocessableError('A STUN/TURN server with a credential needs its username.', orphan, 'ice_username_required');
  }
  const turn = list.flatMap((s, i) => (urlsOf(s).some((u) => /^turns?:/.test(u)) && (!s.username?.trim() || !s.credential)
    ? [{ path: `body.iceServers.${i}`, message: `${urlsOf(s).join(',')} is a TURN server: it needs a username and a credential` }]
    : []));
  if (turn.length) {
    throw new UnprocessableError('A TURN server needs a username and a credential.', turn, 'ice_turn_auth_required');
  }
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
    if (iceServers !== undefined) checkIceServers(iceServers);
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
