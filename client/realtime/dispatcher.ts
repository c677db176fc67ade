import type { AnyEnvelope, DomainEvents, Envelope, EventType } from '@shared/realtime';

export type EventHandler<K extends EventType> = (envelope: Envelope<K, DomainEvents[K]>) => void;
/** One store action per event type: `satisfies EventHandlers` makes a new event type a compile error until handled. */
export type EventHandlers = { [K in EventType]: EventHandler<K> };

/** How many applied event ids are remembered for de-duplication (a replay is at most 2,000 events). */
const REMEMBERED_IDS = 5000;

function isEnvelope(value: unknown): value is AnyEnvelope {
  if (typeof value !== 'object' || value === null) return false;
  const e = value as Record<string, unknown>;
  return typeof e.id === 'string' && typeof e.seq === 'number' && typeof e.type === 'string' && typeof e.tenantId === 'number' && 'data' in e;
}

/**
 * Every event, live or replayed, goes through `receive`/`replay` here and reaches its store through the one
 * handler map. The dispatcher
 * - drops events of another tenant and events it already applied (by envelope id: the same event can come both
 *   live and in a catch-up replay);
 * - records the highest seq applied: the offset the next catch-up asks from;
 * - while the console catches up (`hold`), queues live events instead of applying them and applies them after the
 *   replay or the reload (`release`), in seq order.
 *
 * Seq alone cannot de-duplicate: events for audiences this user is not in leave gaps, and two publishers can
 * deliver seq 11 before seq 10. Stores therefore also compare seqs per row (see stores/presence.ts).
 */
class Dispatcher {
  private handlers: EventHandlers | null = null;
  private tenantId: number | null = null;
  private seen = new Set<string>();
  private seenOrder: string[] = [];
  private queue: AnyEnvelope[] | null = null;
  private onAdvance: (() => void) | null = null;
  /** Highest seq applied (or covered by a reload); null before the first sync of a fresh tab. */
  lastSeq: number | null = null;

  configure(options: { tenantId: number; handlers: EventHandlers; lastSeq: number | null; onAdvance?: () => void }): void {
    this.clear();
    this.tenantId = options.tenantId;
    this.handlers = options.handlers;
    this.lastSeq = options.lastSeq;
    this.onAdvance = options.onAdvance ?? null;
  }

  clear(): void {
    this.handlers = null;
    this.tenantId = null;
    this.seen.clear();
    this.seenOrder = [];
    this.queue = null;
    this.onAdvance = null;
    this.lastSeq = null;
  }

  /** The seq a REST snapshot taken now is current as of, at least. */
  stamp(): number {
    return this.lastSeq ?? 0;
  }

  get holding(): boolean {
    return this.queue !== null;
  }

  /** A live event. */
  receive(envelope: unknown): void {
    if (!isEnvelope(envelope) || envelope.tenantId !== this.tenantId) return;
    if (this.queue) this.queue.push(envelope);
    else this.apply(envelope);
  }

  /** Start queuing live events (from the moment the socket connects until the catch-up is done). */
  hold(): void {
    this.queue ??= [];
  }

  /** The events a catch-up returned, oldest first. */
  replay(events: readonly unknown[]): void {
    const valid = events.filter(isEnvelope).filter((e) => e.tenantId === this.tenantId);
    for (const envelope of valid.sort((a, b) => a.seq - b.seq)) this.apply(envelope);
  }

  /** Apply what arrived live during the catch-up, in seq order, and go back to applying events as they come. */
  release(): void {
    const queued = this.queue ?? [];
    this.queue = null;
    for (const envelope of queued.sort((a, b) => a.seq - b.seq)) this.apply(envelope);
  }

  /** Everything up to `seq` has been seen (a replay ended there). */
  advanceTo(seq: number): void {
    if (this.lastSeq === null || seq > this.lastSeq) {
      this.lastSeq = seq;
      this.onAdvance?.();
    }
  }

  /** A reload made the stores current as of `seq` (which may be lower than before if the server lost its log). */
  resetTo(seq: number): void {
    this.lastSeq = seq;
    this.onAdvance?.();
  }

  private apply(envelope: AnyEnvelope): void {
    if (this.seen.has(envelope.id)) return;
    this.remember(envelope.id);
    const handler = this.handlers?.[envelope.type] as EventHandler<EventType> | undefined;
    // An event type this console does not know (a newer server) is skipped, not fatal.
    if (handler) {
      try {
        handler(envelope as Envelope<EventType, DomainEvents[EventType]>);
      } catch (error) {
        console.error(`realtime: the ${envelope.type} handler failed`, error);
      }
    }
    this.advanceTo(envelope.seq);
  }

  private remember(id: string): void {
    this.seen.add(id);
    this.seenOrder.push(id);
    if (this.seenOrder.length > REMEMBERED_IDS) this.seen.delete(this.seenOrder.shift()!);
  }
}

/** The one dispatcher of the console (configured at login, cleared at logout). */
export const dispatcher = new Dispatcher();
