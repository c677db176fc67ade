import os from 'node:os';
import type { Socket } from 'socket.io-client';
import { stopAllNodes, type NodeProcess } from '../test/helpers/processes.ts';
import { bareEnv, closeAll, connectMany, cpuShare, deleteKeys, fileLimits, memoryOf, mib, prepareDb, projectEnv, raiseFileLimit, sleep, startBenchNode, type BenchDb, type MemoryReport } from './fixtures.ts';
import { fmt, reportWarnings } from './lib.ts';

/**
 * Idle memory per connection: N authenticated websocket connections held open
 * on one project node (bench/node.ts running createSystem, ROLE=web, default
 * timings) against N connections to a bare Socket.IO 4.8 server with the same
 * Redis adapter and engine options. The server's RSS (and heap) is read in the
 * server's own process over IPC after a full GC, before and after the
 * connections, so the clients' memory never counts. The clients run in this
 * process; both servers get the same handshake payload (the project's token).
 */

const WANTED = Number(process.env.BENCH_CONNECTIONS ?? 10_000);
/** Stop opening connections after this long per phase (the run should stay within about 3 minutes). */
const CONNECT_DEADLINE_MS = Number(process.env.BENCH_CONNECT_DEADLINE_MS ?? 110_000);
/** Handshakes in flight. Higher only queues work on the project node (slower, and a higher memory high-water); see RESULTS.md. */
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const SETTLE_MS = 4000;
/**
 * Rounds of the two phases (bare, then project, each on a fresh server process); with more than one, the verdict
 * is the median of the rounds' ratios. One reading is at the mercy of where it falls against the burst's full GCs
 * (RESULTS.md: 0.9–1.4x for the same code), which a median of several tames: three by default,
 * BENCH_MEMORY_ROUNDS=1 for a quick look.
 */
const ROUNDS = Math.max(1, Number(process.env.BENCH_MEMORY_ROUNDS ?? 3));
const IDLE_CPU_MS = 6000;

interface Phase {
  connected: number;
  /** Connections opened after the `mid` reading. */
  secondHalf: number;
  serverSockets: number;
  connectSeconds: number;
  before: MemoryReport;
  /** After the first half of the connections: the second half's growth is the marginal cost of a connection. */
  mid: MemoryReport;
  after: MemoryReport;
  failures: number;
  firstError?: string;
  stoppedByDeadline: boolean;
  /** Share of one core the server used while the connections sat idle. */
  idleCpu: number;
  /** After every client left again (and a GC): what stays is set-up high water, not per-connection state. */
  emptied: MemoryReport;
}

async function phase(label: string, node: NodeProcess, count: number, token: (i: number) => string, readyEvent: 'session:ready' | 'connect'): Promise<Phase> {
  let sockets: Socket[] = [];
  const progress = process.stdout.isTTY ? (n: number) => process.stdout.write(`  ${label}: ${n} connected\r`) : undefined;
  try {
    // Warm the code paths (handshake, auth, presence) so the "before" figure is not a cold process.
    const warm = await connectMany({ count: 50, url: () => node.baseUrl, token, readyEvent, concurrency: 10, deadlineMs: 30_000 });
    await closeAll(warm.sockets);
    await sleep(1500);
    const before = await memoryOf(node);
    const half = Math.floor(count / 2);
    const first = await connectMany({
      count: half, url: () => node.baseUrl, token, readyEvent, concurrency: CONCURRENCY, deadlineMs: CONNECT_DEADLINE_MS / 2,
      progress,
    });
    await sleep(SETTLE_MS);
    const mid = await memoryOf(node);
    const second = await connectMany({
      count: count - half, url: () => node.baseUrl, token: (i) => token(half + i), readyEvent, concurrency: CONCURRENCY, deadlineMs: CONNECT_DEADLINE_MS / 2,
      progress: progress ? (n) => progress(half + n) : undefined,
    });
    const c = {
      sockets: [...first.sockets, ...second.sockets], seconds: first.seconds + second.seconds, failures: first.failures + second.failures,
      firstError: first.firstError ?? second.firstError, stoppedByDeadline: first.stoppedByDeadline || second.stoppedByDeadline,
      secondHalf: second.sockets.length,
    };
    sockets = c.sockets;
    await sleep(SETTLE_MS);
    const idleCpu = await cpuShare(node, IDLE_CPU_MS);
    const after = await memoryOf(node);
    if (progress) process.stdout.write(' '.repeat(60) + '\r');
    await closeAll(sockets);
    sockets = [];
    await sleep(SETTLE_MS);
    const emptied = await memoryOf(node);
    return { connected: c.sockets.length, secondHalf: c.secondHalf, serverSockets: after.sockets, connectSeconds: c.seconds, before, mid, after, emptied, failures: c.failures, firstError: c.firstError, stoppedByDeadline: c.stoppedByDeadline, idleCpu };
  } finally {
    await closeAll(sockets);
  }
}

type NumericField = Exclude<keyof MemoryReport, 'compacted' | 'regions'>;

async function stop(node: NodeProcess) {
  await node.request({ type: 'stop' }, 30_000).catch(() => undefined);
  await node.kill('SIGTERM', 10_000);
}

export async function run(): Promise<void> {
  // Each client socket is one descriptor here, each server socket one in the server process (same limit, inherited).
  const needed = WANTED + 500;
  const limit = raiseFileLimit(needed);
  const { hard } = fileLimits();
  let count = WANTED;
  if (limit < needed) {
    count = Math.max(100, limit - 500);
    console.log(`\nidle-memory: the open-file limit is ${limit} (hard ${hard}); ${WANTED} connections need about ${needed}. Running ${count} instead (raise it with \`ulimit -n ${needed}\`).`);
  }
  console.log(`\nidle-memory: ${count} connections per server, ${CONCURRENCY} handshakes in flight; load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}; preparing...`);
  const db: BenchDb = await prepareDb('bench_memory', count);
  try {
    const rounds: { regular: number; marginal: number; compacted: number }[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      if (ROUNDS > 1) console.log(`\nround ${r + 1} of ${ROUNDS}`);
      rounds.push(await round(db, count));
      // Every round starts as the first did: no presence state, log or queue left in Redis by the last one (else
      // the users would still be "online" and the next project node would skip their coming-online work).
      await deleteKeys(db.prefix).catch(() => undefined);
    }
    if (ROUNDS > 1) {
      const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
      const list = (k: 'regular' | 'marginal' | 'compacted') => rounds.map((x) => fmt(x[k], 2)).join(', ');
      const m = { regular: median(rounds.map((x) => x.regular)), marginal: median(rounds.map((x) => x.marginal)), compacted: median(rounds.map((x) => x.compacted)) };
      console.log(`\nmedian of ${ROUNDS} rounds (RSS per connection, project / baseline)`);
      console.log(`  regular reading  : ${fmt(m.regular, 2)}x  (rounds: ${list('regular')})  marginal ${fmt(m.marginal, 2)}x  (rounds: ${list('marginal')})`);
      console.log(`  after last resort: ${fmt(m.compacted, 2)}x  (rounds: ${list('compacted')})`);
      console.log(`  goal    : RSS/conn <= 1.3x baseline -> median regular ${m.regular <= 1.3 ? 'MET' : 'NOT MET'}, median after last resort ${m.compacted <= 1.3 ? 'MET' : 'NOT MET'}`);
    }
  } finally {
    await stopAllNodes();
    await db.drop();
  }
}

/** One round: the bare server's phase, then the project's, each on a fresh process; prints both and returns the ratios. */
async function round(db: BenchDb, count: number): Promise<{ regular: number; marginal: number; compacted: number }> {
  const bareNode = await startBenchNode('bare', bareEnv(`${db.prefix}:bare`));
  let baseline: Phase;
  try {
    baseline = await phase('baseline', bareNode, count, (i) => db.users[i].token, 'connect');
  } finally {
    await stop(bareNode);
    await deleteKeys(`${db.prefix}:bare`).catch(() => undefined);
  }
  const projectNode = await startBenchNode('project', projectEnv(db));
  let project: Phase;
  try {
    project = await phase('project', projectNode, count, (i) => db.users[i].token, 'session:ready');
  } finally {
    await stop(projectNode);
    reportWarnings('project node', projectNode.logs());
  }

  const per = (p: Phase, k: NumericField) => (p.after[k] - p.before[k]) / Math.max(1, p.connected);
  const marginal = (p: Phase, k: NumericField) => (p.after[k] - p.mid[k]) / Math.max(1, p.secondHalf);
  const row = (label: string, p: Phase, note: string) => {
    console.log(`  ${label}: ${p.connected} open (server counts ${p.serverSockets}) in ${fmt(p.connectSeconds)} s  RSS ${mib(p.before.rss)} -> ${mib(p.mid.rss)} -> ${mib(p.after.rss)} MiB = ${fmt(per(p, 'rss') / 1024, 1)} KiB/conn overall, ${fmt(marginal(p, 'rss') / 1024, 1)} KiB/conn for the second ${p.secondHalf}  heap used ${mib(p.before.heapUsed)} -> ${mib(p.after.heapUsed)} MiB = ${fmt(per(p, 'heapUsed') / 1024, 1)} KiB/conn (heap total ${mib(p.before.heapTotal)} -> ${mib(p.mid.heapTotal)} -> ${mib(p.after.heapTotal)} MiB)  external+buffers ${fmt((per(p, 'external') + per(p, 'arrayBuffers')) / 1024, 1)} KiB/conn  idle CPU ${fmt(p.idleCpu * 100, 0)}% of a core  ${fmt(p.connected / p.connectSeconds, 0)} handshakes/s  RSS once all left ${mib(p.emptied.rss)} MiB (heap used ${mib(p.emptied.heapUsed)} MiB)  young generation (resident) ${mib(p.before.newSpace)} -> ${mib(p.mid.newSpace)} -> ${mib(p.after.newSpace)} MiB  anonymous memory outside V8's heap (its page pool, malloc's other arenas) ${[p.before, p.mid, p.after].map((r) => mib((r.regions?.anon ?? 0) - r.v8Resident)).join(' -> ')} MiB  resident by region ${Object.keys(p.after.regions ?? {}).map((k) => `${k} ${mib(p.before.regions[k])} -> ${mib(p.mid.regions[k])} -> ${mib(p.after.regions[k])}`).join(', ')} MiB${p.failures ? `  failures ${p.failures} (${p.firstError})` : ''}${p.stoppedByDeadline ? '  STOPPED AT THE DEADLINE' : ''}  ${note}`);
  };
  console.log(`\nidle memory of ${count} websocket connections on one server (server RSS read in its own process after a full GC; clients in the bench process)`);
  row('project ', project, '(createSystem, ROLE=web, authenticated, presence + rooms)');
  row('baseline', baseline, '(bare Socket.IO 4.8, same Redis adapter, one room)');
  const ratio = per(project, 'rss') / per(baseline, 'rss');
  const ratioMarginal = marginal(project, 'rss') / marginal(baseline, 'rss');
  console.log(`  ratio   : RSS/conn ${fmt(ratio, 2)}x overall (from the first connection: includes the process's one-off growth), ${fmt(ratioMarginal, 2)}x marginal (second half); heap/conn ${fmt(per(project, 'heapUsed') / per(baseline, 'heapUsed'), 2)}x of baseline`);
  console.log(`  goal    : RSS/conn <= 1.3x baseline -> overall ${ratio <= 1.3 ? 'MET' : 'NOT MET'}, marginal ${ratioMarginal <= 1.3 ? 'MET' : 'NOT MET'}`);
  // The same readings after V8's last-resort GC: what stays resident once V8 has compacted its heap and given back
  // the pages it kept from the burst of handshakes, i.e. what the connections themselves hold.
  const held = (p: Phase) => (p.after.compacted.rss - p.before.compacted.rss) / Math.max(1, p.connected);
  const heldMarginal = (p: Phase) => (p.after.compacted.rss - p.mid.compacted.rss) / Math.max(1, p.secondHalf);
  const compactedRow = (label: string, p: Phase) => console.log(`  ${label}: RSS ${mib(p.before.compacted.rss)} -> ${mib(p.mid.compacted.rss)} -> ${mib(p.after.compacted.rss)} MiB = ${fmt(held(p) / 1024, 1)} KiB/conn overall, ${fmt(heldMarginal(p) / 1024, 1)} KiB/conn for the second half  heap total ${mib(p.before.compacted.heapTotal)} -> ${mib(p.after.compacted.heapTotal)} MiB  RSS once all left ${mib(p.emptied.compacted.rss)} MiB`);
  console.log(`\nthe same, read after V8's last-resort GC on both servers (heap compacted, spare pages given back: what the connections hold)`);
  compactedRow('project ', project);
  compactedRow('baseline', baseline);
  const ratioHeld = held(project) / held(baseline);
  const ratioHeldMarginal = heldMarginal(project) / heldMarginal(baseline);
  console.log(`  ratio   : RSS/conn ${fmt(ratioHeld, 2)}x overall, ${fmt(ratioHeldMarginal, 2)}x marginal (second half)`);
  console.log(`  goal    : RSS/conn <= 1.3x baseline -> overall ${ratioHeld <= 1.3 ? 'MET' : 'NOT MET'}, marginal ${ratioHeldMarginal <= 1.3 ? 'MET' : 'NOT MET'}`);
  const short = Math.min(project.connected, baseline.connected) < WANTED;
  if (short) console.log(`  note    : fewer than the ${WANTED} connections asked for were held (project ${project.connected}, baseline ${baseline.connected}).`);
  console.log(`  load average after: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  return { regular: ratio, marginal: ratioMarginal, compacted: ratioHeld };
}
