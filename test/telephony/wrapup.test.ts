import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSeeded, sql } from '../helpers/seeded.ts';
import type { TestSystem } from '../helpers/system.ts';
import type { Api } from '../helpers/api.ts';
import { command, connectSocket, until, type ClientSocket } from '../helpers/sockets.ts';
import { selectView } from '../../server/telephony/calls.store.ts';
import { CALLS, at, callEvents, endedCall, expectError, got, pbxId, send, startCall, signInForCalls } from './calls-util.ts';

/**
 * The wrap-up of a call: the rules (a disposition; notes when it requires them;
 * the pipeline's status rules), the one transaction (call, call activity, lead
 * status, last_contacted_at, audit — all or nothing), the events, and the agent's
 * presence (on a call → wrap-up → available, by hand or after the tenant's
 * wrap-up timeout, which runs as a BullMQ job: ROLE=all here).
 */

let sys: TestSystem;
let api: Api;
let agent: Api;
let supervisor: Api;
let admin: Api;
let pbx: Api;
let tokens: Record<string, string>;
let users: Record<string, number>;
let acme: number;
let disp: Record<string, number>;
let st: Record<string, number>;
const open: ClientSocket[] = [];

beforeAll(async () => {
  ({ sys, api } = await startSeeded('tel_wrapup', { ROLE: 'all' }));
  let apis: Api[];
  ({ apis, tokens, pbx, users, acme, disp } = await signInForCalls(sys, api, ['admin@acme.test', 'agent1@acme.test', 'supervisor@acme.test']));
  [admin, agent, supervisor] = apis;
  st = Object.fromEntries((await sql(sys, 'select id, name from lead_statuses where tenant_id = ?', [acme])).map((r) => [r.name, Number(r.id)]));
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

let phone = 0;
/** A lead of agent1's with a phone of its own; calls to that number link to it. */
async function newLead(name: string): Promise<any> {
  const res = await agent.post('/api/v1/leads', { name, phone: `+1202555${String(200 + ++phone).padStart(4, '0')}`, assignedToId: users['agent1@acme.test'] });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

/** Everything a wrap-up writes, to prove a refused one wrote nothing. */
async function fingerprint(leadId?: number): Promise<string> {
  return JSON.stringify(await Promise.all([
    sql(sys, 'select id, status, disposition_id, wrapup_notes, closed_at, related_type, related_id from calls order by id'),
    sql(sys, 'select id, lead_status_id, last_contacted_at, next_followup_at, version from leads where id = ?', [leadId ?? 0]),
    sql(sys, 'select id, lead_id, type from lead_activities order by id'),
    sql(sys, 'select count(*) n from audit_logs'),
  ]));
}

const presenceOf = async (userId: number) => (await sys.services.presence.current(acme, userId))?.state;

describe('the rules', () => {
  it('refuses a close that breaks a rule, and writes nothing', async () => {
    const lead = await newLead('Rule Tester');
    const ringing = await startCall(agent, { toNumber: lead.phone });
    const call = await endedCall(agent, { toNumber: lead.phone });
    expect(call.relatedId).toBe(lead.id);
    const bare = await endedCall(agent, { toNumber: '+12025550123' });
    const before = await fingerprint(lead.id);
    const close = (body: Record<string, unknown>, id = call.id) => agent.post(`${CALLS}/${id}/close`, body);
    expectError(await close({ dispositionId: disp.Answered }, ringing.id), 409, 'call_not_ended');
    expectError(await close({}), 422, 'disposition_required', 'body.dispositionId');
    expectError(await close({ notes: 'no disposition' }), 422, 'disposition_required', 'body.dispositionId');
    expectError(await close({ dispositionId: 99999999 }), 422, 'unknown_disposition', 'body.dispositionId');
    const [{ id: retired }] = await sql(sys, "insert into call_dispositions (tenant_id, name, sort_order, is_default, requires_note, is_active) values (?, 'Old outcome', 99, 0, 0, 0) returning id", [acme]);
    expectError(await close({ dispositionId: Number(retired) }), 422, 'unknown_disposition', 'body.dispositionId');
    expectError(await close({ dispositionId: disp['Follow-up Required'] }), 422, 'notes_required', 'body.notes');
    expectError(await close({ dispositionId: disp['Follow-up Required'], notes: '   ' }), 422, 'notes_required', 'body.notes');
    expectError(await close({ dispositionId: disp.Answered, notes: 'x'.repeat(5001) }), 400, 'validation_failed', 'body.notes');
    // The lead's status rules, as for a move on the board.
    expectError(await close({ dispositionId: disp.Answered, leadStatusId: st.Proposal }), 422, 'move_requirements', 'body.nextFollowupAt');
    expectError(await close({ dispositionId: disp.Answered, leadStatusId: st.Lost }), 422, 'move_requirements', 'body.notes');
    expectError(await close({ dispositionId: disp.Answered, leadStatusId: st.Proposal, nextFollowupAt: at(-3600) }), 422, 'followup_in_past', 'body.nextFollowupAt');
    expectError(await close({ dispositionId: disp.Answered, leadStatusId: st.Won, nextFollowupAt: at(86_400) }), 422, 'lead_closed', 'body.nextFollowupAt');
    expectError(await close({ dispositionId: disp.Answered, leadStatusId: 99999999 }), 422, 'unknown_status', 'body.leadStatusId');
    expectError(await close({ dispositionId: disp.Answered, leadId: 99999999 }), 422, 'lead_mismatch', 'body.leadId');
    // A call linked to no lead: a lead status needs leadId.
    expectError(await close({ dispositionId: disp.Answered, leadStatusId: st.Contacted }, bare.id), 422, 'no_lead', 'body.leadStatusId');
    expectError(await close({ dispositionId: disp.Answered, leadId: 99999999 }, bare.id), 422, 'unknown_lead', 'body.leadId');
    expect(await fingerprint(lead.id)).toBe(before);
  });
});

describe('closing', () => {
  it('writes the call, a call activity, the lead\'s status and last_contacted_at and the audit row; pushes the events; a second close is 409', async () => {
    const lead = await newLead('Quote Seeker');
    const mine = await socketOf('agent1@acme.test');
    const sup = await socketOf('supervisor@acme.test');
    expect((await command(mine, 'room:join', { type: 'lead', id: lead.id })).ok).toBe(true);
    const started = await startCall(agent, { toNumber: lead.phone });
    await agent.post(`${CALLS}/${started.id}/answered`, { at: at(-95) });
    const call = (await agent.post(`${CALLS}/${started.id}/ended`, {})).body;
    expect(call.durationSeconds).toBeGreaterThanOrEqual(94);
    const followup = at(2 * 86_400);
    const res = await agent.post(`${CALLS}/${call.id}/close`, { dispositionId: disp.Answered, notes: 'Sending the quote today', leadStatusId: st.Proposal, nextFollowupAt: followup });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ id: call.id, status: 'closed', dispositionId: disp.Answered, dispositionName: 'Answered', wrapupNotes: 'Sending the quote today', closedAt: expect.any(String), relatedType: 'lead', relatedId: lead.id });

    const [row] = await sql(sys, 'select status, disposition_id, wrapup_notes, closed_at from calls where id = ?', [call.id]);
    expect(row).toMatchObject({ status: 'closed', wrapup_notes: 'Sending the quote today' });
    const acts = (await sql(sys, 'select type, payload, user_id from lead_activities where lead_id = ? order by id', [lead.id])).map((a) => ({ ...a, payload: JSON.parse(a.payload) }));
    expect(acts.map((a) => a.type)).toEqual(['call', 'status_change', 'followup']);
    expect(acts[0].payload).toEqual({ call_id: call.id, direction: 'outbound', duration: call.durationSeconds, outcome: 'Answered', disposition_id: disp.Answered, notes: 'Sending the quote today' });
    expect(acts[1].payload).toMatchObject({ from_status: 'New', to_status: 'Proposal' });
    const [l] = await sql(sys, 'select lead_status_id, last_contacted_at, next_followup_at, version from leads where id = ?', [lead.id]);
    expect(Number(l.lead_status_id)).toBe(st.Proposal);
    expect(new Date(`${l.last_contacted_at}Z`).toISOString()).toBe(call.endedAt);
    expect(new Date(`${l.next_followup_at}Z`).toISOString()).toBe(followup);
    expect(Number(l.version)).toBe(lead.version + 1);
    const [a] = await sql(sys, "select user_id, entity_type, entity_id, changes from audit_logs where action = 'call.closed' and entity_id = ?", [call.id]);
    expect(a).toMatchObject({ entity_type: 'call' });
    expect(Number(a.user_id)).toBe(users['agent1@acme.test']);
    expect(JSON.parse(a.changes)).toMatchObject({ dispositionId: disp.Answered, leadId: lead.id, leadStatusId: st.Proposal });

    await until(() => got(sup, 'call:closed').some((d) => d.call.id === call.id) && got(mine, 'lead:activity').some((d) => d.type === 'call' && d.leadId === lead.id));
    expect(got(mine, 'call:closed').find((d) => d.call.id === call.id).call).toMatchObject({ status: 'closed', dispositionName: 'Answered', recordingUrl: null });
    expect(got(mine, 'lead:moved').some((d) => d.lead.id === lead.id && d.toStatusId === st.Proposal)).toBe(true);
    expect(got(mine, 'lead:activity').filter((d) => d.leadId === lead.id).map((d) => d.type).sort()).toEqual(['call', 'followup', 'status_change']);

    expectError(await agent.post(`${CALLS}/${call.id}/close`, { dispositionId: disp.Busy }), 409, 'call_closed');
    expect((await agent.get(`${CALLS}/${call.id}`)).body.dispositionName).toBe('Answered');
  });

  it('records the notes as the move\'s note when the status requires one; without a status, only the call activity and last_contacted_at', async () => {
    const lost = await newLead('Not Interested');
    const c1 = await endedCall(agent, { toNumber: lost.phone });
    const r1 = await agent.post(`${CALLS}/${c1.id}/close`, { dispositionId: disp['Wrong Number'], notes: 'Went with a competitor', leadStatusId: st.Lost });
    expect(r1.status, JSON.stringify(r1.body)).toBe(200);
    const a1 = (await sql(sys, 'select type, payload from lead_activities where lead_id = ? order by id', [lost.id])).map((a) => [a.type, JSON.parse(a.payload)]);
    expect(a1.map(([t]) => t)).toEqual(['call', 'status_change', 'note']);
    expect(a1[2][1]).toEqual({ note: 'Went with a competitor' });

    const plain = await newLead('Just Checking In');
    const c2 = await endedCall(agent, { toNumber: plain.phone });
    const r2 = await agent.post(`${CALLS}/${c2.id}/close`, { dispositionId: disp.Voicemail });
    expect(r2.status).toBe(200);
    expect((await sql(sys, 'select type from lead_activities where lead_id = ?', [plain.id])).map((a) => a.type)).toEqual(['call']);
    const [l] = await sql(sys, 'select lead_status_id, last_contacted_at, version from leads where id = ?', [plain.id]);
    expect(Number(l.lead_status_id)).toBe(st.New);
    expect(l.last_contacted_at).not.toBeNull();
    expect(Number(l.version)).toBe(plain.version + 1);

    // Linked at close: a call to an unknown number, then leadId.
    const c3 = await endedCall(agent, { toNumber: '+12025550123' });
    expect(c3.relatedId).toBeNull();
    const r3 = await agent.post(`${CALLS}/${c3.id}/close`, { dispositionId: disp.Answered, leadId: plain.id, leadStatusId: st.Contacted });
    expect(r3.body).toMatchObject({ relatedType: 'lead', relatedId: plain.id, status: 'closed' });
    expect(Number((await sql(sys, 'select lead_status_id from leads where id = ?', [plain.id]))[0].lead_status_id)).toBe(st.Contacted);
  });

  it('is one transaction: when its last write fails, nothing of it is written', async () => {
    const lead = await newLead('Half Written');
    const call = await endedCall(agent, { toNumber: lead.phone });
    const before = await fingerprint(lead.id);
    const jobsBefore = (await sys.services.followups.queue.getJobs(['delayed'])).length;
    // The agent's and a supervisor's consoles: nothing is published for a close that did not commit.
    const [mine, sup] = [await socketOf('agent1@acme.test'), await socketOf('supervisor@acme.test')];
    const aboutIt = (s: { received: any[] }) => s.received.filter((e) => (e.type === 'call:closed' && e.data.call.id === call.id) || (e.type.startsWith('lead:') && (e.data.id === lead.id || e.data.leadId === lead.id)));
    // The audit row is the last write of a close: make the database refuse it.
    await sql(sys, "create trigger fail_call_close before insert on audit_logs for each row begin if new.action = 'call.closed' then signal sqlstate '45000' set message_text = 'forced failure'; end if; end");
    try {
      const res = await agent.post(`${CALLS}/${call.id}/close`, { dispositionId: disp['Follow-up Required'], notes: 'Call back Tuesday', leadStatusId: st.Proposal, nextFollowupAt: at(3 * 86_400) });
      expect(res.status).toBe(500);
    } finally {
      await sql(sys, 'drop trigger fail_call_close');
    }
    expect(await fingerprint(lead.id)).toBe(before);
    expect((await sys.services.followups.queue.getJobs(['delayed'])).length).toBe(jobsBefore);
    expect((await agent.get(`${CALLS}/${call.id}`)).body).toMatchObject({ status: 'ended', dispositionId: null, wrapupNotes: null });
    await new Promise((r) => setTimeout(r, 300));
    expect([...aboutIt(mine), ...aboutIt(sup)]).toEqual([]);
    // And it can be closed once the failure is gone; then, and only then, the consoles hear it (once each).
    expect((await agent.post(`${CALLS}/${call.id}/close`, { dispositionId: disp['Follow-up Required'], notes: 'Call back Tuesday', leadStatusId: st.Proposal, nextFollowupAt: at(3 * 86_400) })).status).toBe(200);
    await until(() => [mine, sup].every((s) => s.received.some((e) => e.type === 'call:closed' && e.data.call.id === call.id)));
    for (const s of [mine, sup]) expect(s.received.filter((e) => e.type === 'call:closed' && e.data.call.id === call.id)).toHaveLength(1);
  });
});

describe('presence', () => {
  it('follows the call: on a call when answered, wrap-up when ended, available when closed; the agent\'s socket sees each change', async () => {
    const me = users['agent1@acme.test'];
    const mine = await socketOf('agent1@acme.test');
    await sys.services.presence.setBySystem(acme, me, 'available');
    const states = () => got(mine, 'presence:changed').filter((p) => p.userId === me).map((p) => p.state);
    const seen = states().length;
    const call = await startCall(agent);
    await agent.post(`${CALLS}/${call.id}/answered`, {});
    await until(() => states().at(-1) === 'on_call');
    // On a call, the agent cannot pick another state by hand.
    expect(await command(mine, 'presence:set', { state: 'away' })).toMatchObject({ ok: false, code: 'on_call' });
    await agent.post(`${CALLS}/${call.id}/ended`, {});
    await until(() => states().at(-1) === 'wrap_up');
    expect(await presenceOf(me)).toBe('wrap_up');
    await agent.post(`${CALLS}/${call.id}/close`, { dispositionId: disp.Answered });
    await until(() => states().at(-1) === 'available');
    expect(states().slice(seen)).toEqual(['on_call', 'wrap_up', 'available']);

    // The same from the PBX's events alone (a desk phone): answered → on a call, ended → wrap-up. The
    // webhook answers once the event is stored; presence follows right after (settled waits for it).
    const settled = async (body: unknown) => {
      const id = await send(pbx, body);
      await sys.services.pbxWebhook.idle();
      return id;
    };
    const ev = callEvents(pbxId(), -30);
    const id = await settled(ev.ringing);
    expect(await presenceOf(me)).toBe('available');
    await settled(ev.answered);
    expect(await presenceOf(me)).toBe('on_call');
    await settled(ev.ended);
    expect(await presenceOf(me)).toBe('wrap_up');
    // A late duplicate does not put the agent back on a call.
    await agent.post(`${CALLS}/${id}/answered`, {});
    expect(await presenceOf(me)).toBe('wrap_up');
    expect((await agent.post(`${CALLS}/${id}/close`, { dispositionId: disp.Answered })).status).toBe(200);
    expect(await presenceOf(me)).toBe('available');
    // A call that rang out unanswered waits for its disposition too.
    const missed = callEvents(pbxId(), -20);
    const missedId = await settled(missed.ringing);
    expect(await presenceOf(me)).toBe('available');
    await settled({ ...missed.ended, duration_seconds: 0 });
    expect(await presenceOf(me)).toBe('wrap_up');
    expect((await agent.post(`${CALLS}/${missedId}/close`, { dispositionId: disp['No Answer'] })).status).toBe(200);
    expect(await presenceOf(me)).toBe('available');
    // The read side: time in each state, as /presence/time-in-state counts it.
    const time = await supervisor.get('/api/v1/presence/time-in-state');
    expect(time.body.data.find((r: any) => r.userId === me).seconds).toHaveProperty('wrap_up');
  });

  it('leaves presence alone when a call\'s "ended" is applied after its wrap-up was already saved (the PBX\'s event applied late)', async () => {
    const me = users['agent1@acme.test'];
    const em = () => sys.orm.em.fork();
    // What the webhook's after-commit step gets: the change as it committed (answered → ended).
    const staleEnded = async (id: number) => {
      const now = (await selectView(em(), acme, id))!;
      return sys.services.calls.afterChanges(em(), acme, [{ before: { ...now, status: 'in_progress', endedAt: null, closedAt: null, dispositionId: null }, after: { ...now, status: 'ended', closedAt: null, dispositionId: null }, absorbed: [] }]);
    };
    // Still waiting for its disposition: the agent goes to wrap-up.
    const open = await endedCall(agent);
    await sys.services.presence.setBySystem(acme, me, 'available');
    await staleEnded(open.id);
    expect(await presenceOf(me)).toBe('wrap_up');
    expect((await agent.post(`${CALLS}/${open.id}/close`, { dispositionId: disp.Answered })).status).toBe(200);
    expect(await presenceOf(me)).toBe('available');
    // Closed already: the late "ended" does not send the agent back to wrap-up.
    await staleEnded(open.id);
    expect(await presenceOf(me)).toBe('available');
  });

  it('returns the agent to available after the tenant\'s wrap-up timeout (a BullMQ job), unless they left wrap-up already', async () => {
    const me = users['agent1@acme.test'];
    // A tenant setting (PATCH /settings, settings.manage), kept in the tenant's settings as telephony.wrapupTimeoutSeconds.
    expectError(await admin.patch('/api/v1/settings', { wrapupTimeoutSeconds: -1 }), 400, 'validation_failed', 'body.wrapupTimeoutSeconds');
    expectError(await agent.patch('/api/v1/settings', { wrapupTimeoutSeconds: 1 }), 403, 'forbidden');
    const set = await admin.patch('/api/v1/settings', { wrapupTimeoutSeconds: 1 });
    expect(set.body).toMatchObject({ wrapupTimeoutSeconds: 1, timezone: 'America/New_York' });
    const [t] = await sql(sys, 'select settings from tenants where id = ?', [acme]);
    expect(JSON.parse(t.settings)).toMatchObject({ telephony: { wrapupTimeoutSeconds: 1 } });
    try {
      const call = await endedCall(agent);
      expect(await presenceOf(me)).toBe('wrap_up');
      const job = await sys.services.wrapupTimers.queue.getJob(`wrapup-${acme}-${call.id}`);
      expect(job?.data).toMatchObject({ tenantId: acme, userId: me, callId: call.id });
      await until(async () => (await presenceOf(me)) === 'available', 8000, 100);
      // The call still waits for its disposition.
      expect((await agent.get(`${CALLS}/${call.id}`)).body.status).toBe('ended');
      await until(async () => (await job!.getState()) === 'completed', 5000, 100);
      expect(await job!.getState()).toBe('completed');
      expect(job!.returnvalue ?? (await sys.services.wrapupTimers.queue.getJob(job!.id!))?.returnvalue).toBe('available');

      // Left wrap-up by hand before the timeout (away): the job does nothing.
      const second = await endedCall(agent);
      await sys.services.presence.setByAgent(acme, me, 'away', null);
      const j2 = await sys.services.wrapupTimers.queue.getJob(`wrapup-${acme}-${second.id}`);
      await until(async () => (await j2!.getState()) === 'completed', 8000, 100);
      expect((await sys.services.wrapupTimers.queue.getJob(j2!.id!))?.returnvalue).toBe('skipped');
      expect(await presenceOf(me)).toBe('away');
    } finally {
      expect((await admin.patch('/api/v1/settings', { wrapupTimeoutSeconds: 0 })).body.wrapupTimeoutSeconds).toBe(0);
    }
  });
});
