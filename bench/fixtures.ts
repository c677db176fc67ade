import { execFileSync } from 'node:child_process';
import { Redis } from 'ioredis';
import { io, type Socket } from 'socket.io-client';
import { createTestDatabase, REDIS_URL } from '../test/helpers/system.ts';
import { startNode, type NodeProcess } from '../test/helpers/processes.ts';
import { loadConfig } from '../server/config.ts';
import { seedDemo } from '../server/db/seed.ts';
import { SecretBox } from '../server/security/secret-box.ts';
import { AccessTokens } from '../server/auth/tokens.ts';
import { hashPassword } from '../server/auth/passwords.ts';

/** Shared set-up of the socket benchmarks: a seeded database with many users, their tokens, server processes, clients. */

export { REDIS_URL };

export interface BenchUser {
  id: number;
  token: string;
}

export interface BenchDb {
  name: string;
  url: string;
  /** REDIS_PREFIX of the project nodes (and the root of every key this run makes). */
  prefix: string;
  tenantId: number;
  adminToken: string;
  /** A demo user whose PATCH makes the fan-out event. */
  targetUserId: number;
  users: BenchUser[];
  drop(): Promise<void>;
}

/**
 * A fresh migrated database with the demo data plus `count` active
 * support_agent users of Acme sharing one argon2 hash, and an access token for
 * each, signed with the server's AccessTokens (same secret, issuer, audience).
 */
export async function prepareDb(label: string, count: number): Promise<BenchDb> {
  const config = loadConfig(process.env);
  const db = await createTestDatabase(label);
  const exec = (q: string, p: unknown[] = []) => db.orm.em.fork().getConnection().execute(q, p) as Promise<any[]>;
  try {
    await seedDemo(db.orm, new SecretBox(config.SECRETS_KEYS));
    const [{ id: tenantId }] = await exec("select id from tenants where name = 'Acme Support'");
    const hash = await hashPassword('bench-password');
    for (let from = 0; from < count; from += 1000) {
      const rows = Array.from({ length: Math.min(1000, count - from) }, (_, k) => from + k);
      await exec(
        `insert into users (tenant_id, name, email, password, role, is_active, token_version, created_at, updated_at) values ${rows.map(() => "(?, ?, ?, ?, 'support_agent', 1, 0, utc_timestamp(), utc_timestamp())").join(', ')}`,
        rows.flatMap((i) => [tenantId, `Bench Agent ${i}`, `bench${i}@acme.test`, hash]),
      );
    }
    const tokens = new AccessTokens({ secret: config.JWT_SECRET, issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE, ttlSeconds: config.ACCESS_TOKEN_TTL_SECONDS });
    const rows = await exec("select id, role, token_version from users where tenant_id = ? and email like 'bench%@acme.test' order by id", [tenantId]);
    const users: BenchUser[] = [];
    for (const r of rows) users.push({ id: Number(r.id), token: await tokens.sign({ sub: String(r.id), tid: Number(tenantId), role: r.role, ver: Number(r.token_version) }) });
    const [admin] = await exec("select id, role, token_version from users where email = 'admin@acme.test'");
    const [target] = await exec("select id from users where email = 'viewer@acme.test'");
    const adminToken = await tokens.sign({ sub: String(admin.id), tid: Number(tenantId), role: admin.role, ver: Number(admin.token_version) });
    const prefix = `t:${db.name}`;
    return {
      name: db.name, url: db.url, prefix, tenantId: Number(tenantId), adminToken, targetUserId: Number(target.id), users,
      async drop() {
        await deleteKeys(prefix);
        await db.drop();
      },
    };
  } catch (err) {
    await db.drop().catch(() => undefined);
    throw err;
  }
}

/** Deletes every Redis key under `prefix` (bounded). */
export async function deleteKeys(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    let rounds = 0;
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (keys.length) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0' && ++rounds < 100_000);
  } finally {
    redis.disconnect();
  }
}

/** The environment of a project node (bench/node.ts, BENCH_MODE=project) on this database. */
export function projectEnv(db: BenchDb, extra: Record<string, string | number> = {}): Record<string, string | number> {
  return {
    BENCH_MODE: 'project', ROLE: 'web', PORT: 0, NODE_ENV: 'test', LOG_LEVEL: 'warn', SERVE_CLIENT: 'false',
    DATABASE_URL: db.url, REDIS_URL, REDIS_PREFIX: db.prefix, ...extra,
  };
}

/** The environment of a bare Socket.IO node (BENCH_MODE=bare) with its own Redis key. */
export function bareEnv(prefix: string): Record<string, string | number> {
  return { BENCH_MODE: 'bare', PORT: 0, NODE_ENV: 'test', REDIS_URL, REDIS_PREFIX: prefix };
}

export function startBenchNode(name: string, env: Record<string, string | number>): Promise<NodeProcess> {
  // BENCH_NODE_ARGS: V8 flags given to every server alike (e.g. `--min-semi-space-size=16 --max-semi-space-size=16`
  // pins the young generation, the one part of RSS V8 resizes on its own between readings).
  const extra = (process.env.BENCH_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
  return startNode({ name, env, entry: 'bench/node.ts', ipc: true, nodeArgs: ['--expose-gc', ...extra], readyTimeoutMs: 60_000 });
}

export interface MemoryReport {
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
  /** V8's young generation (both semi-spaces): its resident pages at the regular reading. */
  newSpace: number;
  /** Everything V8's heap statistics count as resident (total_physical_size) at the regular reading. */
  v8Resident: number;
  /** Resident bytes by kind of mapping (malloc's main arena, anonymous, file-backed, stacks) at the regular reading. */
  regions: Record<string, number>;
  /** After V8's last-resort GC (every page compacted, spare pages released), read after the regular figures. */
  compacted: { rss: number; heapUsed: number; heapTotal: number };
  sockets: number;
  cpuMicros: number;
  at: number;
}

export function memoryOf(node: NodeProcess): Promise<MemoryReport> {
  return node.request<MemoryReport>({ type: 'memory' }, 60_000);
}

/** Share of one core the node used over `ms` of wall time (0.5 = half a core). */
export async function cpuShare(node: NodeProcess, ms: number): Promise<number> {
  const a = await node.request<{ cpuMicros: number; at: number }>({ type: 'cpu' });
  await sleep(ms);
  const b = await node.request<{ cpuMicros: number; at: number }>({ type: 'cpu' });
  return (b.cpuMicros - a.cpuMicros) / 1000 / (b.at - a.at);
}

export interface Connected {
  sockets: Socket[];
  failures: number;
  firstError?: string;
  stoppedByDeadline: boolean;
  seconds: number;
}

/**
 * Opens up to `count` socket.io-client connections (websocket only, no
 * reconnection), `concurrency` handshakes in flight, until `deadlineMs`.
 * A connection counts once `readyEvent` arrives ('session:ready' for the
 * project, i.e. authenticated and set up; 'connect' for a bare server).
 */
export async function connectMany(opts: {
  count: number;
  url: (i: number) => string;
  token: (i: number) => string | undefined;
  readyEvent: 'session:ready' | 'connect';
  concurrency: number;
  deadlineMs: number;
  setup?: (socket: Socket, i: number) => void;
  progress?: (n: number) => void;
}): Promise<Connected> {
  const started = performance.now();
  const sockets: Socket[] = [];
  let failures = 0;
  let firstError: string | undefined;
  let next = 0;
  let stoppedByDeadline = false;
  const open = (i: number) =>
    new Promise<Socket | null>((resolve) => {
      const token = opts.token(i);
      const s = io(opts.url(i), { transports: ['websocket'], reconnection: false, forceNew: true, timeout: 30_000, auth: token ? { token } : {} });
      opts.setup?.(s, i);
      const timer = setTimeout(() => finish(null, 'no ready event within 30 s'), 30_000);
      const finish = (ok: Socket | null, err?: string) => {
        clearTimeout(timer);
        s.off(opts.readyEvent as 'connect');
        s.off('connect_error');
        if (!ok) {
          s.close();
          firstError ??= err;
        }
        resolve(ok);
      };
      s.once(opts.readyEvent as 'connect', () => finish(s));
      s.once('connect_error', (e: Error) => finish(null, e.message));
    });
  await Promise.all(
    Array.from({ length: opts.concurrency }, async () => {
      while (next < opts.count) {
        if (performance.now() - started > opts.deadlineMs) {
          stoppedByDeadline = true;
          return;
        }
        const i = next++;
        const s = await open(i);
        if (s) {
          sockets.push(s);
          if (sockets.length % 1000 === 0) opts.progress?.(sockets.length);
        } else failures++;
      }
    }),
  );
  return { sockets, failures, firstError, stoppedByDeadline, seconds: (performance.now() - started) / 1000 };
}

export async function closeAll(sockets: Socket[]): Promise<void> {
  for (const s of sockets) s.close();
  await new Promise((r) => setTimeout(r, 200));
}

/** The soft and hard open-file limits of this process (children inherit them). */
export function fileLimits(): { soft: number; hard: number } {
  const read = (flag: string) => {
    const v = execFileSync('sh', ['-c', `ulimit ${flag} -n`], { encoding: 'utf8' }).trim();
    return v === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(v);
  };
  return { soft: read('-S'), hard: read('-H') };
}

/** Raises this process's soft open-file limit towards `want` (up to the hard limit) with prlimit; returns the new soft limit. */
export function raiseFileLimit(want: number): number {
  const { soft, hard } = fileLimits();
  if (soft >= want) return soft;
  const target = Math.min(want, hard);
  try {
    execFileSync('prlimit', [`--pid=${process.pid}`, `--nofile=${target}:${hard}`]);
  } catch {
    return soft;
  }
  return fileLimits().soft;
}

export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
