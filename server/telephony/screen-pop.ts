import type { EntityManager } from '@mikro-orm/mariadb';
import type { ScreenPop } from '../../shared/schemas/telephony.ts';
import { toE164 } from '../common/phone.ts';
import { dbDate, dbJson } from '../db/values.ts';

/** Numbers read lately (a contact center's own numbers and its frequent callers come back all day). */
const normalized = new Map<string, string>();
const NORMALIZED_MAX = 10_000;

/**
 * A number as a call reports it, in E.164 when it is a valid phone number for the
 * tenant's default country; otherwise (an extension, a SIP user, a short code) as given.
 * Parsing a number is costly next to the rest of a PBX event, so recent answers are kept.
 */
export function normalizeNumber(raw: string, defaultCountry: string): string {
  const key = `${defaultCountry}|${raw}`;
  const hit = normalized.get(key);
  if (hit !== undefined) return hit;
  const out = parseNumber(raw, defaultCountry);
  if (normalized.size >= NORMALIZED_MAX) normalized.delete(normalized.keys().next().value!);
  normalized.set(key, out);
  return out;
}

function parseNumber(raw: string, defaultCountry: string): string {
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
 * phone indexes. Among several leads, an open one recently changed wins.
 */
export async function matchNumber(em: EntityManager, tenantId: number, number: string): Promise<Match | null> {
  return (await matchNumbers(em, tenantId, [number])).get(number) ?? null;
}

/**
 * `matchNumber` for many numbers in one round trip (a batch of PBX events): one
 * index lookup per number and kind, each with LIMIT 1, in one UNION ALL.
 */
export async function matchNumbers(em: EntityManager, tenantId: number, numbers: string[]): Promise<Map<string, Match>> {
  const wanted = [...new Set(numbers.filter(isE164))];
  const out = new Map<string, Match>();
  if (!wanted.length) return out;
  const parts: string[] = [];
  const params: unknown[] = [];
  for (const n of wanted) {
    parts.push(
      `(select ? as num, 0 as pri, 'lead' as type, l.id, l.name, l.company_name, s.name as status_name, s.color as status_color
          from leads l join lead_statuses s on s.id = l.lead_status_id
         where l.tenant_id = ? and l.phone = ?
         order by s.is_closed asc, l.updated_at desc, l.id desc limit 1)`,
      `(select ?, 1, 'contact', c.id, concat_ws(' ', c.first_name, c.last_name), null, null, null
          from contacts c where c.tenant_id = ? and c.phone = ? order by c.id desc limit 1)`,
    );
    params.push(n, tenantId, n, n, tenantId, n);
  }
  const rows = (await em.execute(parts.join(' union all '), params)) as Record<string, unknown>[];
  for (const m of rows.sort((a, b) => Number(a.pri) - Number(b.pri))) {
    const num = String(m.num);
    if (out.has(num)) continue;
    out.set(num, m.type === 'lead'
      ? { type: 'lead', id: Number(m.id), name: String(m.name), companyName: (m.company_name as string) ?? null, statusName: String(m.status_name), statusColor: String(m.status_color) }
      : { type: 'contact', id: Number(m.id), name: String(m.name), companyName: null, statusName: null, statusColor: null });
  }
  return out;
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
  const [pop] = await screenPops(em, tenantId, [{ number, match }]);
  return pop;
}

/**
 * `screenPop` for many calls at once: the numbers not matched yet in one round trip,
 * then every matched lead's latest timeline entry in one more.
 */
export async function screenPops(em: EntityManager, tenantId: number, items: { number: string; match?: Match | null }[]): Promise<ScreenPop[]> {
  const unknown = items.filter((i) => i.match === undefined).map((i) => i.number);
  const found = unknown.length ? await matchNumbers(em, tenantId, unknown) : new Map<string, Match>();
  const matches = items.map((i) => (i.match === undefined ? (found.get(i.number) ?? null) : i.match));
  const leadIds = [...new Set(matches.flatMap((m) => (m?.type === 'lead' ? [m.id] : [])))];
  const latest = new Map<number, ScreenPop['latestActivity']>();
  if (leadIds.length) {
    const rows = (await em.execute(
      leadIds.map(() => '(select lead_id, type, payload, created_at from lead_activities where tenant_id = ? and lead_id = ? order by created_at desc, id desc limit 1)').join(' union all '),
      leadIds.flatMap((id) => [tenantId, id]),
    )) as Record<string, unknown>[];
    for (const a of rows) {
      latest.set(Number(a.lead_id), { type: String(a.type), createdAt: dbDate(a.created_at)?.toISOString() ?? null, summary: activitySummary(String(a.type), dbJson(a.payload)) });
    }
  }
  return items.map((i, k) => {
    const m = matches[k];
    return { number: i.number, match: m, latestActivity: m?.type === 'lead' ? (latest.get(m.id) ?? null) : null };
  });
}
