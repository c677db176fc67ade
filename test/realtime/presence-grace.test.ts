import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSeeded, sql } from '../helpers/seeded.ts';
import type { TestSystem } from '../helpers/system.ts';
import type { Api } from '../helpers/api.ts';
import { command, connectSocket, sleep, until, type ClientSocket } from '../helpers/sockets.ts';
import { HEARTBEAT_CHUNK, PresenceService } from '../../server/presence/presence.service.ts';
import type { AnyEnvelope, PresenceView, Viewer } from '../../shared/realtime.ts';

/**
 * Aggregation over tabs, the grace period (reloads and blips do not flap an
 * agent offline) and a node that dies without a goodbye: its sockets' presence
 * and viewing go away within the grace period.
 */

type Sock = ClientSocket & { ready: { seq: number; userId: number; tenantId: number; permissions: string[] }; received: AnyEnvelope[] };

const GRACE = 1500;
const SWEEP = 250;
let sys: TestSystem;
let api: Api;
const open: Sock[] = [];
let acme: number;
let acmeAdmin: Awaited<ReturnType<Api['login']>>;
let supervisor: Sock;
let n = 0;
const PASSWORD = 'presence-test-password';

async function newUser(role = 'sales_agent') {
  n += 1;
  const name = `Grace ${String(n).padStart(3, '0')}`;
  const email = `grace${n}@acme.test`;
  const r = await acmeAdmin.api.post('/api/v1/users', { name, email, role, password: PASSWORD });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  const session = await api.login(email, PASSWORD);
  return { id: Number(r.body.id), name, email, token: session.accessToken };
}

async function socketWith(token: string): Promise<Sock> {
  const s = (await connectSocket(sys.baseUrl, token)) as Sock;
  open.push(s);
  return s;
}

/** Closes a client socket and resolves once the server has seen it go. */
async function closeAndWait(s: Sock): Promise<number> {
  const id = s.id!;
  s.close();
  await until(() => !sys.services.presence.localSockets().has(id));
  return Date.now();
}

const statesSeen = (s: Sock, userId: number) =>
  s.received.filter((e) => e.type === 'presence:changed' && (e.data as PresenceView).userId === userId).map((e) => (e.data as PresenceView).state);
const stateOf = async (userId: number) => (await sys.services.presence.current(acme, userId))?.state ?? 'offline';
const eventStates = async (userId: number) => (await sql(sys, 'select state from presence_events where user_id = ? order by id', [userId])).map((r) => r.state);

beforeAll(async () => {
  ({ sys, api } = await startSeeded('rt_presence_grace', { PRESENCE_GRACE_MS: GRACE, PRESENCE_SWEEP_MS: SWEEP, PRESENCE_HEARTBEAT_MS: 250, SOCKET_REVALIDATE_MS: 1000 }));
  acme = Number((await sql(sys, "select id from tenants where name <> 'Globex Sales' order by id limit 1"))[0].id);
  acmeAdmin = await api.login('admin@acme.test');
  supervisor = await socketWith((await api.login('supervisor@acme.test')).accessToken);
});
afterAll(async () => {
  for (const s of open) s.close();
  await sys?.stop();
});

// The two scenarios wait on the clock and use users of their own: they run side by side.
describe.concurrent('tabs and the grace period', () => {
  it('closing one of two tabs keeps the user online; closing both shows them offline only after the grace period', async () => {
    const u = await newUser();
    const [a, b] = [await socketWith(u.token), await socketWith(u.token)];
    await until(() => statesSeen(supervisor, u.id).includes('available'));

    await closeAndWait(a);
    // Well past the grace period, the other tab keeps the user online (its heartbeats refresh it).
    await sleep(GRACE + 3 * SWEEP);
    expect(await stateOf(u.id)).toBe('available');
    expect(statesSeen(supervisor, u.id)).toEqual(['available']);

    const gone = await closeAndWait(b);
    await sleep(GRACE / 2);
    expect(await stateOf(u.id)).toBe('available');
    expect(statesSeen(supervisor, u.id)).toEqual(['available']);
    await until(() => statesSeen(supervisor, u.id).includes('offline'), GRACE + 10 * SWEEP);
    const after = Date.now() - gone;
    expect(after).toBeGreaterThanOrEqual(GRACE - 100);
    expect(await stateOf(u.id)).toBe('offline');
    expect(statesSeen(supervisor, u.id)).toEqual(['available', 'offline']);
    expect(await eventStates(u.id)).toEqual(['available', 'offline']);
    // The user no longer counts as online anywhere: the snapshot agrees.
    const snap = (await acmeAdmin.api.get('/api/v1/presence')).body.data.find((p: PresenceView) => p.userId === u.id);
    expect(snap.state).toBe('offline');
    // Their sessions are closed.
    expect(await sql(sys, 'select id from user_sessions where user_id = ? and disconnected_at is null', [u.id])).toEqual([]);
  });

  it('a reload (reconnect within the grace period) never shows the user offline, and keeps their chosen state', async () => {
    const u = await newUser();
    const first = await socketWith(u.token);
    await until(() => statesSeen(supervisor, u.id).includes('available'));
    expect((await command(first, 'presence:set', { state: 'away' })).ok).toBe(true);
    await closeAndWait(first);
    await sleep(400);
    const second = await socketWith(u.token);
    // A network blip of the new tab, too.
    await closeAndWait(second);
    await sleep(400);
    const third = await socketWith(u.token);
    await sleep(GRACE * 2);
    expect(await stateOf(u.id)).toBe('away');
    expect(statesSeen(supervisor, u.id)).toEqual(['available', 'away']);
    expect(await eventStates(u.id)).toEqual(['available', 'away']);
    expect(third.connected).toBe(true);
  });
});

describe.concurrent('a node that dies', () => {
  it('takes its sockets\' presence and viewing with it within the grace period; live sockets elsewhere are untouched', async () => {
    // A second node's presence service on the same Redis and database, that dies at once:
    // its socket is never heartbeated and never disconnected.
    const deadRedis = sys.redis.duplicate();
    const dead = new PresenceService(sys.orm, deadRedis, sys.publisher, `t:${sys.dbName}`, 'dead-node-1', { graceMs: GRACE, heartbeatMs: 250, sweepMs: SWEEP }, sys.logger);
    try {
      const ghost = await newUser();
      const live = await newUser();
      const liveSock = await socketWith(live.token);
      const [lead] = await sql(sys, 'select id from leads where tenant_id = ? order by id limit 1', [acme]);
      const leadId = Number(lead.id);

      await dead.connected({ socketId: 'dead-socket-1', tenantId: acme, userId: ghost.id, name: ghost.name, ip: '10.1.2.3', userAgent: 'ghost' });
      expect(await stateOf(ghost.id)).toBe('available');
      expect(await dead.setViewing('dead-socket-1', { entityType: 'lead', entityId: leadId })).toEqual([{ userId: ghost.id, name: ghost.name }]);
      const ack = await command<{ viewers: Viewer[] }>(liveSock, 'viewing:set', { entityType: 'lead', entityId: leadId });
      expect(ack).toMatchObject({ ok: true });
      if (!ack.ok) return;
      expect(ack.data.viewers.map((v: Viewer) => v.userId).sort()).toEqual([ghost.id, live.id].sort());
      expect(await sql(sys, 'select node_id from presence_tracking where socket_id = ?', ['dead-socket-1'])).toEqual([{ node_id: 'dead-node-1' }]);
      const died = Date.now();

      await until(() => statesSeen(supervisor, ghost.id).includes('offline'), GRACE + 12 * SWEEP);
      expect(Date.now() - died).toBeGreaterThanOrEqual(GRACE - 300);
      expect(await stateOf(ghost.id)).toBe('offline');
      expect(await eventStates(ghost.id)).toEqual(['available', 'offline']);
      // The ghost no longer views the lead: the other viewer hears it, the tracking row and the session are closed.
      await until(() => liveSock.received.some((e) => e.type === 'viewers:changed' && (e.data as any).entityId === leadId && (e.data as any).viewers.length === 1));
      const last = liveSock.received.filter((e) => e.type === 'viewers:changed' && (e.data as any).entityId === leadId).at(-1)!;
      expect((last.data as any).viewers).toEqual([{ userId: live.id, name: live.name }]);
      expect(await sys.services.presence.viewers(acme, 'lead', leadId)).toEqual([{ userId: live.id, name: live.name }]);
      expect(await sql(sys, 'select id from presence_tracking where socket_id = ?', ['dead-socket-1'])).toEqual([]);
      const [session] = await sql(sys, 'select ip_address, user_agent, node_id, disconnected_at from user_sessions where socket_id = ?', ['dead-socket-1']);
      expect(session).toMatchObject({ ip_address: '10.1.2.3', user_agent: 'ghost', node_id: 'dead-node-1' });
      expect(session.disconnected_at).not.toBeNull();
      // The live user on the surviving node stayed online all along.
      expect(await stateOf(live.id)).toBe('available');
      expect(statesSeen(supervisor, live.id)).toEqual(['available']);
    } finally {
      dead.stop();
      deadRedis.disconnect();
    }
  });

  it('leaves no ghost viewer even when nobody swept for so long that the dead socket\'s own record expired', async () => {
    // E.g. a single-node deployment down for a minute: the per-socket hash (TTL 6 × grace) is gone
    // by the time a sweeper looks at the socket, but presence_tracking still says what it viewed.
    const deadRedis = sys.redis.duplicate();
    const dead = new PresenceService(sys.orm, deadRedis, sys.publisher, `t:${sys.dbName}`, 'dead-node-2', { graceMs: GRACE, heartbeatMs: 250, sweepMs: SWEEP }, sys.logger);
    try {
      const ghost = await newUser();
      const [lead] = await sql(sys, 'select id from leads where tenant_id = ? order by id desc limit 1', [acme]);
      const leadId = Number(lead.id);
      await dead.connected({ socketId: 'dead-socket-2', tenantId: acme, userId: ghost.id, name: ghost.name, ip: '10.1.2.4', userAgent: 'ghost' });
      expect(await dead.setViewing('dead-socket-2', { entityType: 'lead', entityId: leadId })).toEqual([{ userId: ghost.id, name: ghost.name }]);
      // Its record expires (as its TTL would after a long outage); its liveness score has run out too.
      await sys.redis.del(`t:${sys.dbName}:pr:sock:dead-socket-2`);
      await sys.redis.zadd(`t:${sys.dbName}:pr:${acme}:${ghost.id}:socks`, Date.now() - 1, 'dead-socket-2');
      await until(async () => (await stateOf(ghost.id)) === 'offline', 10 * SWEEP);
      await until(async () => (await sql(sys, "select id from presence_tracking where socket_id = 'dead-socket-2'")).length === 0, 10 * SWEEP);
      expect(await sys.services.presence.viewers(acme, 'lead', leadId)).toEqual([]);
      expect((await sql(sys, "select disconnected_at from user_sessions where socket_id = 'dead-socket-2'"))[0].disconnected_at).not.toBeNull();
    } finally {
      dead.stop();
      deadRedis.disconnect();
    }
  });
});

describe('a node whose heartbeats were late', () => {
  it('brings its connected users back online once it beats again (a Redis outage or a stalled event loop)', async () => {
    const u = await newUser();
    const s = await socketWith(u.token);
    await until(() => statesSeen(supervisor, u.id).includes('available'));
    const node = sys.services.presence;
    node.stop();
    const otherRedis = sys.redis.duplicate();
    const other = new PresenceService(sys.orm, otherRedis, sys.publisher, `t:${sys.dbName}`, 'other-node', { graceMs: GRACE, heartbeatMs: 250, sweepMs: SWEEP }, sys.logger);
    try {
      // The beats stopped long enough for the socket to look dead, and another node's sweeper gave up on the user.
      await sys.redis.zadd(`t:${sys.dbName}:pr:${acme}:${u.id}:socks`, Date.now() - 1, s.id!);
      await sys.redis.zadd(`t:${sys.dbName}:pr:exp`, Date.now() - 1, `${acme}:${u.id}:${s.id!}`);
      await sys.redis.del(`t:${sys.dbName}:pr:sweep-lock`);
      await other.sweep();
      expect(await stateOf(u.id)).toBe('offline');
    } finally {
      otherRedis.disconnect();
      node.start();
    }
    // The socket never left: the user is shown online again within a few beats.
    await until(async () => (await stateOf(u.id)) === 'available', 10 * SWEEP);
    await until(() => statesSeen(supervisor, u.id).at(-1) === 'available');
    expect(await sql(sys, 'select id from presence_events where user_id = ? and ended_at is null', [u.id])).toHaveLength(1);
    expect(s.connected).toBe(true);
  });
});

describe('a node with many sockets', () => {
  it(`beats in scripts of at most ${HEARTBEAT_CHUNK} sockets (Redis is never held long by one), refreshing every socket`, async () => {
    // 450 tabs of one user on a node of its own (a PresenceService on the same Redis and database, as a second
    // web node would have). Every command Redis runs is watched through MONITOR.
    const u = await newUser();
    const nodeRedis = sys.redis.duplicate();
    const node = new PresenceService(sys.orm, nodeRedis, sys.publisher, `t:${sys.dbName}`, 'busy-node', { graceMs: 60_000, heartbeatMs: 60_000, sweepMs: 60_000 }, sys.logger);
    const monitor = await sys.redis.monitor();
    const ids = Array.from({ length: 450 }, (_, i) => `busy-socket-${i}`);
    try {
      for (const id of ids) await node.connected({ socketId: id, tenantId: acme, userId: u.id, name: u.name, ip: '10.9.9.9', userAgent: 'tab' });
      const index = `t:${sys.dbName}:pr:exp`;
      const ours = `${acme}:${u.id}:busy-socket-`;
      const member = (id: string) => `${acme}:${u.id}:${id}`;
      const before = Number(await sys.redis.zscore(index, member(ids[0])));

      const calls: string[][] = [];
      monitor.on('monitor', (_time: string, args: string[]) => {
        // The script's own call (EVALSHA, or EVAL the first time this connection runs it), not the commands it runs.
        if (!['evalsha', 'eval'].includes(args[0]?.toLowerCase())) return;
        const members = args.filter((a) => a.startsWith(ours));
        if (members.length) calls.push(members);
      });
      await sleep(5);
      await node.heartbeat();
      await until(() => calls.flat().length >= ids.length, 3000);

      expect(calls.map((c) => c.length)).toEqual([HEARTBEAT_CHUNK, HEARTBEAT_CHUNK, 450 - 2 * HEARTBEAT_CHUNK]);
      expect(new Set(calls.flat())).toEqual(new Set(ids.map(member)));
      for (const id of [ids[0], ids[225], ids[449]]) expect(Number(await sys.redis.zscore(index, member(id)))).toBeGreaterThan(before);
      expect(Number(await sys.redis.zscore(`t:${sys.dbName}:pr:${acme}:${u.id}:socks`, ids[449]))).toBeGreaterThan(before);
    } finally {
      monitor.disconnect();
      for (const id of ids) await node.disconnected(id).catch(() => undefined);
      await node.flushSessions();
      node.stop();
      nodeRedis.disconnect();
    }
  });
});

describe('the sweeper', () => {
  it('runs on one node per interval: a node that finds the lock taken leaves the expired sockets to its holder', async () => {
    const ghost = await newUser();
    const aRedis = sys.redis.duplicate();
    const bRedis = sys.redis.duplicate();
    const a = new PresenceService(sys.orm, aRedis, sys.publisher, `t:${sys.dbName}`, 'lock-node-a', { graceMs: GRACE, heartbeatMs: 250, sweepMs: 60_000 }, sys.logger);
    const b = new PresenceService(sys.orm, bRedis, sys.publisher, `t:${sys.dbName}`, 'lock-node-b', { graceMs: GRACE, heartbeatMs: 250, sweepMs: 60_000 }, sys.logger);
    const lock = `t:${sys.dbName}:pr:sweep-lock`;
    const member = `${acme}:${ghost.id}:lock-socket`;
    try {
      sys.services.presence.stop(); // the test system's own sweeper stays out of the way
      await a.connected({ socketId: 'lock-socket', tenantId: acme, userId: ghost.id, name: ghost.name, ip: '10.9.9.9', userAgent: 'lock' });
      await a.flushSessions(); // its user_sessions row is written (within 100 ms anyway)
      // The socket's node died: its liveness ran out.
      await sys.redis.zadd(`t:${sys.dbName}:pr:${acme}:${ghost.id}:socks`, Date.now() - 1, 'lock-socket');
      await sys.redis.zadd(`t:${sys.dbName}:pr:exp`, Date.now() - 1, member);
      await sys.redis.set(lock, 'someone-else', 'PX', 60_000);
      await b.sweep();
      expect(await sys.redis.zscore(`t:${sys.dbName}:pr:exp`, member)).not.toBeNull();
      expect(await stateOf(ghost.id)).toBe('available');
      await sys.redis.del(lock);
      await b.sweep();
      expect(await sys.redis.get(lock)).toBe('lock-node-b');
      expect(await sys.redis.zscore(`t:${sys.dbName}:pr:exp`, member)).toBeNull();
      expect(await stateOf(ghost.id)).toBe('offline');
      await until(async () => (await sql(sys, "select disconnected_at from user_sessions where socket_id = 'lock-socket'"))[0]?.disconnected_at != null, 2000);
    } finally {
      a.stop();
      b.stop();
      aRedis.disconnect();
      bRedis.disconnect();
      await sys.redis.del(lock);
      sys.services.presence.start();
    }
  });
});
