import type { Redis } from 'ioredis';
import type { MikroORM, EntityManager } from '@mikro-orm/mariadb';
import type { Logger } from '../logger.ts';
import type { Publisher } from '../realtime/publisher.ts';
import type { Audience } from '../realtime/audience.ts';
import { PresenceReason } from './presence-reason.entity.ts';
import { SessionLog } from './session-log.ts';
import { plainSql, type PlainSql } from '../db/plain-sql.ts';
import { PresenceTracking } from './presence-tracking.entity.ts';
import { User } from '../tenancy/user.entity.ts';
import { dbDate, wholeSeconds } from '../db/values.ts';
import { ConflictError, NotFoundError, UnprocessableError } from '../http/errors.ts';
import type { Envelope, PresenceState, PresenceView, Viewer } from '../../shared/realtime.ts';
import type { Role } from '../../shared/roles.ts';

/** The states calls set by themselves (the telephony hook). */
export type SystemState = 'on_call' | 'wrap_up' | 'available';

interface StoredState {
  state: PresenceState;
  reasonId: number | null;
  since: string;
}

export interface PresenceSettings {
  /** How long a user with no live socket stays online (reload, network blip, dead node). */
  graceMs: number;
  /** How often each node refreshes its sockets' liveness. */
  heartbeatMs: number;
  /** How often each node looks for users whose sockets all expired. */
  sweepMs: number;
}

export interface SocketIdentity {
  socketId: string;
  tenantId: number;
  userId: number;
  name: string;
  ip: string;
  userAgent: string;
}

/** What the node keeps per live socket (the address and user agent go to user_sessions only). */
interface LocalSocket {
  socketId: string;
  tenantId: number;
  userId: number;
  name: string;
}

/**
 * Compare-and-set of a user's state: writes ARGV[2] only when the stored state
 * differs from it (and, when ARGV[3] is "offline-check", only when the user has
 * no live socket left). Returns the previous JSON, or false when nothing changed.
 */
const TRANSITION = `
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if ARGV[3] == 'offline-check' then
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[4])
  if redis.call('ZCARD', KEYS[2]) > 0 then return false end
end
if cur then
  local c = cjson.decode(cur)
  local n = cjson.decode(ARGV[2])
  if c.state == n.state and tostring(c.reasonId) == tostring(n.reasonId) then return false end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return cur or ''`;

/**
 * A socket connects: its liveness (in the user's set and the global expiry index), its record,
 * and the compare-and-set that brings the user online when their state is offline or unset,
 * in one atomic step. When the user comes online and ARGV[10] holds the presence:changed
 * envelope (without its seq), the event is appended to the tenant's log in the same step, as
 * the publisher's append does (INCR the tenant's sequence KEYS[5], XADD `<seq>-1` to the log
 * KEYS[6] capped at ARGV[12], with the audience ARGV[11]). Returns {1, state written, seq or ''}
 * when the user came online, otherwise {0, the state as it is, the tenant's sequence number}.
 */
const CONNECT = `
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[3])
redis.call('ZADD', KEYS[2], ARGV[1], ARGV[2])
redis.call('HSET', KEYS[3], 't', ARGV[4], 'u', ARGV[5], 'n', ARGV[6], 'node', ARGV[7])
redis.call('PEXPIRE', KEYS[3], ARGV[8])
local cur = redis.call('HGET', KEYS[4], ARGV[5])
if cur and cjson.decode(cur).state ~= 'offline' then
  return {0, cur, redis.call('GET', KEYS[5]) or '0'}
end
redis.call('HSET', KEYS[4], ARGV[5], ARGV[9])
if ARGV[10] == '' then return {1, ARGV[9], ''} end
local seq = redis.call('INCR', KEYS[5])
redis.call('XADD', KEYS[6], 'MAXLEN', ARGV[12], seq .. '-1', 'e', ARGV[10], 'a', ARGV[11])
return {1, ARGV[9], tostring(seq)}`;

/**
 * A node's heartbeat for a chunk of its sockets (ARGV[4..], members `tenant:user:socket` as
 * in the global index KEYS[1]): refreshes each one's liveness in the index and in its user's
 * set, and its record's TTL (ARGV[3]); the keys are under ARGV[1] (`<prefix>:pr:`). Returns
 * the users (`tenant:user`) whose state is offline or unset although a socket of theirs is here.
 */
const HEARTBEAT = `
local pfx, exp, ttl = ARGV[1], ARGV[2], ARGV[3]
local back, seen = {}, {}
for i = 4, #ARGV do
  local m = ARGV[i]
  local t, u, s = string.match(m, '^(%d+):(%d+):(.+)$')
  redis.call('ZADD', KEYS[1], exp, m)
  redis.call('ZADD', pfx .. t .. ':' .. u .. ':socks', exp, s)
  redis.call('PEXPIRE', pfx .. 'sock:' .. s, ttl)
  local tu = t .. ':' .. u
  if not seen[tu] then
    seen[tu] = true
    local st = redis.call('HGET', pfx .. t .. ':state', u)
    if not st or cjson.decode(st).state == 'offline' then back[#back + 1] = tu end
  end
end
return back`;

/** Sockets per heartbeat script call (see `heartbeat`). */
export const HEARTBEAT_CHUNK = 200;

/**
 * Takes from the global expiry index the sockets whose liveness ran out before
 * ARGV[1] (at most ARGV[2] of them), and returns them. A member a heartbeat
 * refreshed in the meantime has a later score and is left alone.
 */
const TAKE_EXPIRED = `
local out = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
if #out > 0 then redis.call('ZREM', KEYS[1], unpack(out)) end
return out`;

/** Who hears a user's presence:changed: supervisors (dashboard.view) and the user's own tabs. */
const presenceAudience = (userId: number): Audience => ({ kind: 'any', of: [{ kind: 'permission', permission: 'dashboard.view' }, { kind: 'user', userId }] });

/** A user's presence view from their stored state, their name and role, and the name of their reason. */
function plainView(userId: number, cur: StoredState | null, who: { name: string; role: Role }, reasonName: string | null): PresenceView {
  return {
    userId, name: who.name, role: who.role, state: cur?.state ?? 'offline', reasonId: cur?.reasonId ?? null,
    reasonName, since: cur?.since ?? null,
  };
}

/**
 * Presence per user, aggregated over every tab and every node.
 *
 * Each socket has a liveness score in Redis that its node refreshes every
 * heartbeat; a user is online while any of their sockets is live. A socket that
 * disconnects (or whose node dies) keeps its score until it runs out, so a reload
 * or a short blip within the grace period does not show the user offline. Any
 * node's sweeper then moves users with no live socket to offline; the
 * compare-and-set makes exactly one node write that change.
 *
 * Every change closes the user's open presence_events row and opens a new one,
 * and is pushed to holders of dashboard.view and to the user's own tabs.
 */
export class PresenceService {
  private timers: NodeJS.Timeout[] = [];
  private readonly local = new Map<string, LocalSocket>();
  private sessionsTouchedAt = Date.now();
  private readonly viewingQueue = new Map<string, Promise<void>>();
  private readonly sessions: SessionLog;
  /** Called after a user went offline (their last socket expired); telephony ends their abandoned calls. */
  onOffline: ((tenantId: number, userId: number) => Promise<unknown>) | null = null;

  constructor(
    private readonly orm: MikroORM,
    private readonly redis: Redis,
    private readonly publisher: Publisher,
    private readonly prefix: string,
    readonly nodeId: string,
    readonly settings: PresenceSettings,
    private readonly logger: Logger,
  ) {
    redis.defineCommand('ccPresenceTransition', { numberOfKeys: 2, lua: TRANSITION });
    redis.defineCommand('ccTakeExpired', { numberOfKeys: 1, lua: TAKE_EXPIRED });
    redis.defineCommand('ccPresenceConnect', { numberOfKeys: 6, lua: CONNECT });
    redis.defineCommand('ccPresenceHeartbeat', { numberOfKeys: 1, lua: HEARTBEAT });
    this.sql = plainSql(orm.em.getConnection());
    this.sessions = new SessionLog(orm, nodeId, logger, (tenantId, userIds) => this.recordMany(tenantId, userIds));
  }

  private readonly sql: PlainSql;

  private k = {
    state: (t: number) => `${this.prefix}:pr:${t}:state`,
    socks: (t: number, u: number) => `${this.prefix}:pr:${t}:${u}:socks`,
    /** Every socket of every tenant by liveness expiry (member `tenant:user:socket`): what the sweeper reads. */
    expiries: () => `${this.prefix}:pr:exp`,
    sweepLock: () => `${this.prefix}:pr:sweep-lock`,
    sock: (id: string) => `${this.prefix}:pr:sock:${id}`,
    viewers: (t: number, type: string, id: number) => `${this.prefix}:pr:${t}:view:${type}:${id}`,
  };

  start(): void {
    this.timers.push(setInterval(() => void this.once('heartbeat', () => this.heartbeat()), this.settings.heartbeatMs));
    this.timers.push(setInterval(() => void this.once('sweep', () => this.sweep()), this.settings.sweepMs));
    for (const t of this.timers) t.unref();
  }

  private readonly running = new Set<string>();

  /**
   * Runs a periodic task unless its previous run is still going: with many users a
   * sweep can outlast its interval, and overlapping runs would only pile up load.
   */
  private async once(name: string, task: () => Promise<void>): Promise<void> {
    if (this.running.has(name)) return;
    this.running.add(name);
    try {
      await task();
    } catch (err) {
      this.logger.warn({ err }, `presence ${name} failed`);
    } finally {
      this.running.delete(name);
    }
  }

  stop(): void {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
  }

  /** Writes the user_sessions changes still queued (on shutdown, and for tests). */
  flushSessions(): Promise<void> {
    return this.sessions.flush();
  }

  // ---------------------------------------------------------------- sockets

  /**
   * A socket of this node connected: mark it live, queue its user_sessions row, bring the user
   * online. One Redis round trip: the script also appends the presence:changed of a user who
   * comes online to the tenant's log (it is then sent to its audience, as any published event),
   * and their presence_events row is written with the next session batch. Returns the user's
   * presence now and the tenant's sequence number for `session:ready`.
   */
  async connected(s: SocketIdentity & { role?: Role }): Promise<{ presence: PresenceView; seq: number }> {
    this.local.set(s.socketId, { socketId: s.socketId, tenantId: s.tenantId, userId: s.userId, name: s.name });
    const now = new Date();
    const expires = now.getTime() + this.settings.graceMs;
    const onlineState: StoredState = { state: 'available', reasonId: null, since: now.toISOString() };
    const online = JSON.stringify(onlineState);
    const who = s.role ? { name: s.name, role: s.role } : undefined;
    // The event in case the user comes online (the socket knows their name and role, so no read is needed).
    const audience = presenceAudience(s.userId);
    const comingOnline = who ? this.publisher.draft(s.tenantId, 'presence:changed', plainView(s.userId, onlineState, who, null)) : null;
    const [cameOnline, raw, seq] = (await (this.redis as any).ccPresenceConnect(
      this.k.socks(s.tenantId, s.userId), this.k.expiries(), this.k.sock(s.socketId), this.k.state(s.tenantId), this.publisher.seqKey(s.tenantId), this.publisher.logKey(s.tenantId),
      expires, this.member(s), s.socketId, s.tenantId, s.userId, s.name, this.nodeId, this.settings.graceMs * 6, online,
      comingOnline ? JSON.stringify(comingOnline) : '', comingOnline ? JSON.stringify(audience) : '', this.publisher.maxLen,
    )) as [number, string, string | number];
    this.sessions.opened({ tenantId: s.tenantId, userId: s.userId, socketId: s.socketId, ip: s.ip.slice(0, 45), userAgent: s.userAgent.slice(0, 512), at: now });
    if (!cameOnline) return { presence: await this.viewFor(s.tenantId, s.userId, JSON.parse(raw) as StoredState, who), seq: Number(seq) };
    this.sessions.presenceChanged(s.tenantId, s.userId);
    if (comingOnline) {
      const env = { ...comingOnline, seq: Number(seq) };
      this.publisher.emit(env, audience);
      return { presence: env.data, seq: env.seq };
    }
    const env = await this.announce(s.tenantId, s.userId, await this.viewFor(s.tenantId, s.userId, onlineState, who));
    return { presence: env.data, seq: env.seq };
  }

  /** A user was renamed: the name these sockets of this node announce from now on (viewers). */
  renamed(socketIds: Iterable<string>, name: string): void {
    for (const id of socketIds) {
      const s = this.local.get(id);
      if (s) s.name = name;
    }
  }

  private member(s: { tenantId: number; userId: number; socketId: string }): string {
    return `${s.tenantId}:${s.userId}:${s.socketId}`;
  }

  /** A socket of this node went away: it stays live for the grace period, then the sweeper decides. */
  async disconnected(socketId: string): Promise<void> {
    const s = this.local.get(socketId);
    this.local.delete(socketId);
    if (!s) return;
    const expires = Date.now() + this.settings.graceMs;
    await this.redis.multi().zadd(this.k.socks(s.tenantId, s.userId), expires, socketId).zadd(this.k.expiries(), expires, this.member(s)).exec();
    this.sessions.closed(s.tenantId, socketId, new Date());
    await this.perSocket(socketId, () => this.clearViewing(socketId, s.tenantId));
  }

  /**
   * Refreshes the liveness of every socket this node holds, HEARTBEAT_CHUNK sockets per script call, one call after
   * another. Redis serves nothing else while a script runs (about 4 µs per socket here), so a node with 10,000
   * sockets that sent them all at once would hold it for 40 ms every heartbeat: every event published meanwhile, on
   * any node, would wait. In chunks, no other command waits more than about a millisecond.
   */
  async heartbeat(): Promise<void> {
    if (!this.local.size) return;
    const expires = String(Date.now() + this.settings.graceMs);
    const ttl = String(this.settings.graceMs * 6);
    const pfx = `${this.prefix}:pr:`;
    const sockets = [...this.local.values()];
    const back = new Set<string>();
    for (let at = 0; at < sockets.length; at += HEARTBEAT_CHUNK) {
      const args = [pfx, expires, ttl];
      for (const s of sockets.slice(at, at + HEARTBEAT_CHUNK)) args.push(this.member(s));
      for (const tu of (await (this.redis as any).ccPresenceHeartbeat(this.k.expiries(), ...args)) as string[]) back.add(tu);
    }
    // A user with a live socket here whom a sweeper moved offline (this node's beats were
    // late: a Redis outage, a stalled event loop) comes back online.
    if (back.size) {
      const done = new Set<string>();
      for (const s of sockets) {
        const tu = `${s.tenantId}:${s.userId}`;
        if (!back.has(tu) || done.has(tu)) continue;
        done.add(tu);
        if (this.local.has(s.socketId)) await this.transition(s.tenantId, s.userId, 'available', null);
      }
    }
    // user_sessions.last_active_at follows liveness, written at most once per grace period.
    if (Date.now() - this.sessionsTouchedAt >= this.settings.graceMs) {
      this.sessionsTouchedAt = Date.now();
      await this.sessions.touch([...this.local.values()], new Date());
    }
  }

  /**
   * Moves users with no live socket left to offline, and cleans up what dead sockets left
   * behind. Reads only the sockets whose liveness ran out (the global expiry index), and one
   * node sweeps per interval (a lock that expires with the interval, so a dead sweeper is
   * replaced by the next tick of any other node).
   */
  async sweep(): Promise<void> {
    const locked = await this.redis.set(this.k.sweepLock(), this.nodeId, 'PX', this.settings.sweepMs, 'NX');
    if (locked !== 'OK') return;
    const now = Date.now();
    for (;;) {
      const expired = (await (this.redis as any).ccTakeExpired(this.k.expiries(), String(now), '500')) as string[];
      if (!expired.length) return;
      const users = new Map<string, [number, number]>();
      const dead: [number, string][] = [];
      const stillHere: string[] = [];
      for (const m of expired) {
        const [t, u] = m.split(':').map(Number);
        const socketId = m.slice(m.indexOf(':', m.indexOf(':') + 1) + 1);
        // A socket of this node whose beat was late is alive: it goes back into the index.
        if (this.local.has(socketId)) { stillHere.push(m); continue; }
        dead.push([t, socketId]);
        users.set(`${t}:${u}`, [t, u]);
        await this.clearDeadViewing(socketId, t);
      }
      if (stillHere.length) await this.redis.zadd(this.k.expiries(), ...stillHere.flatMap((m) => [Date.now() + this.settings.graceMs, m]));
      await this.sessions.closeDead(dead, new Date());
      for (const [t, u] of users.values()) {
        if (!(await this.transition(t, u, 'offline', null, now))) continue;
        await this.onOffline?.(t, u).catch((err) => this.logger.warn({ err, tenantId: t, userId: u }, 'offline hook failed'));
      }
      if (expired.length < 500) return;
    }
  }

  // ---------------------------------------------------------------- states

  async current(tenantId: number, userId: number): Promise<StoredState | null> {
    const raw = await this.redis.hget(this.k.state(tenantId), String(userId));
    return raw ? (JSON.parse(raw) as StoredState) : null;
  }

  /** The agent's own choice from the console: available, away or not ready (with a reason). */
  async setByAgent(tenantId: number, userId: number, state: 'available' | 'away' | 'not_ready', reasonId: number | null): Promise<PresenceView> {
    const cur = await this.current(tenantId, userId);
    if (cur?.state === 'on_call') throw new ConflictError('You are on a call; your state follows the call until it ends.', undefined, 'on_call');
    if (state === 'not_ready' && reasonId != null) {
      const reason = await this.em(tenantId).findOne(PresenceReason, { id: reasonId, isActive: true });
      if (!reason) throw new UnprocessableError('That not-ready reason does not exist.', [{ path: 'reasonId', message: 'unknown reason' }], 'unknown_reason');
    }
    await this.transition(tenantId, userId, state, state === 'not_ready' ? reasonId : null);
    return this.view(tenantId, userId);
  }

  /**
   * The hook the telephony layer calls: on_call when a call is answered,
   * wrap_up when it ends, available when the wrap-up is saved.
   */
  async setBySystem(tenantId: number, userId: number, state: SystemState): Promise<void> {
    await this.setManyBySystem(tenantId, [{ userId, state }]);
  }

  /**
   * The telephony hook for many changes at once (a batch of PBX events): each change is
   * compare-and-set in order (one Redis round trip for all), then the users whose state
   * moved are recorded in one transaction and each gets one presence:changed with the
   * state they end up in.
   */
  async setManyBySystem(tenantId: number, changes: { userId: number; state: SystemState }[]): Promise<void> {
    if (!changes.length) return;
    if (changes.some((c) => this.sessions.isQueued(tenantId, c.userId))) await this.sessions.flush();
    const at = new Date().toISOString();
    const pipe = this.redis.pipeline();
    for (const c of changes) {
      (pipe as any).ccPresenceTransition(this.k.state(tenantId), this.k.socks(tenantId, c.userId), String(c.userId), JSON.stringify({ state: c.state, reasonId: null, since: at }), '', '0');
    }
    const res = (await pipe.exec()) ?? [];
    const moved = new Set<number>();
    res.forEach(([err, prev], i) => {
      if (err) throw err;
      if (prev !== null && prev !== false) moved.add(changes[i].userId);
    });
    if (!moved.size) return;
    const recorded = await this.recordMany(tenantId, [...moved]);
    await Promise.all(recorded.map(async ({ userId, cur, who }) => {
      const view = await this.viewFor(tenantId, userId, cur, who);
      await this.announce(tenantId, userId, view);
    }));
  }

  /**
   * Changes the state when it differs; on a change, closes the open
   * presence_events row, opens the next and pushes presence:changed.
   * With `offlineCheckAt`, only goes offline if no socket is live at that time.
   */
  async transition(
    tenantId: number, userId: number, state: PresenceState, reasonId: number | null, offlineCheckAt?: number, who?: { name: string; role: Role },
  ): Promise<Envelope<'presence:changed', PresenceView> | null> {
    // A coming-online row of this user still queued is written first, so the history keeps it.
    if (this.sessions.isQueued(tenantId, userId)) await this.sessions.flush();
    const at = new Date();
    const next: StoredState = { state, reasonId, since: at.toISOString() };
    const prev = await (this.redis as any).ccPresenceTransition(
      this.k.state(tenantId), this.k.socks(tenantId, userId),
      String(userId), JSON.stringify(next), offlineCheckAt !== undefined ? 'offline-check' : '', String(offlineCheckAt ?? 0),
    );
    if (prev === null || prev === false) return null;
    const [recorded] = await this.recordMany(tenantId, [userId], prev ? new Map([[userId, JSON.parse(prev) as StoredState]]) : undefined);
    const view = await this.viewFor(tenantId, userId, recorded ? recorded.cur : await this.current(tenantId, userId), who ?? recorded?.who);
    return this.announce(tenantId, userId, view);
  }

  /** presence:changed, to supervisors (dashboard.view) and to the user's own tabs. */
  private announce(tenantId: number, userId: number, view: PresenceView): Promise<Envelope<'presence:changed', PresenceView>> {
    return this.publisher.publish(tenantId, 'presence:changed', view, presenceAudience(userId));
  }

  /**
   * Brings these users' presence_events in line with their states in Redis: closes
   * each one's open row and opens one for the current state, unless it is already
   * open. Transitions of one user may race (several tabs, the telephony hook, the
   * sweeper of any node) and their transactions need not commit in the order of
   * their compare-and-sets; so each one locks the users' rows (in id order) and
   * records the state Redis holds now rather than its own, which leaves exactly one
   * open row that agrees with the live state (a change overtaken within the race is
   * merged into the next). Plain SQL, a fixed number of statements for any number
   * of users, on the ORM's pool without the ORM. Returns, per user still there, the state
   * recorded and their name and role. Run again when it loses a deadlock.
   */
  private async recordMany(
    tenantId: number, userIds: number[], prevs?: Map<number, StoredState>,
  ): Promise<{ userId: number; cur: StoredState; who: { name: string; role: Role } }[]> {
    const ids = [...new Set(userIds)].sort((a, b) => a - b);
    const marks = ids.map(() => '?').join(', ');
    // A deadlock (the users' rows are also locked, for their foreign keys, by the writes of calls and sessions)
    // runs the transaction again: it records what Redis holds then, so a second run is as right as the first.
    return this.sql.transaction(async (tx) => {
      const users = (await tx(`select id, name, role from users where tenant_id = ? and id in (${marks}) order by id for update`, [tenantId, ...ids])) as { id: number; name: string; role: Role }[];
      if (!users.length) return [];
      const raws = await this.redis.hmget(this.k.state(tenantId), ...users.map((u) => String(u.id)));
      const open = (await tx(
        `select id, user_id, state, reason_id, started_at from presence_events where tenant_id = ? and user_id in (${marks}) and ended_at is null order by started_at, id`,
        [tenantId, ...ids],
      )) as { id: number; user_id: number; state: PresenceState; reason_id: number | null; started_at: Date | string }[];
      const close: { id: number; endedAt: Date; seconds: number }[] = [];
      const insert: unknown[][] = [];
      const insertClosed: unknown[][] = [];
      const out: { userId: number; cur: StoredState; who: { name: string; role: Role } }[] = [];
      users.forEach((u, i) => {
        const raw = raws[i];
        if (!raw) return;
        const cur = JSON.parse(raw) as StoredState;
        const userId = Number(u.id);
        out.push({ userId, cur, who: { name: u.name, role: u.role } });
        const mine = open.filter((r) => Number(r.user_id) === userId);
        const last = mine.at(-1);
        const rowIs = (r: (typeof open)[number], s: StoredState) => r.state === s.state && (r.reason_id == null ? null : Number(r.reason_id)) === (s.reasonId ?? null);
        // The state this change left, when no row of it was ever written: its node died before writing the
        // coming-online row (written with the session batch, ~100 ms after the connect). It is written here,
        // closed, from its own start to this change, so the history has no hole where the agent was online.
        const prev = prevs?.get(userId);
        const lostPrev = prev && prev.since && !(prev.state === cur.state && (prev.reasonId ?? null) === (cur.reasonId ?? null))
          && !mine.some((r) => rowIs(r, prev)) && (!last || dbDate(last.started_at)! < wholeSeconds(new Date(prev.since)))
          ? prev : null;
        if (!lostPrev && mine.length === 1 && rowIs(last!, cur)) return;
        const at = new Date(cur.since);
        const closeAt = lostPrev ? new Date(lostPrev.since) : at;
        for (const row of mine) {
          const startedAt = dbDate(row.started_at)!;
          const endedAt = closeAt < startedAt ? startedAt : closeAt;
          close.push({ id: Number(row.id), endedAt, seconds: Math.max(0, Math.round((endedAt.getTime() - startedAt.getTime()) / 1000)) });
        }
        if (lostPrev) {
          const from = wholeSeconds(closeAt);
          const to = wholeSeconds(at < closeAt ? closeAt : at);
          insertClosed.push([tenantId, userId, lostPrev.state, lostPrev.reasonId ?? null, from, to, Math.max(0, Math.round((to.getTime() - from.getTime()) / 1000))]);
        }
        insert.push([tenantId, userId, cur.state, cur.reasonId ?? null, wholeSeconds(at)]);
      });
      if (close.length) {
        await tx(
          `update presence_events set ended_at = case id ${close.map(() => 'when ? then ?').join(' ')} end,
                  duration_seconds = case id ${close.map(() => 'when ? then ?').join(' ')} end
            where tenant_id = ? and id in (${close.map(() => '?').join(', ')})`,
          [...close.flatMap((c) => [c.id, wholeSeconds(c.endedAt)]), ...close.flatMap((c) => [c.id, c.seconds]), tenantId, ...close.map((c) => c.id)],
        );
      }
      if (insertClosed.length) {
        await tx(
          `insert into presence_events (tenant_id, user_id, state, reason_id, started_at, ended_at, duration_seconds) values ${insertClosed.map(() => '(?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
          insertClosed.flat(),
        );
      }
      if (insert.length) {
        await tx(`insert into presence_events (tenant_id, user_id, state, reason_id, started_at) values ${insert.map(() => '(?, ?, ?, ?, ?)').join(', ')}`, insert.flat());
      }
      return out;
    }, { isolation: 'READ COMMITTED' });
  }

  async view(tenantId: number, userId: number): Promise<PresenceView> {
    return this.viewFor(tenantId, userId, await this.current(tenantId, userId));
  }

  /** The presence view of a user in state `cur`; the name and role are read unless the caller knows them (a socket does). */
  private async viewFor(tenantId: number, userId: number, cur: StoredState | null, who?: { name: string; role: Role }): Promise<PresenceView> {
    // An EntityManager only when something must be read (a socket's connect usually needs none).
    const em = !who || cur?.reasonId ? this.em(tenantId) : null;
    if (!who) {
      const user = await em!.findOne(User, { id: userId });
      if (!user) throw new NotFoundError('User');
      who = { name: user.name, role: user.role as Role };
    }
    const reason = cur?.reasonId ? await em!.findOne(PresenceReason, { id: cur.reasonId }) : null;
    return plainView(userId, cur, who, reason?.name ?? null);
  }

  /** Every active user of the tenant with their current state. */
  async snapshot(em: EntityManager, tenantId: number): Promise<PresenceView[]> {
    const [users, states, reasons] = await Promise.all([
      em.find(User, { isActive: true }, { orderBy: { name: 'asc' } }),
      this.redis.hgetall(this.k.state(tenantId)),
      em.find(PresenceReason, {}),
    ]);
    const reasonName = new Map(reasons.map((r) => [r.id, r.name]));
    return users.map((u) => {
      const s = states[String(u.id)] ? (JSON.parse(states[String(u.id)]) as StoredState) : null;
      return {
        userId: u.id, name: u.name, role: u.role as Role, state: s?.state ?? 'offline', reasonId: s?.reasonId ?? null,
        reasonName: s?.reasonId ? (reasonName.get(s.reasonId) ?? null) : null, since: s?.since ?? null,
      };
    });
  }

  /** Seconds in each state per user over [from, to), from presence_events (open rows count up to now). */
  async timeInState(em: EntityManager, tenantId: number, from: Date, to: Date, userId?: number): Promise<{ userId: number; name: string; seconds: Record<PresenceState, number> }[]> {
    const rows = (await em.getConnection().execute(
      `select e.user_id, u.name, e.state,
              sum(greatest(0, timestampdiff(second, greatest(e.started_at, ?), least(coalesce(e.ended_at, utc_timestamp()), ?)))) as secs
         from presence_events e join users u on u.id = e.user_id
        where e.tenant_id = ? and e.started_at < ? and (e.ended_at is null or e.ended_at > ?) ${userId ? 'and e.user_id = ?' : ''}
        group by e.user_id, u.name, e.state`,
      [from, to, tenantId, to, from, ...(userId ? [userId] : [])],
    )) as { user_id: number; name: string; state: PresenceState; secs: string | number }[];
    const out = new Map<number, { userId: number; name: string; seconds: Record<PresenceState, number> }>();
    for (const r of rows) {
      const id = Number(r.user_id);
      if (!out.has(id)) out.set(id, { userId: id, name: r.name, seconds: { available: 0, away: 0, not_ready: 0, on_call: 0, wrap_up: 0, offline: 0 } });
      out.get(id)!.seconds[r.state] = Number(r.secs);
    }
    return [...out.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  // ---------------------------------------------------------------- viewers

  /** The socket now looks at `entity` (or at nothing); returns who views it. */
  async setViewing(socketId: string, entity: { entityType: 'lead' | 'conversation'; entityId: number } | null): Promise<Viewer[]> {
    return this.perSocket(socketId, () => this.applyViewing(socketId, entity));
  }

  private async applyViewing(socketId: string, entity: { entityType: 'lead' | 'conversation'; entityId: number } | null): Promise<Viewer[]> {
    const s = this.local.get(socketId);
    if (!s) return [];
    await this.clearViewing(socketId, s.tenantId);
    if (!entity) return [];
    const key = this.k.viewers(s.tenantId, entity.entityType, entity.entityId);
    await this.redis.multi().hset(key, socketId, JSON.stringify({ userId: s.userId, name: s.name })).hset(this.k.sock(socketId), 'view', `${entity.entityType}:${entity.entityId}`).exec();
    const now = new Date();
    const em = this.em(s.tenantId);
    em.create(PresenceTracking, { tenant: s.tenantId, user: s.userId, entityType: entity.entityType, entityId: entity.entityId, socketId, nodeId: this.nodeId, startedAt: now, lastSeenAt: now } as never);
    await em.flush();
    return this.publishViewers(s.tenantId, entity.entityType, entity.entityId);
  }

  /**
   * Runs the viewing changes of one socket one after the other: a console that
   * navigates faster than its acks come back must not interleave two changes
   * (each would clear nothing, both would add, and the first entity would keep
   * a ghost viewer; the second tracking row of the same entity would fail).
   */
  private perSocket<T>(socketId: string, fn: () => Promise<T>): Promise<T> {
    const run = (this.viewingQueue.get(socketId) ?? Promise.resolve()).then(fn);
    const tail = run.then(() => undefined, () => undefined);
    this.viewingQueue.set(socketId, tail);
    void tail.then(() => {
      if (this.viewingQueue.get(socketId) === tail) this.viewingQueue.delete(socketId);
    });
    return run;
  }

  private async clearViewing(socketId: string, tenantId: number): Promise<void> {
    const current = await this.redis.hget(this.k.sock(socketId), 'view');
    if (!current) return;
    const [type, idText] = current.split(':');
    const id = Number(idText);
    await this.redis.multi().hdel(this.k.viewers(tenantId, type, id), socketId).hdel(this.k.sock(socketId), 'view').exec();
    await this.em(tenantId).nativeDelete(PresenceTracking, { tenant: tenantId, socketId, entityType: type, entityId: id });
    await this.publishViewers(tenantId, type as 'lead' | 'conversation', id);
  }

  /**
   * What a dead socket viewed: from its Redis record, and from its presence_tracking
   * rows when that record has already expired (nobody swept for 6 × grace, e.g. a
   * single node down for a minute); otherwise it would stay listed as a viewer for good.
   */
  private async clearDeadViewing(socketId: string, tenantId: number): Promise<void> {
    await this.clearViewing(socketId, tenantId);
    const em = this.em(tenantId);
    const rows = await em.find(PresenceTracking, { tenant: tenantId, socketId });
    for (const r of rows) {
      await this.redis.hdel(this.k.viewers(tenantId, r.entityType, r.entityId), socketId);
      await em.nativeDelete(PresenceTracking, { tenant: tenantId, socketId, entityType: r.entityType, entityId: r.entityId });
      await this.publishViewers(tenantId, r.entityType as 'lead' | 'conversation', r.entityId);
    }
  }

  async viewers(tenantId: number, entityType: string, entityId: number): Promise<Viewer[]> {
    const all = await this.redis.hvals(this.k.viewers(tenantId, entityType, entityId));
    const byUser = new Map<number, Viewer>();
    for (const v of all) {
      const parsed = JSON.parse(v) as Viewer;
      byUser.set(parsed.userId, parsed);
    }
    return [...byUser.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  private async publishViewers(tenantId: number, entityType: 'lead' | 'conversation', entityId: number): Promise<Viewer[]> {
    const viewers = await this.viewers(tenantId, entityType, entityId);
    await this.publisher.publish(tenantId, 'viewers:changed', { entityType, entityId, viewers }, { kind: 'entity', entityType, id: entityId });
    return viewers;
  }

  /** Sockets this node holds (for tests and the gateway's revalidation). */
  localSockets(): ReadonlyMap<string, LocalSocket> {
    return this.local;
  }

  private em(tenantId: number): EntityManager {
    const em = this.orm.em.fork();
    em.setFilterParams('tenant', { tenantId });
    return em;
  }
}
