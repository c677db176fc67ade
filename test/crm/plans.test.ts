import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSeeded, sql } from '../helpers/seeded.ts';
import type { TestSystem } from '../helpers/system.ts';
import type { Api } from '../helpers/api.ts';
import { recountLeadsSql } from '../../server/crm/lead-counts.ts';
import { statusesOf, tenantIds, userIds } from './util.ts';

/**
 * The query plans of the pipeline's hot reads — the board (all, and one agent's),
 * a column page (first and cursor pages), "my follow-ups" (first and cursor pages,
 * with overdue) and a search by phone — on a tenant with enough leads (20,000) for
 * the optimizer to choose as it would on a big one. Every statement these routes
 * send is captured from the ORM's connection and EXPLAINed: wherever it reads a
 * tenant-owned table, the index it uses (EXPLAIN's `key`, every one of an index
 * merge) is one whose first column is tenant_id, per information_schema — or the
 * primary key looked up row by row from a join (eq_ref). `leads` is never scanned.
 */

let sys: TestSystem;
let api: Api;
let agent: Api;
let acme: number;
let users: Record<string, number>;
let st: Record<string, { id: number }>;
/** Index name → its first column, per table. */
const firstColumn = new Map<string, Map<string, string>>();
/** Tables that have a tenant_id column. */
const tenantTables = new Set<string>();
const BULK = 20_000;

beforeAll(async () => {
  ({ sys, api } = await startSeeded('crm_plans'));
  ({ acme } = await tenantIds(sys));
  users = await userIds(sys);
  agent = (await api.login('agent1@acme.test')).api;
  st = await statusesOf(sys, acme);
  const open = ['New', 'Contacted', 'Qualified', 'Proposal', 'Negotiation'].map((n) => st[n].id);
  const all = [...open, st.Won.id, st.Lost.id];
  const agents = [users['agent1@acme.test'], users['agent2@acme.test'], users['support@acme.test']];
  // Bulk leads for Acme: spread over the columns and three assignees (a quarter unassigned), a third of the open ones
  // with a follow-up within ±10 days, distinct phone numbers. Then the counters recounted and statistics refreshed.
  await sql(sys, `insert into leads (tenant_id, lead_status_id, assigned_to_user_id, created_by_user_id, name, company_name, email, phone, score, version, next_followup_at, created_at, updated_at)
    select ?, elt(1 + seq % ${all.length}, ${all.join(', ')}), if(seq % 4 = 0, null, elt(1 + seq % 3, ${agents.join(', ')})), ?,
      concat('Bulk ', seq), concat('Company ', seq % 500), concat('bulk', seq, '@example.com'), concat('+1', 3000000000 + seq), 'warm', 1,
      if(seq % ${all.length} < ${open.length} and seq % 3 = 0, utc_timestamp() + interval (cast(seq % 480 as signed) - 240) hour, null), utc_timestamp(), utc_timestamp()
      from seq_1_to_${BULK}`, [acme, users['admin@acme.test']]);
  const { sql: recount, params } = recountLeadsSql(acme);
  await sql(sys, recount, params);
  // And contacts, for the contact search.
  await sql(sys, `insert into contacts (tenant_id, first_name, last_name, phone, email, is_favorite, created_at, updated_at)
    select ?, concat('First', seq), concat('Last', seq), concat('+1', 4000000000 + seq), concat('contact', seq, '@example.com'), 0, utc_timestamp(), utc_timestamp()
      from seq_1_to_${BULK}`, [acme]);
  await sql(sys, 'analyze table leads, lead_statuses, lead_status_counts, users, contacts');

  const idx = await sql(sys, 'select TABLE_NAME t, INDEX_NAME i, COLUMN_NAME c from information_schema.STATISTICS where TABLE_SCHEMA = ? and SEQ_IN_INDEX = 1', [sys.dbName]);
  for (const r of idx) {
    if (!firstColumn.has(r.t)) firstColumn.set(r.t, new Map());
    firstColumn.get(r.t)!.set(r.i, r.c);
  }
  for (const r of await sql(sys, "select TABLE_NAME t from information_schema.COLUMNS where TABLE_SCHEMA = ? and COLUMN_NAME = 'tenant_id'", [sys.dbName])) tenantTables.add(r.t);
}, 120_000);
afterAll(async () => {
  await sys?.stop();
});

/** Every SQL statement (parameters inlined) the ORM sends while `fn` runs. */
async function capture(fn: () => Promise<unknown>): Promise<string[]> {
  const platform = sys.orm.em.getPlatform();
  const before = sys.orm.config.get('onQuery');
  const seen: string[] = [];
  sys.orm.config.set('onQuery', (q: string, params: readonly unknown[]) => {
    seen.push(platform.formatQuery(q, params as unknown[]));
    return q;
  });
  try {
    await fn();
  } finally {
    sys.orm.config.set('onQuery', before);
  }
  return seen;
}

interface PlanRow { table: string; alias: string; type: string; key: string | null; extra: string }

/** EXPLAIN of one statement, each row with the real table behind its alias. */
async function explain(statement: string): Promise<PlanRow[]> {
  const aliases = new Map<string, string>([...statement.matchAll(/(?:from|join)\s+`?(\w+)`?(?:\s+as)?\s+`?(\w+)`?/gi)].map((m) => [m[2], m[1]]));
  const rows = await sql(sys, `explain ${statement}`);
  return rows.map((r) => ({ table: aliases.get(r.table) ?? r.table, alias: r.table, type: r.type, key: r.key ?? null, extra: r.Extra ?? '' }));
}

/** The plans of every statement of a request that reads the pipeline's tables; fails on any read not led by tenant_id. */
async function plansOf(label: string, request: () => Promise<{ status: number }>, tables = /\b`?(leads|lead_status_counts)`?\b/): Promise<PlanRow[]> {
  let status = 0;
  const statements = await capture(async () => {
    status = (await request()).status;
  });
  expect(status, label).toBe(200);
  const reads = statements.filter((q) => /^\s*\(?\s*select/i.test(q) && tables.test(q));
  expect(reads.length, `${label}: statements`).toBeGreaterThan(0);
  const out: PlanRow[] = [];
  const problems: string[] = [];
  for (const q of reads) {
    for (const row of await explain(q)) {
      out.push(row);
      if (!tenantTables.has(row.table)) continue; // a derived or union result, or a table without tenants
      // An index merge lists its indexes with ",", a rowid filter adds its own after "|": each must qualify.
      const keys = row.key ? row.key.split(/[,|]/) : [];
      if (!keys.length) {
        problems.push(`${row.table} (${row.alias}) read without an index (${row.type}) in: ${q.slice(0, 300)}`);
        continue;
      }
      for (const k of keys) {
        const first = firstColumn.get(row.table)?.get(k);
        const pkLookup = k === 'PRIMARY' && /^(eq_ref|const)\b/.test(row.type) && row.table !== 'leads';
        if (first !== 'tenant_id' && !pkLookup) problems.push(`${row.table} (${row.alias}) read through ${k} (first column ${first}, ${row.type}) in: ${q.slice(0, 300)}`);
      }
    }
  }
  if (process.env.SHOW_PLANS) console.log(label, JSON.stringify(out));
  expect(problems, label).toEqual([]);
  return out;
}

const leadKeys = (rows: PlanRow[]) => [...new Set(rows.filter((r) => r.table === 'leads').flatMap((r) => (r.key ?? '').split(/[,|]/)))].sort();

describe('the hot reads use tenant-first indexes', () => {
  it('board: counts from the counters\' primary key (tenant_id, lead_status_id), every column on (tenant, status, id), no sort', async () => {
    const rows = await plansOf('board', () => agent.get('/api/v1/leads/board'));
    expect(leadKeys(rows)).toEqual(['leads_tenant_status_idx']);
    expect(rows.filter((r) => r.table === 'lead_status_counts').map((r) => r.key)).toEqual(['PRIMARY']);
    expect(rows.filter((r) => r.table === 'leads' && /filesort/i.test(r.extra))).toEqual([]);
  });

  it('one agent\'s board: counts and columns on (tenant, assignee, status, id)', async () => {
    const rows = await plansOf('agent board', () => agent.get(`/api/v1/leads/board?assignedToId=${users['agent1@acme.test']}`));
    expect(leadKeys(rows)).toEqual(['leads_tenant_assigned_status_idx']);
    expect(rows.filter((r) => r.table === 'leads' && /filesort/i.test(r.extra))).toEqual([]);
  });

  it('column page: first and cursor pages read (tenant, status, id) backwards, no sort', async () => {
    const first = await agent.get(`/api/v1/leads/board/${st.Contacted.id}?limit=20`);
    expect(first.body.nextCursor).toBeTruthy();
    for (const [label, path] of [
      ['first page', `/api/v1/leads/board/${st.Contacted.id}?limit=20`],
      ['cursor page', `/api/v1/leads/board/${st.Contacted.id}?limit=20&cursor=${first.body.nextCursor}`],
    ] as const) {
      const rows = await plansOf(`column ${label}`, () => agent.get(path));
      expect(leadKeys(rows), label).toEqual(['leads_tenant_status_idx']);
      expect(rows.filter((r) => r.table === 'leads' && /filesort/i.test(r.extra)), label).toEqual([]);
    }
    const mine = await plansOf('agent column', () => agent.get(`/api/v1/leads/board/${st.Contacted.id}?limit=20&assignedToId=${users['agent1@acme.test']}`));
    expect(leadKeys(mine)).toEqual(['leads_tenant_assigned_status_idx']);
  });

  it('my follow-ups: a range of (tenant, assignee, next_followup_at) in index order, on every page', async () => {
    const first = await agent.get('/api/v1/leads/my-followups?limit=20');
    expect(first.body.data).toHaveLength(20);
    expect(first.body.nextCursor).toBeTruthy();
    for (const [label, path] of [
      ['first page', '/api/v1/leads/my-followups?limit=20'],
      ['cursor page', `/api/v1/leads/my-followups?limit=20&cursor=${first.body.nextCursor}`],
      ['with overdue', '/api/v1/leads/my-followups?limit=20&includeOverdue=true'],
    ] as const) {
      const rows = await plansOf(`my follow-ups ${label}`, () => agent.get(path));
      expect(leadKeys(rows), label).toEqual(['leads_tenant_assigned_fup_idx']);
      expect(rows.filter((r) => r.table === 'leads' && /filesort/i.test(r.extra)), label).toEqual([]);
    }
  });

  it('search by phone (E.164 and typed with spaces and dashes): tenant-first indexes only', async () => {
    const made = await agent.post('/api/v1/leads', { name: 'Plan Phone', phone: '(202) 555-0199' });
    expect(made.status).toBe(201);
    for (const q of ['+12025550199', '+1 202-555-0199']) {
      let found: any;
      const rows = await plansOf(`search ${q}`, async () => {
        const res = await agent.get(`/api/v1/leads?q=${encodeURIComponent(q)}`);
        found = res.body;
        return res;
      });
      expect(found.data.map((l: any) => l.id), q).toEqual([made.body.id]);
      const keys = leadKeys(rows);
      expect(keys, q).toContain('leads_tenant_phone_idx');
    }
  });

  it('contact search (first name, last name, "first last", email, phone): tenant-first indexes only, contacts never scanned', async () => {
    const made = await agent.post('/api/v1/contacts', { firstName: 'Plana', lastName: 'Zebulon', phone: '+12025550177', email: 'plana.zebulon@example.com' });
    expect(made.status).toBe(201);
    await sql(sys, 'analyze table contacts');
    for (const q of ['Plana', 'Zebulon', 'Plana Zeb', 'plana.zebulon@', '+12025550177']) {
      let found: any;
      const rows = await plansOf(`contact search ${q}`, async () => {
        const res = await agent.get(`/api/v1/contacts?q=${encodeURIComponent(q)}`);
        found = res.body;
        return res;
      }, /\b`?contacts`?\b/);
      expect(found.data.map((c: any) => c.id), q).toEqual([made.body.id]);
      // Not the tenant's every contact (a range on tenant_id alone, or a scan): the search columns' own indexes.
      const keys = [...new Set(rows.filter((r) => r.table === 'contacts').flatMap((r) => (r.key ?? '').split(/[,|]/)))];
      expect(keys.length, q).toBeGreaterThan(0);
      expect(keys.filter((k) => !['contacts_tenant_first_name_idx', 'contacts_tenant_last_name_idx', 'contacts_tenant_email_idx', 'contacts_tenant_phone_idx'].includes(k)), q).toEqual([]);
    }
  });
});
