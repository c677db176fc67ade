/**
 * What-if read paths for bench/leads-1m.ts: the column page and "my follow-ups"
 * of LeadService, same filters, order, cursors and LeadView, but read with one
 * SQL statement through the ORM's connection and mapped straight to the view,
 * without hydrating entities. Swapped into a running system to measure what the
 * ORM's hydration costs on the real routes; not used by the application.
 */
import type { TenantContext } from '../server/http/context.ts';
import { decodeCursor, encodeCursor, isIdCursor } from '../server/http/pagination.ts';
import type { LeadView } from '../shared/schemas/leads.ts';

const COLUMNS = `l.id, l.lead_status_id, l.assigned_to_user_id, l.created_by_user_id, l.name, l.company_name, l.email, l.phone, l.source, l.score,
  l.estimated_value, l.last_contacted_at, l.next_followup_at, l.version, l.created_at, l.updated_at,
  s.name as status_name, s.color as status_color, u.name as assigned_name`;

const iso = (v: unknown): string | null => (v == null ? null : (v instanceof Date ? v : new Date(`${String(v).replace(' ', 'T')}Z`)).toISOString());
const num = (v: unknown): number | null => (v == null ? null : Number(v));

function view(r: Record<string, unknown>): LeadView {
  return {
    id: Number(r.id), statusId: Number(r.lead_status_id), statusName: r.status_name as string, statusColor: r.status_color as string,
    assignedToId: num(r.assigned_to_user_id), assignedToName: (r.assigned_name as string | null) ?? null, createdById: num(r.created_by_user_id),
    name: r.name as string, companyName: (r.company_name as string | null) ?? null, email: (r.email as string | null) ?? null, phone: (r.phone as string | null) ?? null,
    source: (r.source as string | null) ?? null, score: r.score as LeadView['score'], estimatedValue: num(r.estimated_value), lastContactedAt: iso(r.last_contacted_at),
    nextFollowupAt: iso(r.next_followup_at), version: Number(r.version), createdAt: iso(r.created_at), updatedAt: iso(r.updated_at),
  } as LeadView;
}

async function read(ctx: TenantContext, where: string, params: unknown[], order: string, limit: number, hint = '') {
  const t = ctx.principal.tenantId;
  return (await ctx.em.getConnection().execute(
    `select ${COLUMNS} from leads l ${hint}
       join lead_statuses s on s.id = l.lead_status_id and s.tenant_id = ?
       left join users u on u.id = l.assigned_to_user_id and u.tenant_id = ?
      where l.tenant_id = ? and ${where} order by ${order} limit ?`,
    [t, t, t, ...params, limit],
  )) as Record<string, unknown>[];
}

export async function rawColumnPage(ctx: TenantContext, statusId: number, q: { cursor?: string; limit: number; assignedToId?: number }) {
  const after = decodeCursor(q.cursor, isIdCursor);
  const rows = await read(ctx, `l.lead_status_id = ?${q.assignedToId ? ' and l.assigned_to_user_id = ?' : ''}${after ? ' and l.id < ?' : ''}`,
    [statusId, ...(q.assignedToId ? [q.assignedToId] : []), ...(after ? [after.id] : [])], 'l.id desc', q.limit + 1,
    q.assignedToId ? '' : 'force index (leads_tenant_status_idx)');
  const more = rows.length > q.limit;
  const page = (more ? rows.slice(0, q.limit) : rows).map(view);
  return { data: page, nextCursor: more ? encodeCursor({ id: page[page.length - 1].id }) : null };
}

export async function rawMyFollowups(ctx: TenantContext, q: { cursor?: string; limit: number; includeOverdue?: boolean }) {
  const after = decodeCursor(q.cursor, (v): v is { v: string; id: number } => isIdCursor(v) && typeof (v as Record<string, unknown>).v === 'string');
  const rows = await read(ctx,
    `l.assigned_to_user_id = ? and ${q.includeOverdue ? 'l.next_followup_at is not null' : 'l.next_followup_at >= ?'} and s.is_closed = 0${after ? ' and (l.next_followup_at > ? or (l.next_followup_at = ? and l.id > ?))' : ''}`,
    [ctx.principal.userId, ...(q.includeOverdue ? [] : [new Date()]), ...(after ? [new Date(after.v), new Date(after.v), after.id] : [])],
    'l.next_followup_at asc, l.id asc', q.limit + 1);
  const more = rows.length > q.limit;
  const page = (more ? rows.slice(0, q.limit) : rows).map(view);
  const last = page[page.length - 1];
  return { data: page, nextCursor: more ? encodeCursor({ v: last.nextFollowupAt!, id: last.id }) : null };
}
