import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSeeded, sql } from '../helpers/seeded.ts';
import type { TestSystem } from '../helpers/system.ts';
import type { Api } from '../helpers/api.ts';
import { command, connectSocket, until, type ClientSocket } from '../helpers/sockets.ts';

/**
 * The coming-online presence_events row is not written on the handshake but with the
 * 100 ms session batch: it still lands, once per user, before any later change this node
 * makes (so the history keeps it), and a burst of users coming online ends with exactly
 * one open row each, agreeing with Redis.
 */

let sys: TestSystem;
let api: Api;
let acme: number;
let admin: Awaited<ReturnType<Api['login']>>;
const open: ClientSocket[] = [];
let n = 0;
const PASSWORD = 'presence-batch-password';

async function newUser() {
  n += 1;
  const email = `batch${n}@acme.test`;
  const r = await admin.api.post('/api/v1/users', { name: `Batch ${String(n).padStart(3, '0')}`, email, role: 'sales_agent', password: PASSWORD });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return { id: Number(r.body.id), token: (await api.login(email, PASSWORD)).accessToken };
}

async function socketWith(token: string): Promise<ClientSocket> {
  const s = await connectSocket(sys.baseUrl, token);
  open.push(s);
  return s;
}

const rowsOf = (userId: number) => sql(sys, 'select state, started_at, ended_at from presence_events where user_id = ? order by id', [userId]);

beforeAll(async () => {
  // Slow heartbeats and sweeps: nothing but the connects and the changes below writes presence here.
  ({ sys, api } = await startSeeded('rt_presence_batch', { PRESENCE_GRACE_MS: 10_000, PRESENCE_SWEEP_MS: 5000, PRESENCE_HEARTBEAT_MS: 5000 }));
  acme = Number((await sql(sys, "select id from tenants where name <> 'Globex Sales' order by id limit 1"))[0].id);
  admin = await api.login('admin@acme.test');
});
afterAll(async () => {
  for (const s of open) s.close();
  await sys?.stop();
});

describe('the coming-online row, written with the session batch', () => {
  it('is written before a change the agent makes at once, so the history keeps the available period', async () => {
    const u = await newUser();
    const s = await socketWith(u.token);
    // No wait: the row of the connect is most likely still queued when this change arrives.
    expect(await command(s, 'presence:set', { state: 'away' })).toMatchObject({ ok: true, data: { state: 'away' } });
    const rows = await rowsOf(u.id);
    expect(rows.map((r) => r.state)).toEqual(['available', 'away']);
    expect(new Date(rows[0].ended_at).getTime()).toBe(new Date(rows[1].started_at).getTime());
    expect(rows[1].ended_at).toBeNull();
  });

  it('is written before a call-driven change right after the connect (the telephony hook)', async () => {
    const u = await newUser();
    await socketWith(u.token);
    await sys.services.presence.setBySystem(acme, u.id, 'on_call');
    expect((await rowsOf(u.id)).map((r) => r.state)).toEqual(['available', 'on_call']);
  });

  it('a burst of users coming online leaves exactly one open row each, agreeing with Redis, and their sessions', async () => {
    const users = await Promise.all(Array.from({ length: 30 }, () => newUser()));
    const sockets = await Promise.all(users.map((u) => socketWith(u.token)));
    expect(sockets.every((s) => s.connected)).toBe(true);
    const ids = users.map((u) => u.id);
    const marks = ids.map(() => '?').join(', ');
    await until(async () => (await sql(sys, `select id from presence_events where user_id in (${marks})`, ids)).length === ids.length, 3000);
    const rows = await sql(sys, `select user_id, state, ended_at from presence_events where user_id in (${marks})`, ids);
    expect(rows.map((r) => Number(r.user_id)).sort((a, b) => a - b)).toEqual([...ids].sort((a, b) => a - b));
    expect(rows.every((r) => r.state === 'available' && r.ended_at === null)).toBe(true);
    for (const id of ids) expect((await sys.services.presence.current(acme, id))?.state).toBe('available');
    await until(async () => (await sql(sys, `select id from user_sessions where disconnected_at is null and user_id in (${marks})`, ids)).length === ids.length, 3000);
  });

  it('coming online is one stamped event: the supervisor hears it, the new socket\'s session:ready carries its seq, the log replays it; a second tab adds none', async () => {
    const sup = (await socketWith((await api.login('supervisor@acme.test')).accessToken)) as ClientSocket & { received: any[] };
    const u = await newUser();
    const first = (await socketWith(u.token)) as ClientSocket & { ready: { seq: number; presence: { state: string } } };
    const heard = () => sup.received.filter((e: any) => e.type === 'presence:changed' && e.data.userId === u.id);
    await until(() => heard().length === 1);
    const [ev] = heard() as any[];
    expect(ev).toMatchObject({ tenantId: acme, type: 'presence:changed', data: { userId: u.id, state: 'available', name: expect.stringMatching(/^Batch/), role: 'sales_agent' } });
    expect(first.ready.presence).toEqual(ev.data);
    expect(first.ready.seq).toBe(ev.seq);
    // The tenant's log has it under that seq, for anyone catching up.
    const replay = await command(sup, 'sync:catchup', { lastSeq: ev.seq - 1 });
    expect(replay.ok && (replay.data as any).events.find((e: any) => e.seq === ev.seq)).toEqual(ev);
    // A second tab of an online user: no event, and its seq is the tenant's current one.
    const second = (await socketWith(u.token)) as ClientSocket & { ready: { seq: number; presence: { state: string } } };
    expect(second.ready.presence.state).toBe('available');
    expect(second.ready.seq).toBeGreaterThanOrEqual(ev.seq);
    await new Promise((r) => setTimeout(r, 200));
    expect(heard()).toHaveLength(1);
  });

  it('when the node died before writing it, the next change (the sweeper taking the user offline) writes the online period it lost', async () => {
    const u = await newUser();
    // The user was offline from an earlier day (the open row a previous sweeper left).
    await sql(sys, "insert into presence_events (tenant_id, user_id, state, started_at) values (?, ?, 'offline', utc_timestamp() - interval 1 day)", [acme, u.id]);
    // A node's connect: Redis says available since 40 s ago, and the node died before its session batch wrote the
    // row (the state as the connect script leaves it; no socket of this node, no row).
    const since = new Date(Math.floor(Date.now() / 1000) * 1000 - 40_000);
    const presence = sys.services.presence as unknown as { k: { state(t: number): string } };
    await sys.redis.hset(presence.k.state(acme), String(u.id), JSON.stringify({ state: 'available', reasonId: null, since: since.toISOString() }));

    // Another node's sweeper finds no live socket and moves the user offline.
    expect(await sys.services.presence.transition(acme, u.id, 'offline', null, Date.now())).not.toBeNull();
    const rows = await sql(sys, 'select state, started_at, ended_at, duration_seconds from presence_events where user_id = ? order by started_at, id', [u.id]);
    expect(rows.map((r) => r.state)).toEqual(['offline', 'available', 'offline']);
    const t = (v: unknown) => (v === null ? null : new Date(`${String(v instanceof Date ? v.toISOString() : v).replace(' ', 'T').replace(/Z?$/, 'Z')}`).getTime());
    // The old offline row ends where the lost online period starts; that period ends where the new offline row starts.
    expect(t(rows[0].ended_at)).toBe(since.getTime());
    expect(t(rows[1].started_at)).toBe(since.getTime());
    expect(t(rows[1].ended_at)).toBe(t(rows[2].started_at));
    expect(Math.abs(Number(rows[1].duration_seconds) - 40)).toBeLessThanOrEqual(2);
    expect(rows[2].ended_at).toBeNull();

    // A period whose row was written is never written twice.
    await sys.services.presence.transition(acme, u.id, 'available', null);
    await sys.services.presence.transition(acme, u.id, 'offline', null, Date.now());
    const again = await sql(sys, 'select state from presence_events where user_id = ? order by started_at, id', [u.id]);
    expect(again.map((r) => r.state)).toEqual(['offline', 'available', 'offline', 'available', 'offline']);
  });
});
