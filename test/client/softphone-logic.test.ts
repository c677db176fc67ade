import { describe, expect, it } from 'vitest';
import { TabHub, type ChannelLike, type LocksLike } from '../../client/softphone/tabs.ts';
import { CallReporter, isPassingFailure } from '../../client/softphone/reporter.ts';
import { cleanTones, formatCallTimer, normalizeDialString, numberOf, sipTarget } from '../../client/softphone/format.ts';
import { parseIceServers } from '../../client/softphone/config.ts';

// The softphone's pure logic, without a browser: the tab protocol (one leader per agent, commands through it),
// the call-reporting order, and the formatting helpers.

// ---------------------------------------------------------------- a fake browser: channels and locks

/** BroadcastChannel semantics: a message reaches every other channel of the same name, asynchronously. */
class Bus {
  private members = new Set<FakeChannel>();
  join(channel: FakeChannel) {
    this.members.add(channel);
  }
  leave(channel: FakeChannel) {
    this.members.delete(channel);
  }
  deliver(from: FakeChannel, message: unknown) {
    const copy = structuredClone(message);
    for (const member of this.members) if (member !== from) queueMicrotask(() => member.onmessage?.({ data: copy }));
  }
}

class FakeChannel implements ChannelLike {
  onmessage: ((event: { data: unknown }) => void) | null = null;
  closed = false;
  constructor(private readonly bus: Bus) {
    bus.join(this);
  }
  postMessage(message: unknown) {
    if (this.closed) throw new Error('closed');
    this.bus.deliver(this, message);
  }
  close() {
    this.closed = true;
    this.bus.leave(this);
  }
}

/** Web Locks semantics for one exclusive lock name: a FIFO queue, abortable while waiting. */
class FakeLocks implements LocksLike {
  private held = new Map<string, boolean>();
  private queue = new Map<string, (() => void)[]>();
  request(name: string, options: { signal?: AbortSignal }, callback: (lock: unknown) => Promise<unknown>): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const grant = () => {
        this.held.set(name, true);
        Promise.resolve(callback({ name }))
          .then(resolve, reject)
          .finally(() => {
            this.held.set(name, false);
            const next = this.queue.get(name)?.shift();
            next?.();
          });
      };
      if (!this.held.get(name)) {
        this.held.set(name, true);
        queueMicrotask(grant);
        return;
      }
      const waiting = this.queue.get(name) ?? [];
      this.queue.set(name, waiting);
      waiting.push(grant);
      options.signal?.addEventListener('abort', () => {
        const index = waiting.indexOf(grant);
        if (index >= 0) waiting.splice(index, 1);
        reject(new DOMException('aborted', 'AbortError'));
      });
    });
  }
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

interface Tab {
  hub: TabHub<{ n: number }, { op: string }>;
  leading: boolean[];
  states: ({ n: number } | null)[];
  executed: { op: string }[];
}

function openTab(bus: Bus, locks: FakeLocks, id: string): Tab {
  const tab: Tab = { hub: null as never, leading: [], states: [], executed: [] };
  tab.hub = new TabHub<{ n: number }, { op: string }>({
    name: 'cc.softphone.t1.u1',
    channel: new FakeChannel(bus),
    locks,
    tabId: id,
    commandTimeoutMs: 200,
    onLeadership: (leading) => tab.leading.push(leading),
    onState: (state) => tab.states.push(state),
    execute: async (command) => {
      tab.executed.push(command);
      if (command.op === 'fail') throw new Error('No such call.');
      return `${id}:${command.op}`;
    },
  });
  tab.hub.start();
  return tab;
}

describe('tabs share one softphone', () => {
  it('elects one leader; the others get its state, also when they start later', async () => {
    const bus = new Bus();
    const locks = new FakeLocks();
    const a = openTab(bus, locks, 'a');
    const b = openTab(bus, locks, 'b');
    await tick();
    expect(a.hub.isLeader).toBe(true);
    expect(b.hub.isLeader).toBe(false);
    expect(a.leading).toEqual([true]);
    expect(b.leading).toEqual([]);

    a.hub.publish({ n: 1 });
    await tick();
    expect(b.states).toEqual([{ n: 1 }]);

    // A tab opened later says hello and is answered with the current state.
    const c = openTab(bus, locks, 'c');
    await tick();
    expect(c.states).toEqual([{ n: 1 }]);
    // A follower cannot publish.
    b.hub.publish({ n: 99 });
    await tick();
    expect(c.states).toEqual([{ n: 1 }]);
  });

  it('a follower acts through the leader and gets its answer or its error', async () => {
    const bus = new Bus();
    const locks = new FakeLocks();
    const a = openTab(bus, locks, 'a');
    const b = openTab(bus, locks, 'b');
    await tick();
    await expect(b.hub.send({ op: 'hold' })).resolves.toBe('a:hold');
    await expect(b.hub.send({ op: 'fail' })).rejects.toThrow('No such call.');
    // The leader runs its own commands directly.
    await expect(a.hub.send({ op: 'mute' })).resolves.toBe('a:mute');
    expect(a.executed.map((c) => c.op)).toEqual(['hold', 'fail', 'mute']);
    expect(b.executed).toEqual([]);
  });

  it('when the leader goes, the next tab takes the phone over; commands pending on the old one fail instead of hanging', async () => {
    const bus = new Bus();
    const locks = new FakeLocks();
    const a = openTab(bus, locks, 'a');
    const b = openTab(bus, locks, 'b');
    const c = openTab(bus, locks, 'c');
    await tick();
    a.hub.publish({ n: 1 });
    await tick();

    a.hub.stop();
    await tick();
    expect(a.leading).toEqual([true, false]);
    expect(b.hub.isLeader).toBe(true);
    expect(b.leading).toEqual([true]);
    expect(c.hub.isLeader).toBe(false);
    // Followers heard that the leader left (null), then the new leader's state.
    expect(c.states.at(-1)).toBeNull();
    b.hub.publish({ n: 2 });
    await tick();
    expect(c.states.at(-1)).toEqual({ n: 2 });
    await expect(c.hub.send({ op: 'answer' })).resolves.toBe('b:answer');
  });

  it('a command nobody answers times out with a message for the agent', async () => {
    const bus = new Bus();
    const locks = new FakeLocks();
    // A "leader" that holds the lock but never answers (a frozen tab).
    await new Promise<void>((resolve) => {
      void locks.request('cc.softphone.t1.u1', {}, () => {
        resolve();
        return new Promise(() => undefined);
      });
    });
    const b = openTab(bus, locks, 'b');
    await tick();
    expect(b.hub.isLeader).toBe(false);
    await expect(b.hub.send({ op: 'hangup' })).rejects.toThrow('did not answer');
  });

  it('without Web Locks or BroadcastChannel every tab leads on its own', async () => {
    const leading: boolean[] = [];
    const hub = new TabHub<{ n: number }, { op: string }>({
      name: 'x', channel: null, locks: null, onLeadership: (l) => leading.push(l), onState: () => undefined, execute: async () => 'ok',
    });
    hub.start();
    expect(hub.isLeader).toBe(true);
    expect(hub.coordinated).toBe(false);
    await expect(hub.send({ op: 'call' })).resolves.toBe('ok');
    hub.stop();
    expect(leading).toEqual([true, false]);
  });
});

// ---------------------------------------------------------------- call reporting

interface Report {
  step: string;
  id?: number;
  at?: string;
}

function fakeApi(script: { failStart?: number[]; failEnded?: number[] } = {}) {
  const log: Report[] = [];
  let startFailures = [...(script.failStart ?? [])];
  let endedFailures = [...(script.failEnded ?? [])];
  let nextId = 41;
  const delay = () => new Promise((resolve) => setTimeout(resolve, 1));
  return {
    log,
    api: {
      async start(body: { consoleCallId: string }) {
        await delay();
        const status = startFailures.shift();
        if (status !== undefined) throw Object.assign(new Error(`status ${status}`), { status });
        log.push({ step: `start:${body.consoleCallId}` });
        return { id: (nextId += 1) };
      },
      async answered(id: number, body: { at?: string }) {
        await delay();
        log.push({ step: 'answered', id, at: body.at });
        return { id };
      },
      async ended(id: number, body: { at?: string }) {
        await delay();
        const status = endedFailures.shift();
        if (status !== undefined) throw Object.assign(new Error(`status ${status}`), { status });
        log.push({ step: 'ended', id, at: body.at });
        return { id };
      },
    },
    reset() {
      startFailures = [];
      endedFailures = [];
    },
  };
}

describe('call reporting', () => {
  const noWait = { retryDelaysMs: [1, 1, 1], sleep: () => Promise.resolve() };

  it('reports start, answered and ended in that order, with the server id, even when the SIP events come back to back', async () => {
    const server = fakeApi();
    const reported: number[] = [];
    const reporter = new CallReporter({ api: server.api, onReported: (_c, call) => reported.push(call.id), ...noWait });
    reporter.started({ consoleCallId: 'c1' });
    reporter.answered('c1', new Date('2026-11-22T10:00:05Z'));
    reporter.ended('c1', new Date('2026-11-22T10:01:00Z'));
    // Repeated SIP events report nothing twice.
    reporter.answered('c1', new Date());
    reporter.ended('c1', new Date());
    await reporter.settled();
    expect(server.log).toEqual([
      { step: 'start:c1' },
      { step: 'answered', id: 42, at: '2026-11-22T10:00:05.000Z' },
      { step: 'ended', id: 42, at: '2026-11-22T10:01:00.000Z' },
    ]);
    expect(reporter.serverId('c1')).toBe(42);
    expect(reported).toEqual([42, 42, 42]);
  });

  it('retries passing failures (network, 5xx) and goes on; a refusal (4xx) of the start skips the rest of that call only', async () => {
    const server = fakeApi({ failStart: [0, 503] });
    const errors: string[] = [];
    const reporter = new CallReporter({ api: server.api, onError: (id, step) => errors.push(`${id}:${step}`), ...noWait });
    reporter.started({ consoleCallId: 'c1' });
    reporter.ended('c1', new Date('2026-11-22T10:00:00Z'));
    await reporter.settled();
    expect(server.log.map((r) => r.step)).toEqual(['start:c1', 'ended']);

    const refused = fakeApi({ failStart: [422] });
    const second = new CallReporter({ api: refused.api, onError: (id, step) => errors.push(`${id}:${step}`), ...noWait });
    second.started({ consoleCallId: 'c2' });
    second.answered('c2', new Date());
    second.ended('c2', new Date());
    second.started({ consoleCallId: 'c3' });
    second.ended('c3', new Date());
    await second.settled();
    expect(errors).toEqual(['c2:start']);
    expect(refused.log.map((r) => r.step)).toEqual(['start:c3', 'ended']);
    expect(second.serverId('c2')).toBeNull();
  });

  it('gives up after the last retry and says so', async () => {
    const server = fakeApi({ failEnded: [500, 500, 500, 500] });
    const errors: string[] = [];
    const reporter = new CallReporter({ api: server.api, onError: (id, step) => errors.push(`${id}:${step}`), ...noWait });
    reporter.started({ consoleCallId: 'c1' });
    reporter.ended('c1', new Date());
    await reporter.settled();
    expect(errors).toEqual(['c1:ended']);
  });

  it('steps of an unknown call are ignored; a forgotten call is dropped once its last step is done', async () => {
    const server = fakeApi();
    const reporter = new CallReporter({ api: server.api, ...noWait });
    reporter.answered('nobody', new Date());
    reporter.started({ consoleCallId: 'c1' });
    reporter.ended('c1', new Date());
    reporter.forget('c1');
    await reporter.settled();
    await tick();
    expect(reporter.serverId('c1')).toBeNull();
    expect(server.log.map((r) => r.step)).toEqual(['start:c1', 'ended']);
  });

  it('tells passing failures from refusals', () => {
    expect(isPassingFailure(new TypeError('fetch failed'))).toBe(true);
    expect(isPassingFailure({ status: 0 })).toBe(true);
    expect(isPassingFailure({ status: 502 })).toBe(true);
    expect(isPassingFailure({ status: 429 })).toBe(true);
    expect(isPassingFailure({ status: 404 })).toBe(false);
    expect(isPassingFailure({ status: 422 })).toBe(false);
  });
});

// ---------------------------------------------------------------- formatting

describe('softphone formatting', () => {
  it('formats the call timer', () => {
    expect(formatCallTimer(0)).toBe('0:00');
    expect(formatCallTimer(5_400)).toBe('0:05');
    expect(formatCallTimer(12 * 60_000 + 40_000)).toBe('12:40');
    expect(formatCallTimer(3_729_000)).toBe('1:02:09');
    expect(formatCallTimer(-300)).toBe('0:00');
    expect(formatCallTimer(null)).toBe('0:00');
  });

  it('turns what the agent typed into something to dial', () => {
    expect(normalizeDialString(' +1 (555) 010-1002 ')).toBe('+15550101002');
    expect(normalizeDialString('1002')).toBe('1002');
    expect(normalizeDialString('*72#')).toBe('*72#');
    expect(normalizeDialString('sip:1002@pbx.example.test')).toBe('1002@pbx.example.test');
    expect(normalizeDialString('1002@127.0.0.1:5060')).toBe('1002@127.0.0.1:5060');
    expect(normalizeDialString('')).toBeNull();
    expect(normalizeDialString('call me')).toBeNull();
    expect(normalizeDialString('12+34')).toBeNull();
    expect(sipTarget('1002', 'pbx.example.test')).toBe('sip:1002@pbx.example.test');
    expect(sipTarget('1002@other.test', 'pbx.example.test')).toBe('sip:1002@other.test');
    expect(numberOf('1002@other.test')).toBe('1002');
    expect(cleanTones('1a#*x9,')).toBe('1A#*9,');
  });

  it('reads ICE servers from configuration, none when unset or malformed', () => {
    expect(parseIceServers(undefined)).toEqual([]);
    expect(parseIceServers('')).toEqual([]);
    expect(parseIceServers('not json')).toEqual([]);
    expect(parseIceServers('{"urls":"stun:x"}')).toEqual([]);
    expect(parseIceServers('[{"urls":"stun:stun.example.org:3478"},{"nope":1},{"urls":["turn:t.example.org"],"username":"u","credential":"p"}]')).toEqual([
      { urls: 'stun:stun.example.org:3478' },
      { urls: ['turn:t.example.org'], username: 'u', credential: 'p' },
    ]);
  });
});
