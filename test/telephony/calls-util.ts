import { randomUUID } from 'node:crypto';
import { expect } from 'vitest';
import type { Api, ApiResponse } from '../helpers/api.ts';
import type { TestSystem } from '../helpers/system.ts';
import { sql } from '../helpers/seeded.ts';

/** Helpers shared by the call tests (calls, PBX webhook, wrap-up, live figures). */

export const WEBHOOK = '/webhooks/pbx';
export const CALLS = '/api/v1/calls';

/**
 * What the call tests start from: `emails` signed in (clients and access tokens, in order), a PBX key
 * made by the first of them (an admin), user ids by email, tenant ids by name, and Acme's id and
 * call dispositions by name.
 */
export async function signInForCalls(sys: TestSystem, api: Api, emails: string[], pbxKeyName = 'PBX') {
  const sessions = await Promise.all(emails.map((e) => api.login(e)));
  const pbxKey = await sessions[0].api.post('/api/v1/api-keys', { name: pbxKeyName, scopes: ['pbx'] });
  const users: Record<string, number> = Object.fromEntries((await sql(sys, 'select id, email from users')).map((r) => [r.email, Number(r.id)]));
  const tenants: Record<string, number> = Object.fromEntries((await sql(sys, 'select id, name from tenants')).map((r) => [r.name, Number(r.id)]));
  const acme = tenants['Acme Support'];
  const disp: Record<string, number> = Object.fromEntries((await sql(sys, 'select id, name from call_dispositions where tenant_id = ?', [acme])).map((r) => [r.name, Number(r.id)]));
  return {
    apis: sessions.map((s) => s.api),
    tokens: Object.fromEntries(sessions.map((s) => [s.user.email, s.accessToken])) as Record<string, string>,
    pbxKey,
    pbx: api.as(pbxKey.body.key),
    users, tenants, acme, disp,
  };
}

let n = 0;
/** A fresh PBX call id / SIP Call-ID. */
export const pbxId = (p = 'pbx') => `${p}-${Date.now().toString(36)}-${++n}`;
export const sipId = () => `${randomUUID()}@sip.test`;
export const uuid = () => randomUUID();

/** An ISO time `seconds` from now, whole seconds (what the database keeps). */
export function at(seconds: number): string {
  return new Date(Math.floor(Date.now() / 1000) * 1000 + seconds * 1000).toISOString();
}

export type PbxEvent = {
  event: 'call.ringing' | 'call.answered' | 'call.ended' | 'call.recording_ready';
  call_id: string; direction: 'inbound' | 'outbound'; from: string; to: string; extension?: string; timestamp: string;
  duration_seconds?: number; recording_url?: string; sip_call_id?: string; console_call_id?: string;
};

/** An inbound call to agent1's extension, ringing at `t0` (seconds from now). */
export function callEvents(callId: string, t0 = -600, extra: Partial<PbxEvent> = {}) {
  const base = { call_id: callId, direction: 'inbound' as const, from: '+12025550123', to: '+12025550100', extension: '1001', ...extra };
  return {
    ringing: { ...base, event: 'call.ringing' as const, timestamp: at(t0) },
    answered: { ...base, event: 'call.answered' as const, timestamp: at(t0 + 5) },
    ended: { ...base, event: 'call.ended' as const, timestamp: at(t0 + 65), duration_seconds: 58 },
    recording: { ...base, event: 'call.recording_ready' as const, timestamp: at(t0 + 70), recording_url: `https://pbx.example/rec/${callId}.wav` },
  };
}

export async function post(pbx: Api, body: unknown): Promise<ApiResponse> {
  return pbx.post(WEBHOOK, body);
}

/** Posts an event and expects it stored (not a duplicate); returns our call id. */
export async function send(pbx: Api, body: unknown): Promise<number> {
  const res = await pbx.post(WEBHOOK, body);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  expect(res.body).toMatchObject({ ok: true, duplicate: false, callId: expect.any(Number) });
  return res.body.callId;
}

/** A call row straight from the database. */
export async function callRow(sys: TestSystem, id: number): Promise<any> {
  const [row] = await sql(sys, 'select * from calls where id = ?', [id]);
  return row;
}

/** The rows that carry any of these ids. */
export async function rowsFor(sys: TestSystem, ids: { pbx?: string; console?: string; sip?: string }): Promise<any[]> {
  return sql(sys, 'select * from calls where pbx_call_id = ? or console_call_id = ? or sip_call_id = ? order by id', [ids.pbx ?? '-', ids.console ?? '-', ids.sip ?? '-']);
}

/** The console's report of a call it places (agent1's extension 1001 calling `to`). */
export function startBody(extra: Record<string, unknown> = {}): { consoleCallId: string; direction: string; fromNumber: string; toNumber: string; sipCallId?: string; [k: string]: unknown } {
  return { consoleCallId: uuid(), direction: 'outbound', fromNumber: '1001', toNumber: '+12025550123', ...extra };
}

export async function startCall(agent: Api, extra: Record<string, unknown> = {}): Promise<any> {
  const res = await agent.post(CALLS, startBody(extra));
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

/** A call the agent placed, answered and ended from the console: ready for wrap-up. */
export async function endedCall(agent: Api, extra: Record<string, unknown> = {}): Promise<any> {
  const call = await startCall(agent, extra);
  expect((await agent.post(`${CALLS}/${call.id}/answered`, {})).status).toBe(200);
  const ended = await agent.post(`${CALLS}/${call.id}/ended`, {});
  expect(ended.status, JSON.stringify(ended.body)).toBe(200);
  return ended.body;
}

/** An error answer in the contract's shape. */
export function expectError(res: ApiResponse, status: number, code?: string, path?: string): void {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.body).toEqual({ error: expect.objectContaining({ code: expect.any(String), message: expect.any(String) }) });
  if (code) expect(res.body.error.code, JSON.stringify(res.body)).toBe(code);
  if (path) expect((res.body.error.details ?? []).map((d: any) => d.path), JSON.stringify(res.body)).toContain(path);
}

/** A fingerprint of the call tables, to prove a request changed nothing. */
export async function callsFingerprint(sys: TestSystem): Promise<string> {
  const parts = await Promise.all([
    sql(sys, 'select * from calls order by id'),
    sql(sys, 'select id, tenant_id, pbx_call_id, event, call_id, occurred_at from pbx_events order by id'),
  ]);
  return JSON.stringify(parts);
}

/** Events of `type` a socket received so far (their data). */
export const got = (socket: { received: any[] }, type: string) => socket.received.filter((e) => e.type === type).map((e) => e.data);
