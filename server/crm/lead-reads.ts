import type { EntityManager } from '@mikro-orm/mariadb';
import type { LeadStatusView, LeadView } from '../../shared/schemas/leads.ts';

/**
 * The hot reads of the pipeline (board cards, column pages, "my follow-ups") as
 * plain SQL mapped straight to LeadView: the same rows, order and fields as the
 * entity path (`leadView` of a Lead with its status and assignee), without
 * hydrating entities (~0.15–0.2 ms per lead at 1M leads, bench/RESULTS.md).
 *
 * Every statement names the tenant-first index it must use (FORCE INDEX): on a
 * large tenant MariaDB otherwise intersects the single-column foreign-key indexes
 * and sorts a whole column. Joined rows (assignee, status) are primary-key
 * lookups, checked against the lead's tenant.
 */

/** The tenant-first indexes of `leads` these reads use (server/crm/lead.entity.ts). */
export const LEAD_INDEX = {
  status: 'leads_tenant_status_idx',
  assignedStatus: 'leads_tenant_assigned_status_idx',
  assignedFollowup: 'leads_tenant_assigned_fup_idx',
} as const;

const LEAD_COLUMNS = `l.id, l.lead_status_id, l.assigned_to_user_id, l.created_by_user_id, l.name, l.company_name, l.email, l.phone, l.source,
  l.score, l.estimated_value, l.last_contacted_at, l.next_followup_at, l.version, l.created_at, l.updated_at, u.name as assigned_name`;
const ASSIGNEE_JOIN = 'left join users u on u.id = l.assigned_to_user_id and u.tenant_id = l.tenant_id';

export interface LeadRow {
  id: number | string; lead_status_id: number | string; assigned_to_user_id: number | string | null; created_by_user_id: number | string | null;
  name: string; company_name: string | null; email: string | null; phone: string | null; source: string | null; score: LeadView['score'];
  estimated_value: string | number | null; last_contacted_at: string | Date | null; next_followup_at: string | Date | null; version: number | string;
  created_at: string | Date | null; updated_at: string | Date | null; assigned_name: string | null;
  status_name?: string; status_color?: string;
}

/** A DATETIME as the driver returns it (UTC 'YYYY-MM-DD HH:MM:SS', or a Date) → ISO, as `iso()` of a hydrated Date. */
export function dbTime(v: string | Date | null | undefined): string | null {
  if (v == null) return null;
  if (v instanceof Date) return v.toISOString();
  return new Date(`${v.replace(' ', 'T')}Z`).toISOString();
}

const num = (v: number | string | null | undefined): number | null => (v == null ? null : Number(v));

/** A row of LEAD_COLUMNS → the API's lead; the status's name and colour come from the row or from `status`. */
export function leadRowView(r: LeadRow, status?: { name: string; color: string }): LeadView {
  return {
    id: Number(r.id), statusId: Number(r.lead_status_id), statusName: status?.name ?? r.status_name!, statusColor: status?.color ?? r.status_color!,
    assignedToId: num(r.assigned_to_user_id), assignedToName: r.assigned_name ?? null, createdById: num(r.created_by_user_id),
    name: r.name, companyName: r.company_name ?? null, email: r.email ?? null, phone: r.phone ?? null, source: r.source ?? null, score: r.score,
    estimatedValue: num(r.estimated_value), lastContactedAt: dbTime(r.last_contacted_at), nextFollowupAt: dbTime(r.next_followup_at),
    version: Number(r.version), createdAt: dbTime(r.created_at), updatedAt: dbTime(r.updated_at),
  };
}

export interface StatusRow {
  id: number | string; name: string; color: string; sort_order: number | string; is_default: number | string; is_closed: number | string;
  is_won: number | string; is_lost: number | string; requires_note: number | string; requires_followup_date: number | string; n: number | string | null;
}

/** A lead_statuses row → the API's status (as statusView, without leadCount). */
export function statusRowView(s: StatusRow): LeadStatusView {
  const b = (v: number | string) => Number(v) === 1;
  return {
    id: Number(s.id), name: s.name, color: s.color, sortOrder: Number(s.sort_order), isDefault: b(s.is_default), isClosed: b(s.is_closed), isWon: b(s.is_won),
    isLost: b(s.is_lost), requiresNote: b(s.requires_note), requiresFollowupDate: b(s.requires_followup_date),
  };
}

/**
 * The tenant's statuses in board order, each with its count from the counters (0 when it has no row). One
 * statement: a range of (tenant, sort_order), in order, and a primary-key lookup of each counter (left to itself,
 * MariaDB scans the tiny status table and joins the counters by their single-column foreign-key index).
 */
export async function statusesWithCounts(em: EntityManager, tenantId: number): Promise<{ status: LeadStatusView; count: number }[]> {
  const rows = (await em.execute(
    `select s.id, s.name, s.color, s.sort_order, s.is_default, s.is_closed, s.is_won, s.is_lost, s.requires_note, s.requires_followup_date, c.n
       from lead_statuses s force index (lead_statuses_tenant_sort_idx)
       left join lead_status_counts c force index (primary) on c.tenant_id = s.tenant_id and c.lead_status_id = s.id
      where s.tenant_id = ? order by s.sort_order, s.id`,
    [tenantId],
  )) as StatusRow[];
  return rows.map((r) => ({ status: statusRowView(r), count: Number(r.n ?? 0) }));
}

/** One agent's count per status: a covering range of (tenant, assignee, status, id). */
export async function assigneeCounts(em: EntityManager, tenantId: number, assignedToId: number): Promise<Map<number, number>> {
  const rows = (await em.execute(
    `select lead_status_id s, count(*) n from leads force index (${LEAD_INDEX.assignedStatus}) where tenant_id = ? and assigned_to_user_id = ? group by lead_status_id`,
    [tenantId, assignedToId],
  )) as { s: number | string; n: number | string }[];
  return new Map(rows.map((r) => [Number(r.s), Number(r.n)]));
}

export interface ColumnSlice { statusId: number; beforeId?: number; limit: number }

/** One column's SELECT, newest first: limit entries of (tenant[, assignee], status, id) read backwards from the cursor. */
function columnSelect(tenantId: number, c: ColumnSlice, assignedToId?: number): { sql: string; params: unknown[] } {
  const index = assignedToId ? LEAD_INDEX.assignedStatus : LEAD_INDEX.status;
  return {
    sql: `select ${LEAD_COLUMNS} from leads l force index (${index}) ${ASSIGNEE_JOIN}
           where l.tenant_id = ?${assignedToId ? ' and l.assigned_to_user_id = ?' : ''} and l.lead_status_id = ?${c.beforeId ? ' and l.id < ?' : ''}
           order by l.id desc limit ?`,
    params: [tenantId, ...(assignedToId ? [assignedToId] : []), c.statusId, ...(c.beforeId ? [c.beforeId] : []), c.limit],
  };
}

/**
 * The first rows of several columns in one statement (a UNION ALL of one ordered,
 * limited SELECT per column): the board's cards in one round trip. Rows come back
 * grouped by column, in each column's order.
 */
export async function columnRows(em: EntityManager, tenantId: number, columns: ColumnSlice[], assignedToId?: number): Promise<Map<number, LeadRow[]>> {
  const out = new Map<number, LeadRow[]>(columns.map((c) => [c.statusId, []]));
  if (!columns.length) return out;
  const parts = columns.map((c) => columnSelect(tenantId, c, assignedToId));
  const sql = parts.length === 1 ? parts[0].sql : parts.map((p) => `(${p.sql})`).join(' union all ');
  const rows = (await em.execute(sql, parts.flatMap((p) => p.params))) as LeadRow[];
  for (const r of rows) out.get(Number(r.lead_status_id))!.push(r);
  return out;
}

/**
 * The caller's open leads with a follow-up from `from` on (or every dated one), soonest first, after the
 * (follow-up, id) cursor: a range of (tenant, assignee, next_followup_at) in index order, no sort.
 */
export async function followupRows(
  em: EntityManager, tenantId: number, userId: number, q: { from: Date | null; after?: { at: Date; id: number }; limit: number },
): Promise<LeadRow[]> {
  return (await em.execute(
    `select ${LEAD_COLUMNS}, s.name as status_name, s.color as status_color
       from leads l force index (${LEAD_INDEX.assignedFollowup})
       straight_join lead_statuses s on s.id = l.lead_status_id and s.tenant_id = l.tenant_id
       ${ASSIGNEE_JOIN}
      where l.tenant_id = ? and l.assigned_to_user_id = ? and ${q.from ? 'l.next_followup_at >= ?' : 'l.next_followup_at is not null'} and s.is_closed = 0
        ${q.after ? 'and l.next_followup_at >= ? and (l.next_followup_at > ? or l.id > ?)' : ''}
      order by l.next_followup_at, l.id limit ?`,
    [tenantId, userId, ...(q.from ? [q.from] : []), ...(q.after ? [q.after.at, q.after.at, q.after.id] : []), q.limit],
  )) as LeadRow[];
}
