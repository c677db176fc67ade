/**
 * Bench-only server process, started by the benchmarks with an IPC channel
 * (test/helpers/processes.ts, `ipc: true`). Never used in production.
 *
 *   BENCH_MODE=project  the real composition root (createSystem) with the
 *                       configuration from the environment, ROLE=web;
 *   BENCH_MODE=bare     a bare Socket.IO 4.8 server with the same
 *                       @socket.io/redis-adapter over ioredis and the same
 *                       engine options as the gateway; every socket joins one
 *                       room, and `POST /broadcast` emits its JSON body to it.
 *
 * It announces `{ type: 'listening', port }` over IPC and answers
 * `{ type: 'memory' }` with process.memoryUsage() taken after a full GC (run
 * it with --expose-gc) and, under `compacted`, after the last-resort GC that
 * compacts every page and releases V8's spare pages, so the parent measures this process's memory only,
 * and `{ type: 'cpu' }` with its CPU time so far.
 * It exits when the parent goes away.
 */
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { getHeapSpaceStatistics, getHeapStatistics } from 'node:v8';
import { Redis } from 'ioredis';
import { Server } from 'socket.io';
import { createAdapter } from '@socket.io/redis-adapter';
import { loadConfig } from '../server/config.ts';
import { createLogger } from '../server/logger.ts';
import { createSystem } from '../server/app.ts';

if (!process.send) {
  console.error('bench/node.ts is started by the benchmarks with an IPC channel');
  process.exit(2);
}
const send = (msg: Record<string, unknown>) => process.send!(msg);
const mode = process.env.BENCH_MODE;
const BARE_ROOM = 't:1:p:users.view';

let close: () => Promise<void>;
let sockets: () => number;
let port: number;

if (mode === 'project') {
  const config = loadConfig(process.env);
  const system = await createSystem({ config, logger: createLogger(config.LOG_LEVEL) });
  port = await system.listen(config.PORT);
  close = () => system.close();
  sockets = () => system.gateway?.io.of('/').sockets.size ?? 0;
} else if (mode === 'bare') {
  const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const key = `${process.env.REDIS_PREFIX ?? 'bench'}:sio`;
  const pub = new Redis(url, { maxRetriesPerRequest: null });
  const sub = pub.duplicate();
  let io: Server | undefined;
  const server = http.createServer((req, res) => {
    if (req.method !== 'POST' || req.url !== '/broadcast') {
      res.writeHead(404).end();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const payload = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      // Under the envelope's own type, as the project emits it.
      io!.to(BARE_ROOM).emit(String(payload.type), payload);
      res.writeHead(204).end();
    });
  });
  io = new Server(server, {
    adapter: createAdapter(pub, sub, { key }),
    transports: ['polling', 'websocket'],
    serveClient: false,
    pingInterval: 10_000,
    pingTimeout: 8_000,
    maxHttpBufferSize: 64 * 1024,
  });
  io.on('connection', (socket) => {
    socket.join(BARE_ROOM);
  });
  port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(Number(process.env.PORT ?? 0), () => resolve((server.address() as { port: number }).port));
  });
  close = async () => {
    await new Promise<void>((r) => io!.close(() => r()));
    pub.disconnect();
    sub.disconnect();
  };
  sockets = () => io!.of('/').sockets.size;
} else {
  console.error(`BENCH_MODE must be project or bare, not ${mode}`);
  process.exit(2);
}

/**
 * Resident memory by kind of mapping (/proc/self/smaps), to tell where RSS grows: `malloc` is the main
 * malloc arena ([heap]), `anon` every anonymous mapping (V8's pages, other malloc arenas, large
 * mallocs), `file` the mapped code and data of node and its libraries, `stack` the stacks.
 */
function residentByRegion(): Record<string, number> {
  const out: Record<string, number> = { malloc: 0, anon: 0, file: 0, stack: 0 };
  let kind = 'anon';
  try {
    for (const line of readFileSync('/proc/self/smaps', 'utf8').split('\n')) {
      const head = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
      if (head) {
        const name = head[1];
        kind = name === '[heap]' ? 'malloc' : name.startsWith('[stack') ? 'stack' : name.startsWith('/') ? 'file' : 'anon';
      } else if (line.startsWith('Rss:')) out[kind] += Number(line.split(/\s+/)[1]) * 1024;
    }
  } catch {
    // not Linux
  }
  return out;
}

const gc = (globalThis as { gc?: (options?: { type: 'major' | 'minor'; execution: 'sync' | 'async'; flavor?: 'regular' | 'last-resort' }) => void }).gc;
process.on('message', (msg: { type: string; id?: string }) => {
  void (async () => {
    if (msg.type === 'cpu') {
      const cpu = process.cpuUsage();
      send({ id: msg.id, cpuMicros: cpu.user + cpu.system, at: performance.now() });
    } else if (msg.type === 'memory') {
      if (gc) {
        gc();
        await new Promise((r) => setTimeout(r, 100));
        gc();
      }
      const regular = process.memoryUsage();
      const regions = residentByRegion();
      // The young generation's resident pages: V8 grows and shrinks it by its own heuristics (1 to 64 MiB per
      // semi-space here) and keeps the pages it has touched, so it moves RSS by tens of MiB between two readings
      // whatever the connections hold. And everything V8 counts as resident (all its spaces): the anonymous memory
      // beyond it is malloc's other arenas and, above all, the free pages V8 keeps in its pool after a full GC has
      // emptied them, which no heap statistic counts (RESULTS.md, tenth session). Reported so that a reading these
      // confound can be seen.
      const newSpace = getHeapSpaceStatistics().find((x) => x.space_name === 'new_space')?.physical_space_size ?? 0;
      const v8Resident = getHeapStatistics().total_physical_size;
      // Then the collection V8 runs under memory pressure (CollectAllAvailableGarbage): it compacts every page and
      // gives back the pages V8 keeps after a burst of allocation. What is left is what the process holds.
      if (gc) {
        gc({ type: 'major', execution: 'sync', flavor: 'last-resort' });
        await new Promise((r) => setTimeout(r, 100));
      }
      const { rss, heapUsed, heapTotal } = process.memoryUsage();
      const cpu = process.cpuUsage();
      send({ id: msg.id, ...regular, newSpace, v8Resident, regions, compacted: { rss, heapUsed, heapTotal }, sockets: sockets(), gc: !!gc, cpuMicros: cpu.user + cpu.system, at: performance.now() });
    } else if (msg.type === 'stop') {
      await close().catch(() => undefined);
      process.send!({ id: msg.id }, () => process.exit(0));
    }
  })();
});
process.on('disconnect', () => process.exit(0));
send({ type: 'listening', port: port! });
