import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSeeded, sql } from '../helpers/seeded.ts';
import type { TestSystem } from '../helpers/system.ts';
import type { Api } from '../helpers/api.ts';
import { connectSocket, until } from '../helpers/sockets.ts';
import { CALLS, callRow, pbxId, send, startCall, at } from './calls-util.ts';

/**
 * A console that dies mid-call (a crashed tab, a laptop closed) never reports the end of the
 * calls it alone knew about. When its agent goes offline (every socket gone past the grace
 * period), those calls end; a call the PBX reports is left to the PBX's own call.ended.
 */

const GRACE = 1500;
let sys: TestSystem;
let api: Api;
let agent: Api;
let pbx: Api;
let agentToken: string;
let supervisorSocket: Awaited<ReturnType<typeof connectSocket>>;
let agentId: number;

beforeAll(async () => {
  ({ sys, api } = await startSeeded('tel_abandoned', { PRESENCE_GRACE_MS: GRACE, PRESENCE_SWEEP_MS: 300, PRESENCE_HEARTBEAT_MS: 300 }));
  const a = await api.login('agent1@acme.test');
  agent = a.api;
  agentToken = a.accessToken;
  const admin = (await api.login('admin@acme.test')).api;
  const key = await admin.post('/api/v1/api-keys', { name: 'PBX', scopes: ['pbx'] });
  pbx = api.as(key.body.key);
  supervisorSocket = await connectSocket(sys.baseUrl, (await api.login('supervisor@acme.test')).accessToken);
  [{ id: agentId }] = await sql(sys, "select id from users where email = 'agent1@acme.test'");
  agentId = Number(agentId);
});
afterAll(async () => {
  supervisorSocket?.close();
  await sys?.stop();
});

describe('an agent whose console died mid-call', () => {
  it('has the calls only the console knew ended when they go offline; a call the PBX reports stays its business', async () => {
    const socket = await connectSocket(sys.baseUrl, agentToken);
    const lonely = await startCall(agent);
    expect((await agent.post(`${CALLS}/${lonely.id}/answered`, {})).status).toBe(200);
    const ringingOnly = await startCall(agent, { toNumber: '+12025550188' });
    // A call the PBX knows too (it passed the console's id back).
    const known = await startCall(agent, { toNumber: '+12025550177' });
    const pbxCall = pbxId();
    const base = { call_id: pbxCall, direction: 'outbound' as const, from: '1001', to: '+12025550177', extension: '1001', console_call_id: known.consoleCallId };
    expect(await send(pbx, { ...base, event: 'call.ringing', timestamp: at(-5) })).toBe(known.id);
    await send(pbx, { ...base, event: 'call.answered', timestamp: at(-3) });
    await until(async () => (await sql(sys, "select state from presence_events where user_id = ? and ended_at is null", [agentId]))[0]?.state === 'on_call', 3000);

    const mark = supervisorSocket.received.length;
    socket.close(); // the tab is gone, and nothing reports the end of its calls
    await until(async () => (await callRow(sys, lonely.id)).status === 'ended', GRACE + 5000, 100);

    const lonelyRow = await callRow(sys, lonely.id);
    expect(lonelyRow.ended_at).not.toBeNull();
    expect(lonelyRow.answered_at).not.toBeNull();
    expect(lonelyRow.duration_seconds).toBeGreaterThanOrEqual(0);
    await until(async () => (await callRow(sys, ringingOnly.id)).status === 'ended', 2000, 50);
    // The PBX's call is untouched: the PBX will say when it ends.
    expect((await callRow(sys, known.id)).status).toBe('in_progress');
    // Supervisors heard it; the agent stays offline (not parked in wrap-up while away).
    await until(() => supervisorSocket.received.slice(mark).some((e) => e.type === 'call:ended' && (e.data as any).call.id === lonely.id), 2000);
    const [presence] = await sql(sys, 'select state from presence_events where user_id = ? and ended_at is null', [agentId]);
    expect(presence.state).toBe('offline');
    // Back in the console, the agent finds them waiting for a wrap-up.
    const list = await agent.get(`${CALLS}?status=ended`);
    expect(list.body.data.map((c: any) => c.id)).toEqual(expect.arrayContaining([lonely.id, ringingOnly.id]));
  });
});
