import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { Emitter } from '@socket.io/redis-emitter';
import { rooms, type AnyEnvelope, type DomainEvents, type Envelope, type EventType, type ServerToClientEvents } from '../../shared/realtime.ts';
import { audienceRooms, type Audience } from './audience.ts';

/**
 * INCR the tenant's sequence and append the event to the tenant's log in one
 * atomic step, so the log's order is the sequence's order whatever the number
 * of publishers. The stream id is `<seq>-1`; the log is capped at ARGV[3].
 */
const APPEND = `
local seq = redis.call('INCR', KEYS[1])
redis.call('XADD', KEYS[2], 'MAXLEN', ARGV[3], seq .. '-1', 'e', ARGV[1], 'a', ARGV[2])
return seq`;

export interface StoredEvent {
  envelope: AnyEnvelope;
  audience: Audience;
}

export interface RealtimeKeys {
  prefix: string;
  /** The Socket.IO Redis adapter's channel key; the emitter must use the same. */
  adapterKey: string;
}

export const realtimeKeys = (prefix: string): RealtimeKeys => ({ prefix, adapterKey: `${prefix}:sio` });

/**
 * The one publishing helper. It works the same from a web node and from a
 * worker (it needs no Socket.IO server: the Redis emitter talks to the
 * adapter of every node), and stamps each event with its envelope.
 *
 * Call it after the transaction that made the change has committed; the
 * services do (`await em.transactional(...)` first, then publish).
 */
export class Publisher {
  private readonly emitter: Emitter<ServerToClientEvents>;
  /** In a web node, its Socket.IO server: events go to its own sockets at once and to the other nodes through the adapter. */
  private local: { to(rooms: string[]): { emit(type: string, envelope: unknown): unknown } } | null = null;

  constructor(private readonly redis: Redis, readonly keys: RealtimeKeys, readonly maxLen: number) {
    redis.defineCommand('ccAppendEvent', { numberOfKeys: 2, lua: APPEND });
    this.emitter = new Emitter<ServerToClientEvents>(redis, { key: keys.adapterKey });
  }

  seqKey(tenantId: number) {
    return `${this.keys.prefix}:rt:${tenantId}:seq`;
  }
  logKey(tenantId: number) {
    return `${this.keys.prefix}:rt:${tenantId}:log`;
  }

  async publish<K extends EventType>(tenantId: number, type: K, data: DomainEvents[K], audience: Audience): Promise<Envelope<K, DomainEvents[K]>> {
    const envelope = await this.append(tenantId, type, data, audience);
    this.emit(envelope, audience);
    return envelope;
  }

  /**
   * An event's envelope without its seq: what the tenant's log stores (as JSON, beside the audience's JSON) under
   * the seq a script gives it. `append` uses it; so does a script that appends in the same step as its own change
   * (the presence connect), with the same INCR-then-XADD.
   */
  draft<K extends EventType>(tenantId: number, type: K, data: DomainEvents[K]): Omit<Envelope<K, DomainEvents[K]>, 'seq'> {
    return { id: randomUUID(), tenantId, type, at: new Date().toISOString(), data } as Omit<Envelope<K, DomainEvents[K]>, 'seq'>;
  }

  /** The first half of `publish`: the event gets its seq and goes into the tenant's log, but is not sent yet. */
  async append<K extends EventType>(tenantId: number, type: K, data: DomainEvents[K], audience: Audience): Promise<Envelope<K, DomainEvents[K]>> {
    const base = this.draft(tenantId, type, data);
    const seq = Number(await (this.redis as any).ccAppendEvent(this.seqKey(tenantId), this.logKey(tenantId), JSON.stringify(base), JSON.stringify(audience), this.maxLen));
    return { ...base, seq } as Envelope<K, DomainEvents[K]>;
  }

  /** The second half of `publish`: sends an appended event to its audience on every node. */
  emit(envelope: { tenantId: number; type: EventType }, audience: Audience): void {
    const rooms = audienceRooms(envelope.tenantId, audience);
    if (this.local) this.local.to(rooms).emit(envelope.type, envelope);
    else (this.emitter.to(rooms) as any).emit(envelope.type, envelope);
  }

  /**
   * A web node's Socket.IO server (the gateway attaches it): its own sockets then get an event
   * without the round trip through Redis, and the adapter still sends it to every other node,
   * as the emitter would. A worker has none and publishes through the emitter.
   */
  attachServer(io: { to(rooms: string[]): { emit(type: string, envelope: unknown): unknown } } | null): void {
    this.local = io;
  }

  /** Drops every socket of a user on every node (deactivation). */
  disconnectUser(tenantId: number, userId: number): void {
    this.emitter.in(rooms.user(tenantId, userId)).disconnectSockets(true);
  }

  /** The tenant's latest sequence number (0 before any event). */
  async currentSeq(tenantId: number): Promise<number> {
    return Number((await this.redis.get(this.seqKey(tenantId))) ?? 0);
  }

  /**
   * Events after `lastSeq`, oldest first, or 'resync' when some of them were
   * trimmed from the log (or the client is ahead of the server: Redis lost data).
   *
   * `recent` holds the events at or before `lastSeq` that were published less than
   * RECENT_OVERLAP_MS before event `lastSeq` (at most RECENT_MAX): two publishers can
   * deliver seq 11 before seq 10, so a client whose highest seq is 11 may never have
   * received 10 if its socket dropped in between. The client applies them like the
   * others and drops the ones it already has (by envelope id; stores guard by seq).
   */
  async since(tenantId: number, lastSeq: number, limit = 2000): Promise<{ mode: 'replay'; events: StoredEvent[]; recent: StoredEvent[]; seq: number } | { mode: 'resync'; seq: number }> {
    const seq = await this.currentSeq(tenantId);
    if (lastSeq > seq) return { mode: 'resync', seq };
    const [back, first] = await Promise.all([
      lastSeq > 0 ? this.redis.xrevrange(this.logKey(tenantId), `${lastSeq}-1`, '-', 'COUNT', RECENT_MAX + 1) : Promise.resolve([]),
      lastSeq === seq ? Promise.resolve(null) : this.redis.xrange(this.logKey(tenantId), '-', '+', 'COUNT', 1),
    ]);
    const recent = recentBefore(back.map(parseEntry), lastSeq);
    if (lastSeq === seq) return { mode: 'replay', events: [], recent, seq };
    const firstSeq = first?.length ? Number(first[0][0].split('-')[0]) : Infinity;
    if (firstSeq > lastSeq + 1) return { mode: 'resync', seq };
    const entries = await this.redis.xrange(this.logKey(tenantId), `${lastSeq + 1}-0`, '+', 'COUNT', limit + 1);
    if (entries.length > limit) return { mode: 'resync', seq };
    return { mode: 'replay', events: entries.map(parseEntry), recent, seq };
  }
}

/** How long before event `lastSeq` an event may have been published and still be in flight (see `since`). */
export const RECENT_OVERLAP_MS = 5000;
const RECENT_MAX = 500;

function parseEntry([id, fields]: [string, string[]]): StoredEvent {
  const f: Record<string, string> = {};
  for (let i = 0; i < fields.length; i += 2) f[fields[i]] = fields[i + 1];
  return { envelope: { ...JSON.parse(f.e), seq: Number(id.split('-')[0]) } as AnyEnvelope, audience: JSON.parse(f.a) as Audience };
}

/** Of the log entries read backwards from `lastSeq`, those published within RECENT_OVERLAP_MS before it, oldest first. */
function recentBefore(back: StoredEvent[], lastSeq: number): StoredEvent[] {
  const [newest] = back;
  if (!newest || newest.envelope.seq !== lastSeq) return [];
  const from = Date.parse(newest.envelope.at) - RECENT_OVERLAP_MS;
  const out: StoredEvent[] = [];
  for (const e of back.slice(1, RECENT_MAX + 1)) {
    // Publishers' clocks differ a little; the window is wide enough for that, and the order of seqs is the log's.
    if (Date.parse(e.envelope.at) < from) break;
    out.push(e);
  }
  return out.reverse();
}
