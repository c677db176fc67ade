import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSeeded, sql } from '../helpers/seeded.ts';
import type { TestSystem } from '../helpers/system.ts';
import type { Api } from '../helpers/api.ts';
import { connectSocket, until, type ClientSocket } from '../helpers/sockets.ts';
import { selectView } from '../../server/telephony/calls.store.ts';
import {
  CALLS, WEBHOOK, at, callEvents, callRow, callsFingerprint, expectError, got, pbxId, post, rowsFor, send, signInForCalls, sipId, startBody, uuid,
} from './calls-util.ts';

/**
 * POST /webhooks/pbx (DESIGN.md §3) against the real server: API-key auth with the
 * pbx scope, validation (400/422 naming the field), idempotency on (tenant, call_id,
 * event), out-of-order events, unknown extensions, tenancy, the merge with the
 * console's own report (X-CC-Call-Id → console_call_id, or the SIP Call-ID), races,
 * the screen pop and who may see a recording.
 */

let sys: TestSystem;
let api: Api;
let agent: Api;
let agent2: Api;
let supervisor: Api;
let pbx: Api;
let globexPbx: Api;
let pbxKey: string;
let tokens: Record<string, string>;
let users: Record<string, number>;
let acme: number;
let globex: number;
const open: ClientSocket[] = [];

beforeAll(async () => {
  ({ sys, api } = await startSeeded('tel_pbx'));
  const emails = ['admin@acme.test', 'agent1@acme.test', 'agent2@acme.test', 'supervisor@acme.test', 'viewer@acme.test', 'admin@globex.test'];
  const setup = await signInForCalls(sys, api, emails, 'Asterisk');
  ({ tokens, pbx, users, acme } = setup);
  const [, , , , , globexAdmin] = setup.apis;
  [, agent, agent2, supervisor] = setup.apis;
  const key = setup.pbxKey;
  pbxKey = key.body.key;
  const gkey = await globexAdmin.post('/api/v1/api-keys', { name: 'Globex Asterisk', scopes: ['pbx'] });
  expect([key.status, gkey.status]).toEqual([201, 201]);
  globexPbx = api.as(gkey.body.key);
  globex = setup.tenants['Globex Sales'];
});
afterAll(async () => {
  for (const s of open) s.close();
  await sys?.stop();
});

async function socketOf(email: string): Promise<ClientSocket & { received: any[] }> {
  const s = await connectSocket(sys.baseUrl, tokens[email]);
  open.push(s);
  return s;
}

describe('authentication', () => {
  it('needs a tenant API key with the pbx scope: none, unknown or revoked → 401, another scope → 403; nothing is stored', async () => {
    const admin = api.as(tokens['admin@acme.test']);
    const before = await callsFingerprint(sys);
    const body = callEvents(pbxId()).ringing;
    expectError(await post(api, body), 401, 'api_key_missing');
    expectError(await post(api.as('cck_nothing_notakeyatall'), body), 401, 'api_key_invalid');
    expectError(await api.request('POST', WEBHOOK, body, { headers: { authorization: 'Basic abc' } }), 401);
    // A user's access token is not an API key.
    expectError(await post(api.as(tokens['admin@acme.test']), body), 401, 'api_key_invalid');
    const read = await admin.post('/api/v1/api-keys', { name: 'reporting', scopes: ['read'] });
    expectError(await post(api.as(read.body.key), body), 403, 'api_key_scope');
    const revoked = await admin.post('/api/v1/api-keys', { name: 'old pbx', scopes: ['pbx'] });
    expect(await send(api.as(revoked.body.key), callEvents(pbxId()).ringing)).toEqual(expect.any(Number));
    expect((await admin.delete(`/api/v1/api-keys/${revoked.body.id}`)).status).toBe(200);
    const afterRevoke = await callsFingerprint(sys);
    expectError(await post(api.as(revoked.body.key), body), 401, 'api_key_invalid');
    expect(await callsFingerprint(sys)).toBe(afterRevoke);
    expect(before).not.toBe(afterRevoke);
  });

  it('an address that keeps presenting invalid keys gets 429 with Retry-After, without a lookup; other addresses and a checked key pass', async () => {
    const from = (ip: string, key: string) => api.as(key, { 'x-forwarded-for': ip });
    const body = callEvents(pbxId()).ringing;
    const before = await callsFingerprint(sys);
    const limit = sys.config.API_KEY_MAX_FAILURES;
    for (let i = 0; i < limit; i++) expectError(await post(from('203.0.113.9', `cck_guess_${i}`), body), 401, 'api_key_invalid');
    const limited = await post(from('203.0.113.9', 'cck_guess_more'), body);
    expectError(limited, 429, 'api_key_rate_limited');
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(sys.config.API_KEY_FAILURE_WINDOW_SECONDS);
    expect(limited.body.error.details).toEqual({ retryAfterSeconds: retryAfter });
    expect(await callsFingerprint(sys)).toBe(before);
    // Another address is not held back by this one.
    expectError(await post(from('203.0.113.10', 'cck_guess_other'), body), 401, 'api_key_invalid');
    // The tenant's PBX, its key just checked by this node, still gets through from the blocked address.
    expect(await send(pbx, callEvents(pbxId()).ringing)).toEqual(expect.any(Number));
    expect(await send(from('203.0.113.9', pbxKey), body)).toEqual(expect.any(Number));
  });
});

describe('validation', () => {
  it('answers a malformed event with 400 naming the field, a rule broken with 422, and stores nothing', async () => {
    const before = await callsFingerprint(sys);
    const ok = callEvents(pbxId()).ringing;
    expectError(await pbx.request('POST', WEBHOOK, undefined, { raw: '{"event": "call.ringing",' }), 400, 'malformed_json');
    expectError(await pbx.request('POST', WEBHOOK, undefined, { raw: 'event=call.ringing', headers: { 'content-type': 'text/plain' } }), 400, 'unsupported_media_type');
    const { call_id: _drop, ...noCallId } = ok;
    expectError(await post(pbx, noCallId), 400, 'validation_failed', 'body.call_id');
    expectError(await post(pbx, { ...ok, event: 'call.exploded' }), 400, 'validation_failed', 'body.event');
    expectError(await post(pbx, { ...ok, direction: 'sideways' }), 400, 'validation_failed', 'body.direction');
    expectError(await post(pbx, { ...ok, timestamp: 'yesterday at noon' }), 400, 'validation_failed', 'body.timestamp');
    expectError(await post(pbx, { ...ok, from: 'call me maybe' }), 400, 'validation_failed', 'body.from');
    expectError(await post(pbx, { ...ok, duration_seconds: -3 }), 400, 'validation_failed', 'body.duration_seconds');
    expectError(await post(pbx, { ...ok, recording_url: 'ftp://pbx.example/a.wav' }), 400, 'validation_failed', 'body.recording_url');
    expectError(await post(pbx, { ...ok, tenant_id: globex }), 400, 'validation_failed', 'body.tenant_id');
    expectError(await post(pbx, { ...ok, event: 'call.recording_ready' }), 422, 'recording_url_required', 'body.recording_url');
    expectError(await post(pbx, { ...ok, timestamp: at(3600) }), 422, 'timestamp_in_future', 'body.timestamp');
    // A PBX whose clock was never set (1970), or a year no DATETIME holds: a clear 422, not a database error.
    expectError(await post(pbx, { ...ok, timestamp: '1970-01-01T00:00:05Z' }), 422, 'timestamp_out_of_range', 'body.timestamp');
    expectError(await post(pbx, { ...ok, timestamp: '0999-12-31T23:59:59Z' }), 422, 'timestamp_out_of_range', 'body.timestamp');
    expect(await callsFingerprint(sys)).toBe(before);
  });
});

describe('storing events', () => {
  it('makes a ringing event a call: the agent from the extension, numbers in E.164, the times from the event; a duplicate changes nothing', async () => {
    const id = pbxId();
    const ev = callEvents(id, -900, { from: '202-555-0199' });
    const callId = await send(pbx, ev.ringing);
    const row = await callRow(sys, callId);
    expect(row).toMatchObject({ status: 'ringing', direction: 'inbound', from_number: '+12025550199', to_number: '+12025550100', extension: '1001', pbx_call_id: id });
    expect(Number(row.user_id)).toBe(users['agent1@acme.test']);
    expect(Number(row.tenant_id)).toBe(acme);
    // The event's time, not the arrival's.
    expect(new Date(`${row.started_at}Z`).toISOString()).toBe(ev.ringing.timestamp);
    const [stored] = await sql(sys, 'select * from pbx_events where pbx_call_id = ?', [id]);
    expect(stored).toMatchObject({ event: 'call.ringing' });
    expect(Number(stored.call_id)).toBe(callId);
    expect(new Date(`${stored.occurred_at}Z`).toISOString()).toBe(ev.ringing.timestamp);
    expect(JSON.parse(stored.payload)).toMatchObject({ call_id: id, extension: '1001' });

    const before = await callsFingerprint(sys);
    for (const again of [ev.ringing, { ...ev.ringing, timestamp: at(-10), from: '+12025550177' }]) {
      const res = await post(pbx, again);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ ok: true, duplicate: true, callId });
    }
    // Not a repeat: another agent's leg under this call_id is refused, not dropped as a duplicate.
    expectError(await post(pbx, { ...ev.ringing, extension: '1002' }), 409, 'call_leg_conflict', 'body.extension');
    expect(await callsFingerprint(sys)).toBe(before);
  });

  it('stores an event once when the PBX retries it concurrently', async () => {
    const ev = callEvents(pbxId());
    const callId = await send(pbx, ev.ringing);
    const answers = await Promise.all(Array.from({ length: 8 }, () => post(pbx, ev.answered)));
    expect(answers.map((r) => r.status)).toEqual(Array(8).fill(200));
    expect(answers.filter((r) => r.body.duplicate === false)).toHaveLength(1);
    expect(new Set(answers.map((r) => r.body.callId))).toEqual(new Set([callId]));
    expect(await sql(sys, 'select id from pbx_events where pbx_call_id = ?', [ev.answered.call_id])).toHaveLength(2);
    expect((await callRow(sys, callId)).status).toBe('in_progress');
  });

  it('is safe out of order: the record ends up the same whatever order the events came in', async () => {
    const inOrder = callEvents(pbxId(), -1200);
    const reversed = callEvents(pbxId(), -1200);
    const a = await send(pbx, inOrder.ringing);
    await send(pbx, inOrder.answered);
    await send(pbx, inOrder.ended);
    const b = await send(pbx, reversed.ended);
    // Ended before anything else: already ended, not answered yet.
    expect(await callRow(sys, b)).toMatchObject({ status: 'ended', answered_at: null });
    expect(await send(pbx, reversed.answered)).toBe(b);
    // An answered event after the end does not bring the call back to life.
    expect((await callRow(sys, b)).status).toBe('ended');
    expect(await send(pbx, reversed.ringing)).toBe(b);
    const pick = (r: any) => ({ status: r.status, started_at: r.started_at, answered_at: r.answered_at, ended_at: r.ended_at, duration_seconds: r.duration_seconds, user_id: r.user_id, from_number: r.from_number });
    const [ra, rb] = [await callRow(sys, a), await callRow(sys, b)];
    expect(pick(rb)).toEqual(pick(ra));
    expect(ra).toMatchObject({ status: 'ended', duration_seconds: 58 });
    expect(new Date(`${ra.started_at}Z`).toISOString()).toBe(inOrder.ringing.timestamp);
    expect(new Date(`${rb.answered_at}Z`).toISOString()).toBe(reversed.answered.timestamp);

    // Without the PBX's duration: answered → ended, computed once the answered time is known.
    const noDuration = callEvents(pbxId(), -300);
    const { duration_seconds: _d, ...ended } = noDuration.ended;
    const c = await send(pbx, ended);
    expect(await callRow(sys, c)).toMatchObject({ status: 'ended', duration_seconds: 0 });
    await send(pbx, noDuration.answered);
    expect(await callRow(sys, c)).toMatchObject({ status: 'ended', duration_seconds: 60 });
  });

  it('keeps an event for an extension that belongs to no agent on an unassigned call that supervisors see', async () => {
    const sup = await socketOf('supervisor@acme.test');
    const ev = callEvents(pbxId(), -60, { extension: '7777' });
    const id = await send(pbx, ev.ringing);
    expect((await callRow(sys, id)).user_id).toBeNull();
    expect((await callRow(sys, id)).extension).toBe('7777');
    const unassigned = await supervisor.get(`${CALLS}?unassigned=true&limit=200`);
    expect(unassigned.status).toBe(200);
    expect(unassigned.body.data.map((c: any) => c.id)).toContain(id);
    expect(unassigned.body.data.every((c: any) => c.userId === null)).toBe(true);
    expect((await supervisor.get(`${CALLS}/${id}`)).body).toMatchObject({ id, userId: null, userName: null, extension: '7777', status: 'ringing' });
    await until(() => got(sup, 'call:ringing').some((d) => d.call.id === id));
    // Agents see their own calls only.
    expectError(await agent.get(`${CALLS}/${id}`), 404, 'not_found');
    expectError(await agent.get(`${CALLS}?unassigned=true`), 403, 'forbidden');
    expect((await agent.get(`${CALLS}?limit=200`)).body.data.map((c: any) => c.id)).not.toContain(id);
  });
});

describe('transfers and ring groups: one record per agent leg', () => {
  it('a call transferred from agent 1 to agent 2, each leg under its own call_id: two records, each agent rung, answered and ended on their own', async () => {
    const [one, two] = [await socketOf('agent1@acme.test'), await socketOf('agent2@acme.test')];
    const linkedid = pbxId('linked');
    const leg1 = callEvents(`${linkedid}-1001`, -120, { from: '+12025550166' });
    const leg2 = callEvents(`${linkedid}-1002`, -80, { from: '+12025550166', extension: '1002' });
    const first = await send(pbx, leg1.ringing);
    await send(pbx, leg1.answered);
    // Agent 1 transfers: the PBX rings agent 2, then agent 1's channel hangs up.
    const second = await send(pbx, leg2.ringing);
    expect(second).not.toBe(first);
    await send(pbx, { ...leg1.ended, timestamp: new Date(Date.parse(leg1.answered.timestamp) + 37_000).toISOString(), duration_seconds: undefined });
    await send(pbx, leg2.answered);
    expect(await callRow(sys, first)).toMatchObject({ status: 'ended', extension: '1001', user_id: users['agent1@acme.test'], duration_seconds: 37, from_number: '+12025550166' });
    expect(await callRow(sys, second)).toMatchObject({ status: 'in_progress', extension: '1002', user_id: users['agent2@acme.test'], from_number: '+12025550166' });
    // Each agent's console heard its own leg ring (the screen pop), and only its own.
    await until(() => got(two, 'call:ringing').some((d) => d.call.id === second));
    await until(() => got(one, 'call:ended').some((d) => d.call.id === first));
    expect(got(one, 'call:ringing').some((d) => d.call.id === second)).toBe(false);
    expect(got(two, 'call:ringing').some((d) => d.call.id === first)).toBe(false);
    await send(pbx, leg2.ended);
    expect(await callRow(sys, second)).toMatchObject({ status: 'ended', duration_seconds: 58 });
  });

  it('refuses (409) another agent\'s leg reported under the same call_id, so a transfer or a ring group is never silently dropped or moved', async () => {
    const linkedid = pbxId('linked');
    const ev = callEvents(linkedid, -200);
    const callId = await send(pbx, ev.ringing);
    await send(pbx, ev.answered);
    const before = await callsFingerprint(sys);
    // A ring-all group rang agent 2 too, a transfer answered by agent 2: both under the linkedid.
    for (const other of [{ ...ev.ringing, extension: '1002' }, { ...ev.answered, extension: '1002', timestamp: at(-150) }, { ...ev.ended, extension: '7777' }]) {
      const res = await post(pbx, other);
      expectError(res, 409, 'call_leg_conflict', 'body.extension');
      expect(res.body.error.message).toContain('its own call_id');
    }
    expect(await callsFingerprint(sys)).toBe(before);
    expect(await sql(sys, 'select event from pbx_events where pbx_call_id = ? order by id', [linkedid])).toEqual([{ event: 'call.ringing' }, { event: 'call.answered' }]);
    // The leg's own events still go in, the extension compared without case.
    expect(await send(pbx, { ...ev.ended, extension: '1001' })).toBe(callId);
    // A call that rang a queue (no extension yet) and was then answered by an agent is one leg.
    const queued = callEvents(pbxId('queue'), -100);
    const { extension: _none, ...queueRinging } = queued.ringing;
    const q = await send(pbx, queueRinging);
    expect(await send(pbx, { ...queued.answered, extension: '1002' })).toBe(q);
    expect(await callRow(sys, q)).toMatchObject({ status: 'in_progress', extension: '1002', user_id: users['agent2@acme.test'] });
    expectError(await post(pbx, { ...queued.ended, extension: '1001' }), 409, 'call_leg_conflict');
  });

  it('refuses the other extension when two legs of one call_id arrive together: whichever is applied first keeps the call', async () => {
    for (let round = 0; round < 3; round++) {
      const ev = callEvents(pbxId('burst'), -50);
      const bodies = [ev.ringing, { ...ev.answered, extension: '1002' }, { ...ev.ended, extension: '1001' }];
      const answers = await Promise.all(bodies.map((b) => post(pbx, b)));
      const won = answers.flatMap((r, i) => (r.status === 200 ? [bodies[i]] : []));
      const lost = answers.filter((r) => r.status !== 200);
      for (const r of lost) expectError(r, 409, 'call_leg_conflict');
      // One leg's events went in, all under one extension, and nothing of the other.
      const extensions = new Set(won.map((b) => b.extension));
      expect(extensions.size).toBe(1);
      const rows = await rowsFor(sys, { pbx: ev.ringing.call_id });
      expect(rows).toHaveLength(1);
      expect(rows[0].extension).toBe([...extensions][0]);
      const stored = await sql(sys, 'select event from pbx_events where pbx_call_id = ?', [ev.ringing.call_id]);
      expect(stored.map((r) => r.event).sort()).toEqual(won.map((b) => b.event).sort());
    }
  });
});

describe('tenancy', () => {
  it('another tenant\'s key writes to its own tenant: the same PBX call id there is another call, and this tenant\'s rows do not move', async () => {
    const ev = callEvents(pbxId());
    const acmeCall = await send(pbx, ev.ringing);
    const consoleCall = await agent.post(CALLS, startBody({ sipCallId: sipId() }));
    expect(consoleCall.status).toBe(201);
    const before = await callsFingerprint(sys);
    const acmeBefore = await sql(sys, 'select * from calls where tenant_id = ? order by id', [acme]);
    const theirs = await send(globexPbx, { ...ev.answered, extension: '1001' });
    expect(theirs).not.toBe(acmeCall);
    const gid = await send(globexPbx, { ...callEvents(pbxId()).ringing, console_call_id: consoleCall.body.consoleCallId, sip_call_id: consoleCall.body.sipCallId });
    for (const id of [theirs, gid]) {
      const row = await callRow(sys, id);
      expect(Number(row.tenant_id)).toBe(globex);
      // Acme's extension 1001 is nobody in Globex.
      expect(row.user_id).toBeNull();
    }
    expect(await sql(sys, 'select * from calls where tenant_id = ? order by id', [acme])).toEqual(acmeBefore);
    expect(before).not.toBe(await callsFingerprint(sys));
    // Acme cannot read Globex's call, and the other way round.
    expectError(await supervisor.get(`${CALLS}/${theirs}`), 404, 'not_found');
    const gadmin = api.as((await api.login('admin@globex.test')).accessToken);
    expectError(await gadmin.get(`${CALLS}/${acmeCall}`), 404, 'not_found');
  });
});

describe('one record per call', () => {
  it('merges the console\'s report and the PBX\'s events by the X-CC-Call-Id header (console_call_id)', async () => {
    const start = startBody({ sipCallId: sipId() });
    const created = await agent.post(CALLS, start);
    expect(created.status).toBe(201);
    const id = pbxId('linked');
    const ev = callEvents(id, -5, { direction: 'outbound', from: '1001', to: '+12025550123', console_call_id: start.consoleCallId });
    expect(await send(pbx, ev.ringing)).toBe(created.body.id);
    expect(await send(pbx, ev.answered)).toBe(created.body.id);
    expect(await send(pbx, ev.ended)).toBe(created.body.id);
    const rows = await rowsFor(sys, { pbx: id, console: start.consoleCallId, sip: start.sipCallId as string });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ console_call_id: start.consoleCallId, pbx_call_id: id, sip_call_id: start.sipCallId, status: 'ended', duration_seconds: 58 });
    const view = await agent.get(`${CALLS}/${created.body.id}`);
    expect(view.body).toMatchObject({ id: created.body.id, status: 'ended', consoleCallId: start.consoleCallId, pbxCallId: id, durationSeconds: 58, userId: users['agent1@acme.test'] });
  });

  it('merges by the SIP Call-ID whichever side speaks first, and two rows once an id links them', async () => {
    // The PBX first, the console after (its report carries the SIP Call-ID).
    const sip = sipId();
    const p = pbxId();
    const fromPbx = await send(pbx, { ...callEvents(p, -3).ringing, sip_call_id: sip });
    const console = await agent.post(CALLS, startBody({ direction: 'inbound', fromNumber: '+12025550123', toNumber: '1001', sipCallId: sip }));
    expect(console.status).toBe(200);
    expect(console.body.id).toBe(fromPbx);
    expect(console.body).toMatchObject({ pbxCallId: p, sipCallId: sip, direction: 'inbound', status: 'ringing' });
    expect(await rowsFor(sys, { pbx: p, sip })).toHaveLength(1);

    // Neither knows the other's id at first: two rows, merged when the console learns the SIP Call-ID.
    const sip2 = sipId();
    const p2 = pbxId();
    const start = startBody();
    const mine = await agent.post(CALLS, start);
    const theirs = await send(pbx, { ...callEvents(p2, -2, { direction: 'outbound', from: '1001', to: '+12025550123' }).ringing, sip_call_id: sip2 });
    expect(theirs).not.toBe(mine.body.id);
    const answered = await agent.post(`${CALLS}/${mine.body.id}/answered`, { sipCallId: sip2 });
    expect(answered.status).toBe(200);
    expect(answered.body).toMatchObject({ id: mine.body.id, pbxCallId: p2, sipCallId: sip2, consoleCallId: start.consoleCallId, status: 'in_progress' });
    expect(await rowsFor(sys, { pbx: p2, sip: sip2, console: start.consoleCallId })).toHaveLength(1);
    // The PBX's stored events now belong to the merged call, and its next events find it.
    expect((await sql(sys, 'select call_id from pbx_events where pbx_call_id = ?', [p2])).map((r) => Number(r.call_id))).toEqual([mine.body.id]);
    expect(await send(pbx, { ...callEvents(p2, -2, { direction: 'outbound', from: '1001', to: '+12025550123' }).ended })).toBe(mine.body.id);
  });

  it('never makes two rows when the console\'s report and the webhook race', async () => {
    for (let i = 0; i < 8; i++) {
      const sip = sipId();
      const p = pbxId('race');
      const start = startBody({ sipCallId: sip });
      // Half the rounds link by the SIP Call-ID only, half by the console's header too.
      const ev = { ...callEvents(p, -1, { direction: 'outbound', from: '1001', to: '+12025550123' }).ringing, sip_call_id: sip, ...(i % 2 ? { console_call_id: start.consoleCallId } : {}) };
      const [c, w] = await Promise.all([agent.post(CALLS, start), post(pbx, ev)]);
      expect([200, 201]).toContain(c.status);
      expect(w.status).toBe(200);
      expect(w.body.callId).toBe(c.body.id);
      const rows = await rowsFor(sys, { pbx: p, sip, console: start.consoleCallId });
      expect(rows, `round ${i}`).toHaveLength(1);
      expect(rows[0]).toMatchObject({ pbx_call_id: p, console_call_id: start.consoleCallId, sip_call_id: sip });
    }
    // Every event of a new call at once: one row, and it ends up ended.
    const ev = callEvents(pbxId('burst'));
    const all = await Promise.all([ev.ended, ev.ringing, ev.recording, ev.answered].map((e) => post(pbx, e)));
    expect(all.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(new Set(all.map((r) => r.body.callId)).size).toBe(1);
    const [row] = await rowsFor(sys, { pbx: ev.ringing.call_id });
    expect(row).toMatchObject({ status: 'ended', duration_seconds: 58, recording_url: ev.recording.recording_url });
  });
});

describe('bursts (events written in batches)', () => {
  it('applies a burst of many calls at once: one row per call with every event, a duplicate within the burst stored once, each request told which', async () => {
    const calls = Array.from({ length: 30 }, (_, i) => callEvents(pbxId('bulk'), -900 + i));
    // Every event of every call, plus a retry of each ended, all in flight together, in a shuffled order.
    const bodies = calls.flatMap((c) => [c.ringing, c.answered, c.ended, c.ended]);
    for (let i = bodies.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [bodies[i], bodies[j]] = [bodies[j], bodies[i]];
    }
    const answers = await Promise.all(bodies.map((b) => post(pbx, b)));
    expect(answers.map((r) => r.status)).toEqual(Array(bodies.length).fill(200));
    expect(answers.filter((r) => r.body.duplicate === true)).toHaveLength(calls.length);
    for (const c of calls) {
      const mine = answers.filter((_, i) => bodies[i].call_id === c.ringing.call_id);
      expect(new Set(mine.map((r) => r.body.callId)).size, c.ringing.call_id).toBe(1);
      const rows = await rowsFor(sys, { pbx: c.ringing.call_id });
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ id: mine[0].body.callId, status: 'ended', duration_seconds: 58, user_id: users['agent1@acme.test'] });
      expect(new Date(`${rows[0].started_at}Z`).toISOString()).toBe(c.ringing.timestamp);
      const events = await sql(sys, 'select event, call_id from pbx_events where pbx_call_id = ? order by id', [c.ringing.call_id]);
      expect(events.map((e) => e.event).sort()).toEqual(['call.answered', 'call.ended', 'call.ringing']);
      expect(events.every((e) => Number(e.call_id) === rows[0].id)).toBe(true);
    }
  });

  it('fails only the event whose write fails: the rest of its batch is stored and answered', async () => {
    // A database-side fault on one PBX call id (a trigger), so that the batch it lands in fails as a whole.
    const poison = pbxId('poison');
    await sql(sys, `create trigger pbx_poison before insert on pbx_events for each row
                      begin if new.pbx_call_id = '${poison}' then signal sqlstate '45000' set message_text = 'poisoned'; end if; end`);
    try {
      const good = Array.from({ length: 12 }, () => callEvents(pbxId('good'), -700).ringing);
      const bodies = [...good.slice(0, 6), callEvents(poison, -700).ringing, ...good.slice(6)];
      const answers = await Promise.all(bodies.map((b) => post(pbx, b)));
      const bad = answers[6];
      expect(bad.status).toBe(500);
      expect(bad.body.error.code).toBe('internal_error');
      expect(JSON.stringify(bad.body)).not.toContain('poisoned');
      answers.splice(6, 1);
      expect(answers.map((r) => r.status)).toEqual(Array(good.length).fill(200));
      for (const [i, g] of good.entries()) {
        const rows = await rowsFor(sys, { pbx: g.call_id });
        expect(rows.map((r) => r.id)).toEqual([answers[i].body.callId]);
      }
      expect(await rowsFor(sys, { pbx: poison })).toEqual([]);
      expect(await sql(sys, 'select id from pbx_events where pbx_call_id = ?', [poison])).toEqual([]);
    } finally {
      await sql(sys, 'drop trigger if exists pbx_poison');
    }
  });

  it('compares call ids exactly: ids that differ only in case are two calls', async () => {
    const id = `${pbxId('Case')}-AbC`;
    const upper = callEvents(id.toUpperCase(), -650).ringing;
    const lower = callEvents(id.toLowerCase(), -650).ringing;
    const [a, b] = [await post(pbx, upper), await post(pbx, lower)];
    expect([a.status, b.status]).toEqual([200, 200]);
    expect([a.body.duplicate, b.body.duplicate]).toEqual([false, false]);
    expect(a.body.callId).not.toBe(b.body.callId);
    expect((await callRow(sys, a.body.callId)).pbx_call_id).toBe(id.toUpperCase());
    expect((await callRow(sys, b.body.callId)).pbx_call_id).toBe(id.toLowerCase());
  });

  it('keeps each tenant\'s events of one burst in its own tenant, even with the same PBX call ids', async () => {
    const ids = Array.from({ length: 6 }, () => pbxId('twin'));
    const bodies = ids.flatMap((id) => [callEvents(id, -500).ringing, callEvents(id, -500).answered]);
    const answers = await Promise.all(bodies.flatMap((b) => [post(pbx, b), post(globexPbx, b)]));
    expect(answers.map((r) => r.status)).toEqual(Array(bodies.length * 2).fill(200));
    expect(answers.every((r) => r.body.duplicate === false)).toBe(true);
    for (const id of ids) {
      const rows = await rowsFor(sys, { pbx: id });
      expect(rows.map((r) => Number(r.tenant_id)).sort()).toEqual([acme, globex].sort());
      const acmeRow = rows.find((r) => Number(r.tenant_id) === acme);
      const globexRow = rows.find((r) => Number(r.tenant_id) === globex);
      // Extension 1001 is agent1 at Acme and nobody at Globex.
      expect(acmeRow).toMatchObject({ user_id: users['agent1@acme.test'], status: 'in_progress' });
      expect(globexRow).toMatchObject({ user_id: null, status: 'in_progress' });
      const events = await sql(sys, 'select tenant_id, call_id from pbx_events where pbx_call_id = ?', [id]);
      expect(events).toHaveLength(4);
      for (const e of events) expect(Number(e.call_id)).toBe(Number(e.tenant_id) === acme ? acmeRow.id : globexRow.id);
    }
  });

  it('makes one row of a console call that two PBX call ids report in the same burst', async () => {
    const start = startBody();
    const created = await agent.post(CALLS, start);
    expect(created.status).toBe(201);
    const [a, b] = [pbxId('leg-a'), pbxId('leg-b')];
    const legs = [
      { ...callEvents(a, -5, { direction: 'outbound', from: '1001', to: start.toNumber }).ringing, console_call_id: start.consoleCallId },
      { ...callEvents(b, -5, { direction: 'outbound', from: '1001', to: start.toNumber }).answered, console_call_id: start.consoleCallId },
      { ...callEvents(a, -5, { direction: 'outbound', from: '1001', to: start.toNumber }).answered, console_call_id: start.consoleCallId },
    ];
    const answers = await Promise.all(legs.map((l) => post(pbx, l)));
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(answers.map((r) => r.body.callId)).toEqual([created.body.id, created.body.id, created.body.id]);
    // One row, whichever leg's id came first (that one becomes its pbx_call_id).
    const rows = [...await rowsFor(sys, { console: start.consoleCallId, pbx: a }), ...await rowsFor(sys, { pbx: b })];
    expect(new Set(rows.map((r) => r.id))).toEqual(new Set([created.body.id]));
    expect(rows[0]).toMatchObject({ id: created.body.id, console_call_id: start.consoleCallId, status: 'in_progress' });
    expect([a, b]).toContain(rows[0].pbx_call_id);
    const events = await sql(sys, 'select call_id from pbx_events where pbx_call_id in (?, ?)', [a, b]);
    expect(events.map((e) => Number(e.call_id))).toEqual([created.body.id, created.body.id, created.body.id]);
  });

  it('publishes each change as it was committed when several changes of one call are published together', async () => {
    const sup = await socketOf('supervisor@acme.test');
    const ev = callEvents(pbxId('coalesce'), -100);
    const id = await send(pbx, ev.ringing);
    await send(pbx, ev.answered);
    await send(pbx, ev.ended);
    await sys.services.pbxWebhook.idle();
    const since = sup.received.length;
    // The after-commit step getting both changes at once, after both committed (what a busy node does).
    const now = (await selectView(sys.orm.em.fork(), acme, id))!;
    const answered = { ...now, status: 'in_progress' as const, endedAt: null, durationSeconds: null };
    const ringing = { ...answered, status: 'ringing' as const, answeredAt: null };
    await sys.services.calls.afterChanges(sys.orm.em.fork(), acme, [{ before: ringing, after: answered, absorbed: [] }, { before: answered, after: now, absorbed: [] }]);
    await until(() => sup.received.slice(since).filter((e) => e.data?.call?.id === id).length === 2);
    const pushed = sup.received.slice(since).filter((e) => e.data?.call?.id === id);
    expect(pushed.map((e) => [e.type, e.data.call.status])).toEqual([['call:answered', 'in_progress'], ['call:ended', 'ended']]);
    expect(pushed[0].data.call).toMatchObject({ endedAt: null, durationSeconds: null, userName: 'Alex Agent' });
  });

  it('pushes each call\'s events of a burst to supervisors in the order they happened', async () => {
    const sup = await socketOf('supervisor@acme.test');
    const calls = Array.from({ length: 12 }, () => callEvents(pbxId('live'), -400));
    // Each call's events one after the other (as a PBX sends them), the calls all at once.
    const ids = await Promise.all(calls.map(async (c) => {
      const id = await send(pbx, c.ringing);
      await send(pbx, c.answered);
      await send(pbx, c.ended);
      return id;
    }));
    const statusesOf = (id: number) => sup.received.filter((e) => e.type.startsWith('call:') && e.data.call?.id === id).map((e) => [e.seq, e.data.call.status]);
    await until(() => ids.every((id) => statusesOf(id).length === 3));
    for (const id of ids) {
      const seen = statusesOf(id);
      expect(seen.map(([, st]) => st)).toEqual(['ringing', 'in_progress', 'ended']);
      expect(seen.map(([seq]) => seq)).toEqual([...seen.map(([seq]) => seq)].sort((x, y) => x - y));
    }
    // Each ringing carried its screen pop.
    const pops = got(sup, 'call:ringing').filter((d) => ids.includes(d.call.id));
    expect(pops).toHaveLength(ids.length);
    expect(pops.every((d) => d.screenPop?.number === '+12025550123')).toBe(true);
  });
});

describe('live events, screen pop and recordings', () => {
  it('pushes the screen pop to the agent whose extension rings: the lead matched by E.164 number with its latest activity; lookup gives the same', async () => {
    const lead = await agent.post('/api/v1/leads', { name: 'Pat Caller', companyName: 'Ring Co', phone: '(202) 555-0143' });
    expect(lead.status).toBe(201);
    expect((await agent.post(`/api/v1/leads/${lead.body.id}/notes`, { note: 'Wants a quote for 40 seats' })).status).toBe(201);
    const [mine, other] = [await socketOf('agent1@acme.test'), await socketOf('agent2@acme.test')];
    const id = await send(pbx, callEvents(pbxId(), -2, { from: '+1-202-555-0143' }).ringing);
    await until(() => got(mine, 'call:ringing').some((d) => d.call.id === id));
    const ringing = got(mine, 'call:ringing').find((d) => d.call.id === id);
    expect(ringing.call).toMatchObject({ id, status: 'ringing', userId: users['agent1@acme.test'], fromNumber: '+12025550143', relatedType: 'lead', relatedId: lead.body.id, relatedName: 'Pat Caller', recordingUrl: null });
    expect(ringing.screenPop).toEqual({
      number: '+12025550143',
      match: { type: 'lead', id: lead.body.id, name: 'Pat Caller', companyName: 'Ring Co', statusName: 'New', statusColor: '#3B82F6' },
      latestActivity: { type: 'note', createdAt: expect.any(String), summary: 'Wants a quote for 40 seats' },
    });
    const lookup = await agent.get(`${CALLS}/lookup?number=${encodeURIComponent('202.555.0143')}`);
    expect(lookup.status).toBe(200);
    expect(lookup.body).toEqual(ringing.screenPop);
    // A contact (no lead with that number), and nobody.
    const contact = await agent.get(`${CALLS}/lookup?number=%2B12025551002`);
    expect(contact.body).toMatchObject({ number: '+12025551002', match: { type: 'contact', id: expect.any(Number), companyName: null, statusName: null }, latestActivity: null });
    expect((await agent.get(`${CALLS}/lookup?number=1001`)).body).toEqual({ number: '1001', match: null, latestActivity: null });
    // Another agent without calls.view_all or dashboard.view does not get it.
    expect(got(other, 'call:ringing').some((d) => d.call.id === id)).toBe(false);
  });

  it('shows the recording URL only to holders of calls.recordings.view, over REST and sockets', async () => {
    const [mine, sup, viewer] = [await socketOf('agent1@acme.test'), await socketOf('supervisor@acme.test'), await socketOf('viewer@acme.test')];
    const ev = callEvents(pbxId('rec'), -120);
    const id = await send(pbx, ev.ringing);
    await send(pbx, ev.answered);
    await send(pbx, ev.ended);
    await send(pbx, ev.recording);
    const url = ev.recording.recording_url;
    await until(() => got(sup, 'call:recording').some((d) => d.callId === id));
    expect(got(sup, 'call:recording').find((d) => d.callId === id)).toEqual({ callId: id, userId: users['agent1@acme.test'], recordingUrl: url });
    // The recording being ready reaches the agent and everyone else who sees the call too, without the URL: the
    // call's event again, now with hasRecording (the console shows that a recording exists).
    await until(() => [mine, viewer].every((s) => got(s, 'call:ended').some((d) => d.call.id === id && d.call.hasRecording === true)));
    for (const s of [mine, viewer]) expect(got(s, 'call:ended').filter((d) => d.call.id === id).map((d) => d.call.hasRecording)).toEqual([false, true]);
    for (const s of [mine, sup, viewer]) {
      for (const e of s.received.filter((x) => x.type.startsWith('call:') && x.type !== 'call:recording')) expect(e.data.call.recordingUrl).toBeNull();
    }
    // The agent (and the read-only viewer) never receive the URL in any event.
    await new Promise((r) => setTimeout(r, 200));
    for (const s of [mine, viewer]) {
      expect(got(s, 'call:recording')).toEqual([]);
      expect(JSON.stringify(s.received)).not.toContain(url);
    }
    const asAgent = await agent.get(`${CALLS}/${id}`);
    expect(asAgent.body).toMatchObject({ id, hasRecording: true, recordingUrl: null });
    expect((await agent.get(`${CALLS}?limit=200`)).body.data.find((c: any) => c.id === id)).toMatchObject({ hasRecording: true, recordingUrl: null });
    expect((await supervisor.get(`${CALLS}/${id}`)).body).toMatchObject({ id, hasRecording: true, recordingUrl: url });
    expect((await supervisor.get(`${CALLS}?limit=200`)).body.data.find((c: any) => c.id === id)).toMatchObject({ recordingUrl: url });
    // Even after a reconnect: the catch-up replays call:recording only to those who may see it.
    const again = await socketOf('agent1@acme.test');
    const replay = await (again.timeout(5000) as any).emitWithAck('sync:catchup', { lastSeq: 0 });
    expect(replay.ok).toBe(true);
    expect(JSON.stringify(replay.data)).not.toContain(url);
    expect(agent2).toBeDefined();
  });
});

describe('the API reference', () => {
  it('documents the webhook: its auth, body and answers', async () => {
    const doc: any = await (await fetch(`${sys.baseUrl}/api/v1/openapi.json`)).json();
    const op = doc.paths['/webhooks/pbx']?.post;
    expect(op).toBeDefined();
    expect(op.security).toEqual([{ apiKey: [] }]);
    expect(op.description).toMatch(/pbx` scope/);
    expect(op.description).toMatch(/duplicate: true/);
    expect(op.description).toMatch(/X-CC-Call-Id/);
    expect(op.description).toMatch(/call_leg_conflict/);
    expect(op.description).toMatch(/api_key_rate_limited/);
    expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['200', '400', '401', '403', '409', '422', '429']));
    const body = op.requestBody.content['application/json'].schema;
    const schema = body.$ref ? doc.components.schemas[body.$ref.split('/').pop()] : body;
    expect(schema.properties.event.enum).toEqual(['call.ringing', 'call.answered', 'call.ended', 'call.recording_ready']);
    expect(schema.required).toEqual(expect.arrayContaining(['event', 'call_id', 'direction', 'from', 'to', 'timestamp']));
  });
});
