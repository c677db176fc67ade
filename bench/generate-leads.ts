/**
 * Test data for the lead-pipeline benchmark (bench/leads-1m.ts): a database
 * `bench_leads`, migrated with the project's migrations, holding
 *
 * - "Bench Co" (US): 50 sales agents, 8 statuses (New is the default, Won and Lost
 *   are closed) and 1,000,000 leads;
 * - "Side Co" (US), a second small tenant (5 agents, its own 8 statuses, 20,000
 *   leads, half of them sharing a phone number with a Bench Co lead, the other half
 *   with numbers Bench Co does not have), so a query that forgets the tenant shows.
 *
 * The leads are spread like a real pipeline: skewed over the statuses (New 28%,
 * Contacted 20%, Qualified 12%, Demo 7%, Proposal 6%, Negotiation 4%, Won 9%,
 * Lost 14%), ~70% assigned over the agents (a few agents hold more than others),
 * ~30% with a next_followup_at within ±30 days of the load (open leads only; every
 * Proposal lead has one), unique E.164 phone numbers over 16 real US area codes (3%
 * of the leads have none),
 * names, companies, emails, sources, scores and values; Bench Co's lead n has id n
 * (Side Co's come after), and created_at grows with the id over the last ~2 years.
 *
 * Loading: the leads are written by `INSERT … SELECT` from MariaDB's sequence
 * engine (seq_1_to_N), 100,000 rows per statement, every pseudo-random column
 * taken from sha2(seq) and md5(seq), so the data is the same on every run. The
 * secondary indexes and foreign keys of `leads` are dropped for the load and re-created afterwards
 * from the very definitions the migration created (read back from SHOW CREATE
 * TABLE), in one ALTER that builds them by sorting; the table definition is then
 * compared with the one before the load, so the benchmark runs on exactly the
 * migrated schema. The per-status lead counters (`lead_status_counts`, which the
 * application keeps in every write) are then set from the loaded leads in one
 * statement (nothing else writes to this database meanwhile). ANALYZE TABLE last.
 *
 * A database that already holds the data (same tenant, agent, status and lead
 * counts) is reused, with its counters checked against the leads (and recounted if
 * they differ); `--force` (or `ensureLeadData({ force: true })`) rebuilds it.
 *
 *   npx tsx bench/generate-leads.ts [--force]
 */
import { pathToFileURL } from 'node:url';
import mysql from 'mysql2/promise';
import { MikroORM } from '@mikro-orm/mariadb';
import { ormOptions } from '../server/db/orm.ts';
import { Tenant } from '../server/tenancy/tenant.entity.ts';
import { User } from '../server/tenancy/user.entity.ts';
import { LeadStatus } from '../server/crm/lead-status.entity.ts';
import { seedDefaultPermissions } from '../server/tenancy/permissions.service.ts';
import { hashPassword } from '../server/auth/passwords.ts';
import { recountLeadsSql } from '../server/crm/lead-counts.ts';

export const BENCH_DB = process.env.BENCH_LEADS_DB ?? 'bench_leads';
export const BENCH_PASSWORD = 'bench-password';
export const LEADS = Number(process.env.BENCH_LEADS ?? 1_000_000);
export const AGENTS = 50;
const SIDE_LEADS = 20_000;
const SIDE_AGENTS = 5;
const CHUNK = 100_000; // the hashed rows of a chunk stay in an in-memory temporary table

/** The pipeline: name, flags and share of the leads. */
export const BENCH_STATUSES = [
  { name: 'New', color: '#3B82F6', isDefault: true, share: 0.28 },
  { name: 'Contacted', color: '#06B6D4', share: 0.2 },
  { name: 'Qualified', color: '#8B5CF6', share: 0.12 },
  { name: 'Demo', color: '#6366F1', share: 0.07 },
  { name: 'Proposal', color: '#F59E0B', requiresFollowupDate: true, share: 0.06 },
  { name: 'Negotiation', color: '#EC4899', requiresNote: true, share: 0.04 },
  { name: 'Won', color: '#10B981', isClosed: true, isWon: true, share: 0.09 },
  { name: 'Lost', color: '#EF4444', isClosed: true, isLost: true, requiresNote: true, share: 0.14 },
] as const;

const AREA_CODES = ['201', '202', '212', '213', '305', '312', '404', '415', '512', '617', '646', '702', '713', '718', '818', '917'];
const FIRST = ['Olivia', 'Liam', 'Emma', 'Noah', 'Ava', 'Mateo', 'Sophia', 'Lucas', 'Mia', 'Ethan', 'Isabella', 'Aiden', 'Amara', 'Kenji', 'Priya', 'Diego', 'Fatima', 'Hugo', 'Ingrid', 'Jonas',
  'Chloe', 'Omar', 'Grace', 'Ravi', 'Lena', 'Marco', 'Nora', 'Samir', 'Yuki', 'Zara', 'Felix', 'Hana', 'Ivan', 'Julia', 'Kofi', 'Layla', 'Milo', 'Nadia', 'Oscar', 'Paula'];
const LAST = ['Nguyen', 'Garcia', 'Smith', 'Okafor', 'Rossi', 'Kowalski', 'Haddad', 'Tanaka', 'Silva', 'Muller', 'Dubois', 'Patel', 'Johansson', 'Kim', 'Ortiz', 'Brown', 'Cohen', 'Diaz', 'Evans', 'Fischer',
  'Gomez', 'Hughes', 'Ito', 'Jensen', 'Khan', 'Lopez', 'Mensah', 'Novak', 'OBrien', 'Park', 'Quinn', 'Reyes', 'Sato', 'Turner', 'Ueda', 'Varga', 'Walsh', 'Xu', 'Young', 'Zimmer'];
const COMPANY_A = ['Northwind', 'Initech', 'Umbrella', 'Stark', 'Wayne', 'Hooli', 'Vandelay', 'Soylent', 'Wonka', 'Pied Piper', 'Globex', 'Acme', 'Cyberdyne', 'Tyrell', 'Oscorp', 'Aperture',
  'Massive', 'Gringotts', 'Monarch', 'Nakatomi', 'Prestige', 'Sirius', 'Virtucon', 'Wernham', 'Zorin'];
const COMPANY_B = ['Traders', 'Logistics', 'Health', 'Labs', 'Foods', 'Retail', 'Media', 'Energy', 'Partners', 'Group', 'Systems', 'Holdings'];
const DOMAINS = ['example.com', 'example.net', 'example.org', 'mail.example.com', 'corp.example.net'];
const SOURCES = ['Website', 'Referral', 'Trade show', 'Cold call', 'WhatsApp', 'Partner'];

export interface BenchData {
  dbName: string;
  url: string;
  tenantId: number;
  otherTenantId: number;
  agents: { id: number; email: string; tokenVersion: number }[];
  statuses: { id: number; name: string; isClosed: boolean; isDefault: boolean }[];
  leads: number;
  /** E.164 numbers no lead has, and numbers only Side Co's leads have. */
  missingPhone(i: number): string;
  sideOnlyPhone(i: number): string;
  reused: boolean;
}

// ------------------------------------------------------------ phone numbers

/** Index k (0 ≤ k < 128e6) → a unique US E.164 number; k = seq·48271 mod 128e6 is a bijection (48271 is odd and not a multiple of 5). */
const PHONE_SPACE = 128_000_000;
const PHONE_MUL = 48271;
function phoneFromIndex(k: number): string {
  const area = AREA_CODES[k % 16];
  const exchange = 200 + (Math.floor(k / 16) % 800);
  const line = Math.floor(k / 12_800);
  return `+1${area}${exchange}${String(line).padStart(4, '0')}`;
}
function phoneIndex(n: number): number {
  return Number((BigInt(n) * BigInt(PHONE_MUL)) % BigInt(PHONE_SPACE));
}
/** The same mapping in SQL, for the column `phone` of the n-th number. */
function phoneSql(n: string): string {
  const k = `((${n}) * ${PHONE_MUL} mod ${PHONE_SPACE})`;
  return `concat('+1', elt(1 + ${k} mod 16, ${AREA_CODES.map((a) => `'${a}'`).join(', ')}), 200 + floor(${k} / 16) mod 800, lpad(floor(${k} / 12800), 4, '0'))`;
}
// Bench Co lead seq has number n = seq; Side Co: even seq share Bench Co's number seq, odd ones get 2,000,000 + seq;
// numbers 3,000,000 + i belong to nobody.
const sideOnlyPhone = (i: number) => phoneFromIndex(phoneIndex(2_000_000 + 2 * (i % (SIDE_LEADS / 2)) + 1));
const missingPhone = (i: number) => phoneFromIndex(phoneIndex(3_000_000 + i));

// ------------------------------------------------------------ SQL helpers

const list = (xs: readonly (string | number)[]) => xs.map((x) => (typeof x === 'number' ? String(x) : `'${x.replace(/'/g, "''")}'`)).join(', ');
/**
 * Uniform in [0, 1), the i-th (0..19) independent value of row s: a 32-bit slice of s.h, the 80 bytes
 * sha2(seq, 512) ‖ md5(seq) computed once per row (the derived table `s` is materialised: it has a LIMIT).
 */
const r = (i: number) => `(conv(hex(substr(s.h, ${i * 4 + 1}, 4)), 16, 10) / 4294967296)`;
const hashed = (first: number, last: number) =>
  `(select seq, unhex(concat(sha2(seq, 512), md5(seq))) as h from seq_${first}_to_${last} limit ${last - first + 1}) s`;
const pickOf = (xs: readonly (string | number)[], rnd: string) => `elt(1 + floor(${rnd} * ${xs.length}), ${list(xs)})`;

function statusCase(statuses: { id: number }[], rnd: string): string {
  let acc = 0;
  const whens = BENCH_STATUSES.slice(0, -1).map((s, i) => {
    acc += s.share;
    return `when ${rnd} < ${acc.toFixed(4)} then ${statuses[i].id}`;
  });
  return `case ${whens.join(' ')} else ${statuses[statuses.length - 1].id} end`;
}

/** INSERT … SELECT of leads seq first..last of one tenant; `phoneN` is the SQL of the number index of row s.seq. */
function leadsInsert(o: {
  tenantId: number; statuses: { id: number; isClosed: boolean; name: string }[]; agents: number[]; first: number; last: number; total: number; phoneN: string; idBase: number;
}): string {
  const open = o.statuses.filter((s) => !s.isClosed).map((s) => s.id);
  const proposal = o.statuses.find((s) => s.name === 'Proposal')!.id;
  const first = pickOf(FIRST, r(1));
  const last = pickOf(LAST, r(2));
  // Agents: pow(r, 1.4) makes the first agents hold more leads than the last ones (about 2.8x from first to last).
  const agent = (rnd: string) => `elt(1 + floor(pow(${rnd}, 1.4) * ${o.agents.length}), ${list(o.agents)})`;
  return `insert into leads (id, tenant_id, lead_status_id, assigned_to_user_id, created_by_user_id, name, company_name, email, phone, source, score,
      estimated_value, last_contacted_at, next_followup_at, version, created_at, updated_at)
    select ${o.idBase} + seq, ${o.tenantId}, st, assigned, creator, name, company, email, phone, source, score, value, contacted,
      case when st in (${open.join(', ')}) and (st = ${proposal} or fr < 0.36) then ts + interval (floor(fo * 5184000) - 2592000) second end,
      1, created, least(ts, created + interval floor(ur * 2592000) second)
    from (
      select s.seq as seq, utc_timestamp() as ts,
        ${statusCase(o.statuses, r(0))} as st,
        case when ${r(3)} < 0.70 then ${agent(r(4))} end as assigned,
        ${agent(r(5))} as creator,
        concat(${first}, ' ', ${last}) as name,
        case when ${r(6)} < 0.80 then concat(${pickOf(COMPANY_A, r(7))}, ' ', ${pickOf(COMPANY_B, r(8))}) end as company,
        lower(concat(${first}, '.', ${last}, s.seq, '@', ${pickOf(DOMAINS, r(9))})) as email,
        case when ${r(10)} < 0.97 then ${phoneSql(o.phoneN)} end as phone,
        ${pickOf(SOURCES, r(11))} as source,
        elt(1 + (${r(12)} < 0.8) + (${r(12)} < 0.4), 'hot', 'warm', 'cold') as score,
        case when ${r(13)} < 0.85 then round(500 + ${r(14)} * 49500, 2) end as value,
        case when ${r(15)} < 0.6 then utc_timestamp() - interval floor(${r(16)} * 5184000) second end as contacted,
        ${r(17)} as fr, ${r(18)} as fo, ${r(19)} as ur,
        utc_timestamp() - interval (${o.total} - s.seq) * 60 second as created
      from ${hashed(o.first, o.last)}
    ) g`;
}

// ------------------------------------------------------------ the generator

export function benchUrl(): string {
  const u = new URL(process.env.DATABASE_URL ?? 'mysql://root@127.0.0.1:3306/test');
  u.pathname = `/${BENCH_DB}`;
  return u.toString();
}

const log = (msg: string) => console.log(`[generate-leads] ${msg}`);
const secs = (t: number) => `${((performance.now() - t) / 1000).toFixed(1)} s`;

async function describe(conn: mysql.Connection, reused: boolean): Promise<BenchData | null> {
  const [tenants] = await conn.query<any[]>("select id, name from tenants where name in ('Bench Co', 'Side Co')");
  const bench = tenants.find((t) => t.name === 'Bench Co');
  const side = tenants.find((t) => t.name === 'Side Co');
  if (!bench || !side) return null;
  const [agents] = await conn.query<any[]>("select id, email, token_version from users where tenant_id = ? and role = 'sales_agent' order by id", [bench.id]);
  const [statuses] = await conn.query<any[]>('select id, name, is_closed, is_default from lead_statuses where tenant_id = ? order by sort_order, id', [bench.id]);
  const [[{ n }]] = await conn.query<any[]>('select count(*) n from leads where tenant_id = ?', [bench.id]);
  const [[{ m }]] = await conn.query<any[]>('select count(*) m from leads where tenant_id = ?', [side.id]);
  if (agents.length !== AGENTS || statuses.length !== BENCH_STATUSES.length || Number(n) !== LEADS || Number(m) !== SIDE_LEADS) return null;
  await checkCounters(conn);
  return {
    dbName: BENCH_DB, url: benchUrl(), tenantId: Number(bench.id), otherTenantId: Number(side.id),
    agents: agents.map((a) => ({ id: Number(a.id), email: a.email, tokenVersion: Number(a.token_version) })),
    statuses: statuses.map((s) => ({ id: Number(s.id), name: s.name, isClosed: !!s.is_closed, isDefault: !!s.is_default })),
    leads: LEADS, missingPhone, sideOnlyPhone, reused,
  };
}

/** Sets the per-status lead counters from the leads (one statement, in its own transaction). */
async function fillCounters(conn: mysql.Connection) {
  const { sql, params } = recountLeadsSql();
  await conn.query(sql, params);
}

/** The counters must equal the live counts (a database loaded before they existed got them from the migration's backfill). */
async function checkCounters(conn: mysql.Connection) {
  const [off] = await conn.query<any[]>(
    `select s.id from lead_statuses s left join lead_status_counts c on c.tenant_id = s.tenant_id and c.lead_status_id = s.id
      where coalesce(c.n, -1) <> (select count(*) from leads l where l.tenant_id = s.tenant_id and l.lead_status_id = s.id)`);
  if (!off.length) return;
  log(`the lead counters of ${off.length} status(es) differ from the leads: recounting`);
  await fillCounters(conn);
}

async function connect(database?: string) {
  const u = new URL(benchUrl());
  return mysql.createConnection({
    host: u.hostname, port: Number(u.port || 3306), user: decodeURIComponent(u.username || 'root'), password: decodeURIComponent(u.password) || undefined,
    database, timezone: 'Z', supportBigNumbers: true, multipleStatements: false,
  });
}

/** Creates the tenants, permissions, users and statuses through the ORM (the entities' defaults apply). */
async function createOrgs(orm: MikroORM, hash: string) {
  const out: { tenantId: number; agents: number[]; statuses: { id: number; name: string; isClosed: boolean }[] }[] = [];
  for (const spec of [{ name: 'Bench Co', slug: 'bench', agents: AGENTS }, { name: 'Side Co', slug: 'side', agents: SIDE_AGENTS }]) {
    const em = orm.em.fork();
    const tenant = em.create(Tenant, { name: spec.name, timezone: 'America/New_York', defaultCountry: 'US', status: 'active' } as never);
    await em.flush();
    const tenantId = tenant.id as number;
    em.setFilterParams('tenant', { tenantId });
    await seedDefaultPermissions(em, tenantId);
    em.create(User, { tenant: tenantId, email: `admin@${spec.slug}.test`, name: `${spec.name} Admin`, role: 'tenant_admin', password: hash, isActive: true } as never);
    em.create(User, { tenant: tenantId, email: `supervisor@${spec.slug}.test`, name: `${spec.name} Supervisor`, role: 'supervisor', password: hash, isActive: true } as never);
    const agents = Array.from({ length: spec.agents }, (_, i) =>
      em.create(User, { tenant: tenantId, email: `agent${String(i + 1).padStart(2, '0')}@${spec.slug}.test`, name: `${FIRST[i % FIRST.length]} ${LAST[(i * 7) % LAST.length]}`, role: 'sales_agent', password: hash, isActive: true } as never));
    const statuses = BENCH_STATUSES.map(({ share: _share, ...s }, i) => em.create(LeadStatus, { tenant: tenantId, sortOrder: i, ...s } as never));
    await em.flush();
    out.push({
      tenantId,
      agents: agents.map((a: any) => a.id as number),
      statuses: statuses.map((s: any) => ({ id: s.id as number, name: s.name as string, isClosed: !!s.isClosed })),
    });
  }
  return out;
}

const normalise = (ddl: string) => ddl.replace(/ AUTO_INCREMENT=\d+/, '');

export async function ensureLeadData(opts: { force?: boolean } = {}): Promise<BenchData> {
  const t0 = performance.now();
  const admin = await connect();
  try {
    const [dbs] = await admin.query<any[]>('select schema_name from information_schema.schemata where schema_name = ?', [BENCH_DB]);
    if (dbs.length && !opts.force) {
      await admin.changeUser({ database: BENCH_DB });
      // Pending migrations (an index added since the load) are applied to the existing data.
      const orm = await MikroORM.init({ ...ormOptions(benchUrl()), allowGlobalContext: false });
      try {
        await orm.migrator.up();
      } finally {
        await orm.close(true);
      }
      const have = await describe(admin, true);
      if (have) {
        log(`reusing ${BENCH_DB}: ${have.leads.toLocaleString('en-US')} leads in Bench Co (checked in ${secs(t0)})`);
        return have;
      }
      log(`${BENCH_DB} exists but does not hold the expected data: rebuilding it`);
    }
    await admin.query(`drop database if exists \`${BENCH_DB}\``);

    let t = performance.now();
    const orm = await MikroORM.init({ ...ormOptions(benchUrl()), allowGlobalContext: false });
    let orgs;
    try {
      await orm.schema.ensureDatabase({ create: true });
      await orm.migrator.up();
      log(`created and migrated ${BENCH_DB} in ${secs(t)}`);
      t = performance.now();
      orgs = await createOrgs(orm, await hashPassword(BENCH_PASSWORD));
      log(`2 tenants, ${AGENTS + SIDE_AGENTS} agents (one shared argon2 hash), 2×8 statuses, permissions in ${secs(t)}`);
    } finally {
      await orm.close(true);
    }

    await admin.changeUser({ database: BENCH_DB });
    await admin.query("set session time_zone = '+00:00', foreign_key_checks = 0, unique_checks = 0");
    // The migrated definition of `leads`: its secondary indexes and foreign keys are re-created from it after the load.
    const [[{ 'Create Table': before }]] = await admin.query<any[]>('show create table leads');
    const keys = before.split('\n').map((l: string) => l.trim().replace(/,$/, '')).filter((l: string) => /^KEY /.test(l));
    const fks = before.split('\n').map((l: string) => l.trim().replace(/,$/, '')).filter((l: string) => /^CONSTRAINT .* FOREIGN KEY/.test(l));
    const keyNames = keys.map((k: string) => /^KEY `([^`]+)`/.exec(k)![1]);
    const fkNames = fks.map((k: string) => /^CONSTRAINT `([^`]+)`/.exec(k)![1]);
    t = performance.now();
    await admin.query(`alter table leads ${[...fkNames.map((n: string) => `drop foreign key \`${n}\``), ...keyNames.map((n: string) => `drop key \`${n}\``)].join(', ')}`);

    const [bench, side] = orgs;
    const tLoad = performance.now();
    for (let first = 1; first <= LEADS; first += CHUNK) {
      const last = Math.min(LEADS, first + CHUNK - 1);
      const tc = performance.now();
      await admin.query(leadsInsert({ tenantId: bench.tenantId, statuses: bench.statuses, agents: bench.agents, first, last, total: LEADS, phoneN: 's.seq', idBase: 0 }));
      log(`  Bench Co leads ${first.toLocaleString('en-US')}–${last.toLocaleString('en-US')} in ${secs(tc)}`);
    }
    await admin.query(leadsInsert({ tenantId: side.tenantId, statuses: side.statuses, agents: side.agents, first: 1, last: SIDE_LEADS, total: SIDE_LEADS, phoneN: 'if(s.seq % 2 = 0, s.seq, 2000000 + s.seq)', idBase: LEADS }));
    log(`inserted ${(LEADS + SIDE_LEADS).toLocaleString('en-US')} leads in ${secs(tLoad)}`);

    t = performance.now();
    await admin.query(`alter table leads ${[...keys.map((k: string) => `add ${k}`), ...fks.map((k: string) => `add ${k}`)].join(', ')}`);
    log(`re-created ${keys.length} secondary indexes and ${fks.length} foreign keys in ${secs(t)}`);
    const [[{ 'Create Table': after }]] = await admin.query<any[]>('show create table leads');
    if (normalise(after) !== normalise(before)) throw new Error(`leads' definition differs from the migrated one after the load:\n${before}\n---\n${after}`);

    t = performance.now();
    await fillCounters(admin);
    log(`per-status lead counters set from the leads in ${secs(t)}`);

    t = performance.now();
    await admin.query('analyze table leads, lead_statuses, lead_status_counts, users, tenants, permissions');
    log(`ANALYZE TABLE in ${secs(t)}`);
    const data = await describe(admin, false);
    if (!data) throw new Error('the generated data does not have the expected shape');
    log(`done in ${secs(t0)} total`);
    return data;
  } finally {
    await admin.end();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const data = await ensureLeadData({ force: process.argv.includes('--force') });
  const c = await connect(BENCH_DB);
  const [rows] = await c.query<any[]>(
    `select s.name, s.is_closed, count(*) n, sum(l.assigned_to_user_id is not null) assigned, sum(l.next_followup_at is not null) followups
       from leads l join lead_statuses s on s.id = l.lead_status_id where l.tenant_id = ? group by s.id order by s.sort_order`, [data.tenantId]);
  console.table(rows.map((x) => ({ status: x.name, closed: !!x.is_closed, leads: Number(x.n), assigned: Number(x.assigned), followups: Number(x.followups) })));
  const [[sz]] = await c.query<any[]>("select round(data_length / 1048576) data_mib, round(index_length / 1048576) index_mib from information_schema.tables where table_schema = ? and table_name = 'leads'", [BENCH_DB]);
  log(`leads table: ${sz.data_mib} MiB data, ${sz.index_mib} MiB indexes`);
  await c.end();
  process.exit(0);
}
