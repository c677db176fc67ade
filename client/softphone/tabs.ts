/**
 * One SIP registration per browser: the tabs of an agent elect one leader with a Web Lock, and talk over a
 * BroadcastChannel.
 *
 * - Every tab asks for the same exclusive lock; the one that gets it is the leader and keeps it until it stops
 *   (or its tab closes or crashes: the browser then releases the lock and the next waiting tab gets it).
 * - The leader runs the softphone and publishes its state (`state`) after every change; a tab that starts says
 *   `hello` and the leader answers with its state.
 * - Any tab sends a `command`; the leader runs it and answers with a `result` for that command's id. A command
 *   that no leader answers within the timeout fails (the leader closed meanwhile).
 *
 * Without Web Locks or BroadcastChannel (old browsers), every tab leads on its own: each registers by itself,
 * which is how a softphone without this coordination would behave.
 *
 * The protocol is plain data and takes its channel and locks as arguments, so a unit test can run several "tabs"
 * in one process.
 */

export interface ChannelLike {
  postMessage(message: unknown): void;
  onmessage: ((event: { data: unknown }) => void) | null;
  close(): void;
}

export interface LocksLike {
  request(name: string, options: { mode?: 'exclusive' | 'shared'; signal?: AbortSignal }, callback: (lock: unknown) => Promise<unknown>): Promise<unknown>;
}

export type TabMessage =
  | { kind: 'hello'; from: string }
  | { kind: 'state'; from: string; state: unknown }
  | { kind: 'command'; from: string; id: string; command: unknown }
  | { kind: 'result'; to: string; id: string; ok: boolean; value?: unknown; error?: string }
  | { kind: 'leaving'; from: string };

export interface TabHubOptions<S, C> {
  /** Names the lock and the channel: one per (tenant, user). */
  name: string;
  channel: ChannelLike | null;
  locks: LocksLike | null;
  tabId?: string;
  commandTimeoutMs?: number;
  /** This tab became the leader (true) or stopped being it (false, only on stop). */
  onLeadership(leading: boolean): void;
  /** A follower received the leader's state (null: the leader left and no other has spoken yet). */
  onState(state: S | null): void;
  /** Runs a command on the leader; the value (or error message) goes back to the tab that sent it. */
  execute(command: C): Promise<unknown>;
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

function isMessage(value: unknown): value is TabMessage {
  return typeof value === 'object' && value !== null && typeof (value as { kind?: unknown }).kind === 'string';
}

let counter = 0;
function newId(): string {
  counter += 1;
  const random = typeof crypto !== 'undefined' && 'randomUUID' in crypto ? crypto.randomUUID() : Math.random().toString(36).slice(2);
  return `${random}-${counter}`;
}

/** A command the leader could not run; its message is meant for the agent. */
export class TabCommandError extends Error {
  override readonly name = 'TabCommandError';
}

export class TabHub<S, C> {
  readonly tabId: string;
  private leading = false;
  private stopped = true;
  private releaseLock: (() => void) | null = null;
  private abort: AbortController | null = null;
  private readonly pending = new Map<string, Pending>();
  private lastState: S | null = null;

  constructor(private readonly options: TabHubOptions<S, C>) {
    this.tabId = options.tabId ?? newId();
  }

  get isLeader(): boolean {
    return this.leading;
  }

  /** True when tabs coordinate (otherwise this tab simply leads). */
  get coordinated(): boolean {
    return this.options.channel !== null && this.options.locks !== null;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    const { channel, locks } = this.options;
    if (!channel || !locks) {
      this.becomeLeader();
      return;
    }
    channel.onmessage = (event) => this.onMessage(event.data);
    this.post({ kind: 'hello', from: this.tabId });
    this.abort = new AbortController();
    locks
      .request(this.options.name, { mode: 'exclusive', signal: this.abort.signal }, () => {
        if (this.stopped) return Promise.resolve();
        this.becomeLeader();
        return new Promise<void>((resolve) => {
          this.releaseLock = resolve;
        });
      })
      .catch(() => {
        // Aborted while waiting (this tab stopped before it got the lock): nothing to do.
      });
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    const wasLeader = this.leading;
    this.leading = false;
    if (wasLeader) {
      this.post({ kind: 'leaving', from: this.tabId });
      this.options.onLeadership(false);
    }
    this.releaseLock?.();
    this.releaseLock = null;
    this.abort?.abort();
    this.abort = null;
    this.rejectPending('The softphone stopped.');
    if (this.options.channel) {
      this.options.channel.onmessage = null;
      this.options.channel.close();
    }
  }

  /** Leader: tell every other tab the phone's state. */
  publish(state: S): void {
    if (!this.leading) return;
    this.lastState = state;
    this.post({ kind: 'state', from: this.tabId, state });
  }

  /** Any tab: run a command on the leader (here when this tab leads). */
  send(command: C): Promise<unknown> {
    if (this.leading) return this.options.execute(command);
    if (this.stopped) return Promise.reject(new TabCommandError('The softphone is not running in this tab.'));
    const id = newId();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new TabCommandError('The tab that holds the phone did not answer. Try again.'));
      }, this.options.commandTimeoutMs ?? 10_000);
      this.pending.set(id, { resolve, reject, timer });
      this.post({ kind: 'command', from: this.tabId, id, command });
    });
  }

  private becomeLeader(): void {
    if (this.leading || this.stopped) return;
    this.leading = true;
    this.options.onLeadership(true);
    // Commands this tab sent as a follower will not be answered by anyone now: fail them.
    this.rejectPending('The phone moved to this tab. Try again.');
  }

  private onMessage(data: unknown): void {
    if (!isMessage(data) || this.stopped) return;
    switch (data.kind) {
      case 'hello':
        if (this.leading && this.lastState !== null) this.post({ kind: 'state', from: this.tabId, state: this.lastState });
        return;
      case 'state':
        if (!this.leading) this.options.onState(data.state as S);
        return;
      case 'leaving':
        if (!this.leading) {
          this.options.onState(null);
          this.rejectPending('The tab that held the phone closed. Try again.');
        }
        return;
      case 'command':
        if (this.leading) void this.runRemote(data.from, data.id, data.command as C);
        return;
      case 'result': {
        if (data.to !== this.tabId) return;
        const pending = this.pending.get(data.id);
        if (!pending) return;
        this.pending.delete(data.id);
        clearTimeout(pending.timer);
        if (data.ok) pending.resolve(data.value);
        else pending.reject(new TabCommandError(data.error ?? 'The command failed.'));
        return;
      }
    }
  }

  private async runRemote(from: string, id: string, command: C): Promise<void> {
    try {
      const value = await this.options.execute(command);
      this.post({ kind: 'result', to: from, id, ok: true, value: value ?? null });
    } catch (error) {
      this.post({ kind: 'result', to: from, id, ok: false, error: error instanceof Error ? error.message : String(error) });
    }
  }

  private rejectPending(message: string): void {
    for (const [id, pending] of this.pending) {
      clearTimeout(pending.timer);
      pending.reject(new TabCommandError(message));
      this.pending.delete(id);
    }
  }

  private post(message: TabMessage): void {
    try {
      this.options.channel?.postMessage(message);
    } catch {
      // A closed channel (the tab is going away): nothing to tell.
    }
  }
}
