import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSeeded, sql } from '../helpers/seeded.ts';
import type { TestSystem } from '../helpers/system.ts';
import type { Api } from '../helpers/api.ts';
import { allPages, auditRows, expectError, inMs, statusesOf, tenantIds, userIds } from './util.ts';

/**
 * Leads through the API against the real database: create (default status,
 * creator, E.164 with the tenant's country), update with optimistic versions,
 * assign, delete, moves, search, filters, sorts with keyset pagination, board.
 */

let sys: TestSystem;
let api: Api;
let admin: Api;
let agent: Api;
let agent2: Api;
let viewer: Api;
let globexAdmin: Api;
let acme: number;
let globex: number;
let users: Record<string, number>;
let st: Record<string, { id: number }>;
let gst: Record<string, { id: number }>;

const L = '/api/v1/leads';

async function create(body: Record<string, unknown>, as: Api = agent): Promise<any> {
  const res = await as.post(L, body);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}
const ids = (rows: any[]) => rows.map((r) => Number(r.id));
/** UTC 'YYYY-MM-DD HH:MM:SS' for raw SQL parameters. */
const dbt = (iso: string) => new Date(iso).toISOString().slice(0, 19).replace('T', ' ');

beforeAll(async () => {
  ({ sys, api } = await startSeeded('crm_leads'));
  ({ acme, globex } = await tenantIds(sys));
  users = await userIds(sys);
  [admin, agent, agent2, viewer, globexAdmin] = (await Promise.all(['admin@acme.test', 'agent1@acme.test', 'agent2@acme.test', 'viewer@acme.test', 'admin@globex.test'].map((e) => api.login(e)))).map((s) => s.api);
  st = await statusesOf(sys, acme);
  gst = await statusesOf(sys, globex);
});
afterAll(async () => {
  await sys?.stop();
});

describe('create and read', () => {
  it('lands in the default status, records the creator, stores E.164, writes the audit row', async () => {
    const lead = await create({ name: 'Ada Lovelace', companyName: 'Analytical Engines', email: 'ADA@Engines.Example', phone: '(202) 555-0143', source: 'Referral', score: 'hot', estimatedValue: 1234.5 });
    expect(lead).toMatchObject({
      statusId: st.New.id, statusName: 'New', statusColor: '#3B82F6', createdById: users['agent1@acme.test'], assignedToId: null, assignedToName: null,
      name: 'Ada Lovelace', companyName: 'Analytical Engines', email: 'ada@engines.example', phone: '+12025550143', source: 'Referral', score: 'hot',
      estimatedValue: 1234.5, nextFollowupAt: null, version: 1,
    });
    const [row] = await sql(sys, 'select tenant_id, lead_status_id, created_by_user_id, phone, score from leads where id = ?', [lead.id]);
    expect(row).toMatchObject({ phone: '+12025550143', score: 'hot' });
    expect([Number(row.tenant_id), Number(row.lead_status_id), Number(row.created_by_user_id)]).toEqual([acme, st.New.id, users['agent1@acme.test']]);
    const [a] = await auditRows(sys, acme, 'lead.created', lead.id);
    expect(Number(a.user_id)).toBe(users['agent1@acme.test']);
    // Defaults: score warm, everything else empty.
    expect(await create({ name: 'Bare Minimum' })).toMatchObject({ score: 'warm', companyName: null, email: null, phone: null, estimatedValue: null });
    const got = await viewer.get(`${L}/${lead.id}`);
    expect(got.status).toBe(200);
    expect(got.body).toEqual(lead);
  });

  it('reads a national number with the tenant\'s default country (changed in settings); an invalid number is a 422 invalid_phone', async () => {
    const uk = '020 7946 0958';
    // Acme is a US tenant: a UK national number is not valid there.
    const us = await agent.post(L, { name: 'UK in US', phone: uk });
    expectError(us, 422, 'invalid_phone');
    expect(us.body.error.details).toEqual([expect.objectContaining({ path: 'body.phone' })]);
    expect((await globexAdmin.patch('/api/v1/settings', { defaultCountry: 'US' })).status).toBe(200);
    expectError(await globexAdmin.post(L, { name: 'UK while US', phone: uk }), 422, 'invalid_phone');
    const set = await globexAdmin.patch('/api/v1/settings', { defaultCountry: 'GB' });
    expect(set.status).toBe(200);
    expect(set.body.defaultCountry).toBe('GB');
    const g = await create({ name: 'Brit Lead', phone: uk }, globexAdmin);
    expect(g.phone).toBe('+442079460958');
    // A number with its country code is read as written whatever the default country.
    expect((await create({ name: 'Intl', phone: '+1 (202) 555-0188' }, globexAdmin)).phone).toBe('+12025550188');
    for (const bad of ['12345', '+999 123', 'call me maybe', '202-555-01']) {
      const res = await agent.post(L, { name: 'Bad', phone: bad });
      expectError(res, 422, 'invalid_phone');
    }
    // Too short or too long for the schema: 400.
    expectError(await agent.post(L, { name: 'Bad', phone: '1' }), 400);
    expectError(await agent.post(L, { name: 'Bad', phone: '1'.repeat(41) }), 400);
  });

  it('refuses bad input: unknown or foreign status, missing or past follow-up, bad email, no name, unknown fields', async () => {
    expectError(await agent.post(L, { name: 'X', statusId: 99999999 }), 422, 'unknown_status');
    expectError(await agent.post(L, { name: 'X', statusId: gst.New.id }), 422, 'unknown_status');
    const needs = await agent.post(L, { name: 'X', statusId: st.Proposal.id });
    expectError(needs, 422, 'followup_required');
    expect(needs.body.error.details[0].path).toBe('body.nextFollowupAt');
    expectError(await agent.post(L, { name: 'X', statusId: st.Proposal.id, nextFollowupAt: new Date(Date.now() - 60_000).toISOString() }), 422, 'followup_in_past');
    expectError(await agent.post(L, { name: 'X', nextFollowupAt: 'tomorrow' }), 400);
    expectError(await agent.post(L, { name: 'X', email: 'not-an-email' }), 400);
    expectError(await agent.post(L, { companyName: 'No name' }), 400);
    expectError(await agent.post(L, { name: '   ' }), 400);
    expectError(await agent.post(L, { name: 'X', score: 'lukewarm' }), 400);
    expectError(await agent.post(L, { name: 'X', estimatedValue: -1 }), 400);
    expectError(await agent.post(L, { name: 'X', tenantId: globex }), 400);
    expect(Number((await sql(sys, "select count(*) n from leads where name in ('X', 'Bad', 'UK in US', 'UK while US')"))[0].n)).toBe(0);
  });

  it('a lead created straight into a closed status gets no follow-up (422), like an edit or a move', async () => {
    expectError(await agent.post(L, { name: 'Closed With Fup', statusId: st.Won.id, nextFollowupAt: inMs(3_600_000) }), 422, 'lead_closed');
    const won = await create({ name: 'Closed Without Fup', statusId: st.Won.id });
    expect(won).toMatchObject({ statusName: 'Won', nextFollowupAt: null });
  });

  it('another tenant\'s lead is a 404', async () => {
    const [g] = await sql(sys, 'select id from leads where tenant_id = ? limit 1', [globex]);
    expectError(await agent.get(`${L}/${g.id}`), 404, 'not_found');
    expectError(await agent.get(`${L}/99999999`), 404, 'not_found');
    expectError(await agent.get(`${L}/abc`), 400);
  });
});

describe('update', () => {
  it('changes the given fields, bumps the version and audits from/to', async () => {
    const lead = await create({ name: 'Edit Me', companyName: 'Old Co', phone: '2025550144' });
    const res = await agent.patch(`${L}/${lead.id}`, { name: 'Edited', companyName: null, email: 'e@x.example', source: 'Partner', score: 'cold', estimatedValue: 99.99, phone: '+1 202 555 0145', version: 1 });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ name: 'Edited', companyName: null, email: 'e@x.example', source: 'Partner', score: 'cold', estimatedValue: 99.99, phone: '+12025550145', version: 2 });
    const [row] = await sql(sys, 'select name, company_name, phone, estimated_value, version from leads where id = ?', [lead.id]);
    expect(row).toMatchObject({ name: 'Edited', company_name: null, phone: '+12025550145' });
    expect([Number(row.estimated_value), Number(row.version)]).toEqual([99.99, 2]);
    const [a] = await auditRows(sys, acme, 'lead.updated', lead.id);
    expect(a.changes.from).toMatchObject({ name: 'Edit Me', companyName: 'Old Co' });
    expect(a.changes.to).toMatchObject({ name: 'Edited', companyName: null, phone: '+12025550145' });
    // Without a version the edit applies to whatever is current.
    expect((await agent.patch(`${L}/${lead.id}`, { score: 'hot' })).body).toMatchObject({ score: 'hot', version: 3 });
    expectError(await agent.patch(`${L}/${lead.id}`, {}), 400);
    expectError(await agent.patch(`${L}/${lead.id}`, { version: 3 }), 400);
    expectError(await agent.patch(`${L}/${lead.id}`, { phone: 'nope nope' }), 422, 'invalid_phone');
    expectError(await agent.patch(`${L}/${lead.id}`, { statusId: st.Won.id }), 400);
    expect((await agent.get(`${L}/${lead.id}`)).body.version).toBe(3);
  });

  it('an edit on a stale version is a 409 carrying the current lead, and changes nothing', async () => {
    const lead = await create({ name: 'Contested' });
    expect((await agent.patch(`${L}/${lead.id}`, { name: 'First Edit', version: 1 })).status).toBe(200);
    const stale = await agent2.patch(`${L}/${lead.id}`, { name: 'Second Edit', version: 1 });
    expectError(stale, 409, 'stale_version');
    expect(stale.body.error.details.current).toMatchObject({ id: lead.id, name: 'First Edit', version: 2, statusName: 'New' });
    const [row] = await sql(sys, 'select name, version from leads where id = ?', [lead.id]);
    expect(row.name).toBe('First Edit');
    expect(Number(row.version)).toBe(2);
    // Concurrent edits on the same version: exactly one wins.
    const both = await Promise.all([agent.patch(`${L}/${lead.id}`, { source: 'A', version: 2 }), agent2.patch(`${L}/${lead.id}`, { source: 'B', version: 2 })]);
    expect(both.map((r) => r.status).sort()).toEqual([200, 409]);
    const winner = both.find((r) => r.status === 200)!;
    const loser = both.find((r) => r.status === 409)!;
    expect(loser.body.error.details.current).toMatchObject({ version: 3, source: winner.body.source });
  });

  it('a follow-up date must be in the future; one cannot be cleared while the status requires it', async () => {
    const lead = await create({ name: 'Fup Edit', statusId: st.Proposal.id, nextFollowupAt: inMs(3_600_000) });
    expectError(await agent.patch(`${L}/${lead.id}`, { nextFollowupAt: new Date(Date.now() - 1000).toISOString() }), 422, 'followup_in_past');
    expectError(await agent.patch(`${L}/${lead.id}`, { nextFollowupAt: null }), 422, 'followup_required');
    const later = inMs(7_200_000);
    const res = await agent.patch(`${L}/${lead.id}`, { nextFollowupAt: later });
    expect(res.body.nextFollowupAt).toBe(later);
    const acts = await sql(sys, "select payload from lead_activities where lead_id = ? and type = 'followup'", [lead.id]);
    expect(acts.map((r) => (typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload))).toEqual([{ scheduled_for: later, previous: lead.nextFollowupAt }]);
  });
});

describe('assign', () => {
  it('assigns and unassigns with an assignment activity and an audit row each; the same assignee again changes nothing', async () => {
    const lead = await create({ name: 'Assign Me' });
    const a = await agent.post(`${L}/${lead.id}/assign`, { userId: users['agent2@acme.test'] });
    expect(a.status, JSON.stringify(a.body)).toBe(200);
    expect(a.body).toMatchObject({ assignedToId: users['agent2@acme.test'], assignedToName: 'Blair Agent', version: 2 });
    const again = await agent.post(`${L}/${lead.id}/assign`, { userId: users['agent2@acme.test'] });
    expect(again.body.version).toBe(2);
    const u = await agent.post(`${L}/${lead.id}/assign`, { userId: null, version: 2 });
    expect(u.body).toMatchObject({ assignedToId: null, assignedToName: null, version: 3 });
    const acts = await sql(sys, "select user_id, payload from lead_activities where lead_id = ? and type = 'assignment' order by id", [lead.id]);
    expect(acts.map((r) => (typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload))).toEqual([
      { from_user_id: null, to_user_id: users['agent2@acme.test'] },
      { from_user_id: users['agent2@acme.test'], to_user_id: null },
    ]);
    expect(acts.every((r) => Number(r.user_id) === users['agent1@acme.test'])).toBe(true);
    expect((await auditRows(sys, acme, 'lead.assigned', lead.id)).length).toBe(1);
    expect((await auditRows(sys, acme, 'lead.unassigned', lead.id)).length).toBe(1);
    expectError(await agent.post(`${L}/${lead.id}/assign`, { userId: users['agent1@acme.test'], version: 1 }), 409, 'stale_version');
  });

  it('the assignee must be an active user of this tenant (422 for another tenant\'s user, an unknown one, a deactivated one)', async () => {
    const lead = await create({ name: 'Picky Assign' });
    const foreign = await agent.post(`${L}/${lead.id}/assign`, { userId: users['agent1@globex.test'] });
    expectError(foreign, 422, 'unknown_user');
    expect(foreign.body.error.details[0].path).toBe('body.assignedToId');
    expectError(await agent.post(`${L}/${lead.id}/assign`, { userId: 99999999 }), 422, 'unknown_user');
    const made = await admin.post('/api/v1/users', { name: 'Gone Soon', email: 'gone.soon@acme.test', role: 'sales_agent', password: 'long-enough-password' });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    expect((await admin.post(`/api/v1/users/${made.body.id}/deactivate`)).status).toBe(200);
    expectError(await agent.post(`${L}/${lead.id}/assign`, { userId: made.body.id }), 422, 'inactive_user');
    expectError(await agent.post(L, { name: 'Foreign Assignee', assignedToId: users['admin@globex.test'] }), 422, 'unknown_user');
    expectError(await agent.post(L, { name: 'Inactive Assignee', assignedToId: made.body.id }), 422, 'inactive_user');
    const [row] = await sql(sys, 'select assigned_to_user_id, version from leads where id = ?', [lead.id]);
    expect(row.assigned_to_user_id).toBeNull();
    expect(Number(row.version)).toBe(1);
    expect(Number((await sql(sys, "select count(*) n from lead_activities where lead_id = ? and type = 'assignment'", [lead.id]))[0].n)).toBe(0);
    // Created with an assignee: shown with the name.
    expect(await create({ name: 'Born Assigned', assignedToId: users['agent2@acme.test'] })).toMatchObject({ assignedToId: users['agent2@acme.test'], assignedToName: 'Blair Agent' });
  });
});

describe('delete', () => {
  it('a tenant admin deletes (204, activities cascade, audit row); a sales agent gets 403 and nothing is deleted', async () => {
    const lead = await create({ name: 'Doomed' });
    expect((await agent.post(`${L}/${lead.id}/notes`, { note: 'a note' })).status).toBe(201);
    expect((await agent.post(`${L}/${lead.id}/assign`, { userId: users['agent2@acme.test'] })).status).toBe(200);
    expect(Number((await sql(sys, 'select count(*) n from lead_activities where lead_id = ?', [lead.id]))[0].n)).toBe(2);
    expectError(await agent.delete(`${L}/${lead.id}`), 403, 'forbidden');
    expectError(await viewer.delete(`${L}/${lead.id}`), 403, 'forbidden');
    expect((await sql(sys, 'select id from leads where id = ?', [lead.id])).length).toBe(1);
    const res = await admin.delete(`${L}/${lead.id}`);
    expect(res.status).toBe(204);
    expect(res.body).toBeUndefined();
    expect((await sql(sys, 'select id from leads where id = ?', [lead.id])).length).toBe(0);
    expect(Number((await sql(sys, 'select count(*) n from lead_activities where lead_id = ?', [lead.id]))[0].n)).toBe(0);
    expect((await auditRows(sys, acme, 'lead.deleted', lead.id))[0].changes).toMatchObject({ name: 'Doomed' });
    expectError(await admin.get(`${L}/${lead.id}`), 404);
    expectError(await admin.delete(`${L}/${lead.id}`), 404);
  });
});

describe('move', () => {
  it('names each missing requirement (422), refuses unknown, foreign and stale targets, and writes nothing when refused', async () => {
    const both = (await admin.post('/api/v1/lead-statuses', { name: 'Escalated', requiresNote: true, requiresFollowupDate: true })).body;
    const lead = await create({ name: 'Mover' });
    const missing = await agent.post(`${L}/${lead.id}/move`, { statusId: both.id, version: 1 });
    expectError(missing, 422, 'move_requirements');
    expect(missing.body.error.details.map((d: any) => d.path).sort()).toEqual(['body.nextFollowupAt', 'body.note']);
    expect(missing.body.error.message).toMatch(/note/);
    expect(missing.body.error.message).toMatch(/follow-up/);
    const noFup = await agent.post(`${L}/${lead.id}/move`, { statusId: both.id, version: 1, note: 'n' });
    expect(noFup.body.error.details.map((d: any) => d.path)).toEqual(['body.nextFollowupAt']);
    expectError(await agent.post(`${L}/${lead.id}/move`, { statusId: st.Proposal.id, version: 1, nextFollowupAt: new Date(Date.now() - 5000).toISOString() }), 422, 'followup_in_past');
    expectError(await agent.post(`${L}/${lead.id}/move`, { statusId: 99999999, version: 1 }), 422, 'unknown_status');
    expectError(await agent.post(`${L}/${lead.id}/move`, { statusId: gst.Contacted.id, version: 1 }), 422, 'unknown_status');
    expectError(await agent.post(`${L}/${lead.id}/move`, { statusId: st.Won.id, version: 1, nextFollowupAt: inMs(3_600_000) }), 422, 'lead_closed');
    expectError(await agent.post(`${L}/${lead.id}/move`, { statusId: st.Contacted.id }), 400);
    const big = await agent.post(`${L}/${lead.id}/move`, { statusId: st.Negotiation.id, version: 1, note: 'x'.repeat(5001) });
    expectError(big, 400);
    expect(big.body.error.details.map((d: any) => d.path)).toContain('body.note');
    expectError(await agent.post(`${L}/${lead.id}/move`, { statusId: st.Contacted.id, version: 7 }), 409, 'stale_version');
    const [row] = await sql(sys, 'select lead_status_id, version from leads where id = ?', [lead.id]);
    expect([Number(row.lead_status_id), Number(row.version)]).toEqual([st.New.id, 1]);
    expect(Number((await sql(sys, 'select count(*) n from lead_activities where lead_id = ?', [lead.id]))[0].n)).toBe(0);
    expect((await auditRows(sys, acme, 'lead.moved', lead.id)).length).toBe(0);

    const due = inMs(86_400_000);
    const ok = await agent.post(`${L}/${lead.id}/move`, { statusId: both.id, version: 1, note: 'Escalated to legal', nextFollowupAt: due });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.body).toMatchObject({ statusId: both.id, statusName: 'Escalated', nextFollowupAt: due, version: 2 });
    const acts = await sql(sys, 'select type, payload from lead_activities where lead_id = ? order by id', [lead.id]);
    expect(acts.map((a) => a.type)).toEqual(['status_change', 'note', 'followup']);
    const p = (v: any) => (typeof v === 'string' ? JSON.parse(v) : v);
    expect(p(acts[0].payload)).toMatchObject({ from_status: 'New', to_status: 'Escalated', from_status_id: st.New.id, to_status_id: both.id });
    expect(p(acts[1].payload)).toEqual({ note: 'Escalated to legal' });
    expect((await auditRows(sys, acme, 'lead.moved', lead.id))[0].changes).toMatchObject({ from: st.New.id, to: both.id, note: 'Escalated to legal' });
  });

  it('the move, its activities and its audit row are one transaction: a failing audit insert leaves the lead and timeline untouched', async () => {
    const lead = await create({ name: 'Atomic' });
    await sql(sys, 'drop trigger if exists crm_test_fail_move');
    await sql(sys, `create trigger crm_test_fail_move before insert on audit_logs for each row
      begin if new.action = 'lead.moved' and new.entity_id = ${Number(lead.id)} then signal sqlstate '45000' set message_text = 'injected failure'; end if; end`);
    try {
      const res = await agent.post(`${L}/${lead.id}/move`, { statusId: st.Negotiation.id, version: 1, note: 'should vanish' });
      expect(res.status).toBe(500);
    } finally {
      await sql(sys, 'drop trigger if exists crm_test_fail_move');
    }
    const [row] = await sql(sys, 'select lead_status_id, version from leads where id = ?', [lead.id]);
    expect([Number(row.lead_status_id), Number(row.version)]).toEqual([st.New.id, 1]);
    expect(Number((await sql(sys, 'select count(*) n from lead_activities where lead_id = ?', [lead.id]))[0].n)).toBe(0);
    // And without the fault it goes through.
    expect((await agent.post(`${L}/${lead.id}/move`, { statusId: st.Negotiation.id, version: 1, note: 'now it sticks' })).status).toBe(200);
  });
});

describe('search', () => {
  let target: any;
  beforeAll(async () => {
    target = await create({ name: 'Zephyrine Quasar', companyName: 'Quillfeather Labs', email: 'zq@quillfeather.example', phone: '+1 202-555-0177' });
    await create({ name: 'Zephyrine Other', companyName: 'Other Co', phone: '2025550178' });
    await create({ name: 'Zephyrine Globex', phone: '+44 20 7946 0177' }, globexAdmin);
  });
  const search = async (q: string) => {
    const res = await viewer.get(`${L}?q=${encodeURIComponent(q)}&limit=200`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body.data.map((l: any) => l.id) as number[];
  };

  it('matches a name, company or email prefix, within the tenant only', async () => {
    expect(await search('Zephyrine Q')).toEqual([target.id]);
    expect((await search('zephyrine')).length).toBe(2);
    expect(await search('Quillfeather')).toEqual([target.id]);
    expect(await search('zq@quill')).toEqual([target.id]);
    expect(await search('ZQ@QUILL')).toEqual([target.id]);
    // A prefix, not a substring; LIKE wildcards are literal.
    expect(await search('phyrine')).toEqual([]);
    expect(await search('%')).toEqual([]);
    expect(await search('Zeph_rine')).toEqual([]);
  });

  it('finds a phone number written in several formats', async () => {
    for (const q of ['(202) 555-0177', '2025550177', '+1 202-555-0177', '202-555-0177', '+12025550177', '202.555.0177']) {
      expect(await search(q), q).toEqual([target.id]);
    }
  });

  it('refuses an empty or oversized q', async () => {
    expectError(await viewer.get(`${L}?q=`), 400);
    expectError(await viewer.get(`${L}?q=${'a'.repeat(101)}`), 400);
  });
});

describe('filters', () => {
  beforeAll(async () => {
    // A spread of follow-ups and values to filter and sort on (with NULLs and ties).
    const soon = inMs(2 * 86_400_000);
    for (let i = 0; i < 4; i++) await create({ name: `Tie Lead`, score: 'cold', source: 'Trade show', estimatedValue: 500, nextFollowupAt: soon, assignedToId: users['agent2@acme.test'] });
    for (let i = 0; i < 3; i++) await create({ name: `Nully ${i}`, source: 'Podcast' });
  });

  async function apiIds(query: string): Promise<number[]> {
    return (await allPages(viewer, `${L}?${query}&sort=created_at&order=desc`, 9)).rows.map((l: any) => l.id);
  }
  async function sqlIds(where: string, params: unknown[] = []): Promise<number[]> {
    return ids(await sql(sys, `select id from leads where tenant_id = ? and (${where}) order by created_at desc, id desc`, [acme, ...params]));
  }

  it('by status, assignee (and none), score and source, alone and combined', async () => {
    expect(await apiIds(`statusId=${st.Contacted.id}`)).toEqual(await sqlIds('lead_status_id = ?', [st.Contacted.id]));
    const a2 = users['agent2@acme.test'];
    const byA2 = await apiIds(`assignedToId=${a2}`);
    expect(byA2.length).toBeGreaterThan(4);
    expect(byA2).toEqual(await sqlIds('assigned_to_user_id = ?', [a2]));
    const none = await apiIds('assignedToId=none');
    expect(none.length).toBeGreaterThan(0);
    expect(none).toEqual(await sqlIds('assigned_to_user_id is null'));
    expect(await apiIds('score=cold')).toEqual(await sqlIds("score = 'cold'"));
    expect(await apiIds('source=Podcast')).toEqual(await sqlIds("source = 'Podcast'"));
    expect(await apiIds(`score=cold&source=${encodeURIComponent('Trade show')}&assignedToId=${a2}`)).toEqual(await sqlIds("score = 'cold' and source = 'Trade show' and assigned_to_user_id = ?", [a2]));
    // Another tenant's ids match nothing.
    expect(await apiIds(`statusId=${gst.New.id}`)).toEqual([]);
    expect(await apiIds(`assignedToId=${users['agent1@globex.test']}`)).toEqual([]);
    expectError(await viewer.get(`${L}?score=tepid`), 400);
    expectError(await viewer.get(`${L}?assignedToId=nobody`), 400);
    expectError(await viewer.get(`${L}?statusId=-1`), 400);
    expectError(await viewer.get(`${L}?color=red`), 400);
  });

  it('by follow-up range: from inclusive, to exclusive', async () => {
    const from = new Date(Math.floor(Date.now() / 1000) * 1000 - 86_400_000).toISOString();
    const to = inMs(3 * 86_400_000);
    const got = await apiIds(`followupFrom=${from}&followupTo=${to}`);
    expect(got.length).toBeGreaterThan(4);
    expect(got).toEqual(await sqlIds('next_followup_at >= ? and next_followup_at < ?', [dbt(from), dbt(to)]));
    expect(await apiIds(`followupFrom=${from}`)).toEqual(await sqlIds('next_followup_at >= ?', [dbt(from)]));
    expect(await apiIds(`followupTo=${to}`)).toEqual(await sqlIds('next_followup_at < ?', [dbt(to)]));
    // Bounds are exact: a range that starts at a lead's follow-up includes it, one that ends there excludes it.
    const [one] = await sql(sys, 'select id, next_followup_at from leads where tenant_id = ? and next_followup_at is not null order by next_followup_at desc limit 1', [acme]);
    const at = new Date(typeof one.next_followup_at === 'string' ? `${one.next_followup_at.replace(' ', 'T')}Z` : one.next_followup_at).toISOString();
    expect(await apiIds(`followupFrom=${at}`)).toContain(Number(one.id));
    expect(await apiIds(`followupFrom=${at}&followupTo=${at}`)).toEqual([]);
    expectError(await viewer.get(`${L}?followupFrom=yesterday`), 400);
  });
});

describe('sort and pagination', () => {
  const COLS = { created_at: 'created_at', updated_at: 'updated_at', name: 'name', next_followup_at: 'next_followup_at', estimated_value: 'estimated_value' } as const;

  it('every sort key, both ways, walks all pages with no duplicates or gaps, in the database\'s ORDER BY (NULLs included)', async () => {
    const total = Number((await sql(sys, 'select count(*) n from leads where tenant_id = ?', [acme]))[0].n);
    expect(Number((await sql(sys, 'select count(*) n from leads where tenant_id = ? and next_followup_at is null', [acme]))[0].n)).toBeGreaterThan(2);
    expect(Number((await sql(sys, 'select count(*) n from leads where tenant_id = ? and estimated_value is null', [acme]))[0].n)).toBeGreaterThan(2);
    for (const [key, col] of Object.entries(COLS)) {
      for (const order of ['asc', 'desc'] as const) {
        const { rows, pages } = await allPages(viewer, `${L}?sort=${key}&order=${order}`, 7);
        const got = rows.map((l: any) => l.id);
        expect(new Set(got).size, `${key} ${order}: duplicates`).toBe(got.length);
        expect(got.length, `${key} ${order}: count`).toBe(total);
        expect(pages, `${key} ${order}: pages`).toBe(Math.ceil(total / 7));
        const expected = ids(await sql(sys, `select id from leads where tenant_id = ? order by ${col} ${order}, id ${order}`, [acme]));
        expect(got, `${key} ${order}`).toEqual(expected);
      }
    }
  });

  it('defaults to newest first; a filter and a sort page together', async () => {
    const first = await viewer.get(`${L}?limit=5`);
    expect(first.body.data.map((l: any) => l.id)).toEqual(ids(await sql(sys, 'select id from leads where tenant_id = ? order by created_at desc, id desc limit 5', [acme])));
    const { rows } = await allPages(viewer, `${L}?score=cold&sort=estimated_value&order=asc`, 3);
    expect(rows.map((l: any) => l.id)).toEqual(ids(await sql(sys, "select id from leads where tenant_id = ? and score = 'cold' order by estimated_value asc, id asc", [acme])));
  });

  it('limit is 1..200 (0 and 201 are 400); a cursor not issued by the API, or an unknown sort, is a 400', async () => {
    expectError(await viewer.get(`${L}?limit=0`), 400);
    expectError(await viewer.get(`${L}?limit=201`), 400);
    expectError(await viewer.get(`${L}?limit=-5`), 400);
    expectError(await viewer.get(`${L}?limit=abc`), 400);
    expect((await viewer.get(`${L}?limit=200`)).status).toBe(200);
    expect((await viewer.get(`${L}?limit=1`)).body.data).toHaveLength(1);
    expectError(await viewer.get(`${L}?cursor=not-a-cursor`), 400);
    expectError(await viewer.get(`${L}?cursor=${Buffer.from(JSON.stringify({ id: 'x' })).toString('base64url')}`), 400);
    expectError(await viewer.get(`${L}?sort=phone`), 400);
    expectError(await viewer.get(`${L}?order=sideways`), 400);
  });
});

describe('board', () => {
  it('one call: columns in order with status name and colour, assignee names, counts; each column pages on its own', async () => {
    const res = await viewer.get(`${L}/board?perColumn=4`);
    expect(res.status).toBe(200);
    const order = ids(await sql(sys, 'select id from lead_statuses where tenant_id = ? order by sort_order, id', [acme]));
    expect(res.body.columns.map((c: any) => c.status.id)).toEqual(order);
    const names = Object.fromEntries((await sql(sys, 'select id, name from users')).map((u) => [Number(u.id), u.name]));
    for (const c of res.body.columns) {
      const inDb = ids(await sql(sys, 'select id from leads where tenant_id = ? and lead_status_id = ? order by id desc', [acme, c.status.id]));
      expect(c.count, c.status.name).toBe(inDb.length);
      expect(c.cards.map((l: any) => l.id)).toEqual(inDb.slice(0, 4));
      expect(c.nextCursor === null).toBe(inDb.length <= 4);
      for (const card of c.cards) {
        expect(card).toMatchObject({ statusId: c.status.id, statusName: c.status.name, statusColor: c.status.color });
        expect(card.assignedToName).toBe(card.assignedToId ? names[card.assignedToId] : null);
      }
      if (c.nextCursor) {
        const rest = await allPages(viewer, `${L}/board/${c.status.id}`, 4);
        expect(rest.rows.map((l: any) => l.id)).toEqual(inDb);
      }
    }
    // One agent's board: counts and cards are theirs only.
    const mine = await viewer.get(`${L}/board?perColumn=50&assignedToId=${users['agent2@acme.test']}`);
    for (const c of mine.body.columns) {
      const n = Number((await sql(sys, 'select count(*) n from leads where tenant_id = ? and lead_status_id = ? and assigned_to_user_id = ?', [acme, c.status.id, users['agent2@acme.test']]))[0].n);
      expect(c.count).toBe(n);
      expect(c.cards.every((l: any) => l.assignedToId === users['agent2@acme.test'])).toBe(true);
    }
    expectError(await viewer.get(`${L}/board/${gst.New.id}`), 404);
    expectError(await viewer.get(`${L}/board?perColumn=0`), 400);
    expectError(await viewer.get(`${L}/board?perColumn=101`), 400);
  });
});
