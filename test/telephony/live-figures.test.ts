import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSeeded, sql } from '../helpers/seeded.ts';
import type { TestSystem } from '../helpers/system.ts';
import type { Api } from '../helpers/api.ts';
import { command, connectSocket, sleep, until, type ClientSocket } from '../helpers/sockets.ts';
import { CALLS, at, callEvents, expectError, got, pbxId, send, startCall, signInForCalls } from './calls-util.ts';

/**
 * What supervisors watch: the live call events and who receives them (the agent,
 * holders of calls.view_all or dashboard.view, viewers of the related lead — no
 * one else), the calls in progress now (GET /calls/live) and today's figures per
 * agent (GET /calls/today).
 */

let sys: TestSystem;
let api: Api;
let admin: Api;
let agent: Api;
let agent2: Api;
let supervisor: Api;
let viewer: Api;
let pbx: Api;
let tokens: Record<string, string>;
let users: Record<string, number>;
let acme: number;
let disp: Record<string, number>;
const open: ClientSocket[] = [];

beforeAll(async () => {
  ({ sys, api } = await startSeeded('tel_live'));
  const emails = ['admin@acme.test', 'agent1@acme.test', 'agent2@acme.test', 'supervisor@acme.test', 'viewer@acme.test', 'support@acme.test'];
  let apis: Api[];
  ({ apis, tokens, pbx, users, acme, disp } = await signInForCalls(sys, api, emails));
  [admin, agent, agent2, supervisor, viewer] = apis;
});
afterAll(async () => {
  for (const s of open) s.close();
  await sys?.stop();
});

async function socketOf(email: string) {
  const s = await connectSocket(sys.baseUrl, tokens[email]);
  open.push(s);
  return s;
}

describe('live events', () => {
  it('reach the agent, supervisors, dashboard viewers and the related lead\'s viewers — and no other agent', async () => {
    const lead = await agent.post('/api/v1/leads', { name: 'Watched Lead', phone: '+12025550161' });
    const [mine, other, sup, dash, leadViewer] = await Promise.all(['agent1@acme.test', 'agent2@acme.test', 'supervisor@acme.test', 'viewer@acme.test', 'support@acme.test'].map(socketOf));
    // support_agent holds leads.view but neither calls.view_all nor dashboard.view: only the lead's room brings it the call.
    expect((await command(leadViewer, 'room:join', { type: 'lead', id: lead.body.id })).ok).toBe(true);
    const call = await startCall(agent, { toNumber: '+12025550161' });
    expect(call.relatedId).toBe(lead.body.id);
    await agent.post(`${CALLS}/${call.id}/answered`, {});
    await agent.post(`${CALLS}/${call.id}/ended`, {});
    await agent.post(`${CALLS}/${call.id}/close`, { dispositionId: disp.Answered });
    const types = ['call:ringing', 'call:answered', 'call:ended', 'call:closed'];
    const seen = (s: { received: any[] }) => s.received.filter((e) => types.includes(e.type) && e.data.call.id === call.id).map((e) => e.type);
    for (const s of [mine, sup, dash, leadViewer]) await until(() => seen(s).length === 4);
    for (const s of [mine, sup, dash, leadViewer]) expect(seen(s)).toEqual(types);
    await sleep(200);
    expect(seen(other)).toEqual([]);
    // Each carries the call as it is then, never its recording URL.
    expect(got(sup, 'call:answered').find((d) => d.call.id === call.id).call).toMatchObject({ status: 'in_progress', userName: 'Alex Agent', relatedName: 'Watched Lead', recordingUrl: null });
    expect(got(mine, 'call:ringing').find((d) => d.call.id === call.id).screenPop).toBeNull();
  });
});

describe('GET /calls/live', () => {
  it('lists the calls ringing or in progress now, with the agent, the other party\'s number and the times; ended calls leave it', async () => {
    const out = await startCall(agent, { toNumber: '+12025550188' });
    const ev = callEvents(pbxId(), -40, { extension: '1002', from: '+12025550177' });
    const inId = await send(pbx, ev.ringing);
    await send(pbx, ev.answered);
    const res = await supervisor.get(`${CALLS}/live`);
    expect(res.status).toBe(200);
    const byId = new Map(res.body.data.map((c: any) => [c.callId, c]));
    expect(byId.get(out.id)).toEqual({ callId: out.id, userId: users['agent1@acme.test'], userName: 'Alex Agent', direction: 'outbound', number: '+12025550188', status: 'ringing', startedAt: out.startedAt, answeredAt: null });
    expect(byId.get(inId)).toEqual({ callId: inId, userId: users['agent2@acme.test'], userName: 'Blair Agent', direction: 'inbound', number: '+12025550177', status: 'in_progress', startedAt: ev.ringing.timestamp, answeredAt: ev.answered.timestamp });
    for (const c of res.body.data) expect(['ringing', 'in_progress']).toContain(c.status);
    await send(pbx, ev.ended);
    await agent.post(`${CALLS}/${out.id}/ended`, {});
    const after = (await viewer.get(`${CALLS}/live`)).body.data.map((c: any) => c.callId);
    expect(after).not.toContain(inId);
    expect(after).not.toContain(out.id);
    expectError(await agent.get(`${CALLS}/live`), 403, 'forbidden');
  });
});

describe('GET /calls/today', () => {
  it('gives each agent today\'s calls, answered, directions, talk time, average handle time and time in each presence state', async () => {
    // A new agent with an extension of their own, so every figure is known.
    const u = await admin.post('/api/v1/users', { name: 'Dana Newagent', email: 'dana@acme.test', role: 'sales_agent', password: 'dana-password-123' });
    expect(u.status).toBe(201);
    const dana = u.body.id;
    await sql(sys, "insert into agent_sip_credentials (tenant_id, user_id, sip_ws_url, sip_username, password_ciphertext, password_key_id, sip_domain, auto_register) values (?, ?, 'wss://pbx.test/ws', '1077', 'x', 'k', 'pbx.test', 0)", [acme, dana]);
    const danaApi = (await api.login('dana@acme.test', 'dana-password-123')).api;
    // Five minutes available, then a minute not ready, before any call (presence_events as the presence service writes them).
    await sql(sys, "insert into presence_events (tenant_id, user_id, state, started_at, ended_at, duration_seconds) values (?, ?, 'available', utc_timestamp() - interval 600 second, utc_timestamp() - interval 300 second, 300), (?, ?, 'not_ready', utc_timestamp() - interval 300 second, utc_timestamp() - interval 240 second, 60)", [acme, dana, acme, dana]);

    const inbound = callEvents(pbxId(), -240, { extension: '1077' });
    const a = await send(pbx, inbound.ringing);
    await send(pbx, inbound.answered);
    await send(pbx, inbound.ended); // 58 s of talk, ended at -175
    const outbound = callEvents(pbxId(), -120, { extension: '1077', direction: 'outbound', from: '1077', to: '+12025550123' });
    const b = await send(pbx, outbound.ringing);
    await send(pbx, outbound.answered);
    await send(pbx, { ...outbound.ended, duration_seconds: 40 }); // ended at -55
    const missed = callEvents(pbxId(), -30, { extension: '1077' });
    await send(pbx, missed.ringing);
    await send(pbx, { ...missed.ended, duration_seconds: 0 });
    const closedAt = Date.now();
    for (const id of [a, b]) expect((await danaApi.post(`${CALLS}/${id}/close`, { dispositionId: disp.Answered })).status).toBe(200);

    const res = await supervisor.get(`${CALLS}/today`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ date: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/), timezone: 'America/New_York', from: expect.any(String), to: expect.any(String) });
    expect(Date.parse(res.body.from)).toBeLessThanOrEqual(Date.now());
    expect(Date.parse(res.body.to) - Date.parse(res.body.from)).toBeGreaterThanOrEqual(23 * 3600_000);
    const f = res.body.data.find((r: any) => r.userId === dana);
    expect(f).toMatchObject({ name: 'Dana Newagent', calls: 3, answered: 2, inbound: 2, outbound: 1, talkSeconds: 98 });
    // Handle time = talk + wrap-up (ended → closed): (58 + ~175) and (40 + ~55), averaged.
    const wrap1 = (closedAt - Date.parse(inbound.ended.timestamp)) / 1000;
    const wrap2 = (closedAt - Date.parse(outbound.ended.timestamp)) / 1000;
    expect(Math.abs(f.averageHandleSeconds - (58 + wrap1 + 40 + wrap2) / 2)).toBeLessThanOrEqual(3);
    expect(f.presenceSeconds.available).toBeGreaterThanOrEqual(300);
    expect(f.presenceSeconds.not_ready).toBe(60);
    expect(Object.keys(f.presenceSeconds).sort()).toEqual(['available', 'away', 'not_ready', 'offline', 'on_call', 'wrap_up']);
    // Every agent is listed, with or without calls; others only when they were online today (the viewer's socket above).
    const names = res.body.data.map((r: any) => r.name);
    expect(names).toEqual(expect.arrayContaining(['Alex Agent', 'Blair Agent', 'Casey Support', 'Dana Newagent', 'Val Viewer']));
    expect(res.body.data.find((r: any) => r.name === 'Val Viewer')).toMatchObject({ calls: 0, averageHandleSeconds: null });
    const [{ n }] = await sql(sys, "select count(*) n from users where tenant_id = ? and role = 'read_only'", [acme]);
    expect(Number(n)).toBeGreaterThan(0);
    const blair = res.body.data.find((r: any) => r.userId === users['agent2@acme.test']);
    expect(blair.calls).toBeGreaterThanOrEqual(1);
    expectError(await agent2.get(`${CALLS}/today`), 403, 'forbidden');
    expect((await viewer.get(`${CALLS}/today`)).status).toBe(200);
    expect(at(0)).toBeDefined();
  });

  it('counts a wrap-up in the average handle time only while the agent was in it: a call closed much later, or one still being wrapped up, does not inflate it', async () => {
    const u = await admin.post('/api/v1/users', { name: 'Evan Wrapper', email: 'evan@acme.test', role: 'sales_agent', password: 'evan-password-123' });
    expect(u.status).toBe(201);
    const evan = u.body.id;
    await sql(sys, "insert into agent_sip_credentials (tenant_id, user_id, sip_ws_url, sip_username, password_ciphertext, password_key_id, sip_domain, auto_register) values (?, ?, 'wss://pbx.test/ws', '1078', 'x', 'k', 'pbx.test', 0)", [acme, evan]);
    // Three answered calls of 58 s each, ending 635, 435 and 235 seconds ago.
    const ids: number[] = [];
    for (const t0 of [-700, -500, -300]) {
      const ev = callEvents(pbxId(), t0, { extension: '1078' });
      ids.push(await send(pbx, ev.ringing));
      await send(pbx, ev.answered);
      await send(pbx, ev.ended);
    }
    // Evan's day as the presence service would have recorded it had the PBX's events arrived live (here they arrive
    // together, now): the first wrap-up lasts 30 s (they went available without closing the call, which they closed
    // only now), the second 20 s (closed then), and the third is still going on (not closed).
    await sql(sys, 'delete from presence_events where tenant_id = ? and user_id = ?', [acme, evan]);
    const rows: [string, number, number | null][] = [
      ['on_call', 695, 635], ['wrap_up', 635, 605], ['available', 605, 495],
      ['on_call', 495, 435], ['wrap_up', 435, 415], ['available', 415, 295],
      ['on_call', 295, 235], ['wrap_up', 235, null],
    ];
    for (const [state, from, to] of rows) {
      await sql(sys, `insert into presence_events (tenant_id, user_id, state, started_at, ended_at, duration_seconds)
        values (?, ?, ?, utc_timestamp() - interval ? second, ${to === null ? 'null' : 'utc_timestamp() - interval ? second'}, ?)`,
      to === null ? [acme, evan, state, from, null] : [acme, evan, state, from, to, from - to]);
    }
    await sql(sys, "update calls set status = 'closed', disposition_id = ?, closed_at = utc_timestamp() where id = ?", [disp.Answered, ids[0]]);
    await sql(sys, "update calls set status = 'closed', disposition_id = ?, closed_at = utc_timestamp() - interval 415 second where id = ?", [disp.Answered, ids[1]]);

    const f = (await supervisor.get(`${CALLS}/today`)).body.data.find((r: any) => r.userId === evan);
    expect(f).toMatchObject({ calls: 3, answered: 3, talkSeconds: 174 });
    // (58 + 30) and (58 + 20); the third call waits until its wrap-up is over. Counting ended → closed, as before,
    // gave (58 + 635 + 58 + 20 + 58) / 3 = 276.
    expect(Math.abs(f.averageHandleSeconds - 83)).toBeLessThanOrEqual(1);

    // The third wrap-up ends (Evan goes away, the call still open): it counts from then on, up to that moment.
    await sql(sys, "update presence_events set ended_at = utc_timestamp() - interval 200 second, duration_seconds = 35 where tenant_id = ? and user_id = ? and ended_at is null", [acme, evan]);
    await sql(sys, "insert into presence_events (tenant_id, user_id, state, started_at) values (?, ?, 'away', utc_timestamp() - interval 200 second)", [acme, evan]);
    const g = (await supervisor.get(`${CALLS}/today`)).body.data.find((r: any) => r.userId === evan);
    expect(Math.abs(g.averageHandleSeconds - (88 + 78 + 93) / 3)).toBeLessThanOrEqual(1);
  });
});

describe('GET /calls/figures?date=', () => {
  it('gives the same figures for any day of the tenant (New York time here); bad dates are 400, agents 403, other tenants see none of it', async () => {
    // 10 June 2025 in New York (UTC-4): from 04:00 UTC on the 10th to 04:00 UTC on the 11th.
    const local = (hh: number, mm = 0) => new Date(Date.UTC(2025, 5, 10, hh + 4, mm));
    const t = (d: Date, s: number) => new Date(d.getTime() + s * 1000).toISOString();
    const base = { direction: 'inbound', from: '+12025550166', to: '+12025550100', extension: '1001' };
    const answered = { ...base, call_id: pbxId('day') };
    await send(pbx, { ...answered, event: 'call.ringing', timestamp: t(local(10), 0) });
    await send(pbx, { ...answered, event: 'call.answered', timestamp: t(local(10), 5) });
    await send(pbx, { ...answered, event: 'call.ended', timestamp: t(local(10), 63), duration_seconds: 58 });
    const missed = { ...base, call_id: pbxId('day') };
    await send(pbx, { ...missed, event: 'call.ringing', timestamp: t(local(15), 0) });
    await send(pbx, { ...missed, event: 'call.ended', timestamp: t(local(15), 20) });
    // Late on the 10th in New York (01:30 UTC on the 11th): still the 10th.
    const late = { ...base, call_id: pbxId('day') };
    await send(pbx, { ...late, event: 'call.ringing', timestamp: t(local(21, 30), 0) });
    await send(pbx, { ...late, event: 'call.ended', timestamp: t(local(21, 30), 10) });
    // The next day in New York (04:30 UTC on the 11th): not counted.
    const next = { ...base, call_id: pbxId('day') };
    await send(pbx, { ...next, event: 'call.ringing', timestamp: t(local(24, 30), 0) });
    // Two hours available and half an hour away that day.
    const agent1 = users['agent1@acme.test'];
    await sql(sys, "insert into presence_events (tenant_id, user_id, state, started_at, ended_at, duration_seconds) values (?, ?, 'available', ?, ?, 7200), (?, ?, 'away', ?, ?, 1800)",
      [acme, agent1, local(8), local(10), acme, agent1, local(12), local(12, 30)]);

    const res = await supervisor.get(`${CALLS}/figures?date=2025-06-10`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ date: '2025-06-10', timezone: 'America/New_York', from: '2025-06-10T04:00:00.000Z', to: '2025-06-11T04:00:00.000Z' });
    const alex = res.body.data.find((r: any) => r.userId === agent1);
    expect(alex).toMatchObject({ name: 'Alex Agent', calls: 3, answered: 1, inbound: 3, outbound: 0, talkSeconds: 58 });
    expect(alex.presenceSeconds).toMatchObject({ available: 7200, away: 1800, on_call: 0 });
    // Nobody else had calls that day.
    expect(res.body.data.filter((r: any) => r.calls > 0).map((r: any) => r.userId)).toEqual([agent1]);

    // Without a date: today, as /calls/today.
    const today = await supervisor.get(`${CALLS}/figures`);
    expect(today.body.date).toBe((await supervisor.get(`${CALLS}/today`)).body.date);

    for (const bad of ['2025-13-40', 'yesterday', '2025-6-1']) expectError(await supervisor.get(`${CALLS}/figures?date=${bad}`), 400, 'validation_failed', 'query.date');
    expectError(await supervisor.get(`${CALLS}/figures?date=2025-06-10&userId=1`), 400, 'validation_failed');
    expectError(await agent2.get(`${CALLS}/figures?date=2025-06-10`), 403, 'forbidden');
    // Globex's admin (dashboard.view in Globex only): no Acme agent in Globex's day.
    const globex = (await api.login('admin@globex.test')).api;
    const theirs = await globex.get(`${CALLS}/figures?date=2025-06-10`);
    expect(theirs.status).toBe(200);
    expect(theirs.body.timezone).toBe('Europe/London');
    expect(theirs.body.data.map((r: any) => r.userId)).not.toContain(agent1);
    expect(theirs.body.data.every((r: any) => r.calls === 0)).toBe(true);
  });
});
