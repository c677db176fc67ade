import http, { IncomingMessage } from 'node:http';
import { Server, type Socket } from 'socket.io';
import proxyaddr from 'proxy-addr';
import { createAdapter } from '@socket.io/redis-adapter';
import type { Redis } from 'ioredis';
import type { ZodType } from 'zod';
import type { MikroORM } from '@mikro-orm/mariadb';
import type { Logger } from '../logger.ts';
import type { AuthService } from '../auth/auth.service.ts';
import { AuthStateError } from '../auth/auth.service.ts';
import { TokenError } from '../auth/tokens.ts';
import type { Principal } from '../auth/principal.ts';
import { AppError } from '../http/errors.ts';
import { zodIssues } from '../http/validation.ts';
import type { Publisher } from './publisher.ts';
import { isAudiencePermission, mayReceive } from './audience.ts';
import type { PresenceService } from '../presence/presence.service.ts';
import { Lead } from '../crm/lead.entity.ts';
import { Conversation } from '../messaging/conversation.entity.ts';
import { Campaign } from '../campaigns/campaign.entity.ts';
import { plainSql } from '../db/plain-sql.ts';
import {
  CatchupRequest, ENTITY_ROOMS, PresenceSetRequest, RoomRef, ViewingRequest, rooms,
  type Ack, type ClientToServerEvents, type InterServerEvents, type ServerToClientEvents, type SocketData, type EntityRoomType,
} from '../../shared/realtime.ts';
import { PERMISSIONS, type Permission } from '../../shared/permissions.ts';

type IO = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
type ServerSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

export interface GatewayDeps {
  httpServer: http.Server;
  redis: Redis;
  orm: MikroORM;
  auth: AuthService;
  publisher: Publisher;
  presence: PresenceService;
  logger: Logger;
  /** How often each node re-checks its sockets' users (deactivation, suspension, role change). */
  revalidateMs: number;
  /** Express's `trust proxy` setting: which X-Forwarded-For hops to believe for the client's address. */
  trustProxy: string;
}

/** Per socket: the entity rooms it asked for, and the one it is viewing (joined for the viewers list only). */
interface SocketState {
  joined: Set<string>;
  viewing: string | null;
  /** Commands of one socket run one after another, in the order they were sent. */
  queue: Promise<unknown>;
}

/** Error codes a client may see in a failed ack; anything else becomes `internal_error`. */
const EXPOSED_CODES = new Set(['validation_failed', 'forbidden', 'not_found', 'conflict', 'on_call', 'unknown_reason', 'unprocessable']);

const ENTITY_TABLES: Record<EntityRoomType, any> = { lead: Lead, conversation: Conversation, campaign: Campaign };

/**
 * What Engine.IO, `ws` and Socket.IO read from the HTTP request that opens a connection, and what `proxyaddr`
 * reads for the client's address: the method, url, headers and query, and the TCP socket.
 */
interface RequestStandIn {
  method?: string;
  url?: string;
  httpVersion?: string;
  headers: http.IncomingHttpHeaders;
  _query?: unknown;
  socket: http.IncomingMessage['socket'];
  connection: http.IncomingMessage['socket'];
}

/**
 * Engine.IO keeps the request that opened a connection for the whole life of the connection: as the
 * session's `request`, and, for a websocket, through the response stand-in its upgrade makes, which a
 * listener on the TCP socket holds until it closes. An upgrade's IncomingMessage, once handled, is only
 * that: its stream state and raw header list, about 1.8 KiB of heap per idle connection. So the upgrade is
 * handed this small object instead, which shares the request's headers object (the handshake holds it
 * anyway), and the IncomingMessage is freed once Node is done with it. (Socket.IO's memory guide advises
 * dropping `request` on each connection; with a websocket that alone frees nothing, because of that
 * listener.) A long-polling session's first request is swapped for the same object when the session opens.
 */
function requestStandIn(req: http.IncomingMessage & { _query?: unknown }): RequestStandIn {
  return { method: req.method, url: req.url, httpVersion: req.httpVersion, headers: req.headers, _query: req._query, socket: req.socket, connection: req.socket };
}

/**
 * The Socket.IO gateway: same HTTP server and port as the API, Redis adapter so
 * every node shares rooms, authentication in the handshake, rooms that follow
 * what each user may see, validated commands with acks, and catch-up.
 */
export class RealtimeGateway {
  readonly io: IO;
  private readonly subClient: Redis;
  private timer?: NodeJS.Timeout;
  private readonly state = new WeakMap<ServerSocket, SocketState>();
  private readonly trust: (addr: string, i: number) => boolean;
  /** Per tenant with sockets here: the access fingerprint seen by the last revalidation. */
  private readonly fingerprints = new Map<number, string>();
  /** Sockets that connected since the last revalidation began: checked one by one on the next. */
  private unchecked = new Set<ServerSocket>();
  private closing = false;

  constructor(private readonly d: GatewayDeps) {
    this.trust = proxyaddr.compile(d.trustProxy === 'true' ? ['0.0.0.0/0', '::/0'] : d.trustProxy === 'false' ? [] : d.trustProxy.split(',').map((x) => x.trim()));
    this.subClient = d.redis.duplicate();
    this.handleSubscriptionFailures(this.subClient);
    this.io = new Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>(d.httpServer, {
      adapter: createAdapter(d.redis, this.subClient, { key: d.publisher.keys.adapterKey }),
      transports: ['polling', 'websocket'],
      serveClient: false,
      pingInterval: 10_000,
      pingTimeout: 8_000,
      maxHttpBufferSize: 64 * 1024,
    });
    // Engine.IO is handed a stand-in of the request that opens each connection (see `requestStandIn`): at a
    // websocket upgrade, and for a long-polling session as soon as it opens.
    const engine = this.io.engine as unknown as { handleUpgrade(req: unknown, socket: unknown, head: unknown): void };
    const handleUpgrade = engine.handleUpgrade.bind(engine);
    engine.handleUpgrade = (req, socket, head) => handleUpgrade(requestStandIn(req as http.IncomingMessage), socket, head);
    this.io.engine.on('connection', (conn: { request: http.IncomingMessage | RequestStandIn }) => {
      if (conn.request instanceof IncomingMessage) conn.request = requestStandIn(conn.request);
    });
    this.io.use((socket, next) => {
      this.authenticate(socket).then(() => next(), (err: Error) => next(err));
    });
    this.io.on('connection', (socket) => void this.onConnection(socket));
    this.io.on('user:renamed', (tenantId, userId, name) => this.applyRename(tenantId, userId, name));
    d.publisher.attachServer(this.io as never);
  }

  /**
   * The Redis adapter subscribes and unsubscribes without handling the returned promises. While Redis is away,
   * ioredis queues those commands, and closing the client rejects them ("Connection is closed."): unhandled
   * rejections, which a process may be configured to die of. They are handled here: logged, at debug level when
   * this gateway is closing (expected), at warn level otherwise (this node would not hear the others).
   */
  private handleSubscriptionFailures(client: Redis): void {
    const commands = ['subscribe', 'psubscribe', 'unsubscribe', 'punsubscribe'] as const;
    const target = client as unknown as Record<(typeof commands)[number], (...args: unknown[]) => unknown>;
    for (const name of commands) {
      const original = target[name].bind(client);
      target[name] = (...args: unknown[]) => {
        const result = original(...args);
        if (result instanceof Promise) {
          result.catch((err: Error) => {
            if (this.closing) this.d.logger.debug({ err, command: name }, 'Redis adapter command dropped while closing');
            else this.d.logger.warn({ err, command: name }, 'Redis adapter subscription command failed');
          });
        }
        return result;
      };
    }
  }

  /** A user was renamed (committed): this node's sockets of that user and every other node's take the new name. */
  renamed(tenantId: number, userId: number, name: string): void {
    this.applyRename(tenantId, userId, name);
    this.io.serverSideEmit('user:renamed', tenantId, userId, name);
  }

  private applyRename(tenantId: number, userId: number, name: string): void {
    const ns = this.io.of('/');
    const ids = ns.adapter.rooms.get(rooms.user(tenantId, userId)) ?? [];
    for (const id of ids) {
      const socket = ns.sockets.get(id);
      if (socket) socket.data.name = name;
    }
    this.d.presence.renamed(ids, name);
  }

  start(): void {
    let busy = false;
    this.timer = setInterval(() => {
      // Never two revalidations at once: a slow one is not joined by the next tick.
      if (busy) return;
      busy = true;
      this.revalidate()
        .catch((err) => this.d.logger.warn({ err }, 'socket revalidation failed'))
        .finally(() => { busy = false; });
    }, this.d.revalidateMs);
    this.timer.unref();
  }

  async close(): Promise<void> {
    this.closing = true;
    if (this.timer) clearInterval(this.timer);
    this.d.publisher.attachServer(null);
    const local = [...this.io.of('/').sockets.values()];
    await new Promise<void>((resolve) => this.io.close(() => resolve()));
    await Promise.all(local.map((s) => this.d.presence.disconnected(s.id).catch(() => undefined)));
    await this.d.presence.flushSessions();
    this.subClient.disconnect();
  }

  /** Handshake: the access token in `auth.token`. A refusal says which problem it was. */
  private async authenticate(socket: ServerSocket): Promise<void> {
    const token = typeof socket.handshake.auth?.token === 'string' ? socket.handshake.auth.token : undefined;
    let principal: Principal;
    try {
      // Only its connection is used (plain SQL): no fork of the EntityManager per handshake.
      principal = await this.d.auth.authenticate(this.d.orm.em, token);
    } catch (err) {
      const code = err instanceof TokenError || err instanceof AuthStateError ? err.reason : 'auth_failed';
      const message = err instanceof Error && (err instanceof TokenError || err instanceof AuthStateError) ? err.message : 'Authentication failed.';
      if (!(err instanceof TokenError || err instanceof AuthStateError)) this.d.logger.error({ err }, 'socket authentication error');
      const e = new Error(`${code}: ${message}`) as Error & { data?: unknown };
      e.data = { code, message };
      throw e;
    }
    socket.data = {
      tenantId: principal.tenantId,
      userId: principal.userId!,
      role: principal.role!,
      name: principal.name,
      permissions: [...principal.permissions],
      sessionId: socket.id,
    };
  }

  /**
   * The listeners of the client commands, made once and shared by every socket (Socket.IO calls a
   * listener with `this` set to the socket): an idle connection holds no closures of its own.
   */
  private readonly listeners = ((gw: RealtimeGateway) => ({
    'room:join': function (this: ServerSocket, payload: unknown, ack?: unknown) {
      gw.enqueue(this, RoomRef, async (room) => {
        const name = await gw.authorizeEntityRoom(this, room.type, room.id);
        gw.stateOf(this).joined.add(name);
        this.join(name);
        return { room: name };
      }, payload, ack);
    },
    'room:leave': function (this: ServerSocket, payload: unknown, ack?: unknown) {
      gw.enqueue(this, RoomRef, async (room) => {
        const st = gw.stateOf(this);
        const name = rooms.entity(this.data.tenantId, room.type, room.id);
        st.joined.delete(name);
        if (st.viewing !== name) this.leave(name);
        return { room: name };
      }, payload, ack);
    },
    'sync:catchup': function (this: ServerSocket, payload: unknown, ack?: unknown) {
      gw.enqueue(this, CatchupRequest, async ({ lastSeq }) => {
        const res = await gw.d.publisher.since(this.data.tenantId, lastSeq);
        if (res.mode === 'resync') return res;
        const viewer = { tenantId: this.data.tenantId, userId: this.data.userId, permissions: this.data.permissions, rooms: this.rooms };
        const visible = (list: typeof res.events) => list.filter((e) => mayReceive(viewer, e.envelope.tenantId, e.audience)).map((e) => e.envelope);
        return { mode: 'replay' as const, seq: res.seq, events: visible(res.events), recent: visible(res.recent) };
      }, payload, ack);
    },
    'presence:set': function (this: ServerSocket, payload: unknown, ack?: unknown) {
      gw.enqueue(this, PresenceSetRequest, (req) => gw.d.presence.setByAgent(this.data.tenantId, this.data.userId, req.state, req.reasonId ?? null), payload, ack);
    },
    'viewing:set': function (this: ServerSocket, payload: unknown, ack?: unknown) {
      gw.enqueue(this, ViewingRequest, async (req) => {
        const st = gw.stateOf(this);
        const name = req ? await gw.authorizeEntityRoom(this, req.entityType, req.entityId) : null;
        // A viewer hears who else is viewing through the entity's room; navigating away leaves it
        // unless the client also joined it on purpose.
        if (st.viewing && st.viewing !== name && !st.joined.has(st.viewing)) this.leave(st.viewing);
        st.viewing = name;
        if (name) this.join(name);
        return { viewers: await gw.d.presence.setViewing(this.id, req) };
      }, payload, ack);
    },
  }))(this);

  /**
   * Each socket gets two listeners: this catch-all, which routes a command by its name (an idle socket
   * holds one listener entry instead of one per command), and `onDisconnect`.
   */
  private readonly onCommand = ((commands: Record<string, (this: ServerSocket, payload: unknown, ack?: unknown) => void>) =>
    function (this: ServerSocket, event: string, ...args: unknown[]) {
      if (Object.hasOwn(commands, event)) commands[event].call(this, args[0], args[1]);
    })(this.listeners);

  private readonly onDisconnect = ((gw: RealtimeGateway) => function (this: ServerSocket) {
    gw.unchecked.delete(this);
    void gw.d.presence.disconnected(this.id).catch((err) => gw.d.logger.warn({ err }, 'presence disconnect failed'));
  })(this);

  /** Room names and permission lists are shared by every socket with the same tenant and permissions. */
  private readonly shared = new Map<string, { permissions: Permission[]; rooms: string[] }>();

  private sharedFor(tenantId: number, permissions: readonly Permission[]): { permissions: Permission[]; rooms: string[] } {
    // Looked up first as given (the database gives a role's list in the same order each time), sorted only when new.
    const key = `${tenantId}|${permissions.join(',')}`;
    let hit = this.shared.get(key);
    if (!hit) {
      const sorted = [...permissions].sort();
      const sortedKey = `${tenantId}|${sorted.join(',')}`;
      hit = this.shared.get(sortedKey) ?? { permissions: Object.freeze(sorted) as Permission[], rooms: [rooms.tenant(tenantId), ...sorted.filter(isAudiencePermission).map((p) => rooms.permission(tenantId, p))] };
      if (this.shared.size > 10_000) this.shared.clear();
      this.shared.set(sortedKey, hit);
      this.shared.set(key, hit);
    }
    return hit;
  }

  private stateOf(socket: ServerSocket): SocketState {
    let st = this.state.get(socket);
    if (!st) {
      st = { joined: new Set(), viewing: null, queue: Promise.resolve() };
      this.state.set(socket, st);
    }
    return st;
  }

  private async onConnection(socket: ServerSocket): Promise<void> {
    const { tenantId, userId } = socket.data;
    const shared = this.sharedFor(tenantId, socket.data.permissions);
    socket.data.permissions = shared.permissions;
    socket.join([...shared.rooms, rooms.user(tenantId, userId)]);
    socket.onAny(this.onCommand);
    socket.on('disconnect', this.onDisconnect);

    this.unchecked.add(socket);
    // The same rule as the REST API: X-Forwarded-For counts only from a trusted proxy.
    const ip = proxyaddr(socket.request as never, this.trust);
    const userAgent = String(socket.handshake.headers['user-agent'] ?? '');
    try {
      const { presence, seq } = await this.d.presence.connected({
        socketId: socket.id, tenantId, userId, name: socket.data.name, role: socket.data.role, ip, userAgent,
      });
      socket.emit('session:ready', { seq, userId, tenantId, permissions: shared.permissions, presence });
    } catch (err) {
      this.d.logger.error({ err }, 'socket set-up failed');
      socket.disconnect(true);
    }
  }

  /** The room of an entity, once the socket may see it: permission, then the row in its own tenant (404 otherwise). */
  private async authorizeEntityRoom(socket: ServerSocket, type: EntityRoomType, id: number): Promise<string> {
    const permission = ENTITY_ROOMS[type];
    if (!socket.data.permissions.includes(permission)) throw new AppError(403, 'forbidden', `This needs the ${permission} permission.`, { permission });
    const em = this.d.orm.em.fork();
    em.setFilterParams('tenant', { tenantId: socket.data.tenantId });
    const found = await em.count(ENTITY_TABLES[type], { id });
    if (!found) throw new AppError(404, 'not_found', `That ${type} was not found.`);
    return rooms.entity(socket.data.tenantId, type, id);
  }

  /**
   * Runs a client command: validates the payload, runs the handler, answers through the ack.
   * Commands of one socket run one after another, in the order they were sent. A bad payload or
   * a failing handler never throws out of the listener, so it cannot crash the node or disturb
   * other sockets.
   */
  private enqueue<T, R>(socket: ServerSocket, schema: ZodType<T>, handler: (payload: T) => Promise<R>, payload: unknown, ack: unknown): void {
    const st = this.stateOf(socket);
    const run = () => this.runCommand(socket, schema, handler, payload, ack);
    st.queue = st.queue.then(run, run);
  }

  private async runCommand<T, R>(socket: ServerSocket, schema: ZodType<T>, handler: (payload: T) => Promise<R>, payload: unknown, ack: unknown): Promise<void> {
    const reply = (a: Ack<R>) => {
      if (typeof ack === 'function') (ack as (a: Ack<R>) => void)(a);
    };
    const parsed = schema.safeParse(payload);
    if (!parsed.success) return reply({ ok: false, code: 'validation_failed', message: 'The payload is invalid.', details: zodIssues(parsed.error, 'payload') });
    try {
      reply({ ok: true, data: await handler(parsed.data) });
    } catch (err) {
      if (err instanceof AppError && (EXPOSED_CODES.has(err.code) || err.status < 500)) {
        reply({ ok: false, code: err.code, message: err.message, details: err.details });
      } else {
        this.d.logger.error({ err, socketId: socket.id }, 'socket command failed');
        reply({ ok: false, code: 'internal_error', message: 'Something went wrong on our side.' });
      }
    }
  }

  /**
   * Keeps every socket of this node in line with what its user may do now: a deactivated user,
   * a suspended tenant or a revoked session is dropped; a changed role or permission set is
   * re-roomed. This also catches changes made outside the API (SQL, another tool).
   *
   * Each tick costs one small query: per tenant with sockets here, its status and a checksum of
   * its users' (role, active, token version) and of its permission matrix. Only a tenant whose
   * fingerprint moved has its sockets' users re-read (in chunks), plus the sockets that connected
   * since the previous tick (their handshake may have read the state just before a change).
   */
  async revalidate(): Promise<void> {
    const sockets = [...this.io.of('/').sockets.values()].filter((s) => s.data?.userId);
    const fresh = this.unchecked;
    this.unchecked = new Set();
    if (!sockets.length) {
      this.fingerprints.clear();
      return;
    }
    const tenants = [...new Set(sockets.map((s) => s.data.tenantId))];
    const rows = (await plainSql(this.d.orm.em.getConnection()).query(
      `select t.id, t.status,
              (select concat(count(*), ':', bit_xor(crc32(concat_ws(':', u.id, u.role, u.is_active, u.token_version)))) from users u where u.tenant_id = t.id) as users_sum,
              (select concat(count(*), ':', bit_xor(crc32(concat_ws(':', p.role, p.permission)))) from permissions p where p.tenant_id = t.id) as perms_sum
         from tenants t where t.id in (${tenants.map(() => '?').join(', ')})`,
      tenants,
    )) as { id: number; status: string; users_sum: string | null; perms_sum: string | null }[];
    const now = new Map(rows.map((r) => [Number(r.id), `${r.status}|${r.users_sum}|${r.perms_sum}`]));
    const changed = new Set<number>();
    for (const t of tenants) {
      const fp = now.get(t) ?? 'gone';
      if (this.fingerprints.get(t) !== fp) changed.add(t);
      this.fingerprints.set(t, fp);
    }
    const here = new Set(tenants);
    for (const t of this.fingerprints.keys()) if (!here.has(t)) this.fingerprints.delete(t);
    const toCheck = sockets.filter((s) => changed.has(s.data.tenantId) || fresh.has(s));
    for (let at = 0; at < toCheck.length; at += 500) {
      await this.recheck(toCheck.slice(at, at + 500));
      // Let the event loop deliver events between chunks of a large re-check.
      await new Promise((r) => setImmediate(r));
    }
  }

  /** Re-reads the users behind `sockets` (one query) and drops or re-rooms each socket. */
  private async recheck(sockets: ServerSocket[]): Promise<void> {
    const pairs = new Map<string, [number, number]>();
    for (const s of sockets) pairs.set(`${s.data.tenantId}:${s.data.userId}`, [s.data.tenantId, s.data.userId]);
    if (!pairs.size) return;
    const list = [...pairs.values()];
    const rows = (await plainSql(this.d.orm.em.getConnection()).query(
      `select u.id, u.tenant_id, u.role, u.is_active, t.status,
              (select json_arrayagg(p.permission) from permissions p where p.tenant_id = u.tenant_id and p.role = u.role) as permissions
         from users u join tenants t on t.id = u.tenant_id
        where (u.tenant_id, u.id) in (${list.map(() => '(?, ?)').join(', ')})`,
      list.flat(),
    )) as { id: number; tenant_id: number; role: string; is_active: number; status: string; permissions: string | null }[];
    const byKey = new Map(rows.map((r) => [`${Number(r.tenant_id)}:${Number(r.id)}`, r]));
    const parsed = new Map<string, Permission[]>();
    for (const s of sockets) {
      if (!s.connected) continue;
      const row = byKey.get(`${s.data.tenantId}:${s.data.userId}`);
      if (!row || !row.is_active || row.status !== 'active') {
        s.disconnect(true);
        continue;
      }
      // Every socket of a role reads the same list: parsed once per list, and compared by identity with the
      // socket's shared one (sorted) before anything is copied.
      const raw = row.permissions ?? '[]';
      let perms = parsed.get(raw);
      if (!perms) {
        perms = this.sharedFor(s.data.tenantId, (JSON.parse(raw) as string[]).filter((p): p is Permission => (PERMISSIONS as readonly string[]).includes(p))).permissions;
        parsed.set(raw, perms);
      }
      if (row.role === s.data.role && perms === s.data.permissions) continue;
      const before = [...s.data.permissions].sort();
      if (row.role === s.data.role && perms.join() === before.join()) {
        s.data.permissions = perms;
        continue;
      }
      const lost = before.filter((p) => !perms.includes(p));
      const gained = perms.filter((p) => !before.includes(p));
      for (const p of lost) if (isAudiencePermission(p)) s.leave(rooms.permission(s.data.tenantId, p));
      for (const p of gained) if (isAudiencePermission(p)) s.join(rooms.permission(s.data.tenantId, p));
      // Entity rooms whose permission is gone are left too.
      for (const [type, needs] of Object.entries(ENTITY_ROOMS)) {
        if (lost.includes(needs)) for (const r of [...s.rooms]) if (r.startsWith(`t:${s.data.tenantId}:${type}:`)) s.leave(r);
      }
      s.data.permissions = perms;
      s.data.role = row.role as SocketData['role'];
    }
  }
}
