import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSeeded, sql } from '../helpers/seeded.ts';
import type { TestSystem } from '../helpers/system.ts';
import type { Api } from '../helpers/api.ts';
import { allPages, auditRows, expectError, inMs, statusesOf, tenantIds, userIds } from './util.ts';

/**
 * A lead's timeline: notes (validated), every activity type, newest first with
 * the author's name, cursor paging, and immutability (no route changes or
 * deletes an activity).
 */

let sys: TestSystem;
let api: Api;
let agent: Api;
let agent2: Api;
let admin: Api;
let viewer: Api;
let acme: number;
let globex: number;
let users: Record<string, number>;
let st: Record<string, { id: number }>;

const L = '/api/v1/leads';
const parse = (v: any) => (typeof v === 'string' ? JSON.parse(v) : v);

/** The timeline as the database orders it: newest first, ties by id. */
async function sqlTimeline(leadId: number): Promise<{ id: number; userName: string; type: string }[]> {
  const rows = await sql(sys, 'select la.id, la.type, u.name from lead_activities la join users u on u.id = la.user_id where la.tenant_id = ? and la.lead_id = ? order by la.created_at desc, la.id desc', [acme, leadId]);
  return rows.map((r) => ({ id: Number(r.id), userName: r.name, type: r.type }));
}

beforeAll(async () => {
  ({ sys, api } = await startSeeded('crm_timeline'));
  ({ acme, globex } = await tenantIds(sys));
  users = await userIds(sys);
  st = await statusesOf(sys, acme);
  [agent, agent2, admin, viewer] = (await Promise.all(['agent1@acme.test', 'agent2@acme.test', 'admin@acme.test', 'viewer@acme.test'].map((e) => api.login(e)))).map((s) => s.api);
});
afterAll(async () => {
  await sys?.stop();
});

describe('notes', () => {
  it('adds a note (201) with the author\'s name, and an audit row', async () => {
    const { body: lead } = await agent.post(L, { name: 'Noted Lead' });
    const res = await agent.post(`${L}/${lead.id}/notes`, { note: '  Wants a demo on Friday  ' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ leadId: lead.id, userId: users['agent1@acme.test'], userName: 'Alex Agent', type: 'note', payload: { note: 'Wants a demo on Friday' } });
    expect(res.body.id).toBeGreaterThan(0);
    expect(Date.parse(res.body.createdAt)).toBeGreaterThan(Date.now() - 60_000);
    const [row] = await sql(sys, 'select tenant_id, lead_id, user_id, type, payload from lead_activities where id = ?', [res.body.id]);
    expect([Number(row.tenant_id), Number(row.lead_id), Number(row.user_id), row.type]).toEqual([acme, lead.id, users['agent1@acme.test'], 'note']);
    expect(parse(row.payload)).toEqual({ note: 'Wants a demo on Friday' });
    expect((await auditRows(sys, acme, 'lead.note_added', lead.id)).length).toBe(1);
  });

  it('refuses an oversized (5001 characters), empty, blank or missing note with a 400 naming body.note; 5000 is fine', async () => {
    const { body: lead } = await agent.post(L, { name: 'Picky Notes' });
    for (const body of [{ note: 'x'.repeat(5001) }, { note: '' }, { note: '    ' }, {}, { note: 42 }]) {
      const res = await agent.post(`${L}/${lead.id}/notes`, body);
      expectError(res, 400, 'validation_failed');
      expect(res.body.error.details.map((d: any) => d.path), JSON.stringify(body)).toContain('body.note');
    }
    const extra = await agent.post(`${L}/${lead.id}/notes`, { note: 'ok', pinned: true });
    expectError(extra, 400);
    expect(extra.body.error.details.map((d: any) => d.path)).toContain('body.pinned');
    expect(Number((await sql(sys, 'select count(*) n from lead_activities where lead_id = ?', [lead.id]))[0].n)).toBe(0);
    expect((await agent.post(`${L}/${lead.id}/notes`, { note: 'y'.repeat(5000) })).status).toBe(201);
  });

  it('a note on another tenant\'s or an unknown lead is a 404; a read-only user gets 403', async () => {
    const [g] = await sql(sys, 'select id from leads where tenant_id = ? limit 1', [globex]);
    const before = Number((await sql(sys, 'select count(*) n from lead_activities where lead_id = ?', [g.id]))[0].n);
    expectError(await agent.post(`${L}/${g.id}/notes`, { note: 'sneaky' }), 404);
    expectError(await agent.post(`${L}/99999999/notes`, { note: 'nobody' }), 404);
    expect(Number((await sql(sys, 'select count(*) n from lead_activities where lead_id = ?', [g.id]))[0].n)).toBe(before);
    const [a] = await sql(sys, 'select id from leads where tenant_id = ? limit 1', [acme]);
    expectError(await viewer.post(`${L}/${a.id}/notes`, { note: 'read only' }), 403, 'forbidden');
  });
});

describe('the timeline', () => {
  it('shows every activity type, newest first, with each author\'s name', async () => {
    const { body: lead } = await agent.post(L, { name: 'Busy Lead' });
    await agent.post(`${L}/${lead.id}/notes`, { note: 'first' });
    await agent2.post(`${L}/${lead.id}/assign`, { userId: users['agent2@acme.test'] });
    await agent.post(`${L}/${lead.id}/move`, { statusId: st.Proposal.id, version: 2, nextFollowupAt: inMs(86_400_000) });
    // A call logged by telephony (no route here): written as the system would.
    await sql(sys, "insert into lead_activities (tenant_id, lead_id, user_id, type, payload, created_at) values (?, ?, ?, 'call', ?, utc_timestamp())", [acme, lead.id, users['agent2@acme.test'], JSON.stringify({ call_id: 1, duration: 60, outcome: 'Answered' })]);
    await admin.post(`${L}/${lead.id}/notes`, { note: 'last' });
    const res = await viewer.get(`${L}/${lead.id}/activities`);
    expect(res.status).toBe(200);
    expect(res.body.nextCursor).toBeNull();
    const got = res.body.data;
    expect(got.map((a: any) => a.type)).toEqual(['note', 'call', 'followup', 'status_change', 'assignment', 'note']);
    expect(got.map((a: any) => a.userName)).toEqual(['Ada Admin', 'Blair Agent', 'Alex Agent', 'Alex Agent', 'Blair Agent', 'Alex Agent']);
    expect(got[0].payload).toEqual({ note: 'last' });
    expect(got[1].payload).toEqual({ call_id: 1, duration: 60, outcome: 'Answered' });
    expect(got[3].payload).toMatchObject({ from_status: 'New', to_status: 'Proposal' });
    expect(got[4].payload).toEqual({ from_user_id: null, to_user_id: users['agent2@acme.test'] });
    expect(got.every((a: any) => a.leadId === lead.id)).toBe(true);
    expect(got.map((a: any) => ({ id: a.id, userName: a.userName, type: a.type }))).toEqual(await sqlTimeline(lead.id));
  });

  it('orders by when the activity happened: a call logged late with its earlier time sorts below newer entries', async () => {
    const { body: lead } = await agent.post(L, { name: 'Late Log' });
    const n1 = (await agent.post(`${L}/${lead.id}/notes`, { note: 'today' })).body;
    await sql(sys, "insert into lead_activities (tenant_id, lead_id, user_id, type, payload, created_at) values (?, ?, ?, 'call', ?, utc_timestamp() - interval 3 day)", [acme, lead.id, users['agent1@acme.test'], JSON.stringify({ call_id: 2, duration: 10, outcome: 'No Answer' })]);
    const got = (await viewer.get(`${L}/${lead.id}/activities`)).body.data;
    expect(got.map((a: any) => a.type)).toEqual(['note', 'call']);
    expect(got[0].id).toBe(n1.id);
    expect(Date.parse(got[0].createdAt)).toBeGreaterThan(Date.parse(got[1].createdAt));
  });

  it('matches the database\'s newest-first order for every seeded lead', async () => {
    const busy = await sql(sys, 'select lead_id, count(*) n from lead_activities where tenant_id = ? group by lead_id having n > 1', [acme]);
    expect(busy.length).toBeGreaterThan(3);
    for (const { lead_id } of busy) {
      const got = (await viewer.get(`${L}/${lead_id}/activities?limit=200`)).body.data;
      expect(got.map((a: any) => ({ id: a.id, userName: a.userName, type: a.type })), `lead ${lead_id}`).toEqual(await sqlTimeline(Number(lead_id)));
    }
  });

  it('pages with a cursor: no duplicates, no gaps, even when many entries share a second', async () => {
    const { body: lead } = await agent.post(L, { name: 'Chatty Lead' });
    for (let i = 0; i < 13; i++) expect((await agent.post(`${L}/${lead.id}/notes`, { note: `n${i}` })).status).toBe(201);
    const first = await viewer.get(`${L}/${lead.id}/activities?limit=5`);
    expect(first.body.data.map((a: any) => a.payload.note)).toEqual(['n12', 'n11', 'n10', 'n9', 'n8']);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const { rows, pages } = await allPages(viewer, `${L}/${lead.id}/activities`, 5);
    expect(pages).toBe(3);
    expect(rows.map((a: any) => a.payload.note)).toEqual(Array.from({ length: 13 }, (_, i) => `n${12 - i}`));
    // An entry added while paging does not shift the pages already issued.
    const p1 = await viewer.get(`${L}/${lead.id}/activities?limit=5`);
    await agent.post(`${L}/${lead.id}/notes`, { note: 'n13' });
    const p2 = await viewer.get(`${L}/${lead.id}/activities?limit=5&cursor=${p1.body.nextCursor}`);
    expect(p2.body.data.map((a: any) => a.payload.note)).toEqual(['n7', 'n6', 'n5', 'n4', 'n3']);
    expectError(await viewer.get(`${L}/${lead.id}/activities?limit=0`), 400);
    expectError(await viewer.get(`${L}/${lead.id}/activities?limit=201`), 400);
    expectError(await viewer.get(`${L}/${lead.id}/activities?cursor=zzz`), 400);
  });

  it('another tenant\'s lead has no timeline here (404)', async () => {
    const [g] = await sql(sys, 'select lead_id from lead_activities where tenant_id = ? limit 1', [globex]);
    expectError(await viewer.get(`${L}/${g.lead_id}/activities`), 404);
  });
});

describe('immutability', () => {
  it('no route changes or deletes an activity', async () => {
    const touching = sys.routes.filter((r) => /activit/i.test(r.path));
    expect(touching.map((r) => `${r.method.toUpperCase()} ${r.path}`)).toEqual(['GET /leads/:id/activities']);
    expect(sys.routes.filter((r) => ['patch', 'put', 'delete'].includes(r.method) && /activit|notes/.test(r.path))).toEqual([]);
  });

  it('the API answers 404 to PATCH, PUT and DELETE on an activity, and the row is unchanged', async () => {
    const { body: lead } = await agent.post(L, { name: 'Immutable' });
    const note = (await agent.post(`${L}/${lead.id}/notes`, { note: 'carved in stone' })).body;
    const before = await sql(sys, 'select * from lead_activities where id = ?', [note.id]);
    for (const [method, path] of [
      ['DELETE', `${L}/${lead.id}/activities/${note.id}`], ['PATCH', `${L}/${lead.id}/activities/${note.id}`], ['PUT', `${L}/${lead.id}/activities/${note.id}`],
      ['DELETE', `${L}/${lead.id}/activities`], ['PATCH', `${L}/${lead.id}/activities`], ['DELETE', `${L}/${lead.id}/activities/1`],
      ['DELETE', `${L}/${lead.id}/notes`], ['PATCH', `${L}/${lead.id}/notes`],
    ] as const) {
      const res = await admin.request(method, path, method === 'DELETE' ? undefined : { payload: { note: 'rewritten' } });
      expectError(res, 404, 'not_found');
    }
    expect(await sql(sys, 'select * from lead_activities where id = ?', [note.id])).toEqual(before);
  });
});
