import { randomBytes } from 'node:crypto';
import os from 'node:os';
import mysql from 'mysql2/promise';
import { Redis } from 'ioredis';
import { MikroORM, DefaultLogger, type LoggerOptions, type LogContext } from '@mikro-orm/mariadb';
import { loadConfig } from '../server/config.ts';
import { ormOptions } from '../server/db/orm.ts';
import { createSystem } from '../server/app.ts';
import { createLogger } from '../server/logger.ts';
import { AccessTokens } from '../server/auth/tokens.ts';
import { encodeCursor } from '../server/http/pagination.ts';
import { Api } from '../test/helpers/api.ts';
import { ensureLeadData, BENCH_PASSWORD, type BenchData } from './generate-leads.ts';
import { percentile, fmt } from './lib.ts';

/**
 * The lead pipeline on a tenant with 1,000,000 leads (bench/generate-leads.ts):
 * the board, a column page, a search by phone and "my follow-ups", each through
 * the real HTTP route (JWT, tenant-filtered ORM fork, zod, JSON), sequentially,
 * with varied inputs; next to a baseline that sends the very SQL the request
 * sent (captured from the ORM's onQuery hook, auth query included, the board's
 * parallel column queries still in parallel) straight through mysql2: the ratio
 * is the framework's overhead. Project and baseline alternate request by request
 * so both see the same machine. Then, for context, what the board's counts would cost
 * counted live (they are read from the per-status counters the writes keep), and two
 * operations outside the goal (a phone typed in national format, one agent's board).
 * Last, the plan (ANALYZE: estimated and real rows) of every statement, with whether
 * `leads` is read through a tenant-first index.
 *
 *   npx tsx -e "import('./bench/leads-1m.ts').then((m) => m.run()).then(() => process.exit(0))"
 *
 * BENCH_REQUESTS (default 300) requests per operation; BENCH_EXTRA_REQUESTS (30) for the
 * operations outside the goal; BENCH_EXTRAS=0 skips those and the live count; BENCH_ONLY="column|board,"
 * measures only the operations whose name contains one of the |-separated texts.
 */

const GOAL_P99_MS = 20;
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

interface Stmt { sql: string; stage: number }
interface Captured { stmts: Stmt[] }
interface Input { label: string; path: string; token: string; check?: (body: any) => string | null }
interface Op { name: string; route: string; inputs: Input[] }

/** Records every statement the ORM sends, and which ones were in flight together. */
class SqlCapture {
  on = false;
  private inflight = 0;
  private stage = 0;
  stmts: Stmt[] = [];
  platform?: { formatQuery(sql: string, params: readonly unknown[]): string };

  start() {
    this.stmts = [];
    this.stage = 0;
    this.inflight = 0;
    this.on = true;
  }
  stop(): Captured {
    this.on = false;
    return { stmts: this.stmts };
  }
  /** onQuery: called before the statement is sent. */
  began(sql: string, params: readonly unknown[]) {
    if (!this.on) return;
    if (this.inflight === 0) this.stage++;
    this.inflight++;
    this.stmts.push({ sql: this.platform!.formatQuery(sql, params), stage: this.stage });
  }
  /** logQuery: called when it returned. */
  ended() {
    if (this.on && this.inflight > 0) this.inflight--;
  }
}

function captureLogger(capture: SqlCapture) {
  return (options: LoggerOptions) =>
    new (class extends DefaultLogger {
      override logQuery(context: { query: string } & LogContext) {
        if (context.took !== undefined) capture.ended();
        super.logQuery(context);
      }
    })(options);
}

/** The captured statements replayed through mysql2: each stage after the previous, a stage's statements together. */
async function replay(pool: mysql.Pool, c: Captured): Promise<void> {
  const stages = new Map<number, string[]>();
  for (const s of c.stmts) stages.set(s.stage, [...(stages.get(s.stage) ?? []), s.sql]);
  for (const sqls of stages.values()) await Promise.all(sqls.map((q) => pool.query(q)));
}

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { p50: percentile(s, 50), p99: percentile(s, 99), max: s[s.length - 1], n: s.length };
};

function pick<T>(xs: T[], i: number): T {
  return xs[i % xs.length];
}

/** A deterministic shuffle, so a run's inputs are the same on every run. */
function shuffled<T>(xs: T[], seed = 1): T[] {
  const a = [...xs];
  let s = seed >>> 0;
  for (let i = a.length - 1; i > 0; i--) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    const j = s % (i + 1);
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

/** "+14155550123" → "+1 415-555-0123" / "(415) 555-0123". */
const international = (e164: string) => `+1 ${e164.slice(2, 5)}-${e164.slice(5, 8)}-${e164.slice(8)}`;
const national = (e164: string) => `(${e164.slice(2, 5)}) ${e164.slice(5, 8)}-${e164.slice(8)}`;

async function buildOps(data: BenchData, pool: mysql.Pool, tokens: string[], api: Api, n: number): Promise<{ ops: Op[]; extra: Op[] }> {
  const t = data.tenantId;
  const token = (i: number) => pick(tokens, i);

  // Board: the whole pipeline, as different agents.
  const board: Op = {
    name: 'board', route: 'GET /api/v1/leads/board',
    inputs: Array.from({ length: n }, (_, i) => ({
      label: `agent ${(i % tokens.length) + 1}`, path: '/api/v1/leads/board', token: token(i),
      check: (b) => (b.columns?.length === 8 && b.columns.every((c: any) => c.cards.length === 20) ? null : 'expected 8 columns of 20 cards'),
    })),
  };

  // Column page: every status; a third first pages, the rest from a cursor somewhere in the column.
  const column: Op = {
    name: 'column page', route: 'GET /api/v1/leads/board/:statusId?limit=20[&cursor]',
    inputs: Array.from({ length: n }, (_, i) => {
      const s = pick(data.statuses, i);
      const deep = i % 3 !== 0;
      const cursorId = 1 + ((i * 7919 * 104729) % data.leads);
      return {
        label: `${s.name}${deep ? ' @cursor' : ''}`, token: token(i),
        path: `/api/v1/leads/board/${s.id}?limit=20${deep ? `&cursor=${encodeCursor({ id: cursorId })}` : ''}`,
        check: (b) => (Array.isArray(b.data) && b.data.every((l: any) => l.statusId === s.id && (!deep || l.id < cursorId)) ? null : 'wrong column rows'),
      };
    }),
  };

  // Search by phone: real numbers of the tenant (E.164 or typed "+1 415-555-0123"), numbers nobody has, numbers only Side Co has.
  const [hits] = await pool.query<any[]>(
    `select phone from leads where tenant_id = ? and id in (${Array.from({ length: n }, (_, i) => 1 + ((i + 1) * 2654435761) % data.leads).join(',')}) and phone is not null`, [t]);
  const hitPhones: string[] = hits.map((h) => h.phone);
  const phoneInputs: Input[] = [];
  for (let i = 0; i < n; i++) {
    const kind = i % 10; // 0-4 hit E.164, 5-6 hit international, 7-8 nobody's, 9 Side Co's only
    let q: string; let expect: 'hit' | 'miss'; let label: string;
    if (kind <= 4) { q = pick(hitPhones, i); expect = 'hit'; label = 'hit, E.164'; }
    else if (kind <= 6) { q = international(pick(hitPhones, i)); expect = 'hit'; label = 'hit, +1 415-555-0123'; }
    else if (kind <= 8) { q = data.missingPhone(i); expect = 'miss'; label = 'miss, nobody\'s'; }
    else { q = data.sideOnlyPhone(i); expect = 'miss'; label = 'miss, other tenant\'s'; }
    phoneInputs.push({
      label, token: token(i), path: `/api/v1/leads?q=${encodeURIComponent(q)}`,
      check: (b) => (expect === 'hit' ? (b.data?.length >= 1 ? null : `no lead for ${q}`) : (b.data?.length === 0 ? null : `unexpected lead for ${q}`)),
    });
  }
  const search: Op = { name: 'search by phone', route: 'GET /api/v1/leads?q=<phone>', inputs: shuffled(phoneInputs) };

  // My follow-ups: every agent; a third of the requests ask for the second page (the cursor the first page gave),
  // a sixth include the overdue ones.
  const second = new Map<number, string | null>();
  for (let a = 0; a < tokens.length; a++) {
    const res = await api.as(tokens[a]).get('/api/v1/leads/my-followups');
    second.set(a, res.body.nextCursor ?? null);
  }
  const followups: Op = {
    name: 'my follow-ups', route: 'GET /api/v1/leads/my-followups[?cursor|includeOverdue]',
    inputs: Array.from({ length: n }, (_, i) => {
      const a = i % tokens.length;
      const cursor = i % 3 === 2 ? second.get(a) : null;
      const overdue = !cursor && i % 6 === 1;
      const since = overdue ? 0 : Date.now() - 60_000;
      return {
        label: cursor ? 'page 2' : overdue ? 'includeOverdue' : 'page 1', token: tokens[a],
        path: `/api/v1/leads/my-followups${cursor ? `?cursor=${cursor}` : overdue ? '?includeOverdue=true' : ''}`,
        check: (b) => (b.data?.length === 50 && b.data.every((l: any) => l.assignedToId === data.agents[a].id && l.nextFollowupAt && Date.parse(l.nextFollowupAt) >= since)
          ? null : 'expected 50 follow-ups of the agent'),
      };
    }),
  };

  // Not in the goal, measured to show where they stand: a phone typed in national format, and one agent's board.
  const few = Math.min(n, Number(process.env.BENCH_EXTRA_REQUESTS ?? 30));
  const nationalSearch: Op = {
    name: 'search, national format', route: 'GET /api/v1/leads?q=(415) 555-0123',
    inputs: Array.from({ length: few }, (_, i) => ({
      label: i % 2 ? 'hit' : 'miss', token: token(i),
      path: `/api/v1/leads?q=${encodeURIComponent(national(i % 2 ? pick(hitPhones, i) : data.missingPhone(i)))}`,
      check: (b) => (i % 2 ? (b.data?.length >= 1 ? null : 'no lead') : (b.data?.length === 0 ? null : 'unexpected lead')),
    })),
  };
  const agentBoard: Op = {
    name: 'board, one agent', route: 'GET /api/v1/leads/board?assignedToId=',
    inputs: Array.from({ length: few }, (_, i) => ({ label: `agent ${(i % tokens.length) + 1}`, token: token(i), path: `/api/v1/leads/board?assignedToId=${data.agents[(i * 7) % tokens.length].id}` })),
  };
  return { ops: [column, search, followups, board], extra: [nationalSearch, agentBoard] };
}

interface OpResult {
  op: Op;
  project: ReturnType<typeof stats>;
  baseline: ReturnType<typeof stats>;
  errors: string[];
  sample: Captured;
  statements: number;
  projectTimes: number[];
  /** 1-minute load average when the operation started. */
  load?: number;
}

async function measure(op: Op, base: string, capture: SqlCapture, pool: mysql.Pool): Promise<OpResult> {
  const send = async (inp: Input) => {
    const res = await fetch(base + inp.path, { headers: { authorization: `Bearer ${inp.token}` } });
    const body = await res.json();
    return { status: res.status, body };
  };
  // Warm-up pass over every input: captures each request's SQL and checks its answer.
  const captured: Captured[] = [];
  const errors: string[] = [];
  for (const inp of op.inputs) {
    capture.start();
    const { status, body } = await send(inp);
    captured.push(capture.stop());
    if (status !== 200) errors.push(`${inp.label}: HTTP ${status} ${JSON.stringify(body).slice(0, 200)}`);
    else if (inp.check) {
      const e = inp.check(body);
      if (e) errors.push(`${inp.label}: ${e}`);
    }
  }
  for (const c of captured) await replay(pool, c);
  // Measured pass: project and baseline alternate, request by request.
  const p: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < op.inputs.length; i++) {
    let t = performance.now();
    const { status } = await send(op.inputs[i]);
    p.push(performance.now() - t);
    if (status !== 200) errors.push(`${op.inputs[i].label}: HTTP ${status}`);
    t = performance.now();
    await replay(pool, captured[i]);
    b.push(performance.now() - t);
  }
  const sample = captured.find((c) => c.stmts.length) ?? { stmts: [] };
  return { op, project: stats(p), baseline: stats(b), errors, sample, statements: sample.stmts.length, projectTimes: p };
}

const shortSql = (sql: string, max = 420) => (sql.length > max ? `${sql.slice(0, max)}…` : sql);

/** ANALYZE (real rows) of each statement of a sample request; returns whether `leads` is always read through a tenant-first index. */
async function plans(pool: mysql.Pool, name: string, c: Captured): Promise<{ keys: string[]; tenantFirst: boolean }> {
  const keys: string[] = [];
  let tenantFirst = true;
  const seen = new Set<string>();
  console.log(`\n  ${name}: ${c.stmts.length} statements (${new Set(c.stmts.map((s) => s.stage)).size} round-trip stages)`);
  for (const [i, s] of c.stmts.entries()) {
    const shape = s.sql.replace(/\d+/g, 'N');
    if (seen.has(shape)) continue; // the board's 8 column queries differ only by their status id
    seen.add(shape);
    const same = c.stmts.filter((x) => x.sql.replace(/\d+/g, 'N') === shape).length;
    console.log(`  [${i + 1}] ${same > 1 ? `(×${same}) ` : ''}${shortSql(s.sql)}`);
    const [rows] = await pool.query<any[]>(`analyze ${s.sql}`);
    // Which alias is `leads`: "from `leads` as `l0`" in the ORM's SQL, "from leads l" in the plain-SQL reads.
    const aliases = new Map<string, string>([...s.sql.matchAll(/(?:from|join)\s+`?(\w+)`?(?:\s+as)?\s+`?(\w+)`?/gi)].map((m) => [m[2], m[1]]));
    for (const r of rows) {
      console.log(`      ${String(r.table).padEnd(8)} ${String(r.type).padEnd(11)} key=${String(r.key).padEnd(30)} rows=${String(r.rows).padEnd(8)} r_rows=${String(r.r_rows).padEnd(9)} ${r.Extra ?? ''}`);
      if ((aliases.get(r.table) ?? r.table) === 'leads') {
        const key = String(r.key);
        keys.push(`${key}${r.type === 'index_merge' ? ' (index merge)' : ''}`);
        if (!key.split(',').every((k) => k.startsWith('leads_tenant_') && k !== 'leads_tenant_id_index')) tenantFirst = false;
      }
    }
  }
  return { keys: [...new Set(keys)], tenantFirst };
}

export async function run(): Promise<void> {
  const n = Number(process.env.BENCH_REQUESTS ?? 300);
  const data = await ensureLeadData();
  const capture = new SqlCapture();
  const orm = await MikroORM.init({
    ...ormOptions(data.url),
    onQuery: (sql: string, params: readonly unknown[]) => {
      capture.began(sql, params);
      return sql;
    },
    loggerFactory: captureLogger(capture),
  });
  capture.platform = orm.em.getPlatform();
  const prefix = `bench:leads1m:${randomBytes(3).toString('hex')}`;
  const config = loadConfig({ LOG_LEVEL: 'warn', REDIS_URL, SERVE_CLIENT: 'false' }, { DATABASE_URL: data.url, ROLE: 'web' });
  const sys = await createSystem({ config, logger: createLogger('warn'), orm, redisPrefix: prefix });
  const port = await sys.listen(0);
  const base = `http://127.0.0.1:${port}`;
  const u = new URL(data.url);
  const pool = mysql.createPool({ host: u.hostname, port: Number(u.port || 3306), user: u.username || 'root', database: data.dbName, connectionLimit: 10, timezone: 'Z' });
  pool.on('connection', (c) => c.query("set time_zone = '+00:00'"));
  try {
    // One agent signs in over HTTP (argon2 and all); the others get tokens minted with the system's own secret.
    const api = new Api(base);
    const first = await api.login(data.agents[0].email, BENCH_PASSWORD);
    const minter = new AccessTokens({ secret: config.JWT_SECRET, issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE, ttlSeconds: 3600 });
    const tokens = [first.accessToken, ...(await Promise.all(data.agents.slice(1).map((a) => minter.sign({ sub: String(a.id), tid: data.tenantId, role: 'sales_agent', ver: a.tokenVersion }))))];

    const { ops, extra } = await buildOps(data, pool, tokens, api, n);
    const loadBefore = os.loadavg()[0];
    const results: OpResult[] = [];
    const only = (process.env.BENCH_ONLY ?? '').split('|').map((x) => x.trim()).filter(Boolean);
    const wanted = (op: Op) => !only.length || only.some((w) => op.name.includes(w));
    const measured = async (op: Op) => {
      if (!wanted(op)) return;
      const t = performance.now();
      const load = os.loadavg()[0];
      const r = await measure(op, base, capture, pool);
      r.load = load;
      results.push(r);
      console.log(`[leads-1m] ${op.name}: ${op.inputs.length} inputs measured in ${((performance.now() - t) / 1000).toFixed(1)} s`);
      return r;
    };
    for (const op of ops) await measured(op);

    // For context: what the board's counts cost counted live (the board reads the per-status counters instead).
    const withExtras = process.env.BENCH_EXTRAS !== '0';
    const counting: number[] = [];
    if (withExtras) {
      for (let i = 0; i < 20; i++) {
        const t = performance.now();
        await pool.query('select lead_status_id s, count(*) n from leads where tenant_id = ? group by lead_status_id', [data.tenantId]);
        counting.push(performance.now() - t);
      }
      // The counters agree with the leads (nothing else writes to this database during the run).
      const [live] = await pool.query<any[]>('select lead_status_id s, count(*) n from leads where tenant_id = ? group by lead_status_id', [data.tenantId]);
      const [kept] = await pool.query<any[]>('select lead_status_id s, n from lead_status_counts where tenant_id = ?', [data.tenantId]);
      const off = live.filter((l) => Number(kept.find((k) => Number(k.s) === Number(l.s))?.n ?? -1) !== Number(l.n));
      console.log(`[leads-1m] counters ${off.length ? `DIFFER from the leads for ${off.length} status(es)` : 'equal the live counts for every status'}`);
      for (const op of extra) await measured(op);
    }

    console.log(`\nLead pipeline, tenant of ${data.leads.toLocaleString('en-US')} leads, ${data.agents.length} agents, 8 statuses (${data.dbName}); sequential requests, project and baseline alternating`);
    console.log('baseline = the same SQL statements the request sent (auth query included), replayed through a bare mysql2 pool');
    console.log(`${os.cpus().length} × ${os.cpus()[0]?.model.trim()}, ${Math.round(os.totalmem() / 2 ** 30)} GiB; 1-min load average ${fmt(loadBefore, 2)} before, ${fmt(os.loadavg()[0], 2)} after\n`);
    const head = ['operation', 'n', 'load', 'project p50', 'project p99', 'baseline p50', 'baseline p99', 'ratio p50', 'ratio p99', `p99 ≤ ${GOAL_P99_MS} ms`];
    const rows = results.map((r) => [
      r.op.name + (extra.includes(r.op) ? ' *' : ''), String(r.project.n), fmt(r.load ?? NaN, 2), `${fmt(r.project.p50)} ms`, `${fmt(r.project.p99)} ms`, `${fmt(r.baseline.p50)} ms`, `${fmt(r.baseline.p99)} ms`,
      `${fmt(r.project.p50 / r.baseline.p50, 2)}x`, `${fmt(r.project.p99 / r.baseline.p99, 2)}x`,
      !ops.includes(r.op) ? '(not in goal)' : r.project.p99 <= GOAL_P99_MS ? 'met' : 'MISSED',
    ]);
    const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const line = (cells: string[]) => `  ${cells.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join('  ')}`;
    console.log(line(head));
    for (const r of rows) console.log(line(r));
    if (results.some((r) => extra.includes(r.op))) console.log('  * measured for context, not part of the issue\'s goal');
    console.log('  load = 1-minute load average when the operation started (2 vCPUs: above ~1, something else was running)');
    if (counting.length) console.log(`  board counts come from lead_status_counts; counting the tenant's leads live instead takes p50 ${fmt(stats(counting).p50)} / p99 ${fmt(stats(counting).p99)} ms`);
    for (const r of results) {
      const groups = new Map<string, number[]>();
      r.op.inputs.forEach((inp, i) => {
        const k = inp.label.replace(/agent \d+/, 'agent').replace(/^(New|Contacted|Qualified|Demo|Proposal|Negotiation|Won|Lost)/, 'column');
        groups.set(k, [...(groups.get(k) ?? []), r.projectTimes[i]]);
      });
      if (groups.size > 1) console.log(`  ${r.op.name}: ${[...groups].map(([k, xs]) => `${k} p50 ${fmt(stats(xs).p50)} / p99 ${fmt(stats(xs).p99)} ms (${xs.length})`).join('; ')}`);
    }
    for (const r of results) if (r.errors.length) console.log(`  ${r.op.name}: ${r.errors.length} wrong answers, e.g. ${r.errors.slice(0, 3).join(' | ')}`);

    console.log('\nPlans (ANALYZE of one request of each operation: rows = estimate, r_rows = read):');
    for (const r of results) {
      const p = await plans(pool, `${r.op.name} — ${r.op.route}`, r.sample);
      console.log(`  → ${r.op.name}: leads read through ${p.keys.join(', ') || '-'}; tenant-first: ${p.tenantFirst ? 'yes' : 'NO'}`);
    }
  } finally {
    await pool.end();
    await sys.close();
    await orm.close(true);
    // The system's Redis keys (its queue's included, written until it closed), with a client of our own.
    const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
    try {
      await redis.connect();
      const keys: string[] = [];
      let cursor = '0';
      do {
        const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
        keys.push(...batch);
        cursor = next;
      } while (cursor !== '0');
      if (keys.length) await redis.del(...keys);
    } catch {
      // Redis gone: nothing to clean
    } finally {
      redis.disconnect();
    }
  }
}
