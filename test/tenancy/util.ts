import { expect } from 'vitest';
import type { Api, ApiResponse } from '../helpers/api.ts';
import type { TestSystem } from '../helpers/system.ts';
import { sql } from '../helpers/seeded.ts';

/** The five demo roles of Acme, one user each (see server/db/seed.ts). */
export const ROLE_USERS = {
  tenant_admin: 'admin@acme.test',
  supervisor: 'supervisor@acme.test',
  sales_agent: 'agent1@acme.test',
  support_agent: 'support@acme.test',
  read_only: 'viewer@acme.test',
} as const;

/** Every row of a cursor-paginated list, following nextCursor to the end. */
export async function allPages<T = any>(api: Api, path: string, limit = 200): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | null = null;
  for (let guard = 0; guard < 1000; guard++) {
    const sep = path.includes('?') ? '&' : '?';
    const res: ApiResponse = await api.get(`${path}${sep}limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
    expect(res.status, `${path}: ${JSON.stringify(res.body)}`).toBe(200);
    out.push(...res.body.data);
    cursor = res.body.nextCursor;
    if (!cursor) return out;
  }
  throw new Error(`${path}: pagination never ended`);
}

export async function tenantId(sys: TestSystem, name: string): Promise<number> {
  const [row] = await sql(sys, 'select id from tenants where name = ?', [name]);
  return Number(row.id);
}

/** The audit rows of `action` in a tenant, newest first. */
export async function auditRows(sys: TestSystem, tenant: number, action: string): Promise<any[]> {
  const rows = await sql(sys, 'select * from audit_logs where tenant_id = ? and action = ? order by id desc', [tenant, action]);
  return rows.map((r) => ({ ...r, changes: typeof r.changes === 'string' ? JSON.parse(r.changes) : r.changes }));
}

/** An error answer in the contract's shape: `{ error: { code, message } }`. */
export function expectError(res: { status: number; body: any }, status: number, code?: string): void {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.body).toEqual({ error: expect.objectContaining({ code: expect.any(String), message: expect.any(String) }) });
  if (code) expect(res.body.error.code).toBe(code);
}

/** A DATETIME as raw SQL returns it ('YYYY-MM-DD HH:MM:SS', UTC), in ms since the epoch. */
export function dbTime(v: string | Date | null): number {
  if (v === null) return NaN;
  if (v instanceof Date) return v.getTime();
  expect(v).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}/);
  return Date.parse(`${v.replace(' ', 'T')}Z`);
}
