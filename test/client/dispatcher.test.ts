import { describe, expect, it } from 'vitest';
import { dispatcher, type EventHandlers } from '../../client/realtime/dispatcher.ts';

// The console's dispatcher without a browser: de-duplication by envelope id, the seq it asks a catch-up from,
// and the catch-up's `recent` events (published just before that seq, possibly never received).

const TENANT = 7;
let n = 0;
const notice = (seq: number, tenantId = TENANT) => ({ id: `ev-${++n}`, seq, tenantId, type: 'system:notice' as const, at: new Date().toISOString(), data: { message: `seq ${seq}` } });

function recording(): { applied: number[]; handlers: EventHandlers } {
  const applied: number[] = [];
  const handlers = new Proxy({}, { get: () => (e: { seq: number }) => applied.push(e.seq) }) as EventHandlers;
  return { applied, handlers };
}

describe('dispatcher', () => {
  it('applies an event overtaken in flight when a catch-up returns it in `recent`, and each event only once', () => {
    const { applied, handlers } = recording();
    dispatcher.configure({ tenantId: TENANT, handlers, lastSeq: 8 });
    const e9 = notice(9);
    const e10 = notice(10);
    const e11 = notice(11);
    dispatcher.receive(e9);
    // Two publishers: 11 arrives, then the socket drops before 10 does.
    dispatcher.receive(e11);
    expect(dispatcher.lastSeq).toBe(11);
    dispatcher.hold();
    // The reconnect's catch-up from 11: nothing after it, and in `recent` the events just before it.
    dispatcher.replay([e9, e10, e11, notice(10, TENANT + 1)]);
    dispatcher.release();
    expect(applied).toEqual([9, 11, 10]);
    expect(dispatcher.lastSeq).toBe(11);
    // A live copy of 10 arriving late changes nothing.
    dispatcher.receive(e10);
    expect(applied).toEqual([9, 11, 10]);
    dispatcher.clear();
  });

  it('queues live events while holding and applies them after the replay, in seq order, skipping what the replay applied', () => {
    const { applied, handlers } = recording();
    dispatcher.configure({ tenantId: TENANT, handlers, lastSeq: 1 });
    dispatcher.hold();
    const e3 = notice(3);
    dispatcher.receive(notice(4));
    dispatcher.receive(e3);
    expect(applied).toEqual([]);
    dispatcher.replay([notice(2), e3]);
    dispatcher.release();
    expect(applied).toEqual([2, 3, 4]);
    expect(dispatcher.lastSeq).toBe(4);
    dispatcher.clear();
  });
});
