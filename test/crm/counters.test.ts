import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSeeded, sql } from '../helpers/seeded.ts';
import type { TestSystem } from '../helpers/system.ts';
import type { Api } from '../helpers/api.ts';
import { allPages, statusesOf, tenantIds, userIds } from './util.ts';

/**
 * The per-status lead counters (lead_status_counts) that the board reads: after
 * every kind of change — create, move, delete, a status deleted with its leads
 * moved, a change that fails and rolls back, many moves at once — they equal a
 * live count of the leads, for every status of both tenants. And one agent's
 * board (`?assignedToId=`), counted from the leads, is exact too.
 */

let sys: TestSystem;
let api: Api;
let admin: Api;
let agent: Api;
let agent2: Api;
let globexAdmin: Api;
let acme: number;
let globex: number;
let users: Record<string, number>;
let st: Record<string, { id: number }>;

const L = '/api/v1/leads';

/** status id → [counter, live count] for every status of the tenant whose two differ (a missing counter row reads -1). */
async function drift(tenantId: number): Promise<Record<number, [number, number]>> {
  const rows = await sql(sys, `select s.id, c.n kept, (select count(*) from leads l where l.tenant_id = s.tenant_id and l.lead_status_id = s.id) live
      from lead_statuses s left join lead_status_counts c on c.tenant_id = s.tenant_id and c.lead_status_id = s.id where s.tenant_id = ?`, [tenantId]);
  return Object.fromEntries(rows.filter((r) => Number(r.kept ?? -1) !== Number(r.live)).map((r) => [Number(r.id), [Number(r.kept ?? -1), Number(r.live)]]));
}

async function expectExact(): Promise<void> {
  expect(await drift(acme), 'Acme counters vs leads').toEqual({});
  expect(await drift(globex), 'Globex counters vs leads').toEqual({});
  // No counter row outlives its status.
  expect(await sql(sys, 'select c.lead_status_id from lead_status_counts c left join lead_statuses s on s.id = c.lead_status_id where s.id is null')).toEqual([]);
}

/** The board's count per status id, as the API answers it. */
async function boardCounts(as: Api = agent, query = ''): Promise<Record<number, number>> {
  const res = await as.get(`${L}/board?perColumn=2${query}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return Object.fromEntries(res.body.columns.map((c: any) => [c.status.id, c.count]));
}

async function liveCounts(tenantId: number, assignedToId?: number): Promise<Record<number, number>> {
  const statuses = await sql(sys, 'select id from lead_statuses where tenant_id = ?', [tenantId]);
  const rows = await sql(sys, `select lead_status_id s, count(*) n from leads where tenant_id = ?${assignedToId ? ' and assigned_to_user_id = ?' : ''} group by lead_status_id`,
    [tenantId, ...(assignedToId ? [assignedToId] : [])]);
  return Object.fromEntries(statuses.map((s) => [Number(s.id), Number(rows.find((r) => Number(r.s) === Number(s.id))?.n ?? 0)]));
}

async function create(body: Record<string, unknown>, as: Api = agent): Promise<any> {
  const res = await as.post(L, body);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

beforeAll(async () => {
  ({ sys, api } = await startSeeded('crm_counters'));
  ({ acme, globex } = await tenantIds(sys));
  users = await userIds(sys);
  [admin, agent, agent2, globexAdmin] = (await Promise.all(['admin@acme.test', 'agent1@acme.test', 'agent2@acme.test', 'admin@globex.test'].map((e) => api.login(e)))).map((s) => s.api);
  st = await statusesOf(sys, acme);
});
afterAll(async () => {
  await sys?.stop();
});

describe('the counters follow every change', () => {
  it('start equal to the seeded leads, one row per status, and the board shows them', async () => {
    await expectExact();
    expect(Number((await sql(sys, 'select count(*) n from lead_status_counts where tenant_id = ?', [acme]))[0].n)).toBe(Object.keys(st).length);
    expect(await boardCounts()).toEqual(await liveCounts(acme));
  });

  it('create (default or named status), move, delete', async () => {
    const before = await liveCounts(acme);
    const a = await create({ name: 'Count A' });
    const b = await create({ name: 'Count B', statusId: st.Qualified.id });
    expect(await boardCounts()).toEqual({ ...before, [st.New.id]: before[st.New.id] + 1, [st.Qualified.id]: before[st.Qualified.id] + 1 });
    await expectExact();

    expect((await agent.post(`${L}/${a.id}/move`, { statusId: st.Contacted.id, version: a.version })).status).toBe(200);
    expect((await agent.post(`${L}/${b.id}/move`, { statusId: st.Lost.id, version: b.version, note: 'Went elsewhere' })).status).toBe(200);
    // A "move" into the same status (with a note) changes no count.
    expect((await agent.post(`${L}/${a.id}/move`, { statusId: st.Contacted.id, version: a.version + 1, note: 'still here' })).status).toBe(200);
    expect(await boardCounts()).toEqual({ ...before, [st.Contacted.id]: before[st.Contacted.id] + 1, [st.Lost.id]: before[st.Lost.id] + 1 });
    await expectExact();

    expect((await admin.delete(`${L}/${a.id}`)).status).toBe(204);
    expect((await admin.delete(`${L}/${b.id}`)).status).toBe(204);
    expect((await admin.delete(`${L}/${b.id}`)).status).toBe(404);
    expect(await boardCounts()).toEqual(before);
    await expectExact();
  });

  it('refused and failed changes leave the counters alone (a failed move rolls its count back with it)', async () => {
    const lead = await create({ name: 'Count Rollback' });
    const before = await liveCounts(acme);
    expect((await agent.post(`${L}/${lead.id}/move`, { statusId: st.Negotiation.id, version: lead.version })).status).toBe(422);
    expect((await agent.post(`${L}/${lead.id}/move`, { statusId: st.Contacted.id, version: lead.version + 5 })).status).toBe(409);
    await sql(sys, 'drop trigger if exists crm_counters_fail');
    await sql(sys, `create trigger crm_counters_fail before insert on audit_logs for each row
      begin if new.entity_id = ${Number(lead.id)} and new.action in ('lead.moved', 'lead.deleted') then signal sqlstate '45000' set message_text = 'injected failure'; end if; end`);
    try {
      expect((await agent.post(`${L}/${lead.id}/move`, { statusId: st.Contacted.id, version: lead.version })).status).toBe(500);
      expect((await admin.delete(`${L}/${lead.id}`)).status).toBe(500);
    } finally {
      await sql(sys, 'drop trigger if exists crm_counters_fail');
    }
    expect(await liveCounts(acme)).toEqual(before);
    expect(await boardCounts()).toEqual(before);
    await expectExact();
  });

  it('a status deleted with ?moveTo= hands its count to the target; a new status starts at 0', async () => {
    const made = await admin.post('/api/v1/lead-statuses', { name: 'Counted stage' });
    expect(made.status).toBe(201);
    const temp = made.body.id;
    expect((await sql(sys, 'select n from lead_status_counts where tenant_id = ? and lead_status_id = ?', [acme, temp])).map((r) => Number(r.n))).toEqual([0]);
    expect((await boardCounts())[temp]).toBe(0);
    const leads = await Promise.all([1, 2, 3, 4].map((i) => create({ name: `In temp ${i}`, statusId: temp })));
    const moved = await create({ name: 'Moved into temp' });
    expect((await agent.post(`${L}/${moved.id}/move`, { statusId: temp, version: moved.version })).status).toBe(200);
    expect((await boardCounts())[temp]).toBe(5);
    await expectExact();

    const before = await liveCounts(acme);
    expect((await admin.delete(`/api/v1/lead-statuses/${temp}`)).status).toBe(409);
    expect((await admin.delete(`/api/v1/lead-statuses/${temp}?moveTo=${st.Qualified.id}`)).status).toBe(204);
    const after = await boardCounts();
    expect(after[temp]).toBeUndefined();
    expect(after[st.Qualified.id]).toBe(before[st.Qualified.id] + 5);
    expect((await sql(sys, 'select * from lead_status_counts where lead_status_id = ?', [temp]))).toEqual([]);
    await expectExact();
    // And the leads go on being counted where they landed.
    expect((await admin.delete(`${L}/${leads[0].id}`)).status).toBe(204);
    await expectExact();
  });

  it('many moves at once, across and back between the same columns, plus creates and deletes: every one lands, the counts stay exact', async () => {
    const leads = await Promise.all(Array.from({ length: 24 }, (_, i) => create({ name: `Burst ${i}`, statusId: i % 2 ? st.Contacted.id : st.Qualified.id })));
    const doomed = await Promise.all([1, 2, 3].map((i) => create({ name: `Doomed ${i}` })));
    await expectExact();
    const as = [agent, agent2, admin];
    const results = await Promise.all([
      // Contacted → Qualified and Qualified → Contacted at the same time (opposite lock orders if done naively), and some to New.
      ...leads.map((l, i) => as[i % 3].post(`${L}/${l.id}/move`, { statusId: i % 4 === 0 ? st.New.id : i % 2 ? st.Qualified.id : st.Contacted.id, version: l.version })),
      ...[1, 2, 3, 4].map((i) => as[i % 3].post(L, { name: `Burst new ${i}`, statusId: i % 2 ? st.Contacted.id : st.Qualified.id })),
      ...doomed.map((l) => admin.delete(`${L}/${l.id}`)),
    ]);
    // A 500 here would be a deadlock or a lost lock wait: show the server's error lines.
    if (results.some((r) => r.status === 500)) console.log(`server errors:\n${sys.logs.lines.filter((l) => /"level":50/.test(l)).map((l) => l.slice(0, 800)).join('\n')}`);
    expect(results.map((r) => r.status)).toEqual([...leads.map(() => 200), 201, 201, 201, 201, 204, 204, 204]);
    expect(await boardCounts()).toEqual(await liveCounts(acme));
    await expectExact();

    // The same lead moved by several people at once: one wins, the others get 409, the count moves once.
    const contested = await create({ name: 'Contested' });
    const race = await Promise.all([st.Contacted.id, st.Qualified.id, st.Won.id, st.Contacted.id].map((s, i) => as[i % 3].post(`${L}/${contested.id}/move`, { statusId: s, version: contested.version })));
    expect(race.map((r) => r.status).sort()).toEqual([200, 409, 409, 409]);
    await expectExact();
  });

  it('each tenant has its own counts: Globex changes never touch Acme\'s', async () => {
    const before = await boardCounts();
    const g = await create({ name: 'Globex counted' }, globexAdmin);
    const gBoard = await boardCounts(globexAdmin);
    expect(gBoard).toEqual(await liveCounts(globex));
    expect(await boardCounts()).toEqual(before);
    expect((await globexAdmin.delete(`${L}/${g.id}`)).status).toBe(204);
    await expectExact();
  });
});

describe('one agent\'s board (?assignedToId=)', () => {
  it('counts only that agent\'s leads per column, exactly, and pages each column newest first', async () => {
    const me = users['agent1@acme.test'];
    await Promise.all([1, 2, 3, 4, 5, 6, 7].map((i) => create({ name: `Mine ${i}`, assignedToId: me, statusId: i % 2 ? st.Contacted.id : st.New.id })));
    await create({ name: 'Not mine', assignedToId: users['agent2@acme.test'], statusId: st.Contacted.id });
    const res = await agent.get(`${L}/board?perColumn=2&assignedToId=${me}`);
    expect(res.status).toBe(200);
    const live = await liveCounts(acme, me);
    expect(Object.fromEntries(res.body.columns.map((c: any) => [c.status.id, c.count]))).toEqual(live);
    expect(live[st.Contacted.id]).toBeGreaterThanOrEqual(4);
    for (const c of res.body.columns) {
      const inDb = (await sql(sys, 'select id from leads where tenant_id = ? and assigned_to_user_id = ? and lead_status_id = ? order by id desc', [acme, me, c.status.id])).map((r) => Number(r.id));
      expect(c.cards.map((l: any) => l.id), c.status.name).toEqual(inDb.slice(0, 2));
      for (const card of c.cards) expect(card).toMatchObject({ assignedToId: me, assignedToName: 'Alex Agent', statusId: c.status.id, statusName: c.status.name });
      expect(c.nextCursor === null).toBe(inDb.length <= 2);
      const { rows } = await allPages(agent, `${L}/board/${c.status.id}?assignedToId=${me}`, 3);
      expect(rows.map((l) => l.id)).toEqual(inDb);
    }
    // The tenant's board is unchanged by the filter (its counts still come from the counters).
    expect(await boardCounts()).toEqual(await liveCounts(acme));
    // An agent of another tenant (or nobody) has no leads here.
    const other = await agent.get(`${L}/board?assignedToId=${users['admin@globex.test']}`);
    expect(other.status).toBe(200);
    expect(other.body.columns.every((c: any) => c.count === 0 && c.cards.length === 0)).toBe(true);
  });
});
