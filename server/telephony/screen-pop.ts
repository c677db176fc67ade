import type { EntityManager } from '@mikro-orm/mariadb';
import type { ScreenPop } from '../../shared/schemas/telephony.ts';
import { toE164 } from '../common/phone.ts';
import { dbDate, dbJson } from './calls.store.ts';

/**
 * A number as a call reports it, in E.164 when it is a valid phone number for the
 * tenant's default country; otherwise (an extension, a SIP user, a short code) as given.
 */
export function normalizeNumber(raw: string, defaultCountry: string): string {
  const text = raw.trim();
  if (!/^[+\d(][\d\s().-]{2,}$/.test(text)) return text;
  try {
    return toE164(text, defaultCountry);
  } catch {
    return text;
  }
}

/** Whether a normalized number is a phone number (E.164) rather than an extension. */
export const isE164 = (n: string) => /^\+\d{6,15}$/.test(n);

export type Match = NonNullable<ScreenPop['match']>;

/**
 * The lead (first) or contact whose phone is this E.164 number, on the tenant-first
 * phone indexes, in one round trip. Among several leads, an open one recently changed wins.
 */
export async function matchNumber(em: EntityManager, tenantId: number, number: string): Promise<Match | null> {
  if (!isE164(number)) return null;
  const [m] = (await em.execute(
    `(select 0 as pri, 'lead' as type, l.id, l.name, l.company_name, s.name as status_name, s.color as status_color
        from leads l join lead_statuses s on s.id = l.lead_status_id
       where l.tenant_id = ? and l.phone = ?
       order by s.is_closed asc, l.updated_at desc, l.id desc limit 1)
     union all
     (select 1, 'contact', c.id, concat_ws(' ', c.first_name, c.last_name), null, null, null
        from contacts c where c.tenant_id = ? and c.phone = ? order by c.id desc limit 1)
     order by pri limit 1`,
    [tenantId, number, tenantId, number],
  )) as Record<string, unknown>[];
  if (!m) return null;
  return m.type === 'lead'
    ? { type: 'lead', id: Number(m.id), name: String(m.name), companyName: (m.company_name as string) ?? null, statusName: String(m.status_name), statusColor: String(m.status_color) }
    : { type: 'contact', id: Number(m.id), name: String(m.name), companyName: null, statusName: null, statusColor: null };
}

function formatSeconds(s: number): string {
  const m = Math.floor(s / 60);
  return m ? `${m}m ${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

/** One line for a timeline entry, as the screen pop shows it. */
export function activitySummary(type: string, payload: Record<string, unknown> | null): string {
  const p = payload ?? {};
  switch (type) {
    case 'call': {
      const parts = ['Call'];
      if (typeof p.direction === 'string') parts[0] = `${p.direction === 'inbound' ? 'Inbound' : 'Outbound'} call`;
      if (typeof p.duration === 'number') parts.push(formatSeconds(p.duration));
      if (typeof p.outcome === 'string') parts.push(p.outcome);
      return parts.join(' · ') + (typeof p.notes === 'string' && p.notes ? `: ${p.notes.slice(0, 140)}` : '');
    }
    case 'note':
      return String(p.note ?? '').slice(0, 200);
    case 'status_change':
      return `${p.from_status ?? '?'} → ${p.to_status ?? '?'}`;
    case 'followup':
      return p.due_at ? `Follow-up due ${String(p.due_at)}` : p.scheduled_for ? `Follow-up set for ${String(p.scheduled_for)}` : 'Follow-up cleared';
    case 'assignment':
      return p.to_user_id ? 'Assigned' : 'Unassigned';
    default:
      return type;
  }
}

/** Who is calling: the match by E.164 number and the matched lead's latest timeline entry. */
export async function screenPop(em: EntityManager, tenantId: number, number: string, match?: Match | null): Promise<ScreenPop> {
  const m = match === undefined ? await matchNumber(em, tenantId, number) : match;
  let latestActivity: ScreenPop['latestActivity'] = null;
  if (m?.type === 'lead') {
    const [a] = (await em.execute(
      'select type, payload, created_at from lead_activities where tenant_id = ? and lead_id = ? order by created_at desc, id desc limit 1',
      [tenantId, m.id],
    )) as Record<string, unknown>[];
    if (a) {
      latestActivity = { type: String(a.type), createdAt: dbDate(a.created_at)?.toISOString() ?? null, summary: activitySummary(String(a.type), dbJson(a.payload)) };
    }
  }
  return { number, match: m, latestActivity };
}
