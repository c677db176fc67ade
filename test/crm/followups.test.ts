import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSeeded, sql } from '../helpers/seeded.ts';
import { LogCapture, type TestSystem } from '../helpers/system.ts';
import type { Api } from '../helpers/api.ts';
import { connectSocket, command, sleep, until, type ClientSocket } from '../helpers/sockets.ts';
import { Redis } from 'ioredis';
import { createSystem, type System } from '../../server/app.ts';
import { createLogger } from '../../server/logger.ts';
import { followupJobId, processFollowup } from '../../server/crm/followups.ts';
import { expectError, inMs, statusesOf, tenantIds, userIds } from './util.ts';

/**
 * Follow-up reminders: BullMQ delayed jobs scheduled, rescheduled and cancelled
 * with the lead; when one fires, the assignee gets a notification (row, live
 * event, bell API) and the timeline a followup activity; a job fires once, a
 * stale one does nothing, and reminders survive a restart of every process.
 * The reminders worker runs only with ROLE=all (or worker).
 */

let sys: TestSystem;
let api: Api;
let agent: Api;
let agent2: Api;
let acme: number;
let globex: number;
let users: Record<string, number>;
let st: Record<string, { id: number }>;
let second: System | null = null;
const open: ClientSocket[] = [];

const L = '/api/v1/leads';
const parse = (v: any) => (typeof v === 'string' ? JSON.parse(v) : v);

async function notificationsFor(leadId: number): Promise<any[]> {
  const rows = await sql(sys, "select * from notifications where json_value(data, '$.leadId') = ? order by id", [leadId]);
  return rows.map((r) => ({ ...r, data: parse(r.data) }));
}
async function firedActivities(leadId: number): Promise<any[]> {
  const rows = await sql(sys, "select * from lead_activities where lead_id = ? and type = 'followup' and json_value(payload, '$.due_at') is not null order by id", [leadId]);
  return rows.map((r) => ({ ...r, payload: parse(r.payload) }));
}
async function jobsOf(leadId: number) {
  const q = sys.services.followups.queue;
  return (await q.getJobs(['delayed', 'waiting', 'active', 'completed', 'failed'])).filter((j) => j?.data.leadId === leadId);
}
const job = (leadId: number, at: string) => sys.services.followups.jobFor(acme, leadId, new Date(at));

beforeAll(async () => {
  ({ sys, api } = await startSeeded('crm_followups', { ROLE: 'all' }));
  expect(sys.workers.length).toBeGreaterThan(0);
  ({ acme, globex } = await tenantIds(sys));
  users = await userIds(sys);
  st = await statusesOf(sys, acme);
  [agent, agent2] = (await Promise.all(['agent1@acme.test', 'agent2@acme.test'].map((e) => api.login(e)))).map((s) => s.api);
});
afterAll(async () => {
  for (const s of open) s.close();
  await second?.close();
  await sys?.stop();
});

describe('scheduling', () => {
  it('setting a follow-up adds one delayed job with an idempotent id; the same date again adds none', async () => {
    const due = inMs(3_600_000);
    const { body: lead } = await agent.post(L, { name: 'Sched', nextFollowupAt: due });
    const j = await job(lead.id, due);
    expect(j?.id).toBe(followupJobId(acme, lead.id, new Date(due)));
    expect(j?.data).toEqual({ tenantId: acme, leadId: lead.id, dueAt: due });
    expect(await j!.isDelayed()).toBe(true);
    expect(Math.abs(j!.timestamp + j!.delay - Date.parse(due))).toBeLessThan(2000);
    expect((await agent.patch(`${L}/${lead.id}`, { nextFollowupAt: due })).status).toBe(200);
    await sys.services.followups.reschedule(acme, lead.id, null, new Date(due));
    expect((await jobsOf(lead.id)).length).toBe(1);
  });

  it('rescheduling removes the old job and adds the new one', async () => {
    const first = inMs(3_600_000);
    const later = inMs(7_200_000);
    const { body: lead } = await agent.post(L, { name: 'Resched', nextFollowupAt: first });
    expect(await job(lead.id, first)).toBeTruthy();
    const res = await agent.patch(`${L}/${lead.id}`, { nextFollowupAt: later });
    expect(res.body.nextFollowupAt).toBe(later);
    expect(await job(lead.id, first)).toBeUndefined();
    expect(await (await job(lead.id, later))!.isDelayed()).toBe(true);
    expect((await jobsOf(lead.id)).map((j) => j.data.dueAt)).toEqual([later]);
    // A move that brings a new date reschedules too.
    const moved = inMs(10_800_000);
    expect((await agent.post(`${L}/${lead.id}/move`, { statusId: st.Proposal.id, version: res.body.version, nextFollowupAt: moved })).status).toBe(200);
    expect((await jobsOf(lead.id)).map((j) => j.data.dueAt)).toEqual([moved]);
  });

  it('clearing, closing (Won) and deleting cancel the job, and none of them ever fires', async () => {
    const due = inMs(2000);
    const mk = async (name: string) => (await agent2.post(L, { name, nextFollowupAt: due, assignedToId: users['agent1@acme.test'] })).body;
    const [cleared, won, deleted] = [await mk('Cleared'), await mk('Closed Won'), await mk('Deleted')];
    for (const l of [cleared, won, deleted]) expect(await job(l.id, due)).toBeTruthy();
    const c = await agent.patch(`${L}/${cleared.id}`, { nextFollowupAt: null });
    expect(c.body.nextFollowupAt).toBeNull();
    const w = await agent.post(`${L}/${won.id}/move`, { statusId: st.Won.id, version: won.version });
    expect(w.body).toMatchObject({ statusName: 'Won', nextFollowupAt: null });
    const admin = (await api.login('admin@acme.test')).api;
    expect((await admin.delete(`${L}/${deleted.id}`)).status).toBe(204);
    for (const l of [cleared, won, deleted]) expect(await jobsOf(l.id)).toEqual([]);
    const [row] = await sql(sys, "select payload from lead_activities where lead_id = ? and type = 'followup' order by id desc limit 1", [cleared.id]);
    expect(parse(row.payload)).toEqual({ scheduled_for: null, previous: due });
    await sleep(Date.parse(due) - Date.now() + 1200);
    for (const l of [cleared, won, deleted]) {
      expect(await notificationsFor(l.id), l.name).toEqual([]);
      expect(await firedActivities(l.id)).toEqual([]);
    }
  });
});

describe('firing', () => {
  it('notifies the assignee (row, live event, bell API) and writes a followup activity, once', async () => {
    const s1 = await api.login('agent1@acme.test');
    const s2 = await api.login('agent2@acme.test');
    const sock1 = await connectSocket(sys.baseUrl, s1.accessToken);
    const sock2 = await connectSocket(sys.baseUrl, s2.accessToken);
    open.push(sock1, sock2);
    const due = inMs(2000);
    const { body: lead } = await agent2.post(L, { name: 'Ring Me', companyName: 'Bellworks', assignedToId: users['agent1@acme.test'], nextFollowupAt: due });
    expect((await command(sock1, 'room:join', { type: 'lead', id: lead.id })).ok).toBe(true);
    await until(async () => (await notificationsFor(lead.id)).length > 0, 8000, 100);
    expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(due) - 50);
    const [n] = await notificationsFor(lead.id);
    expect(n).toMatchObject({ type: 'followup.due', title: 'Follow up with Ring Me', body: 'Ring Me · Bellworks', read_at: null, data: { leadId: lead.id, dueAt: due } });
    expect([Number(n.user_id), Number(n.tenant_id)]).toEqual([users['agent1@acme.test'], acme]);
    const acts = await firedActivities(lead.id);
    expect(acts).toHaveLength(1);
    expect(acts[0].payload).toEqual({ due_at: due, notified_user_id: users['agent1@acme.test'] });
    expect(Number(acts[0].user_id)).toBe(users['agent1@acme.test']);

    await until(() => sock1.received.some((e) => e.type === 'notification:created' && e.data.id === Number(n.id)));
    const ev = sock1.received.find((e) => e.type === 'notification:created');
    expect(ev.data).toMatchObject({ id: Number(n.id), type: 'followup.due', title: 'Follow up with Ring Me', data: { leadId: lead.id, dueAt: due } });
    await until(() => sock1.received.some((e) => e.type === 'lead:activity' && e.data.type === 'followup' && e.data.leadId === lead.id));
    await sleep(100);
    expect(sock2.received.filter((e) => e.type === 'notification:created')).toEqual([]);

    const j = await job(lead.id, due);
    await until(async () => (await j!.getState()) === 'completed');
    expect((await job(lead.id, due))!.returnvalue).toBe('fired');

    const bell = await agent.get('/api/v1/notifications');
    expect(bell.status).toBe(200);
    const mine = bell.body.data.find((x: any) => x.id === Number(n.id));
    expect(mine).toMatchObject({ type: 'followup.due', readAt: null, data: { leadId: lead.id } });
    const unread = bell.body.unread;
    expect(unread).toBeGreaterThanOrEqual(1);
    expect((await agent.get('/api/v1/notifications?unread=true')).body.data.map((x: any) => x.id)).toContain(Number(n.id));
    expect((await agent2.get('/api/v1/notifications')).body.data.map((x: any) => x.id)).not.toContain(Number(n.id));
    expectError(await agent2.post(`/api/v1/notifications/${n.id}/read`), 404);
    const read = await agent.post(`/api/v1/notifications/${n.id}/read`);
    expect(read.status).toBe(200);
    expect(Date.parse(read.body.readAt)).toBeGreaterThan(Date.now() - 60_000);
    const again = await agent.get('/api/v1/notifications');
    expect(again.body.unread).toBe(unread - 1);
    expect(again.body.data.find((x: any) => x.id === Number(n.id)).readAt).toBe(read.body.readAt);
    expect((await agent.get('/api/v1/notifications?unread=true')).body.data.map((x: any) => x.id)).not.toContain(Number(n.id));
    // Reading it again keeps the first time.
    expect((await agent.post(`/api/v1/notifications/${n.id}/read`)).body.readAt).toBe(read.body.readAt);
    await sleep(300);
    expect(await notificationsFor(lead.id)).toHaveLength(1);
  });

  it('processFollowup run twice for the same job writes one notification ("already" the second time)', async () => {
    const due = inMs(3_600_000);
    const { body: lead } = await agent.post(L, { name: 'Twice', assignedToId: users['agent2@acme.test'], nextFollowupAt: due });
    const data = { tenantId: acme, leadId: lead.id, dueAt: due };
    expect(await processFollowup(sys.orm, sys.publisher, { data })).toBe('fired');
    expect(await processFollowup(sys.orm, sys.publisher, { data })).toBe('already');
    const ns = await notificationsFor(lead.id);
    expect(ns).toHaveLength(1);
    expect(Number(ns[0].user_id)).toBe(users['agent2@acme.test']);
    expect(await firedActivities(lead.id)).toHaveLength(1);
    await sys.services.followups.reschedule(acme, lead.id, new Date(due), null);
  });

  it('with nobody assigned, the creator is notified', async () => {
    const due = inMs(3_600_000);
    const { body: lead } = await agent2.post(L, { name: 'Orphan', nextFollowupAt: due });
    expect(await processFollowup(sys.orm, sys.publisher, { data: { tenantId: acme, leadId: lead.id, dueAt: due } })).toBe('fired');
    expect(Number((await notificationsFor(lead.id))[0].user_id)).toBe(users['agent2@acme.test']);
    await sys.services.followups.reschedule(acme, lead.id, new Date(due), null);
  });

  it('a stale job does nothing: rescheduled, cleared, closed, deleted, or given the wrong tenant', async () => {
    const due = inMs(3_600_000);
    const mk = async (name: string) => (await agent.post(L, { name, assignedToId: users['agent1@acme.test'], nextFollowupAt: due })).body;
    const resched = await mk('Stale Resched');
    expect((await agent.patch(`${L}/${resched.id}`, { nextFollowupAt: inMs(7_200_000) })).status).toBe(200);
    const cleared = await mk('Stale Cleared');
    expect((await agent.patch(`${L}/${cleared.id}`, { nextFollowupAt: null })).status).toBe(200);
    const closed = await mk('Stale Closed');
    expect((await agent.post(`${L}/${closed.id}/move`, { statusId: st.Lost.id, version: 1, note: 'no budget' })).status).toBe(200);
    const gone = await mk('Stale Gone');
    expect((await (await api.login('admin@acme.test')).api.delete(`${L}/${gone.id}`)).status).toBe(204);
    const live = await mk('Wrong Tenant');
    for (const [l, tenantId] of [[resched, acme], [cleared, acme], [closed, acme], [gone, acme], [live, globex]] as const) {
      expect(await processFollowup(sys.orm, sys.publisher, { data: { tenantId, leadId: l.id, dueAt: due } }), l.name).toBe('stale');
      expect(await notificationsFor(l.id)).toEqual([]);
      expect(await firedActivities(l.id)).toEqual([]);
    }
    // Their pending reminders are not part of what follows.
    for (const l of [resched, live]) for (const j of await jobsOf(l.id)) await j.remove();
  });
});

describe('restart', () => {
  it('a reminder scheduled before every process stopped fires once from a new system on the same database and Redis', async () => {
    const due = inMs(3000);
    const { body: lead } = await agent2.post(L, { name: 'Survivor', assignedToId: users['agent1@acme.test'], nextFollowupAt: due });
    expect(await (await job(lead.id, due))!.isDelayed()).toBe(true);
    await sys.close();
    expect(Date.now()).toBeLessThan(Date.parse(due) - 500);
    expect(await notificationsFor(lead.id)).toEqual([]);

    const logs = new LogCapture();
    second = await createSystem({ config: sys.config, logger: createLogger(sys.config.LOG_LEVEL, logs), redisPrefix: `t:${sys.dbName}` });
    expect(second.config.ROLE).toBe('all');
    expect(second.workers.length).toBeGreaterThan(0);
    await until(async () => (await notificationsFor(lead.id)).length > 0, 10_000, 100);
    expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(due) - 50);
    await sleep(500);
    const ns = await notificationsFor(lead.id);
    expect(ns).toHaveLength(1);
    expect(Number(ns[0].user_id)).toBe(users['agent1@acme.test']);
    expect(await firedActivities(lead.id)).toHaveLength(1);
    const j = await second.services.followups.jobFor(acme, lead.id, new Date(due));
    expect(await j?.getState()).toBe('completed');
    await second.close();
    // The first system is closed, so its stop() can no longer remove this file's Redis keys: do it here.
    const r = new Redis(sys.config.REDIS_URL);
    const keys = await r.keys(`t:${sys.dbName}*`);
    if (keys.length) await r.del(...keys);
    r.disconnect();
    second = null;
  });
});
