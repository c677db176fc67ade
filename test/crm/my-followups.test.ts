import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSeeded, sql } from '../helpers/seeded.ts';
import type { TestSystem } from '../helpers/system.ts';
import type { Api } from '../helpers/api.ts';
import { allPages, expectError, inMs, tenantIds, userIds } from './util.ts';

/**
 * "My follow-ups": the caller's open leads that have a follow-up, soonest
 * first (seed 003's sample query, tenant-scoped), paged; and the query the
 * ORM really sends uses a tenant-first index.
 */

let sys: TestSystem;
let api: Api;
let agent: Api;
let agent2: Api;
let admin: Api;
let acme: number;
let globex: number;
let users: Record<string, number>;

const L = '/api/v1/leads';
const MINE = `${L}/my-followups`;

/** The seed query, tenant-scoped, with the API's tie-break. */
async function expected(userId: number, tenantId = acme, includeOverdue = false): Promise<number[]> {
  const rows = await sql(sys, `select l.id from leads l join lead_statuses ls on ls.id = l.lead_status_id
    where l.tenant_id = ? and l.assigned_to_user_id = ? and l.next_followup_at is not null and ls.is_closed = 0
    ${includeOverdue ? '' : 'and l.next_followup_at >= utc_timestamp()'}
    order by l.next_followup_at asc, l.id asc`, [tenantId, userId]);
  return rows.map((r) => Number(r.id));
}

let parked: any;
let closedLead: any;
const made: Record<string, any> = {};

beforeAll(async () => {
  ({ sys, api } = await startSeeded('crm_myfup'));
  ({ acme, globex } = await tenantIds(sys));
  users = await userIds(sys);
  [agent, agent2, admin] = (await Promise.all(['agent1@acme.test', 'agent2@acme.test', 'admin@acme.test'].map((e) => api.login(e)))).map((s) => s.api);
  const me = users['agent1@acme.test'];
  const mk = async (key: string, body: Record<string, unknown>, as: Api = agent) => {
    const res = await as.post(L, { name: key, ...body });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    made[key] = res.body;
  };
  const tie = inMs(5 * 3_600_000);
  await mk('In 3h', { assignedToId: me, nextFollowupAt: inMs(3 * 3_600_000) });
  await mk('In 1h', { assignedToId: me, nextFollowupAt: inMs(3_600_000) });
  await mk('Tie A', { assignedToId: me, nextFollowupAt: tie });
  await mk('Tie B', { assignedToId: me, nextFollowupAt: tie });
  await mk('Tie C', { assignedToId: me, nextFollowupAt: tie }, agent2);
  await mk('No date', { assignedToId: me });
  await mk('Not mine', { assignedToId: users['agent2@acme.test'], nextFollowupAt: inMs(1_800_000) });
  await mk('Unassigned', { nextFollowupAt: inMs(1_800_000) });
  // A lead that was open with a follow-up when its status became closed.
  parked = (await admin.post('/api/v1/lead-statuses', { name: 'Parked' })).body;
  await mk('Parked', { assignedToId: me, statusId: parked.id, nextFollowupAt: inMs(600_000) });
  closedLead = made.Parked;
  expect((await admin.patch(`/api/v1/lead-statuses/${parked.id}`, { isClosed: true })).status).toBe(200);
  // Moved to Won: closed, follow-up gone.
  await mk('Won one', { assignedToId: me, nextFollowupAt: inMs(900_000) });
  expect((await agent.post(`${L}/${made['Won one'].id}/move`, { statusId: (await sql(sys, "select id from lead_statuses where tenant_id = ? and name = 'Won'", [acme]))[0].id, version: 1 })).status).toBe(200);
});
afterAll(async () => {
  await sys?.stop();
});

describe('my follow-ups', () => {
  it('lists upcoming follow-ups only, as seed 003 does; includeOverdue=true adds the overdue ones first', async () => {
    const overdue = await sql(sys, `select l.id from leads l join lead_statuses ls on ls.id = l.lead_status_id where l.tenant_id = ? and l.assigned_to_user_id = ?
      and ls.is_closed = 0 and l.next_followup_at < utc_timestamp()`, [acme, users['agent1@acme.test']]);
    if (!overdue.length) {
      await sql(sys, "update leads set next_followup_at = utc_timestamp() - interval 1 day where id = ?", [made['No date'].id]);
      overdue.push({ id: made['No date'].id });
    }
    const upcoming = (await agent.get(`${MINE}?limit=200`)).body.data.map((l: any) => l.id);
    for (const o of overdue) expect(upcoming).not.toContain(Number(o.id));
    const all = (await agent.get(`${MINE}?limit=200&includeOverdue=true`)).body.data.map((l: any) => l.id);
    expect(all).toEqual(await expected(users['agent1@acme.test'], acme, true));
    for (const o of overdue) expect(all).toContain(Number(o.id));
    await sql(sys, 'update leads set next_followup_at = null where id = ?', [made['No date'].id]);
  });

  it('lists only the caller\'s open leads with a follow-up, soonest first', async () => {
    const res = await agent.get(MINE);
    expect(res.status).toBe(200);
    const got = res.body.data.map((l: any) => l.id);
    expect(got).toEqual(await expected(users['agent1@acme.test']));
    for (const k of ['In 1h', 'In 3h', 'Tie A', 'Tie B', 'Tie C']) expect(got, k).toContain(made[k].id);
    for (const k of ['No date', 'Not mine', 'Unassigned', 'Parked', 'Won one']) expect(got, k).not.toContain(made[k].id);
    expect(got.indexOf(made['In 1h'].id)).toBeLessThan(got.indexOf(made['In 3h'].id));
    expect(got.indexOf(made['In 3h'].id)).toBeLessThan(got.indexOf(made['Tie A'].id));
    const times = res.body.data.map((l: any) => Date.parse(l.nextFollowupAt));
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    for (const l of res.body.data) {
      expect(l.assignedToId).toBe(users['agent1@acme.test']);
      expect(l.assignedToName).toBe('Alex Agent');
      expect(l.statusName).toEqual(expect.any(String));
    }
  });

  it('a status that becomes closed clears its leads\' follow-ups and cancels their reminders; reopening brings none back', async () => {
    expect((await agent.get(`${MINE}?includeOverdue=true`)).body.data.map((l: any) => l.id)).not.toContain(closedLead.id);
    const [row] = await sql(sys, 'select next_followup_at from leads where id = ?', [closedLead.id]);
    expect(row.next_followup_at).toBeNull();
    expect(await sys.services.followups.jobFor(acme, closedLead.id, new Date(closedLead.nextFollowupAt))).toBeUndefined();
    expect((await admin.patch(`/api/v1/lead-statuses/${parked.id}`, { isClosed: false })).status).toBe(200);
    expect((await agent.get(`${MINE}?includeOverdue=true`)).body.data.map((l: any) => l.id)).not.toContain(closedLead.id);
    expect((await admin.patch(`/api/v1/lead-statuses/${parked.id}`, { isClosed: true })).status).toBe(200);
  });

  it('each user sees their own; another tenant\'s users see none of these', async () => {
    const theirs = (await agent2.get(MINE)).body.data.map((l: any) => l.id);
    expect(theirs).toEqual(await expected(users['agent2@acme.test']));
    expect(theirs).toContain(made['Not mine'].id);
    expect(theirs).not.toContain(made['Tie C'].id);
    const g = await (await api.login('agent1@globex.test')).api.get(MINE);
    expect(g.body.data.map((l: any) => l.id)).toEqual(await expected(users['agent1@globex.test'], globex));
    const acmeIds = new Set((await sql(sys, 'select id from leads where tenant_id = ?', [acme])).map((r) => Number(r.id)));
    expect(g.body.data.some((l: any) => acmeIds.has(l.id))).toBe(false);
  });

  it('pages with a cursor through ties: no duplicates, no gaps', async () => {
    const all = await expected(users['agent1@acme.test']);
    expect(all.length).toBeGreaterThanOrEqual(5);
    for (const limit of [1, 2, 3]) {
      const { rows, pages } = await allPages(agent, MINE, limit);
      expect(rows.map((l: any) => l.id), `limit ${limit}`).toEqual(all);
      expect(pages).toBe(Math.ceil(all.length / limit));
    }
    expectError(await agent.get(`${MINE}?limit=0`), 400);
    expectError(await agent.get(`${MINE}?limit=201`), 400);
    expectError(await agent.get(`${MINE}?cursor=${Buffer.from(JSON.stringify({ id: 3 })).toString('base64url')}`), 400);
    expectError(await agent.get(`${MINE}?assignedToId=${users['agent2@acme.test']}`), 400);
  });

  it('the query the ORM sends starts from a tenant-first index on leads (EXPLAIN)', async () => {
    const conn = sys.orm.em.getConnection() as any;
    const original = conn.execute;
    const seen: { query: string; params: unknown[] }[] = [];
    conn.execute = function (query: unknown, params: unknown[] = [], ...rest: unknown[]) {
      if (typeof query === 'string' && /next_followup_at/.test(query) && /^\s*select/i.test(query)) seen.push({ query, params });
      return original.call(this, query, params, ...rest);
    };
    try {
      expect((await agent.get(MINE)).status).toBe(200);
    } finally {
      conn.execute = original;
    }
    expect(seen.length).toBeGreaterThan(0);
    const { query, params } = seen[0];
    expect(query).toMatch(/tenant_id/);
    await sql(sys, 'analyze table leads, lead_statuses');
    const plan = await sql(sys, `explain ${query}`, params);
    const leadsRow = plan.find((r) => /leads|^l\d*$|^e\d+$/.test(String(r.table)) && String(r.key ?? '').startsWith('leads_')) ?? plan.find((r) => String(r.key ?? '').startsWith('leads_'));
    expect(leadsRow, JSON.stringify(plan)).toBeTruthy();
    const firstCols = await sql(sys, "select index_name, column_name from information_schema.statistics where table_schema = database() and table_name = 'leads' and seq_in_index = 1");
    const tenantFirst = firstCols.filter((r) => r.column_name === 'tenant_id').map((r) => r.index_name);
    expect(tenantFirst, JSON.stringify(plan)).toContain(leadsRow.key);
    expect(leadsRow.key, JSON.stringify(plan)).toBe('leads_tenant_assigned_fup_idx');
    // And the seed's own query, tenant-scoped, uses it too.
    const seedPlan = await sql(sys, `explain select l.*, ls.name as status_name from leads l inner join lead_statuses ls on l.lead_status_id = ls.id
      where l.tenant_id = ? and l.assigned_to_user_id = ? and l.next_followup_at is not null and l.next_followup_at >= now() and ls.is_closed = false
      order by l.next_followup_at asc`, [acme, users['agent1@acme.test']]);
    expect(seedPlan.find((r) => r.table === 'l')?.key, JSON.stringify(seedPlan)).toBe('leads_tenant_assigned_fup_idx');
  });
});
