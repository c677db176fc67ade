import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSeeded, sql } from '../helpers/seeded.ts';
import type { TestSystem } from '../helpers/system.ts';
import type { Api } from '../helpers/api.ts';
import { CALLS, at, callEvents, callRow, expectError, pbxId, post, send, signInForCalls, startBody, startCall, uuid } from './calls-util.ts';

/**
 * The console's side of calls through the API: reporting a call (idempotent on
 * consoleCallId, linked to the lead or contact by number), answered and ended on
 * its own calls only, the list with its filters and keyset pages, the detail, who
 * sees what (own calls; every call with calls.view_all), and tenancy.
 */

let sys: TestSystem;
let api: Api;
let agent: Api;
let agent2: Api;
let supervisor: Api;
let viewer: Api;
let globexAdmin: Api;
let pbx: Api;
let users: Record<string, number>;
let acme: number;
let globex: number;

beforeAll(async () => {
  ({ sys, api } = await startSeeded('tel_calls'));
  const emails = ['admin@acme.test', 'agent1@acme.test', 'agent2@acme.test', 'supervisor@acme.test', 'viewer@acme.test', 'admin@globex.test'];
  let apis: Api[];
  let tenants: Record<string, number>;
  ({ apis, pbx, users, tenants, acme } = await signInForCalls(sys, api, emails));
  [, agent, agent2, supervisor, viewer, globexAdmin] = apis;
  globex = tenants['Globex Sales'];
});
afterAll(async () => {
  await sys?.stop();
});

describe('reporting a call from the console', () => {
  it('creates the call (201), answers the same consoleCallId again with the same call (200), stores numbers in E.164 and links the lead by number', async () => {
    const lead = await agent.post('/api/v1/leads', { name: 'Robin Dialled', phone: '+12025550177' });
    const body = startBody({ toNumber: '202-555-0177', sipCallId: 'a84b4c76e66710@pc33.example' });
    const res = await agent.post(CALLS, body);
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.any(Number), userId: users['agent1@acme.test'], userName: 'Alex Agent', direction: 'outbound', fromNumber: '1001', toNumber: '+12025550177',
      extension: null, status: 'ringing', startedAt: expect.any(String), answeredAt: null, endedAt: null, durationSeconds: null,
      relatedType: 'lead', relatedId: lead.body.id, relatedName: 'Robin Dialled', dispositionId: null, dispositionName: null, wrapupNotes: null, closedAt: null,
      consoleCallId: body.consoleCallId, sipCallId: 'a84b4c76e66710@pc33.example', pbxCallId: null, hasRecording: false, recordingUrl: null,
    });
    expect(Math.abs(Date.parse(res.body.startedAt) - Date.now())).toBeLessThan(5000);
    const again = await agent.post(CALLS, body);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(res.body);
    expect(await sql(sys, 'select id from calls where console_call_id = ?', [body.consoleCallId])).toHaveLength(1);
    // An explicit link wins over the number; a contact can be linked too.
    const [contact] = await sql(sys, 'select id from contacts where tenant_id = ? order by id limit 1', [acme]);
    const toContact = await agent.post(CALLS, startBody({ relatedType: 'contact', relatedId: Number(contact.id) }));
    expect(toContact.body).toMatchObject({ relatedType: 'contact', relatedId: Number(contact.id), relatedName: expect.any(String) });
    // Nobody has this number.
    expect((await startCall(agent, { toNumber: '+12025550123' })).relatedType).toBeNull();
  });

  it('refuses bad input: 400 for the shape, 422 for a lead or contact that is not there (or another tenant\'s), 409 for another agent\'s consoleCallId', async () => {
    const count = async () => Number((await sql(sys, 'select count(*) n from calls'))[0].n);
    const before = await count();
    const { consoleCallId: _c, ...noId } = startBody();
    expectError(await agent.post(CALLS, noId), 400, 'validation_failed', 'body.consoleCallId');
    expectError(await agent.post(CALLS, startBody({ consoleCallId: 'not-a-uuid' })), 400, 'validation_failed', 'body.consoleCallId');
    expectError(await agent.post(CALLS, startBody({ direction: 'both' })), 400, 'validation_failed', 'body.direction');
    expectError(await agent.post(CALLS, startBody({ toNumber: 'call me' })), 400, 'validation_failed', 'body.toNumber');
    expectError(await agent.post(CALLS, startBody({ userId: users['agent2@acme.test'] })), 400, 'validation_failed', 'body.userId');
    expectError(await agent.post(CALLS, startBody({ relatedType: 'lead', relatedId: 99999999 })), 422, 'unknown_related', 'body.relatedId');
    expectError(await agent.post(CALLS, startBody({ relatedId: 5 })), 422, 'related_incomplete', 'body.relatedType');
    const [gl] = await sql(sys, 'select id from leads where tenant_id = ? limit 1', [globex]);
    expectError(await agent.post(CALLS, startBody({ relatedType: 'lead', relatedId: Number(gl.id) })), 422, 'unknown_related');
    expectError(await viewer.post(CALLS, startBody()), 403, 'forbidden');
    expect(await count()).toBe(before);
    const theirs = await startCall(agent2);
    expectError(await agent.post(CALLS, startBody({ consoleCallId: theirs.consoleCallId })), 409, 'call_taken', 'body.consoleCallId');
  });
});

describe('answered and ended', () => {
  it('answered then ended: the times, the duration, the status; repeated reports change nothing', async () => {
    const call = await startCall(agent);
    const t1 = at(-30);
    const answered = await agent.post(`${CALLS}/${call.id}/answered`, { at: t1 });
    expect(answered.status).toBe(200);
    expect(answered.body).toMatchObject({ status: 'in_progress', answeredAt: t1 });
    const ended = await agent.post(`${CALLS}/${call.id}/ended`, {});
    expect(ended.body).toMatchObject({ status: 'ended', answeredAt: t1, endedAt: expect.any(String) });
    expect(ended.body.durationSeconds).toBeGreaterThanOrEqual(29);
    expect(ended.body.durationSeconds).toBeLessThanOrEqual(35);
    // A late or repeated report does not move anything back.
    const late = await agent.post(`${CALLS}/${call.id}/answered`, { at: at(-1) });
    expect(late.body).toEqual(ended.body);
    expect((await agent.post(`${CALLS}/${call.id}/ended`, {})).body).toEqual(ended.body);
  });

  it('a call that ends unanswered has duration 0; a time in the future is taken as now', async () => {
    const call = await startCall(agent);
    const ended = await agent.post(`${CALLS}/${call.id}/ended`, { at: at(3600) });
    expect(ended.body).toMatchObject({ status: 'ended', answeredAt: null, durationSeconds: 0 });
    expect(Date.parse(ended.body.endedAt)).toBeLessThanOrEqual(Date.now());
  });

  it('the PBX\'s times and duration win over the console\'s, in either order', async () => {
    const call = await startCall(agent);
    const id = pbxId();
    const ev = callEvents(id, -100, { direction: 'outbound', from: '1001', to: '+12025550123', console_call_id: call.consoleCallId });
    await agent.post(`${CALLS}/${call.id}/answered`, {});
    await send(pbx, ev.answered);
    await send(pbx, ev.ended);
    const after = await agent.post(`${CALLS}/${call.id}/ended`, {});
    expect(after.body).toMatchObject({ answeredAt: ev.answered.timestamp, endedAt: ev.ended.timestamp, durationSeconds: 58, status: 'ended', pbxCallId: id });
  });

  it('is the agent\'s own call only: another agent gets 404, a supervisor 403, and nothing changes', async () => {
    const call = await startCall(agent);
    const before = await callRow(sys, call.id);
    for (const path of ['answered', 'ended', 'close']) {
      const body = path === 'close' ? { dispositionId: 1 } : {};
      expectError(await agent2.post(`${CALLS}/${call.id}/${path}`, body), 404, 'not_found');
      expectError(await supervisor.post(`${CALLS}/${call.id}/${path}`, body), 403, 'not_your_call');
      expectError(await viewer.post(`${CALLS}/${call.id}/${path}`, body), 403, 'forbidden');
    }
    expectError(await agent.post(`${CALLS}/99999999/answered`, {}), 404, 'not_found');
    expectError(await agent.post(`${CALLS}/${call.id}/answered`, { at: 'now' }), 400, 'validation_failed', 'body.at');
    expect(await callRow(sys, call.id)).toEqual(before);
    // A console clock far behind (or a year no DATETIME holds) is taken as an hour before the start, never a database error.
    const skewed = await agent.post(`${CALLS}/${call.id}/answered`, { at: '0999-01-01T00:00:00Z' });
    expect(skewed.status).toBe(200);
    expect(Date.parse(skewed.body.answeredAt)).toBe(Date.parse(before.started_at + 'Z') - 3_600_000);
  });
});

describe('list and detail', () => {
  let mine: any[];
  let other: any;
  let since: string;
  const ids = (res: any) => res.body.data.map((c: any) => c.id);

  beforeAll(async () => {
    // A known set: agent2's calls of various kinds, one closed with a disposition.
    mine = [];
    // Whole seconds: a second after the earlier tests' calls.
    await new Promise((r) => setTimeout(r, 1100));
    since = at(0);
    for (const direction of ['inbound', 'outbound', 'outbound'] as const) {
      const c = await startCall(agent2, direction === 'inbound' ? { direction, fromNumber: '+12025550123', toNumber: '1002' } : {});
      mine.push(c);
    }
    await agent2.post(`${CALLS}/${mine[2].id}/ended`, {});
    const [disp] = await sql(sys, "select id from call_dispositions where tenant_id = ? and name = 'Busy'", [acme]);
    const closed = await agent2.post(`${CALLS}/${mine[2].id}/close`, { dispositionId: Number(disp.id) });
    expect(closed.status, JSON.stringify(closed.body)).toBe(200);
    mine[2] = closed.body;
    other = await startCall(agent);
  });

  it('agents see their own calls, newest first; holders of calls.view_all see everyone\'s', async () => {
    const own = await agent2.get(`${CALLS}?limit=200`);
    expect(own.status).toBe(200);
    expect(own.body.data.every((c: any) => c.userId === users['agent2@acme.test'])).toBe(true);
    expect(ids(own)).toEqual(expect.arrayContaining(mine.map((c) => c.id)));
    expect(ids(own)).not.toContain(other.id);
    const starts = own.body.data.map((c: any) => Date.parse(c.startedAt));
    expect(starts).toEqual([...starts].sort((a, b) => b - a));
    const [n] = await sql(sys, 'select count(*) n from calls where tenant_id = ? and user_id = ?', [acme, users['agent2@acme.test']]);
    expect(own.body.data.length).toBe(Number(n.n));
    // Supervisors: everyone's; an agent filter; the read-only role (calls.view, no view_all) sees only its own (none).
    const all = await supervisor.get(`${CALLS}?limit=200`);
    expect(ids(all)).toEqual(expect.arrayContaining([...mine.map((c) => c.id), other.id]));
    expect((await supervisor.get(`${CALLS}?userId=${users['agent2@acme.test']}&limit=200`)).body.data.map((c: any) => c.id).sort()).toEqual(ids(own).sort());
    expect((await viewer.get(`${CALLS}?limit=200`)).body.data).toEqual([]);
    expectError(await agent.get(`${CALLS}?userId=${users['agent2@acme.test']}`), 403, 'forbidden');
    // Asking for oneself is fine.
    expect((await agent2.get(`${CALLS}?userId=${users['agent2@acme.test']}`)).status).toBe(200);
  });

  it('filters by direction, disposition, status and date range', async () => {
    // Since this block started: the seed's past calls of agent2 stay out.
    const q = (s: string) => agent2.get(`${CALLS}?limit=200&from=${encodeURIComponent(since)}&${s}`);
    expect(ids(await q('direction=inbound'))).toEqual([mine[0].id]);
    expect(ids(await q('direction=outbound')).sort()).toEqual([mine[1].id, mine[2].id].sort());
    expect(ids(await q(`dispositionId=${mine[2].dispositionId}`))).toEqual([mine[2].id]);
    expect(ids(await q('status=closed'))).toEqual([mine[2].id]);
    expect(ids(await q('status=ringing')).sort()).toEqual([mine[0].id, mine[1].id].sort());
    const from = encodeURIComponent(at(-120));
    const to = encodeURIComponent(at(120));
    expect(ids(await agent2.get(`${CALLS}?limit=200&from=${from}&to=${to}`))).toEqual(expect.arrayContaining(mine.map((c) => c.id)));
    expect(ids(await q(`to=${encodeURIComponent(since)}`))).toEqual([]);
    const seeded = await supervisor.get(`${CALLS}?limit=200&to=${encodeURIComponent(at(-60))}`);
    expect(seeded.body.data.length).toBeGreaterThan(10);
    expect(seeded.body.data.every((c: any) => Date.parse(c.startedAt) < Date.now() - 60_000)).toBe(true);
    expectError(await q('direction=sideways'), 400, 'validation_failed', 'query.direction');
    expectError(await agent2.get(`${CALLS}?from=yesterday`), 400, 'validation_failed', 'query.from');
  });

  it('pages with a keyset cursor: every call once, in order', async () => {
    const all: any[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res: any = await supervisor.get(`${CALLS}?limit=7${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      expect(res.body.data.length).toBeLessThanOrEqual(7);
      all.push(...res.body.data);
      cursor = res.body.nextCursor;
      pages++;
    } while (cursor && pages < 100);
    const [n] = await sql(sys, 'select count(*) n from calls where tenant_id = ?', [acme]);
    expect(all.length).toBe(Number(n.n));
    expect(new Set(all.map((c) => c.id)).size).toBe(all.length);
    expect(pages).toBeGreaterThan(5);
    const keys = all.map((c) => [Date.parse(c.startedAt), c.id]);
    expect(keys).toEqual([...keys].sort((a, b) => b[0] - a[0] || b[1] - a[1]));
    expectError(await supervisor.get(`${CALLS}?cursor=${Buffer.from('{"id":"1 or 1=1"}').toString('base64url')}`), 400, 'validation_failed', 'query.cursor');
  });

  it('detail: own call or calls.view_all; another agent\'s call and another tenant\'s call are 404', async () => {
    expect((await agent2.get(`${CALLS}/${mine[2].id}`)).body).toEqual(mine[2]);
    expect((await supervisor.get(`${CALLS}/${mine[2].id}`)).body).toMatchObject({ id: mine[2].id, dispositionName: 'Busy', status: 'closed' });
    expectError(await agent.get(`${CALLS}/${mine[0].id}`), 404, 'not_found');
    const [g] = await sql(sys, 'select id from calls where tenant_id = ? limit 1', [globex]);
    for (const client of [agent, supervisor]) expectError(await client.get(`${CALLS}/${g.id}`), 404, 'not_found');
    const theirs = await globexAdmin.get(`${CALLS}/${g.id}`);
    expect(theirs.status).toBe(200);
    // Globex's admin holds calls.view_all in Globex only.
    expectError(await globexAdmin.get(`${CALLS}/${mine[0].id}`), 404, 'not_found');
    expect((await globexAdmin.get(`${CALLS}?limit=200`)).body.data.every((c: any) => c.id !== mine[0].id)).toBe(true);
    // Another tenant's call cannot be acted on either.
    const gcall = await globexAdmin.post(CALLS, startBody({ consoleCallId: uuid() }));
    expect(gcall.status).toBe(201);
    const before = await callRow(sys, gcall.body.id);
    expectError(await agent.post(`${CALLS}/${gcall.body.id}/ended`, {}), 404, 'not_found');
    expectError(await supervisor.post(`${CALLS}/${gcall.body.id}/close`, { dispositionId: 1 }), 404, 'not_found');
    expect(await callRow(sys, gcall.body.id)).toEqual(before);
  });

  it('GET /calls/:id/pbx-events: what the PBX sent, in the order it happened, once each; the recording URL only with the permission', async () => {
    const id = pbxId('trail');
    const e = callEvents(id, -900);
    // Out of order, and one retried: ended first, then ringing, answered, the recording, and answered again.
    const callId = await send(pbx, e.ended);
    for (const ev of [e.ringing, e.answered, e.recording]) expect(await send(pbx, ev)).toBe(callId);
    const retry = await post(pbx, e.answered);
    expect(retry.body).toMatchObject({ ok: true, duplicate: true });

    const own = await agent.get(`${CALLS}/${callId}/pbx-events`);
    expect(own.status, JSON.stringify(own.body)).toBe(200);
    expect(own.body.data.map((x: any) => [x.event, x.occurredAt])).toEqual([
      ['call.ringing', e.ringing.timestamp], ['call.answered', e.answered.timestamp], ['call.ended', e.ended.timestamp], ['call.recording_ready', e.recording.timestamp],
    ]);
    // As received: the ended event arrived first.
    const received = Object.fromEntries(own.body.data.map((x: any) => [x.event, Date.parse(x.receivedAt)]));
    expect(received['call.ended']).toBeLessThanOrEqual(received['call.ringing']);
    expect(own.body.data[2].payload).toMatchObject({ event: 'call.ended', call_id: id, extension: '1001', duration_seconds: 58 });
    // An agent without calls.recordings.view: the payload keeps everything but the URL.
    expect(own.body.data[3].payload).toMatchObject({ event: 'call.recording_ready', call_id: id });
    expect(own.body.data[3].payload).not.toHaveProperty('recording_url');
    expect(JSON.stringify(own.body)).not.toContain('pbx.example/rec');
    const sup = await supervisor.get(`${CALLS}/${callId}/pbx-events`);
    expect(sup.body.data[3].payload.recording_url).toBe(e.recording.recording_url);

    // Same visibility as the call itself: another agent, another tenant, nobody signed in.
    expectError(await agent2.get(`${CALLS}/${callId}/pbx-events`), 404, 'not_found');
    expectError(await globexAdmin.get(`${CALLS}/${callId}/pbx-events`), 404, 'not_found');
    expect((await api.get(`${CALLS}/${callId}/pbx-events`)).status).toBe(401);
    // A call the console reported that the PBX never mentioned has none.
    const quiet = await startCall(agent);
    expect((await agent.get(`${CALLS}/${quiet.id}/pbx-events`)).body).toEqual({ data: [] });
  });

  it('GET /calls/agents: whom a holder of calls.view_all can filter by (SIP credentials or calls), active first; 403 without the permission', async () => {
    const res = await supervisor.get(`${CALLS}/agents`);
    expect(res.status).toBe(200);
    const expected = await sql(sys, `select u.id, u.name, u.is_active from users u where u.tenant_id = ?
        and (exists (select 1 from agent_sip_credentials s where s.user_id = u.id) or exists (select 1 from calls c where c.user_id = u.id))
      order by u.is_active desc, u.name, u.id`, [acme]);
    expect(res.body.data).toEqual(expected.map((r) => ({ id: Number(r.id), name: r.name, isActive: Boolean(r.is_active) })));
    const ids = res.body.data.map((a: any) => a.id);
    expect(ids).toEqual(expect.arrayContaining([users['agent1@acme.test'], users['agent2@acme.test']]));
    // The viewer has neither credentials nor calls: not a filter choice.
    expect(ids).not.toContain(users['viewer@acme.test']);
    // A deactivated agent with calls stays, after the active ones, marked.
    await sql(sys, 'update users set is_active = 0 where id = ?', [users['agent2@acme.test']]);
    try {
      const after = (await supervisor.get(`${CALLS}/agents`)).body.data;
      expect(after.at(-1)).toEqual({ id: users['agent2@acme.test'], name: expect.any(String), isActive: false });
      expect(after.filter((a: any) => !a.isActive)).toHaveLength(1);
    } finally {
      await sql(sys, 'update users set is_active = 1 where id = ?', [users['agent2@acme.test']]);
    }
    // An agent (calls.view, not calls.view_all) may not list the others; nor may anyone signed out.
    expectError(await agent.get(`${CALLS}/agents`), 403, 'forbidden');
    expect((await api.get(`${CALLS}/agents`)).status).toBe(401);
  });
});
