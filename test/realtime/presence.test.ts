import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSeeded, sql } from '../helpers/seeded.ts';
import type { TestSystem } from '../helpers/system.ts';
import type { Api } from '../helpers/api.ts';
import { command, connectSocket, sleep, until, type ClientSocket } from '../helpers/sockets.ts';
import type { AnyEnvelope, PresenceView } from '../../shared/realtime.ts';

/**
 * Presence states, who hears about them, presence_events, time in state,
 * user_sessions and the supervisor snapshot. Grace periods and dead nodes are
 * in presence-grace.test.ts; "who else is viewing" in viewers.test.ts.
 */

type Sock = ClientSocket & { ready: { seq: number; userId: number; tenantId: number; permissions: string[] }; received: AnyEnvelope[] };

let sys: TestSystem;
let api: Api;
const open: Sock[] = [];
const ids: Record<string, number> = {};
let acme: number;
let globex: number;
let acmeAdmin: Awaited<ReturnType<Api['login']>>;
let globexAdmin: Awaited<ReturnType<Api['login']>>;
let n = 0;
const PASSWORD = 'presence-test-password';

/** A fresh user of its own, so no test inherits another's presence. */
async function newUser(role: string, tenant: 'acme' | 'globex' = 'acme') {
  const admin = tenant === 'acme' ? acmeAdmin : globexAdmin;
  n += 1;
  const name = `Pres ${String(n).padStart(3, '0')} ${role}`;
  const email = `pres${n}@${tenant}.test`;
  const r = await admin.api.post('/api/v1/users', { name, email, role, password: PASSWORD });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  const session = await api.login(email, PASSWORD);
  return { id: Number(r.body.id), name, email, token: session.accessToken, api: session.api };
}

async function socketWith(token: string, opts: Parameters<typeof connectSocket>[2] = {}): Promise<Sock> {
  const s = (await connectSocket(sys.baseUrl, token, opts)) as Sock;
  open.push(s);
  return s;
}

async function socketFor(email: string): Promise<Sock> {
  return socketWith((await api.login(email)).accessToken);
}

const presenceOf = (s: Sock, userId?: number) =>
  s.received.filter((e) => e.type === 'presence:changed' && (userId === undefined || (e.data as PresenceView).userId === userId)).map((e) => e.data as PresenceView);

const openRows = (userId: number) => sql(sys, 'select * from presence_events where user_id = ? and ended_at is null', [userId]);

async function stateOf(userId: number) {
  return (await sys.services.presence.current(acme, userId))?.state ?? 'offline';
}

beforeAll(async () => {
  ({ sys, api } = await startSeeded('rt_presence', { PRESENCE_GRACE_MS: 1500, PRESENCE_SWEEP_MS: 300, PRESENCE_HEARTBEAT_MS: 300, SOCKET_REVALIDATE_MS: 500 }));
  for (const r of await sql(sys, 'select id, email from users')) ids[r.email] = Number(r.id);
  [acme, globex] = (await sql(sys, "select id from tenants order by name = 'Globex Sales', id")).map((r) => Number(r.id));
  acmeAdmin = await api.login('admin@acme.test');
  globexAdmin = await api.login('admin@globex.test');
});
afterAll(async () => {
  for (const s of open) s.close();
  await sys?.stop();
});

describe('who hears about presence', () => {
  it('connecting makes the user available; supervisors and the user\'s own tabs hear it, agents without dashboard.view and other tenants never', async () => {
    const supervisor = await socketFor('supervisor@acme.test');
    const viewer = await socketFor('viewer@acme.test'); // read_only, holds dashboard.view
    const watcher = await newUser('sales_agent');
    const watcherSock = await socketWith(watcher.token);
    const globexSock = await socketFor('admin@globex.test');
    const u = await newUser('sales_agent');
    expect(await stateOf(u.id)).toBe('offline');

    const tab1 = await socketWith(u.token);
    await until(() => presenceOf(supervisor, u.id).length > 0 && presenceOf(viewer, u.id).length > 0 && presenceOf(tab1, u.id).length > 0);
    expect(presenceOf(supervisor, u.id)).toEqual([expect.objectContaining({ userId: u.id, name: u.name, role: 'sales_agent', state: 'available', reasonId: null, reasonName: null })]);
    expect(Date.parse(presenceOf(supervisor, u.id)[0].since!)).toBeGreaterThan(Date.now() - 10_000);
    expect(await stateOf(u.id)).toBe('available');

    // A second tab changes nothing; a change made in one tab reaches the other.
    const tab2 = await socketWith(u.token);
    await sleep(200);
    expect(presenceOf(supervisor, u.id)).toHaveLength(1);
    expect((await command(tab1, 'presence:set', { state: 'away' })).ok).toBe(true);
    await until(() => presenceOf(tab2, u.id).some((p) => p.state === 'away') && presenceOf(supervisor, u.id).some((p) => p.state === 'away'));

    await sleep(300);
    expect(presenceOf(watcherSock, u.id)).toEqual([]);
    // The agent without dashboard.view hears only about themself.
    expect(presenceOf(watcherSock).every((p) => p.userId === watcher.id)).toBe(true);
    // Globex hears nothing of Acme, and Acme nothing of Globex.
    expect(globexSock.received.every((e) => e.tenantId === globex)).toBe(true);
    expect(presenceOf(globexSock).every((p) => p.userId === ids['admin@globex.test'])).toBe(true);
    expect(presenceOf(supervisor).some((p) => p.userId === ids['admin@globex.test'])).toBe(false);
    expect(supervisor.received.every((e) => e.tenantId === acme)).toBe(true);
  });
});

describe('states', () => {
  it('away and not_ready (with a reason of the tenant) ack the PresenceView; foreign, retired or malformed input is refused', async () => {
    const supervisor = await socketFor('supervisor@acme.test');
    const u = await newUser('sales_agent');
    const s = await socketWith(u.token);
    const reason = await acmeAdmin.api.post('/api/v1/presence-reasons', { name: 'Break', sortOrder: 1 });
    expect(reason.status).toBe(201);
    const foreign = await globexAdmin.api.post('/api/v1/presence-reasons', { name: 'Globex lunch' });
    expect(foreign.status).toBe(201);
    // Only admins manage reasons; everyone lists their own tenant's, never another's.
    expect((await u.api.post('/api/v1/presence-reasons', { name: 'Nap' })).status).toBe(403);
    expect((await acmeAdmin.api.post('/api/v1/presence-reasons', { name: 'Break' })).status).toBe(409);
    expect((await globexAdmin.api.patch(`/api/v1/presence-reasons/${reason.body.id}`, { name: 'Stolen' })).status).toBe(404);
    const listed = await u.api.get('/api/v1/presence-reasons');
    expect(listed.status).toBe(200);
    expect(listed.body.data.map((r: { name: string }) => r.name)).toContain('Break');
    expect(listed.body.data.map((r: { id: number }) => r.id)).not.toContain(foreign.body.id);

    const away = await command<PresenceView>(s, 'presence:set', { state: 'away' });
    expect(away).toEqual({ ok: true, data: expect.objectContaining({ userId: u.id, name: u.name, role: 'sales_agent', state: 'away', reasonId: null, reasonName: null }) });

    const nr = await command<PresenceView>(s, 'presence:set', { state: 'not_ready', reasonId: reason.body.id });
    expect(nr).toEqual({ ok: true, data: expect.objectContaining({ state: 'not_ready', reasonId: reason.body.id, reasonName: 'Break' }) });
    await until(() => presenceOf(supervisor, u.id).some((p) => p.state === 'not_ready' && p.reasonName === 'Break'));

    // Another tenant's reason is unknown here (and changes nothing).
    expect(await command(s, 'presence:set', { state: 'not_ready', reasonId: foreign.body.id })).toMatchObject({ ok: false, code: 'unknown_reason' });
    expect(await command(s, 'presence:set', { state: 'not_ready', reasonId: 999_999_999 })).toMatchObject({ ok: false, code: 'unknown_reason' });
    // A retired reason can no longer be picked.
    const retired = await acmeAdmin.api.post('/api/v1/presence-reasons', { name: 'Old training' });
    expect((await acmeAdmin.api.patch(`/api/v1/presence-reasons/${retired.body.id}`, { isActive: false })).status).toBe(200);
    expect(await command(s, 'presence:set', { state: 'not_ready', reasonId: retired.body.id })).toMatchObject({ ok: false, code: 'unknown_reason' });
    expect(await sys.services.presence.current(acme, u.id)).toMatchObject({ state: 'not_ready', reasonId: reason.body.id });

    for (const bad of [{ state: 'on_call' }, { state: 'wrap_up' }, { state: 'offline' }, { state: 'bogus' }, { state: 'away', extra: 1 }, { state: 'not_ready', reasonId: -1 }, { state: 'not_ready', reasonId: 'x' }, 'away', null, {}]) {
      expect(await command(s, 'presence:set', bad), JSON.stringify(bad)).toMatchObject({ ok: false, code: 'validation_failed' });
    }
    expect(await stateOf(u.id)).toBe('not_ready');

    // A reason never sticks to another state.
    const back = await command<PresenceView>(s, 'presence:set', { state: 'available', reasonId: reason.body.id });
    expect(back).toMatchObject({ ok: true, data: { state: 'available', reasonId: null, reasonName: null } });
  });

  it('on_call and wrap_up follow the calls: the agent cannot leave on_call, but can leave wrap_up', async () => {
    const supervisor = await socketFor('supervisor@acme.test');
    const u = await newUser('sales_agent');
    const s = await socketWith(u.token);
    await sys.services.presence.setBySystem(acme, u.id, 'on_call');
    await until(() => presenceOf(s, u.id).some((p) => p.state === 'on_call') && presenceOf(supervisor, u.id).some((p) => p.state === 'on_call'));
    for (const state of ['available', 'away', 'not_ready']) {
      expect(await command(s, 'presence:set', { state })).toMatchObject({ ok: false, code: 'on_call' });
    }
    expect(await stateOf(u.id)).toBe('on_call');

    await sys.services.presence.setBySystem(acme, u.id, 'wrap_up');
    expect(await stateOf(u.id)).toBe('wrap_up');
    expect(await command(s, 'presence:set', { state: 'available' })).toMatchObject({ ok: true, data: { state: 'available' } });
    await until(() => presenceOf(supervisor, u.id).map((p) => p.state).join() === 'available,on_call,wrap_up,available');

    // The wrap-up saved by the system brings the agent back too.
    await sys.services.presence.setBySystem(acme, u.id, 'on_call');
    await sys.services.presence.setBySystem(acme, u.id, 'wrap_up');
    await sys.services.presence.setBySystem(acme, u.id, 'available');
    expect(await stateOf(u.id)).toBe('available');
  });
});

describe('presence_events', () => {
  it('every change closes the previous row and opens the next; one open row at a time', async () => {
    const u = await newUser('sales_agent');
    const s = await socketWith(u.token);
    const reason = await acmeAdmin.api.post('/api/v1/presence-reasons', { name: 'Training' });
    await until(async () => (await openRows(u.id)).length === 1);
    expect((await command(s, 'presence:set', { state: 'away' })).ok).toBe(true);
    // Setting the same state again is no change.
    expect((await command(s, 'presence:set', { state: 'away' })).ok).toBe(true);
    expect((await command(s, 'presence:set', { state: 'not_ready', reasonId: reason.body.id })).ok).toBe(true);
    await sys.services.presence.setBySystem(acme, u.id, 'on_call');
    await sys.services.presence.setBySystem(acme, u.id, 'wrap_up');
    expect((await command(s, 'presence:set', { state: 'available' })).ok).toBe(true);

    const rows = await sql(sys, 'select * from presence_events where user_id = ? order by id', [u.id]);
    expect(rows.map((r) => r.state)).toEqual(['available', 'away', 'not_ready', 'on_call', 'wrap_up', 'available']);
    expect(rows.every((r) => Number(r.tenant_id) === acme)).toBe(true);
    expect(rows.map((r) => (r.reason_id === null ? null : Number(r.reason_id)))).toEqual([null, null, reason.body.id, null, null, null]);
    for (let i = 0; i < rows.length - 1; i++) {
      expect(rows[i].ended_at, `row ${i}`).not.toBeNull();
      expect(new Date(rows[i].ended_at).getTime()).toBe(new Date(rows[i + 1].started_at).getTime());
      // DATETIME keeps whole seconds while the duration is rounded from milliseconds: one second apart at most.
      const stored = (new Date(rows[i].ended_at).getTime() - new Date(rows[i].started_at).getTime()) / 1000;
      expect(Math.abs(rows[i].duration_seconds - stored)).toBeLessThanOrEqual(1);
    }
    expect(rows.at(-1)!.ended_at).toBeNull();
    expect(rows.at(-1)!.duration_seconds).toBeNull();
    expect(await openRows(u.id)).toHaveLength(1);
  });

  it('changes racing from several tabs and the system still leave one open row, agreeing with the live state', async () => {
    const u = await newUser('sales_agent');
    const tabs = [await socketWith(u.token), await socketWith(u.token), await socketWith(u.token)];
    await until(async () => (await openRows(u.id)).length === 1);
    const states = ['away', 'not_ready', 'available'] as const;
    for (let round = 0; round < 4; round++) {
      const acks = await Promise.all([
        ...tabs.map((t, i) => command(t, 'presence:set', { state: states[(i + round) % 3] })),
        sys.services.presence.setBySystem(acme, u.id, 'wrap_up').then(() => ({ ok: true })),
      ]);
      expect(acks.every((a) => a.ok)).toBe(true);
    }
    await sleep(200);
    const rows = await openRows(u.id);
    expect(rows).toHaveLength(1);
    const live = await sys.services.presence.current(acme, u.id);
    expect(rows[0].state).toBe(live!.state);
    // The snapshot, the open row and the last event pushed to the user's tabs all agree.
    const snap = (await acmeAdmin.api.get('/api/v1/presence')).body.data.find((p: PresenceView) => p.userId === u.id);
    expect(snap.state).toBe(live!.state);
    await until(() => presenceOf(tabs[0], u.id).at(-1)?.state === live!.state);
    // Closed rows never overlap: each ends where the next starts.
    const all = await sql(sys, 'select * from presence_events where user_id = ? order by started_at, id', [u.id]);
    for (let i = 0; i < all.length - 1; i++) expect(new Date(all[i].ended_at).getTime()).toBe(new Date(all[i + 1].started_at).getTime());
  });
});

describe('GET /api/v1/presence/time-in-state', () => {
  it('adds up the seconds per state on one day of the tenant (its time zone, DST included), clipped to the day; supervisors see all, agents only themselves', async () => {
    const a = await newUser('sales_agent');
    const b = await newUser('sales_agent');
    const g = await newUser('sales_agent', 'globex');
    // Acme is in America/New_York, where 2024-03-10 is the spring-forward day: 23 hours, 05:00Z to 04:00Z the next day.
    // Globex is in Europe/London (GMT in March: its day is the UTC day).
    const date = '2024-03-10';
    const rows: [number, number, string, string, string | null][] = [
      [acme, a.id, 'available', '2024-03-09 23:50:00', '2024-03-10 00:10:00'], // the day before in New York
      [acme, a.id, 'offline', '2024-03-10 00:10:00', '2024-03-10 09:00:00'], // 14 400 s from 05:00Z (local midnight)
      [acme, a.id, 'available', '2024-03-10 09:00:00', '2024-03-10 09:30:00'], // 1 800 s
      [acme, a.id, 'away', '2024-03-10 09:30:00', '2024-03-10 09:40:00'], // 600 s
      [acme, a.id, 'not_ready', '2024-03-10 09:40:00', '2024-03-10 09:45:30'], // 330 s
      [acme, a.id, 'available', '2024-03-11 09:00:00', '2024-03-11 10:00:00'], // another day
      [acme, a.id, 'away', '2024-03-11 03:30:00', '2024-03-11 04:30:00'], // 1 800 s before the next local midnight (04:00Z)
      [acme, b.id, 'on_call', '2024-03-10 10:00:00', '2024-03-10 10:07:00'], // 420 s
      [acme, b.id, 'wrap_up', '2024-03-10 10:07:00', '2024-03-10 10:08:00'], // 60 s
      [acme, b.id, 'available', '2024-03-10 23:00:00', null], // still open: counts to local midnight, 18 000 s
      [globex, g.id, 'available', '2024-03-10 09:00:00', '2024-03-10 17:00:00'],
    ];
    for (const [t, u, state, from, to] of rows) {
      await sql(sys, 'insert into presence_events (tenant_id, user_id, state, started_at, ended_at, duration_seconds) values (?, ?, ?, ?, ?, ?)',
        [t, u, state, from, to, to ? (Date.parse(`${to}Z`) - Date.parse(`${from}Z`)) / 1000 : null]);
    }
    const zero = { available: 0, away: 0, not_ready: 0, on_call: 0, wrap_up: 0, offline: 0 };
    const expectA = { userId: a.id, name: a.name, seconds: { ...zero, available: 1800, offline: 14_400, away: 2400, not_ready: 330 } };
    const expectB = { userId: b.id, name: b.name, seconds: { ...zero, on_call: 420, wrap_up: 60, available: 18_000 } };

    const sup = await api.login('supervisor@acme.test');
    const all = await sup.api.get(`/api/v1/presence/time-in-state?date=${date}`);
    expect(all.status).toBe(200);
    expect(all.body).toMatchObject({ date, timezone: 'America/New_York', from: '2024-03-10T05:00:00.000Z', to: '2024-03-11T04:00:00.000Z' });
    expect(all.body.data).toEqual([expectA, expectB]);
    const one = await sup.api.get(`/api/v1/presence/time-in-state?date=${date}&userId=${b.id}`);
    expect(one.body.data).toEqual([expectB]);
    // A Globex user's id asked by Acme gives nothing; Globex sees only its own.
    expect((await sup.api.get(`/api/v1/presence/time-in-state?date=${date}&userId=${g.id}`)).body.data).toEqual([]);
    const gAll = await globexAdmin.api.get(`/api/v1/presence/time-in-state?date=${date}`);
    expect(gAll.body).toMatchObject({ timezone: 'Europe/London', from: '2024-03-10T00:00:00.000Z', to: '2024-03-11T00:00:00.000Z' });
    expect(gAll.body.data).toEqual([{ userId: g.id, name: g.name, seconds: { ...zero, available: 28_800 } }]);

    // An agent: another agent is forbidden, themself is fine (with or without their id).
    expect((await a.api.get(`/api/v1/presence/time-in-state?date=${date}&userId=${b.id}`)).status).toBe(403);
    const self = await a.api.get(`/api/v1/presence/time-in-state?date=${date}&userId=${a.id}`);
    expect(self.status).toBe(200);
    expect(self.body.data).toEqual([expectA]);
    expect((await a.api.get(`/api/v1/presence/time-in-state?date=${date}`)).body.data).toEqual([expectA]);
    expect((await b.api.get(`/api/v1/presence/time-in-state?date=2024-03-11`)).body.data).toEqual([{ userId: b.id, name: b.name, seconds: { ...zero, available: 86_400 } }]);
    // Without a date: today in the tenant's zone.
    const nyDate = () => new Intl.DateTimeFormat('en-CA', { timeZone: 'America/New_York', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
    const before = nyDate();
    const today = await a.api.get('/api/v1/presence/time-in-state');
    expect([before, nyDate()]).toContain(today.body.date);
    expect(today.body.timezone).toBe('America/New_York');

    expect((await sup.api.get('/api/v1/presence/time-in-state?date=2024-13-45')).status).toBe(400);
    expect((await sup.api.get('/api/v1/presence/time-in-state?userId=abc')).status).toBe(400);
    expect((await api.get('/api/v1/presence/time-in-state')).status).toBe(401);
  });

  it('today\'s live rows count up to now', async () => {
    const u = await newUser('sales_agent');
    const s = await socketWith(u.token);
    await until(async () => (await openRows(u.id)).length === 1);
    await sleep(1100);
    expect((await command(s, 'presence:set', { state: 'away' })).ok).toBe(true);
    await sleep(1100);
    const res = await u.api.get('/api/v1/presence/time-in-state');
    expect(res.status).toBe(200);
    expect(res.body.date).toBe(new Date().toISOString().slice(0, 10));
    const [mine] = res.body.data;
    expect(mine.userId).toBe(u.id);
    expect(mine.seconds.available).toBeGreaterThanOrEqual(1);
    expect(mine.seconds.away).toBeGreaterThanOrEqual(1);
    expect(mine.seconds.available + mine.seconds.away).toBeLessThanOrEqual(5);
  });
});

describe('user_sessions', () => {
  it('one row per socket with ip, user agent and node; last active moves while connected; closed on disconnect', async () => {
    const u = await newUser('support_agent');
    const ws = await socketWith(u.token, { headers: { 'user-agent': 'PresenceTest/1.0 (websocket)' } });
    const poll = await socketWith(u.token, { transports: ['polling'], headers: { 'user-agent': 'PresenceTest/2.0 (polling)' } });
    const rowsOf = () => sql(sys, 'select * from user_sessions where user_id = ? order by id', [u.id]);
    await until(async () => (await rowsOf()).length === 2);
    const rows = await rowsOf();
    expect(rows.map((r) => r.socket_id).sort()).toEqual([ws.id, poll.id].sort());
    const bySocket = Object.fromEntries(rows.map((r) => [r.socket_id, r]));
    expect(bySocket[ws.id!].user_agent).toBe('PresenceTest/1.0 (websocket)');
    expect(bySocket[poll.id!].user_agent).toBe('PresenceTest/2.0 (polling)');
    for (const r of rows) {
      expect(Number(r.tenant_id)).toBe(acme);
      expect(r.ip_address).toMatch(/^(::ffff:)?127\.0\.0\.1$/);
      expect(r.node_id).toBe(sys.nodeId);
      expect(r.disconnected_at).toBeNull();
      expect(r.connected_at).not.toBeNull();
    }
    // While connected, last_active_at keeps up (within a grace period or so).
    await until(async () => (await rowsOf()).every((r) => new Date(r.last_active_at).getTime() > new Date(r.connected_at).getTime()), 6000, 200);

    const [wsId, pollId] = [ws.id, poll.id]; // a closed client socket forgets its id
    ws.close();
    // Closed at the disconnect itself, not later by the sweeper (grace 1.5 s).
    await until(async () => (await rowsOf()).find((r) => r.socket_id === wsId)?.disconnected_at != null, 1000);
    const closed = (await rowsOf()).find((r) => r.socket_id === wsId)!;
    expect(new Date(closed.disconnected_at).getTime()).toBeGreaterThanOrEqual(new Date(closed.connected_at).getTime());
    expect((await rowsOf()).find((r) => r.socket_id === pollId)!.disconnected_at).toBeNull();
    poll.close();
    await until(async () => (await rowsOf()).every((r) => r.disconnected_at != null), 1000);
  });
});

describe('GET /api/v1/presence', () => {
  it('gives dashboard.view holders every active user of their tenant with their state; others get 403', async () => {
    const u = await newUser('sales_agent');
    const gone = await newUser('sales_agent');
    await acmeAdmin.api.post(`/api/v1/users/${gone.id}/deactivate`);
    const s = await socketWith(u.token);
    expect((await command(s, 'presence:set', { state: 'away' })).ok).toBe(true);
    const g = await socketFor('agent1@globex.test');
    await until(async () => (await sys.services.presence.current(globex, ids['agent1@globex.test']))?.state === 'available');

    const active = (t: number) => sql(sys, 'select id from users where tenant_id = ? and is_active = 1', [t]).then((r) => r.map((x) => Number(x.id)).sort((x, y) => x - y));
    for (const who of ['supervisor@acme.test', 'viewer@acme.test', 'admin@acme.test']) {
      const res = await (await api.login(who)).api.get('/api/v1/presence');
      expect(res.status, who).toBe(200);
      const data = res.body.data as PresenceView[];
      expect(data.map((p) => p.userId).sort((x, y) => x - y)).toEqual(await active(acme));
      expect(data.find((p) => p.userId === gone.id)).toBeUndefined();
      expect(data.find((p) => p.userId === u.id)).toMatchObject({ name: u.name, role: 'sales_agent', state: 'away', reasonId: null });
      expect(data.find((p) => p.userId === ids['agent1@globex.test'])).toBeUndefined();
      for (const p of data) expect(['available', 'away', 'not_ready', 'on_call', 'wrap_up', 'offline']).toContain(p.state);
    }
    // Someone never seen online is offline with no since.
    const never = await newUser('read_only');
    const fresh = (await acmeAdmin.api.get('/api/v1/presence')).body.data.find((p: PresenceView) => p.userId === never.id);
    expect(fresh).toMatchObject({ state: 'offline', since: null });

    const gRes = await globexAdmin.api.get('/api/v1/presence');
    expect(gRes.status).toBe(200);
    expect(gRes.body.data.map((p: PresenceView) => p.userId).sort((x: number, y: number) => x - y)).toEqual(await active(globex));
    expect(gRes.body.data.find((p: PresenceView) => p.userId === ids['agent1@globex.test']).state).toBe('available');
    g.close();

    for (const who of ['agent1@acme.test', 'support@acme.test']) {
      expect((await (await api.login(who)).api.get('/api/v1/presence')).status, who).toBe(403);
    }
    expect((await u.api.get('/api/v1/presence')).status).toBe(403);
    expect((await api.get('/api/v1/presence')).status).toBe(401);
  });
});
