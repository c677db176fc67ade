import { expect } from 'vitest';
import type { Api, ApiResponse } from '../helpers/api.ts';
import type { TestSystem } from '../helpers/system.ts';
import { sql } from '../helpers/seeded.ts';

/** Helpers shared by the lead pipeline tests (test/crm/*). */

/** The Acme demo users, one per role (server/db/seed.ts). */
export const ROLE_USERS = {
  tenant_admin: 'admin@acme.test',
  supervisor: 'supervisor@acme.test',
  sales_agent: 'agent1@acme.test',
  support_agent: 'support@acme.test',
  read_only: 'viewer@acme.test',
} as const;

export async function tenantIds(sys: TestSystem): Promise<{ acme: number; globex: number }> {
  const rows = await sql(sys, 'select id, name from tenants');
  const by = Object.fromEntries(rows.map((r) => [r.name, Number(r.id)]));
  return { acme: by['Acme Support'], globex: by['Globex Sales'] };
}

export async function userIds(sys: TestSystem): Promise<Record<string, number>> {
  const rows = await sql(sys, 'select id, email from users');
  return Object.fromEntries(rows.map((r) => [r.email, Number(r.id)]));
}

/** The statuses of a tenant by name, straight from the database. */
export async function statusesOf(sys: TestSystem, tenantId: number): Promise<Record<string, { id: number; isDefault: boolean; sortOrder: number }>> {
  const rows = await sql(sys, 'select id, name, is_default, sort_order from lead_statuses where tenant_id = ?', [tenantId]);
  return Object.fromEntries(rows.map((r) => [r.name, { id: Number(r.id), isDefault: Boolean(Number(r.is_default)), sortOrder: Number(r.sort_order) }]));
}

/** An error answer in the contract's shape, with its status and (optionally) code. */
export function expectError(res: ApiResponse, status: number, code?: string): void {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.body).toEqual({ error: expect.objectContaining({ code: expect.any(String), message: expect.any(String) }) });
  if (code) expect(res.body.error.code, JSON.stringify(res.body)).toBe(code);
}

/** Every row of a cursor-paginated list, following nextCursor to the end. */
export async function allPages<T = any>(api: Api, path: string, limit: number): Promise<{ rows: T[]; pages: number }> {
  const rows: T[] = [];
  let cursor: string | null = null;
  for (let pages = 1; pages < 1000; pages++) {
    const sep = path.includes('?') ? '&' : '?';
    const res: ApiResponse = await api.get(`${path}${sep}limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
    expect(res.status, `${path}: ${JSON.stringify(res.body)}`).toBe(200);
    expect(res.body.data.length).toBeLessThanOrEqual(limit);
    rows.push(...res.body.data);
    cursor = res.body.nextCursor;
    if (!cursor) return { rows, pages };
  }
  throw new Error(`${path}: pagination never ended`);
}

/** Audit rows of `action` on one entity, newest first, with `changes` parsed. */
export async function auditRows(sys: TestSystem, tenantId: number, action: string, entityId?: number): Promise<any[]> {
  const rows = await sql(sys, `select * from audit_logs where tenant_id = ? and action = ? ${entityId !== undefined ? 'and entity_id = ?' : ''} order by id desc`, [tenantId, action, ...(entityId !== undefined ? [entityId] : [])]);
  return rows.map((r) => ({ ...r, changes: typeof r.changes === 'string' ? JSON.parse(r.changes) : r.changes }));
}

/** A fingerprint of every pipeline row of a tenant, to prove a request changed nothing. */
export async function pipelineFingerprint(sys: TestSystem, tenantId: number): Promise<string> {
  const parts = await Promise.all([
    sql(sys, 'select id, lead_status_id, assigned_to_user_id, name, company_name, email, phone, source, score, estimated_value, next_followup_at, version, updated_at from leads where tenant_id = ? order by id', [tenantId]),
    sql(sys, 'select id, name, color, sort_order, is_default, is_closed, is_won, is_lost, requires_note, requires_followup_date from lead_statuses where tenant_id = ? order by id', [tenantId]),
    sql(sys, 'select id, lead_id, type, payload from lead_activities where tenant_id = ? order by id', [tenantId]),
    sql(sys, 'select id, user_id, read_at from notifications where tenant_id = ? order by id', [tenantId]),
    sql(sys, 'select count(*) n from audit_logs where tenant_id = ?', [tenantId]),
  ]);
  return JSON.stringify(parts);
}

/** An ISO time `ms` from now, in whole seconds (what the API stores). */
export function inMs(ms: number): string {
  return new Date(Math.ceil((Date.now() + ms) / 1000) * 1000).toISOString();
}
