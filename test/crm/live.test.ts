import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSeeded } from '../helpers/seeded.ts';
import type { TestSystem } from '../helpers/system.ts';
import type { Api } from '../helpers/api.ts';
import { command, connectSocket, sleep, until, type ClientSocket } from '../helpers/sockets.ts';
import { DEFAULT_ROLE_PERMISSIONS } from '../../shared/permissions.ts';
import { sql } from '../helpers/seeded.ts';
import { statusesOf, tenantIds, userIds } from './util.ts';

/**
 * Lead events through the realtime helper: created, updated, assigned, moved
 * and deleted go to holders of leads.view in the tenant (with the lead view:
 * status name and colour, assignee name); timeline entries go to the sockets
 * that joined the lead's room, and only the entries just written.
 */

type Sock = ClientSocket & { received: any[]; ready: any };

let sys: TestSystem;
let api: Api;
let agent: Api;
let admin: Api;
let acme: number;
let users: Record<string, number>;
let st: Record<string, { id: number }>;
let viewer: Sock;
let noView: Sock;
let globex: Sock;
let watcher: Sock;
const open: Sock[] = [];

const L = '/api/v1/leads';
const LEAD_EVENTS = ['lead:created', 'lead:updated', 'lead:assigned', 'lead:moved', 'lead:deleted', 'lead:activity'];

async function socketFor(email: string): Promise<Sock> {
  const s = (await connectSocket(sys.baseUrl, (await api.login(email)).accessToken)) as Sock;
  open.push(s);
  return s;
}
const clear = () => { for (const s of open) s.received.length = 0; };
const leadEvents = (s: Sock) => s.received.filter((e) => LEAD_EVENTS.includes(e.type));
/** Waits for `type` on the viewer socket, then lets stray deliveries arrive before the caller asserts on the others. */
async function seen(s: Sock, type: string, pred: (e: any) => boolean = () => true): Promise<any> {
  await until(() => s.received.some((e) => e.type === type && pred(e)));
  await sleep(150);
  return s.received.find((e) => e.type === type && pred(e));
}

beforeAll(async () => {
  ({ sys, api } = await startSeeded('crm_live'));
  ({ acme } = await tenantIds(sys));
  users = await userIds(sys);
  st = await statusesOf(sys, acme);
  [agent, admin] = (await Promise.all(['agent1@acme.test', 'admin@acme.test'].map((e) => api.login(e)))).map((s) => s.api);
  const without = DEFAULT_ROLE_PERMISSIONS.support_agent.filter((p) => p !== 'leads.view');
  const put = await admin.put('/api/v1/permissions/support_agent', { permissions: without });
  expect(put.status, JSON.stringify(put.body)).toBe(200);
  viewer = await socketFor('viewer@acme.test');
  noView = await socketFor('support@acme.test');
  globex = await socketFor('admin@globex.test');
  watcher = await socketFor('agent2@acme.test');
  expect(viewer.ready.permissions).toContain('leads.view');
  expect(noView.ready.permissions).not.toContain('leads.view');
  expect(watcher.ready.permissions).toContain('leads.view');
});
afterAll(async () => {
  for (const s of open) s.close();
  await sys?.stop();
});

describe('lead events', () => {
  it('create, update, assign, move and delete reach the leads.view holder with the lead view, and nobody else', async () => {
    clear();
    const created = await agent.post(L, { name: 'Live Lead', companyName: 'Streamline', phone: '2025550190' });
    expect(created.status).toBe(201);
    const id = created.body.id;
    const c = await seen(viewer, 'lead:created');
    expect(c.tenantId).toBe(acme);
    expect(c.data.lead).toEqual(created.body);
    expect(c.data.lead).toMatchObject({ statusName: 'New', statusColor: '#3B82F6', phone: '+12025550190' });
    expect(c.data.by).toEqual({ userId: users['agent1@acme.test'], name: 'Alex Agent' });

    const updated = await agent.patch(`${L}/${id}`, { name: 'Live Lead Renamed', version: 1 });
    const u = await seen(viewer, 'lead:updated');
    expect(u.data.lead).toEqual(updated.body);
    expect(u.data.lead.name).toBe('Live Lead Renamed');

    const assigned = await agent.post(`${L}/${id}/assign`, { userId: users['agent2@acme.test'] });
    const a = await seen(viewer, 'lead:assigned');
    expect(a.data).toMatchObject({ previousAssigneeId: null, by: { userId: users['agent1@acme.test'] } });
    expect(a.data.lead).toEqual(assigned.body);
    expect(a.data.lead).toMatchObject({ assignedToId: users['agent2@acme.test'], assignedToName: 'Blair Agent' });

    const moved = await agent.post(`${L}/${id}/move`, { statusId: st.Contacted.id, version: assigned.body.version });
    const m = await seen(viewer, 'lead:moved');
    expect(m.data).toMatchObject({ fromStatusId: st.New.id, toStatusId: st.Contacted.id });
    expect(m.data.lead).toEqual(moved.body);
    expect(m.data.lead).toMatchObject({ statusName: 'Contacted', statusColor: '#06B6D4', assignedToName: 'Blair Agent' });

    expect((await admin.delete(`${L}/${id}`)).status).toBe(204);
    const d = await seen(viewer, 'lead:deleted');
    expect(d.data).toEqual({ id, statusId: st.Contacted.id, assignedToId: users['agent2@acme.test'], by: { userId: users['admin@acme.test'], name: 'Ada Admin' } });

    expect(leadEvents(viewer).filter((e) => e.type !== 'lead:activity').map((e) => e.type)).toEqual(['lead:created', 'lead:updated', 'lead:assigned', 'lead:moved', 'lead:deleted']);
    const seqs = viewer.received.map((e) => e.seq);
    expect([...seqs].sort((x, y) => x - y)).toEqual(seqs);
    expect(leadEvents(noView)).toEqual([]);
    expect(leadEvents(globex)).toEqual([]);
    // Nobody joined that lead's room: no timeline event went anywhere.
    for (const s of open) expect(s.received.filter((e) => e.type === 'lead:activity')).toEqual([]);
  });

  it('a refused change publishes nothing', async () => {
    const { body: lead } = await agent.post(L, { name: 'Quiet Lead' });
    await seen(viewer, 'lead:created', (e) => e.data.lead.id === lead.id);
    clear();
    expect((await agent.post(`${L}/${lead.id}/move`, { statusId: st.Negotiation.id, version: 1 })).status).toBe(422);
    expect((await agent.post(`${L}/${lead.id}/move`, { statusId: st.Contacted.id, version: 9 })).status).toBe(409);
    expect((await agent.patch(`${L}/${lead.id}`, { phone: 'bad phone' })).status).toBe(422);
    expect((await agent.delete(`${L}/${lead.id}`)).status).toBe(403);
    await sleep(250);
    for (const s of open) expect(leadEvents(s)).toEqual([]);
  });
});

describe('timeline events', () => {
  it('lead:activity reaches a socket that joined the lead\'s room, not one that did not; others cannot join', async () => {
    const { body: lead } = await agent.post(L, { name: 'Watched Lead' });
    expect(await command(viewer, 'room:join', { type: 'lead', id: lead.id })).toEqual({ ok: true, data: { room: `t:${acme}:lead:${lead.id}` } });
    expect(await command(noView, 'room:join', { type: 'lead', id: lead.id })).toMatchObject({ ok: false, code: 'forbidden' });
    expect(await command(globex, 'room:join', { type: 'lead', id: lead.id })).toMatchObject({ ok: false, code: 'not_found' });
    clear();
    const note = await agent.post(`${L}/${lead.id}/notes`, { note: 'Live note' });
    const ev = await seen(viewer, 'lead:activity');
    expect(ev.data).toEqual(note.body);
    expect(ev.data).toMatchObject({ type: 'note', userName: 'Alex Agent', leadId: lead.id, payload: { note: 'Live note' } });
    for (const s of [watcher, noView, globex]) expect(s.received.filter((e) => e.type === 'lead:activity')).toEqual([]);

    // After leaving the room, nothing more arrives.
    expect((await command(viewer, 'room:leave', { type: 'lead', id: lead.id })).ok).toBe(true);
    clear();
    await agent.post(`${L}/${lead.id}/notes`, { note: 'Unheard' });
    await sleep(300);
    expect(viewer.received.filter((e) => e.type === 'lead:activity')).toEqual([]);
  });

  it('each change publishes exactly the timeline entries it wrote (none for a plain edit, never an older entry again)', async () => {
    const { body: lead } = await agent.post(L, { name: 'Exact Lead' });
    expect((await command(watcher, 'room:join', { type: 'lead', id: lead.id })).ok).toBe(true);
    const old = (await agent.post(`${L}/${lead.id}/notes`, { note: 'older note' })).body;
    await seen(watcher, 'lead:activity', (e) => e.data.id === old.id);
    const activityEvents = () => watcher.received.filter((e) => e.type === 'lead:activity').map((e) => e.data);

    // A plain edit writes no activity: it publishes none.
    watcher.received.length = 0;
    const edited = await agent.patch(`${L}/${lead.id}`, { companyName: 'New Co' });
    await seen(watcher, 'lead:updated', (e) => e.data.lead.id === lead.id);
    expect(activityEvents()).toEqual([]);

    // A move writes one status_change: that one only.
    watcher.received.length = 0;
    const moved = await agent.post(`${L}/${lead.id}/move`, { statusId: st.Qualified.id, version: edited.body.version });
    await seen(watcher, 'lead:moved', (e) => e.data.lead.id === lead.id);
    await sleep(100);
    const afterMove = await sql(sys, 'select id, type from lead_activities where lead_id = ? order by id', [lead.id]);
    expect(activityEvents().map((a) => [a.id, a.type])).toEqual([[Number(afterMove[afterMove.length - 1].id), 'status_change']]);

    // A move with a note and a follow-up writes three: all three, oldest first.
    watcher.received.length = 0;
    await agent.post(`${L}/${lead.id}/move`, { statusId: st.Proposal.id, version: moved.body.version, note: 'sent the quote', nextFollowupAt: new Date(Date.now() + 86_400_000).toISOString() });
    await until(() => activityEvents().length >= 3);
    await sleep(150);
    expect(activityEvents().map((a) => a.type)).toEqual(['status_change', 'note', 'followup']);
    expect(activityEvents().some((a) => a.id === old.id)).toBe(false);

    // An edit of the follow-up writes one followup entry.
    watcher.received.length = 0;
    await agent.patch(`${L}/${lead.id}`, { nextFollowupAt: new Date(Date.now() + 2 * 86_400_000).toISOString() });
    await until(() => activityEvents().length >= 1);
    await sleep(150);
    expect(activityEvents().map((a) => a.type)).toEqual(['followup']);

    // Assignment: one entry.
    watcher.received.length = 0;
    await agent.post(`${L}/${lead.id}/assign`, { userId: users['agent1@acme.test'] });
    await until(() => activityEvents().length >= 1);
    await sleep(150);
    expect(activityEvents().map((a) => a.type)).toEqual(['assignment']);
  });
});
