import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { createTestDatabase, REDIS_URL } from '../helpers/system.ts';
import { startNode, stopAllNodes, type NodeProcess } from '../helpers/processes.ts';
import { Api } from '../helpers/api.ts';
import { command, connectSocket, sleep, until, type ClientSocket } from '../helpers/sockets.ts';
import { loadConfig } from '../../server/config.ts';
import { seedDemo } from '../../server/db/seed.ts';
import { SecretBox } from '../../server/security/secret-box.ts';
import { Publisher, realtimeKeys } from '../../server/realtime/publisher.ts';
import { mayReceive } from '../../server/realtime/audience.ts';
import type { AnyEnvelope, PresenceState } from '../../shared/realtime.ts';

/**
 * The multi-node proof: two real web processes (`server/main.ts`, ROLE=web) on
 * one database and one Redis prefix. Events cross nodes, presence is aggregated
 * over nodes, a node killed with SIGKILL takes its users offline within the
 * grace period (and not those who moved to the other node), and a console that
 * moves from one node to the other catches up without a gap.
 */

const GRACE_MS = 2000;
const SWEEP_MS = 300;
const HEARTBEAT_MS = 300;

type Sock = ClientSocket & { ready: { seq: number; userId: number; tenantId: number; permissions: string[] }; received: AnyEnvelope[] };

let db: Awaited<ReturnType<typeof createTestDatabase>> | undefined;
let prefix: string;
let A: NodeProcess;
let B: NodeProcess;
let redis: Redis | undefined;
let publisher: Publisher;
let acme: number;
const ids: Record<string, number> = {};
const tokens: Record<string, string> = {};
const open: Sock[] = [];
/** The supervisor's dashboard, on node B for the whole file. */
let dashboard: Sock;

const nodeId = (n: string) => `mn-${n}-${db!.name}`.slice(0, 64);

async function sql<T = any>(query: string, params: unknown[] = []): Promise<T[]> {
  return db!.orm.em.fork().getConnection().execute(query, params) as Promise<T[]>;
}

async function sock(node: NodeProcess, email: string): Promise<Sock> {
  const s = (await connectSocket(node.baseUrl, tokens[email])) as Sock;
  open.push(s);
  return s;
}

/** A user's state as GET /api/v1/presence on `node` reports it. */
async function stateOn(node: NodeProcess, email: string): Promise<PresenceState> {
  const res = await new Api(node.baseUrl, tokens['supervisor@acme.test']).get('/api/v1/presence');
  if (res.status !== 200) throw new Error(`GET /presence on ${node.name}: ${res.status} ${JSON.stringify(res.body)}`);
  const row = res.body.data.find((r: any) => r.userId === ids[email]);
  if (!row) throw new Error(`${email} missing from the presence snapshot`);
  return row.state;
}

const presenceOf = (s: Sock, email: string, from = 0) => s.received.slice(from).filter((e) => e.type === 'presence:changed' && e.data.userId === ids[email]);
const lastSeen = (s: Sock) => Math.max(s.ready.seq, ...s.received.map((e) => e.seq));

/** A node's environment: one database, one Redis prefix, short presence timings. */
const env = (name: string) => ({
  NODE_ENV: 'test', ROLE: 'web', PORT: 0, LOG_LEVEL: 'info', SERVE_CLIENT: 'false',
  DATABASE_URL: db!.url, REDIS_URL, REDIS_PREFIX: prefix, NODE_ID: nodeId(name),
  PRESENCE_GRACE_MS: GRACE_MS, PRESENCE_SWEEP_MS: SWEEP_MS, PRESENCE_HEARTBEAT_MS: HEARTBEAT_MS, SOCKET_REVALIDATE_MS: 1000,
});

beforeAll(async () => {
  db = await createTestDatabase('multinode');
  prefix = `t:${db.name}`;
  await seedDemo(db.orm, new SecretBox(loadConfig({}).SECRETS_KEYS));
  for (const r of await sql('select id, email from users')) ids[r.email] = Number(r.id);
  [{ id: acme }] = (await sql("select id from tenants where name = 'Acme Support'")).map((r) => ({ id: Number(r.id) }));

  [A, B] = await Promise.all([
    startNode({ name: 'node A', env: env('A'), readyTimeoutMs: 40_000 }),
    startNode({ name: 'node B', env: env('B'), readyTimeoutMs: 40_000 }),
  ]);
  expect(A.port).not.toBe(B.port);

  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  publisher = new Publisher(redis, realtimeKeys(prefix), 10_000);

  const api = new Api(A.baseUrl);
  for (const email of ['admin@acme.test', 'supervisor@acme.test', 'agent1@acme.test', 'agent2@acme.test', 'support@acme.test', 'viewer@acme.test', 'admin@globex.test']) {
    tokens[email] = (await api.login(email)).accessToken;
  }
  dashboard = await sock(B, 'supervisor@acme.test');
}, 60_000);

afterAll(async () => {
  for (const s of open) s.close();
  const problems: unknown[] = [];
  await stopAllNodes(5000).catch((e) => problems.push(e));
  if (redis) {
    try {
      let cursor = '0';
      let rounds = 0;
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
        if (keys.length) await redis.del(...keys);
        cursor = next;
      } while (cursor !== '0' && ++rounds < 1000);
    } catch (e) {
      problems.push(e);
    }
    redis.disconnect();
  }
  await db?.drop().catch((e) => problems.push(e));
  if (problems.length) throw problems[0];
}, 30_000);

describe('two web processes, one database, one Redis', () => {
  it('an event published on node A reaches a client on node B, and back, to exactly its audience', async () => {
    const adminA = await sock(A, 'admin@acme.test');
    // read_only has no users.view: it must receive neither event, whichever node it is on.
    const viewerB = await sock(B, 'viewer@acme.test');
    const admin = (node: NodeProcess) => new Api(node.baseUrl, tokens['admin@acme.test']);
    const updated = (s: Sock, name: string) => s.received.find((e) => e.type === 'user:updated' && e.data.name === name);

    const viaA = await admin(A).patch(`/api/v1/users/${ids['viewer@acme.test']}`, { name: 'Val via node A' });
    expect(viaA.status).toBe(200);
    await until(() => !!updated(dashboard, 'Val via node A') && !!updated(adminA, 'Val via node A'), 5000);
    // One event, stamped once: the same envelope on both nodes.
    expect(updated(dashboard, 'Val via node A')).toEqual(updated(adminA, 'Val via node A'));

    const viaB = await admin(B).patch(`/api/v1/users/${ids['viewer@acme.test']}`, { name: 'Val via node B' });
    expect(viaB.status).toBe(200);
    await until(() => !!updated(adminA, 'Val via node B') && !!updated(dashboard, 'Val via node B'), 5000);
    expect(updated(adminA, 'Val via node B')!.seq).toBeGreaterThan(updated(adminA, 'Val via node A')!.seq);
    expect(updated(adminA, 'Val via node B')).toEqual(updated(dashboard, 'Val via node B'));

    await sleep(300);
    expect(viewerB.received.filter((e) => e.type === 'user:updated')).toEqual([]);
    adminA.close();
    viewerB.close();
  });

  it('presence is aggregated over nodes: a user on A and B is online, and stays online when the B socket closes', async () => {
    const onA = await sock(A, 'agent1@acme.test');
    const onB = await sock(B, 'agent1@acme.test');
    await until(async () => (await stateOn(A, 'agent1@acme.test')) === 'available' && (await stateOn(B, 'agent1@acme.test')) === 'available', 5000, 100);

    const [idA, idB] = [onA.id, onB.id];
    const mark = dashboard.received.length;
    onB.close();
    // Past the grace period and several sweeps of both nodes: the B socket has expired, the A socket keeps the user online.
    await sleep(GRACE_MS + HEARTBEAT_MS + 4 * SWEEP_MS + 300);
    expect(await stateOn(B, 'agent1@acme.test')).toBe('available');
    expect(await stateOn(A, 'agent1@acme.test')).toBe('available');
    expect(presenceOf(dashboard, 'agent1@acme.test', mark)).toEqual([]);
    const rows = await sql('select socket_id, node_id, disconnected_at from user_sessions where user_id = ? order by id', [ids['agent1@acme.test']]);
    expect(rows.find((r) => r.socket_id === idB)).toMatchObject({ node_id: nodeId('B') });
    expect(rows.find((r) => r.socket_id === idB)!.disconnected_at).not.toBeNull();
    expect(rows.find((r) => r.socket_id === idA)).toMatchObject({ node_id: nodeId('A'), disconnected_at: null });
    onA.close();
  });

  it('a rename on node A reaches the whole tenant (user:renamed), and the renamed user\'s socket on node B announces the new name', async () => {
    const agent1B = await sock(B, 'agent1@acme.test');
    // support_agent has no users.view: user:updated never reaches them, the rename does.
    const supportB = await sock(B, 'support@acme.test');
    const globexA = await sock(A, 'admin@globex.test');
    const [lead] = await sql('select id from leads where tenant_id = ? order by id limit 1', [acme]);
    const admin = new Api(A.baseUrl, tokens['admin@acme.test']);
    const renamed = (s: Sock) => s.received.filter((e) => e.type === 'user:renamed');

    expect((await admin.patch(`/api/v1/users/${ids['agent1@acme.test']}`, { name: 'Alex Renamed' })).status).toBe(200);
    await until(() => renamed(supportB).length === 1 && renamed(agent1B).length === 1, 5000);
    expect(renamed(supportB)[0].data).toEqual({ id: ids['agent1@acme.test'], name: 'Alex Renamed' });
    expect(supportB.received.some((e) => e.type === 'user:updated')).toBe(false);
    // Another tenant's admin, on the node that made the change, hears nothing of it.
    expect(renamed(globexA)).toEqual([]);

    // Node B learnt the name over the adapter: the viewers list it announces for agent1's socket has it.
    expect((await command(supportB, 'room:join', { type: 'lead', id: Number(lead.id) })).ok).toBe(true);
    const viewing = await command<any>(agent1B, 'viewing:set', { entityType: 'lead', entityId: Number(lead.id) });
    expect(viewing.ok).toBe(true);
    expect(viewing.data.viewers).toContainEqual({ userId: ids['agent1@acme.test'], name: 'Alex Renamed' });
    // Its presence, announced by its own socket, too.
    const mark = dashboard.received.length;
    expect((await command(agent1B, 'presence:set', { state: 'away' })).ok).toBe(true);
    await until(() => presenceOf(dashboard, 'agent1@acme.test', mark).length > 0, 5000);
    expect(presenceOf(dashboard, 'agent1@acme.test', mark).at(-1)!.data).toMatchObject({ state: 'away', name: 'Alex Renamed' });

    // A change that keeps the name tells no one about a rename.
    expect((await admin.patch(`/api/v1/users/${ids['agent1@acme.test']}`, { name: 'Alex Renamed', role: 'sales_agent' })).status).toBe(200);
    await sleep(300);
    expect(renamed(supportB)).toHaveLength(1);
    expect((await command(agent1B, 'viewing:set', null)).ok).toBe(true);
    expect((await command(agent1B, 'presence:set', { state: 'available' })).ok).toBe(true);
    expect(renamed(globexA)).toEqual([]);
    agent1B.close();
    supportB.close();
    globexA.close();
  });

  it('a console that moves from node A to node B catches up without a gap', async () => {
    const adminA = await sock(A, 'admin@acme.test');
    const viewerA = await sock(A, 'viewer@acme.test');
    await sleep(300);
    const adminLast = lastSeen(adminA);
    const viewerLast = lastSeen(viewerA);
    adminA.close();
    viewerA.close();

    // While both are away: REST mutations on B (user:updated to users.view), tenant-wide notices,
    // and events for someone else only.
    const adminOnB = new Api(B.baseUrl, tokens['admin@acme.test']);
    const names: string[] = [];
    for (let i = 0; i < 5; i++) {
      const name = `Sam Supervisor ${i}`;
      expect((await adminOnB.patch(`/api/v1/users/${ids['supervisor@acme.test']}`, { name })).status).toBe(200);
      names.push(name);
      await publisher.publish(acme, 'system:notice', { message: `tenant ${i}` }, { kind: 'tenant' });
      await publisher.publish(acme, 'system:notice', { message: `agent2 only ${i}` }, { kind: 'user', userId: ids['agent2@acme.test'] });
    }

    const check = async (email: string, last: number) => {
      const s = await sock(B, email);
      const res = await command<any>(s, 'sync:catchup', { lastSeq: last });
      expect(res.ok).toBe(true);
      expect(res.data.mode).toBe('replay');
      const events: AnyEnvelope[] = res.data.events;
      const seqs = events.map((e) => e.seq);
      // In order, all after the offset, none past the answer's seq.
      expect(seqs.every((q, i) => q > last && q <= res.data.seq && (i === 0 || q > seqs[i - 1]))).toBe(true);

      // Exactly what the log holds in (last, seq] that this user may see: nothing skipped.
      const log = await publisher.since(acme, last);
      if (log.mode !== 'replay') throw new Error('the log was trimmed');
      const viewer = { tenantId: acme, userId: ids[email], permissions: s.ready.permissions, rooms: new Set<string>() };
      const inRange = log.events.filter((e) => e.envelope.seq <= res.data.seq);
      expect(inRange.map((e) => e.envelope.seq)).toEqual(Array.from({ length: res.data.seq - last }, (_, i) => last + 1 + i));
      const visible = inRange.filter((e) => mayReceive(viewer, acme, e.audience)).map((e) => e.envelope);
      expect(events.map((e) => e.id)).toEqual(visible.map((e) => e.id));
      expect(events).toEqual(visible);

      const notices = events.filter((e) => e.type === 'system:notice').map((e) => (e.data as { message: string }).message).filter((m) => m.startsWith('tenant '));
      expect(notices).toEqual([0, 1, 2, 3, 4].map((i) => `tenant ${i}`));

      // Then live: the next event arrives, and nothing between the replay and it is missing.
      const after = await publisher.publish(acme, 'system:notice', { message: `after ${email}` }, { kind: 'tenant' });
      await until(() => s.received.some((e) => e.id === after.id), 5000);
      const later = await publisher.since(acme, res.data.seq);
      if (later.mode !== 'replay') throw new Error('the log was trimmed');
      const owed = later.events.filter((e) => e.envelope.seq <= after.seq && mayReceive(viewer, acme, e.audience)).map((e) => e.envelope.seq);
      const got = new Set(s.received.map((e) => e.seq));
      expect(owed.filter((q) => !got.has(q))).toEqual([]);
      return { events, s, seq: res.data.seq as number, others: inRange.filter((e) => !mayReceive(viewer, acme, e.audience)).map((e) => e.envelope) };
    };

    // The admin may see everything but another user's own events: tenant-wide seq is contiguous.
    const admin = await check('admin@acme.test', adminLast);
    expect(admin.events.filter((e) => e.type === 'user:updated' && e.data.id === ids['supervisor@acme.test']).map((e) => (e.data as { name: string }).name)).toEqual(names);
    expect(admin.events.some((e) => e.type === 'system:notice' && /agent2 only/.test((e.data as { message: string }).message))).toBe(false);
    const adminSeqs = admin.events.map((e) => e.seq);
    const skipped = [];
    for (let q = adminLast + 1; q <= admin.seq; q++) if (!adminSeqs.includes(q)) skipped.push(q);
    // The only seqs the admin does not get are the five "agent2 only" events.
    expect(admin.others.map((e) => (e.data as { message: string }).message)).toEqual([0, 1, 2, 3, 4].map((i) => `agent2 only ${i}`));
    expect(skipped).toEqual(admin.others.map((e) => e.seq));

    // A read_only user: tenant-wide events yes, users.view events no.
    const viewer = await check('viewer@acme.test', viewerLast);
    expect(viewer.events.some((e) => e.type === 'user:updated')).toBe(false);
    admin.s.close();
    viewer.s.close();
  });

  it('an access change made on node A reaches the user\'s socket on node B within 5 s: a role change re-rooms it, a deactivation drops it', async () => {
    const admin = new Api(A.baseUrl, tokens['admin@acme.test']);
    const created = await admin.post('/api/v1/users', { name: 'Nora Nodes', email: 'nora@acme.test', role: 'support_agent', password: 'nora-password-123' });
    expect(created.status).toBe(201);
    const nora = created.body.id as number;
    const token = (await new Api(B.baseUrl).login('nora@acme.test', 'nora-password-123')).accessToken;
    const onB = (await connectSocket(B.baseUrl, token)) as Sock;
    open.push(onB);
    const hearsUsersView = async () => {
      onB.received.length = 0;
      await publisher.publish(acme, 'system:notice', { message: 'for users.view' }, { kind: 'permission', permission: 'users.view' });
      await sleep(100);
      return onB.received.some((e) => (e.data as { message?: string }).message === 'for users.view');
    };
    expect(await hearsUsersView()).toBe(false);

    // support_agent → supervisor on node A: node B's socket is moved into the users.view room without reconnecting.
    let t0 = Date.now();
    expect((await admin.patch(`/api/v1/users/${nora}`, { role: 'supervisor' })).status).toBe(200);
    await until(hearsUsersView, 5000, 50);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(onB.connected).toBe(true);

    // Deactivated on node A: dropped on node B.
    const dropped = new Promise<string>((r) => onB.once('disconnect', (reason) => r(reason)));
    t0 = Date.now();
    expect((await admin.post(`/api/v1/users/${nora}/deactivate`)).status).toBe(200);
    expect(await dropped).toBe('io server disconnect');
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it('a BullMQ worker process (ROLE=worker, no Socket.IO server) publishes like a web node: a reminder it fires reaches the assignee on node B, stamped and replayable', async () => {
    // The web nodes run no workers (ROLE=web), so only this process can fire the reminder.
    const W = await startNode({ name: 'worker', env: { ...env('W'), ROLE: 'worker' }, readyTimeoutMs: 40_000 });
    expect(W.port).toBe(0);
    const agentB = await sock(B, 'agent1@acme.test');
    const from = lastSeen(agentB);
    const admin = new Api(A.baseUrl, tokens['admin@acme.test']);
    const lead = await admin.post('/api/v1/leads', { name: 'Worker Lead', assignedToId: ids['agent1@acme.test'], nextFollowupAt: new Date(Date.now() + 1500).toISOString() });
    expect(lead.status).toBe(201);
    const reminder = () => agentB.received.find((e) => e.type === 'notification:created' && (e.data as { data?: { leadId?: number } }).data?.leadId === lead.body.id);
    await until(() => !!reminder(), 15_000, 100);
    const ev = reminder()!;
    expect(ev).toMatchObject({ tenantId: acme, type: 'notification:created', data: { type: 'followup.due', title: 'Follow up with Worker Lead' } });
    expect(ev.seq).toBeGreaterThan(from);
    // The worker's event is in the tenant's log like any other: a catch-up from before it replays it to this user.
    const replay = await command(agentB, 'sync:catchup', { lastSeq: from });
    expect(replay.ok).toBe(true);
    expect((replay as { data: { events: AnyEnvelope[] } }).data.events.map((e) => e.id)).toContain(ev.id);
    expect(W.logs().some((r) => /worker started/.test(String(r.msg)))).toBe(true);
    agentB.close();
    await W.kill('SIGTERM', 10_000);
  });

  it('kill -9 of node A: its users go offline within the grace period, one who moved to B never does', async () => {
    const agent2 = await sock(A, 'agent2@acme.test');
    const supportOnA = await sock(A, 'support@acme.test');
    await until(async () => (await stateOn(B, 'agent2@acme.test')) === 'available' && (await stateOn(B, 'support@acme.test')) === 'available', 5000, 100);
    expect(agent2.connected).toBe(true);

    const mark = dashboard.received.length;
    const t0 = Date.now();
    const exit = await A.kill('SIGKILL');
    expect(exit.signal).toBe('SIGKILL');
    // Events for the support agent published while their console had no node (what a worker or node B sends meanwhile).
    const lastOnA = lastSeen(supportOnA);
    const missed: string[] = [];
    for (let i = 0; i < 3; i++) missed.push((await publisher.publish(acme, 'system:notice', { message: `while moving ${i}` }, { kind: 'user', userId: ids['support@acme.test'] })).id);
    // The support agent's console reconnects to the surviving node, well within the grace period, and catches up
    // from the last seq its dead node gave it: nothing missed.
    const supportOnB = await sock(B, 'support@acme.test');
    expect(Date.now() - t0).toBeLessThan(GRACE_MS);
    const replay = await command(supportOnB, 'sync:catchup', { lastSeq: lastOnA });
    expect(replay.ok).toBe(true);
    const replayed = (replay as { data: { events: AnyEnvelope[] } }).data.events;
    expect(replayed.filter((e) => e.type === 'system:notice' && String((e.data as { message: string }).message).startsWith('while moving')).map((e) => e.id)).toEqual(missed);

    let offlineAfter = -1;
    await until(() => {
      if (presenceOf(dashboard, 'agent2@acme.test', mark).some((e) => (e.data as { state: string }).state === 'offline')) offlineAfter = Date.now() - t0;
      return offlineAfter >= 0;
    }, GRACE_MS + 8000, 20);
    // Not before the grace period (less the last heartbeat), and within it plus a heartbeat, a sweep and slack.
    expect(offlineAfter).toBeGreaterThanOrEqual(GRACE_MS - HEARTBEAT_MS - 500);
    expect(offlineAfter).toBeLessThanOrEqual(GRACE_MS + HEARTBEAT_MS + SWEEP_MS + 2000);
    expect(await stateOn(B, 'agent2@acme.test')).toBe('offline');

    // By now the support agent's A socket has expired too; wait a few more sweeps to be sure.
    await sleep(Math.max(0, GRACE_MS + HEARTBEAT_MS + 4 * SWEEP_MS + 300 - (Date.now() - t0)));
    expect(await stateOn(B, 'support@acme.test')).toBe('available');
    expect(presenceOf(dashboard, 'support@acme.test', mark).filter((e) => (e.data as { state: string }).state === 'offline')).toEqual([]);

    // The survivor closed the dead node's session rows.
    await until(async () => Number((await sql('select count(*) as n from user_sessions where node_id = ? and disconnected_at is null', [nodeId('A')]))[0].n) === 0, 5000, 100);
  });
});
