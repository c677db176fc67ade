/**
 * Tells the server about each call the softphone places or receives: POST /calls, then /answered, then /ended,
 * in that order for one call whatever order the SIP events came in, each step once.
 *
 * - A step waits for the previous step of the same call (the server's id comes from the first).
 * - A step that fails for a passing reason (no network, 5xx, 408, 429) is retried with back-off; the server is
 *   idempotent on consoleCallId, so a repeated POST /calls is harmless. Other refusals (4xx) are final: the
 *   later steps of that call are skipped and `onError` says why.
 * - Steps of different calls do not wait for each other.
 */

/** The server's answer: at least the call's id (CallView in the console). */
export interface ReportedCall {
  id: number;
}

/** What POST /calls takes: at least the console's id of the call (StartCallBody in the console). */
export interface StartReport {
  consoleCallId: string;
}

export interface ReporterApi<B extends StartReport = StartReport, C extends ReportedCall = ReportedCall> {
  start(body: B): Promise<C>;
  answered(id: number, body: { sipCallId?: string; at?: string }): Promise<C>;
  ended(id: number, body: { sipCallId?: string; at?: string }): Promise<C>;
}

export type ReportStep = 'start' | 'answered' | 'ended';

export interface ReporterOptions<B extends StartReport, C extends ReportedCall> {
  api: ReporterApi<B, C>;
  /** Every answer of the server (the call as it is now). */
  onReported?(consoleCallId: string, call: C): void;
  /** A step failed for good. */
  onError?(consoleCallId: string, step: ReportStep, error: unknown): void;
  /** Waits between attempts; the number of entries is the number of retries. */
  retryDelaysMs?: number[];
  sleep?(ms: number): Promise<void>;
}

interface Tracked {
  chain: Promise<void>;
  serverId: number | null;
  /** POST /calls was refused for good: nothing more to report. */
  abandoned: boolean;
  steps: Set<ReportStep>;
}

/** Errors worth another try: the server was not reached, or was briefly unable to answer. */
export function isPassingFailure(error: unknown): boolean {
  const status = typeof error === 'object' && error !== null && 'status' in error ? Number((error as { status: unknown }).status) : NaN;
  if (!Number.isFinite(status)) return true; // not an HTTP answer at all
  return status === 0 || status === 408 || status === 429 || status >= 500;
}

const DEFAULT_DELAYS = [500, 1000, 2000, 4000, 8000, 15000, 30000];

export class CallReporter<B extends StartReport = StartReport, C extends ReportedCall = ReportedCall> {
  private readonly calls = new Map<string, Tracked>();
  private readonly delays: number[];
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: ReporterOptions<B, C>) {
    this.delays = options.retryDelaysMs ?? DEFAULT_DELAYS;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /** The server's id of a call, once POST /calls answered. */
  serverId(consoleCallId: string): number | null {
    return this.calls.get(consoleCallId)?.serverId ?? null;
  }

  started(body: B): void {
    const id = body.consoleCallId;
    if (this.calls.has(id)) return;
    const tracked: Tracked = { chain: Promise.resolve(), serverId: null, abandoned: false, steps: new Set(['start']) };
    this.calls.set(id, tracked);
    tracked.chain = this.attempt(id, 'start', () => this.options.api.start(body)).then((call) => {
      if (call) tracked.serverId = call.id;
      else tracked.abandoned = true;
    });
  }

  answered(consoleCallId: string, at: Date, sipCallId?: string): void {
    this.follow(consoleCallId, 'answered', (serverId) => this.options.api.answered(serverId, { at: at.toISOString(), ...(sipCallId ? { sipCallId } : {}) }));
  }

  ended(consoleCallId: string, at: Date): void {
    this.follow(consoleCallId, 'ended', (serverId) => this.options.api.ended(serverId, { at: at.toISOString() }));
  }

  /** Resolves when every step asked for so far (of one call, or of all) is done or given up. */
  async settled(consoleCallId?: string): Promise<void> {
    const targets = consoleCallId ? [this.calls.get(consoleCallId)] : [...this.calls.values()];
    await Promise.all(targets.map((tracked) => tracked?.chain));
  }

  /** Forget a call whose steps are all done (keeps the map small over a long shift). */
  forget(consoleCallId: string): void {
    const tracked = this.calls.get(consoleCallId);
    if (!tracked) return;
    void tracked.chain.then(() => {
      if (this.calls.get(consoleCallId) === tracked && tracked.steps.has('ended')) this.calls.delete(consoleCallId);
    });
  }

  private follow(consoleCallId: string, step: ReportStep, run: (serverId: number) => Promise<C>): void {
    const tracked = this.calls.get(consoleCallId);
    if (!tracked || tracked.steps.has(step)) return;
    tracked.steps.add(step);
    tracked.chain = tracked.chain.then(async () => {
      if (tracked.abandoned || tracked.serverId === null) return;
      const serverId = tracked.serverId;
      await this.attempt(consoleCallId, step, () => run(serverId));
    });
  }

  /** Runs one step with retries; resolves with the server's answer, or null when it gave up. Never rejects. */
  private async attempt(consoleCallId: string, step: ReportStep, run: () => Promise<C>): Promise<C | null> {
    for (let attempt = 0; ; attempt += 1) {
      try {
        const call = await run();
        this.options.onReported?.(consoleCallId, call);
        return call;
      } catch (error) {
        if (!isPassingFailure(error) || attempt >= this.delays.length) {
          this.options.onError?.(consoleCallId, step, error);
          return null;
        }
        await this.sleep(this.delays[attempt]!);
      }
    }
  }
}
