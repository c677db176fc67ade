import querystring from 'node:querystring';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ZodType } from 'zod';
import { startSeeded, sql } from '../helpers/seeded.ts';
import type { TestSystem } from '../helpers/system.ts';
import type { Api, ApiResponse } from '../helpers/api.ts';
import type { RouteSpec } from '../../server/http/route.ts';

/**
 * Every route in `sys.routes`, walked generically, gets a barrage of bad input
 * as the demo tenant_admin (so permission checks pass and validation is what
 * answers): malformed JSON, an oversized body, the wrong content type, wrongly
 * typed and unknown fields, injection-shaped strings in every string field,
 * query parameter and path parameter, and ids that are not ids.
 *
 * Every request is first judged locally with the route's own zod schemas,
 * exactly as the server will parse it:
 * - input the schemas refuse must get 400 (413 for the size limit) naming the
 *   field at fault, and the handler must not run;
 * - input the schemas accept is sent too: on GET routes and on login/refresh
 *   (which write only attempt records) inside the barrage, and on every other
 *   route afterwards (phase two), because there it is a legitimate write.
 *
 * The database is checksummed before and after the barrage. Excluded, because
 * they legitimately record attempts: authentication_events (every failed
 * login/refresh) and rate_limit_violations (the login limiter trips during the
 * barrage). audit_logs is INCLUDED: the only successful login happens before
 * the first checksum and no barrage request may reach a handler that audits.
 */

const EXCLUDED_TABLES = new Set(['authentication_events', 'rate_limit_violations']);
/** Public routes whose handler may run during the barrage: they write only the excluded tables. */
const ATTEMPT_ROUTES = new Set(['post /auth/login', 'post /auth/refresh']);
const CONCURRENCY = 8;

const INJECTIONS = ["' OR 1=1 --", '<script>alert(1)</script>', '${7*7}', '../../etc/passwd', 'a'.repeat(10 * 1024), '\u0000'];
const NOT_IDS = ['abc', '1.5', '-1', '0', '1e3', '0x10', '99999999999999999999', 'NaN', 'Infinity', '1 OR 1=1', '1;DROP TABLE users'];
const WRONG_TYPES: unknown[] = [12345, -1, 1.5, true, [], ['x'], { nested: { a: 1 } }, null, 'a-string'];
const UNKNOWN_FIELD = 'unexpectedField';

type Part = 'params' | 'query' | 'body';
interface Req {
  route: RouteSpec;
  label: string;
  params: Record<string, string>;
  qs: string;
  /** A JSON value to send, or a raw string (then `parsed` is what JSON.parse makes of it, if anything). */
  body?: unknown;
  raw?: string;
  contentType?: string;
  /** What the request targets, to check the error names it. */
  target?: { part: Part; field?: string };
  /** Set by the generator when the outcome does not depend on the schemas. */
  expect?: { status: number; codes: string[] };
}
interface Judged extends Req {
  valid: boolean;
  failingPart?: Part | 'unexpected_body';
}

let sys: TestSystem;
let api: Api;
let admin: Api;
let apiKeyAuth: Api;
let adminUserId: number;
let tenantId: number;
const realIds: Record<string, number> = {};

const key = (r: RouteSpec) => `${r.method} ${r.path}`;

// ---- zod introspection (zod v4) --------------------------------------------------------------

function shapeOf(schema: ZodType | undefined): Record<string, ZodType> | undefined {
  const shape = (schema as unknown as { shape?: Record<string, ZodType> } | undefined)?.shape;
  return shape && typeof shape === 'object' ? shape : undefined;
}
function def(s: ZodType): any {
  return (s as any)._zod.def;
}
function unwrap(s: ZodType): ZodType {
  let cur = s;
  while (['optional', 'default', 'nullable', 'prefault', 'readonly'].includes(def(cur).type)) cur = def(cur).innerType;
  return cur;
}
const isRequired = (s: ZodType) => !s.safeParse(undefined).success;

let seq = 0;
/** A value the field schema accepts: generated, so each call gives fresh emails and names. */
function sample(s: ZodType): unknown {
  const inner = unwrap(s);
  const t = def(inner).type;
  if (t === 'enum') {
    const opts = (inner as any).options as string[];
    return opts[opts.length - 1];
  }
  if (t === 'array') {
    const el = sample(def(inner).element);
    return el === undefined ? [] : [el];
  }
  const n = ++seq;
  const candidates: unknown[] = [
    `Sample Name ${n}`, `sample${n}@example.test`, `sample-secret-${n}-${'x'.repeat(30)}`, 'UTC', 'US', '2031-01-01T00:00:00Z', 1, true, 'x',
    // A fresh UUID (e.g. a call's consoleCallId).
    `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    `wss://sample${n}.example.test/ws`,
  ];
  return candidates.find((c) => s.safeParse(c).success);
}
/** Accepts a string (directly or as array items)? */
function stringish(s: ZodType): 'string' | 'array' | null {
  const inner = unwrap(s);
  const t = def(inner).type;
  if (t === 'array') return stringish(def(inner).element) ? 'array' : null;
  if (t === 'string' || t === 'enum' || t === 'pipe' || t === 'literal') return 'string';
  return null;
}

/** Required fields with valid samples, plus optional ones until the whole object is valid. */
function baseObject(schema: ZodType | undefined, stringsOnly = false): Record<string, unknown> {
  const shape = shapeOf(schema);
  if (!schema || !shape) return {};
  const out: Record<string, unknown> = {};
  const conv = (v: unknown) => (stringsOnly ? String(v) : v);
  for (const [f, s] of Object.entries(shape)) if (isRequired(s)) out[f] = conv(sample(s));
  for (const [f, s] of Object.entries(shape)) {
    if (schema.safeParse(out).success) break;
    if (!(f in out)) out[f] = conv(sample(s));
  }
  return out;
}

// ---- request generation -----------------------------------------------------------------------

function realParams(route: RouteSpec): Record<string, string> {
  const out: Record<string, string> = {};
  const shape = shapeOf(route.params) ?? {};
  const segs = route.path.split('/');
  for (const [i, seg] of segs.entries()) {
    if (!seg.startsWith(':')) continue;
    const name = seg.slice(1);
    if (name === 'id') out.id = String(realIds[segs[i - 1]] ?? 1);
    else out[name] = String(shape[name] ? sample(shape[name]) : 'x');
  }
  return out;
}

function generate(route: RouteSpec): Req[] {
  const reqs: Req[] = [];
  const P = realParams(route);
  const Q = () => querystring.stringify(baseObject(route.query, true) as Record<string, string>);
  const B = () => (route.body ? baseObject(route.body) : undefined);
  const takesBody = route.method !== 'get';
  const add = (r: Omit<Req, 'route'>) => reqs.push({ route, ...r });

  if (takesBody) {
    add({ label: 'malformed JSON', params: P, qs: Q(), raw: '{"a":', expect: { status: 400, codes: ['malformed_json'] } });
    add({ label: 'malformed JSON (trailing comma)', params: P, qs: Q(), raw: '{"a":1,}', expect: { status: 400, codes: ['malformed_json'] } });
    add({ label: 'JSON null', params: P, qs: Q(), raw: 'null', expect: { status: 400, codes: ['malformed_json'] } });
    add({ label: 'JSON string', params: P, qs: Q(), raw: '"text"', expect: { status: 400, codes: ['malformed_json'] } });
    add({ label: 'JSON number', params: P, qs: Q(), raw: '42', expect: { status: 400, codes: ['malformed_json'] } });
    add({ label: 'JSON array', params: P, qs: Q(), raw: '[1,2]', expect: { status: 400, codes: ['validation_failed', 'unexpected_body'] } });
    add({ label: 'oversized body', params: P, qs: Q(), raw: JSON.stringify({ name: 'x'.repeat(300 * 1024) }), expect: { status: 413, codes: ['payload_too_large'] } });
    add({ label: 'text/plain body', params: P, qs: Q(), raw: 'name=x', contentType: 'text/plain', expect: { status: 400, codes: ['unsupported_media_type'] } });
    add({ label: 'form body', params: P, qs: Q(), raw: 'name=x', contentType: 'application/x-www-form-urlencoded', expect: { status: 400, codes: ['unsupported_media_type'] } });
    if (!route.body) add({ label: 'body on a route without one', params: P, qs: Q(), body: { [UNKNOWN_FIELD]: 1 } });
  }

  const bodyShape = shapeOf(route.body);
  if (route.body && bodyShape) {
    add({ label: 'unknown field', params: P, qs: Q(), body: { ...B(), [UNKNOWN_FIELD]: 'x' }, target: { part: 'body', field: UNKNOWN_FIELD } });
    const base = JSON.stringify(B());
    add({ label: '__proto__ field', params: P, qs: Q(), raw: base.replace(/^\{/, base === '{}' ? '{"__proto__":{"role":"tenant_admin"}' : '{"__proto__":{"role":"tenant_admin"},'), target: { part: 'body', field: '__proto__' } });
    add({ label: 'constructor field', params: P, qs: Q(), body: { ...B(), constructor: { prototype: { polluted: true } } }, target: { part: 'body', field: 'constructor' } });
    for (const [field, s] of Object.entries(bodyShape)) {
      for (const wrong of WRONG_TYPES) add({ label: `body.${field} = ${JSON.stringify(wrong)}`, params: P, qs: Q(), body: { ...B(), [field]: wrong }, target: { part: 'body', field } });
      const kind = stringish(s);
      if (kind) {
        for (const inj of INJECTIONS) {
          add({ label: `body.${field} injection ${JSON.stringify(inj.slice(0, 20))}`, params: P, qs: Q(), body: { ...B(), [field]: kind === 'array' ? [inj] : inj }, target: { part: 'body', field } });
        }
      }
    }
  }

  const queryShape = shapeOf(route.query);
  const fields = queryShape ? Object.keys(queryShape) : ['q'];
  for (const field of fields) {
    const base = () => baseObject(route.query, true) as Record<string, string>;
    for (const inj of INJECTIONS) add({ label: `query.${field} injection ${JSON.stringify(inj.slice(0, 20))}`, params: P, qs: querystring.stringify({ ...base(), [field]: inj }), body: B(), target: queryShape ? { part: 'query', field } : undefined });
    add({ label: `query.${field} twice`, params: P, qs: `${querystring.stringify(base())}&${field}=1&${field}=2`, body: B(), target: queryShape ? { part: 'query', field } : undefined });
    add({ label: `query.${field}[a]`, params: P, qs: `${querystring.stringify(base())}&${encodeURIComponent(`${field}[a]`)}=1`, body: B() });
  }
  if (queryShape) add({ label: 'unknown query parameter', params: P, qs: `${Q()}&${UNKNOWN_FIELD}=1`, body: B(), target: { part: 'query', field: UNKNOWN_FIELD } });
  if (queryShape?.cursor) {
    const forged = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    for (const c of [forged({ id: "1) OR (1=1" }), forged({ id: 1e20 }), forged({ id: -5 }), forged([1]), 'not-base64-json']) {
      add({ label: `forged cursor ${c}`, params: P, qs: querystring.stringify({ cursor: c }), body: B(), expect: { status: 400, codes: ['validation_failed'] }, target: { part: 'query', field: 'cursor' } });
    }
  }

  for (const name of Object.keys(P)) {
    for (const v of [...INJECTIONS, ...NOT_IDS]) add({ label: `params.${name} = ${JSON.stringify(v.slice(0, 20))}`, params: { ...P, [name]: v }, qs: Q(), body: B(), target: { part: 'params', field: name } });
  }
  return reqs;
}

function judge(r: Req): Judged {
  if (r.expect) return { ...r, valid: false };
  let body: unknown = r.body;
  if (r.raw !== undefined) body = JSON.parse(r.raw);
  const route = r.route;
  if (route.params && !route.params.safeParse(r.params).success) return { ...r, valid: false, failingPart: 'params' };
  if (route.query && !route.query.safeParse({ ...querystring.parse(r.qs) }).success) return { ...r, valid: false, failingPart: 'query' };
  if (route.body && !route.body.safeParse(body ?? {}).success) return { ...r, valid: false, failingPart: 'body' };
  if (!route.body && body !== undefined && Object.keys(body as object).length > 0) return { ...r, valid: false, failingPart: 'unexpected_body' };
  return { ...r, valid: true };
}

function urlOf(r: Req): string {
  let path = r.route.absolute ? r.route.path : `/api/v1${r.route.path}`;
  for (const [k, v] of Object.entries(r.params)) path = path.replace(`:${k}`, encodeURIComponent(v));
  return r.qs ? `${path}?${r.qs}` : path;
}

async function send(r: Req): Promise<ApiResponse> {
  const client = r.route.auth.kind === 'apiKey' ? apiKeyAuth : admin;
  const method = r.route.method.toUpperCase();
  const headers: Record<string, string> = r.contentType ? { 'content-type': r.contentType } : {};
  if (method === 'GET') return client.request(method, urlOf(r), undefined, { headers });
  return client.request(method, urlOf(r), r.raw === undefined ? r.body : undefined, { raw: r.raw, headers });
}

async function pool<T, R>(items: T[], n: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]);
      }
    }),
  );
  return out;
}

/** Problems with one answer, as readable lines (empty when it is right). */
function check(r: Judged, res: ApiResponse): string[] {
  const where = `${r.route.method.toUpperCase()} ${r.route.path} [${r.label}] → ${res.status}`;
  const problems: string[] = [];
  if (res.status >= 500) problems.push(`${where}: server error ${JSON.stringify(res.body).slice(0, 300)}`);
  if (res.status >= 400) {
    const e = res.body?.error;
    if (!e || typeof e.code !== 'string' || typeof e.message !== 'string') problems.push(`${where}: error body is not { error: { code, message } }: ${JSON.stringify(res.body).slice(0, 200)}`);
  }
  if (r.expect) {
    if (res.status !== r.expect.status || !r.expect.codes.includes(res.body?.error?.code)) problems.push(`${where}: expected ${r.expect.status} ${r.expect.codes.join('|')}, got ${res.status} ${res.body?.error?.code}`);
  } else if (!r.valid) {
    const code = r.failingPart === 'unexpected_body' ? 'unexpected_body' : 'validation_failed';
    if (res.status !== 400 || res.body?.error?.code !== code) problems.push(`${where}: expected 400 ${code}, got ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
  }
  if (res.body?.error?.code === 'validation_failed') {
    const details = res.body.error.details;
    if (!Array.isArray(details) || details.length === 0) problems.push(`${where}: validation_failed without details`);
    else {
      const bad = details.filter((d: any) => typeof d?.path !== 'string' || typeof d?.message !== 'string' || !/^(body|query|params)(\.|$)/.test(d.path));
      if (bad.length) problems.push(`${where}: details without a body./query./params. path: ${JSON.stringify(bad)}`);
      const t = r.target;
      if (t?.field && !r.valid && r.failingPart === t.part) {
        const want = `${t.part}.${t.field}`;
        if (!details.some((d: any) => d.path === want || String(d.path).startsWith(`${want}.`))) problems.push(`${where}: details do not name ${want}: ${JSON.stringify(details)}`);
      }
    }
  }
  return problems;
}

// ---- database fingerprint ---------------------------------------------------------------------

/**
 * Per table: its row count and a checksum of its rows. CHECKSUM TABLE for a table without generated columns; for one
 * with them (lead_statuses' virtual `default_key`) the sum of each row's CRC32 over its stored columns. Twice (about
 * 1 run in 10, with other test files in parallel) CHECKSUM TABLE gave lead_statuses a new checksum after the
 * barrage; the run that also dumped the rows before and after found them identical. The virtual column is the
 * likely cause (not reproduced in isolation). A sum over the stored columns still changes with any real write.
 */
async function fingerprint(): Promise<Record<string, string>> {
  const tables = (await sql<{ t: string }>(sys, "select TABLE_NAME t from information_schema.TABLES where TABLE_SCHEMA = database() and TABLE_TYPE = 'BASE TABLE' order by TABLE_NAME"))
    .map((r) => r.t)
    .filter((t) => !EXCLUDED_TABLES.has(t));
  const columns = await sql<{ t: string; c: string; generated: number | string }>(sys,
    "select TABLE_NAME t, COLUMN_NAME c, (EXTRA like '%GENERATED%') generated from information_schema.COLUMNS where TABLE_SCHEMA = database() order by TABLE_NAME, ORDINAL_POSITION");
  const withGenerated = new Set(columns.filter((c) => Number(c.generated)).map((c) => c.t));
  const plain = tables.filter((t) => !withGenerated.has(t));
  const sums = plain.length ? await sql<{ Table: string; Checksum: number | string | null }>(sys, `checksum table ${plain.map((t) => `\`${t}\``).join(', ')}`) : [];
  const out: Record<string, string> = {};
  for (const t of tables) {
    const [c] = await sql<{ n: number }>(sys, `select count(*) n from \`${t}\``);
    let sum: unknown;
    if (withGenerated.has(t)) {
      const stored = columns.filter((col) => col.t === t && !Number(col.generated)).map((col) => `coalesce(\`${col.c}\`, '<null>')`);
      const [row] = await sql<{ s: number | string | null }>(sys, `select coalesce(sum(crc32(concat_ws('|', ${stored.join(', ')}))), 0) s from \`${t}\``);
      sum = row.s;
    } else {
      sum = sums.find((x) => x.Table.split('.').pop() === t)?.Checksum;
    }
    out[t] = `${c.n}:${sum}`;
  }
  return out;
}

// ---- the tests ---------------------------------------------------------------------------------

let judged: Judged[] = [];

beforeAll(async () => {
  ({ sys, api } = await startSeeded('badinput'));
  const login = await api.login('admin@acme.test');
  admin = login.api;
  adminUserId = login.user.id;
  tenantId = login.user.tenantId;
  // Real rows of this tenant for the :id of each resource: never the caller themselves.
  const [viewer] = await sql(sys, "select id from users where email = 'viewer@acme.test'");
  realIds.users = Number(viewer.id);
  const inv = await admin.post('/api/v1/invitations', { email: 'invitee@example.test', role: 'read_only' });
  expect(inv.status).toBe(201);
  realIds.invitations = inv.body.id;
  const target = await admin.post('/api/v1/api-keys', { name: 'barrage target', scopes: ['read'] });
  expect(target.status).toBe(201);
  realIds['api-keys'] = target.body.id;
  const auth = await admin.post('/api/v1/api-keys', { name: 'barrage caller', scopes: ['pbx', 'read', 'write'] });
  expect(auth.status).toBe(201);
  apiKeyAuth = api.as(auth.body.key);
  // API key authentication writes last_used_at at most once a minute: use it now, not during the barrage.
  await sql(sys, 'update api_keys set last_used_at = utc_timestamp() where tenant_id = ?', [tenantId]);

  judged = sys.routes.flatMap(generate).map(judge);
});

afterAll(async () => {
  await sys?.stop();
});

describe('bad input on every route', () => {
  it('walks every route of the system', () => {
    expect(sys.routes.length).toBeGreaterThanOrEqual(20);
    const covered = new Set(judged.map((r) => key(r.route)));
    expect(sys.routes.map(key).filter((k) => !covered.has(k))).toEqual([]);
    expect(covered).toContain('post /auth/login');
    // Every route with a body gets the oversized body and the malformed JSON.
    for (const r of sys.routes.filter((x) => x.method !== 'get')) {
      expect(judged.some((j) => j.route === r && j.label === 'oversized body'), key(r)).toBe(true);
      expect(judged.some((j) => j.route === r && j.label === 'malformed JSON'), key(r)).toBe(true);
    }
  });

  it('never answers 5xx, always answers errors as { error: { code, message } }, names the field, and leaves the database unchanged', async () => {
    const barrage = judged.filter((r) => !r.valid || r.route.method === 'get' || ATTEMPT_ROUTES.has(key(r.route)));
    expect(barrage.length).toBeGreaterThan(500);
    expect(barrage.filter((r) => !r.valid).length).toBeGreaterThan(400);

    const before = await fingerprint();
    expect(Object.values(before).filter((v) => !/^\d+:\d+$/.test(v))).toEqual([]);
    const started = Date.now();
    const results = await pool(barrage, CONCURRENCY, async (r) => ({ r, res: await send(r) }));
    const elapsed = Date.now() - started;
    const after = await fingerprint();

    const problems = results.flatMap(({ r, res }) => check(r, res));
    if (problems.length) console.log(`${problems.length} problem(s):\n${problems.slice(0, 60).join('\n')}`);
    expect(problems).toEqual([]);

    const changed = Object.keys(before).filter((t) => before[t] !== after[t]).map((t) => `${t}: ${before[t]} → ${after[t]}`);
    expect(changed).toEqual([]);
    expect(Object.keys(after)).toEqual(Object.keys(before));
    expect(Object.keys(before)).toContain('audit_logs');

    // The 413 and malformed-JSON answers really happened on body routes.
    expect(results.filter(({ r, res }) => r.label === 'oversized body' && res.status === 413).length).toBe(sys.routes.filter((x) => x.method !== 'get').length);
    expect(results.filter(({ r, res }) => r.label === 'malformed JSON' && res.body?.error?.code === 'malformed_json').length).toBe(sys.routes.filter((x) => x.method !== 'get').length);
    console.log(`bad-input barrage: ${barrage.length} requests in ${elapsed} ms`);
    expect(elapsed).toBeLessThan(30_000);
  });

  it('treats injection strings as data in searches (no wildcard or SQL escapes)', async () => {
    for (const q of ["' OR 1=1 --", '%', '_', '\\', "admin%' OR '1'='1"]) {
      const res = await admin.get(`/api/v1/users?${querystring.stringify({ q })}`);
      expect(res.status, q).toBe(200);
      expect(res.body.data, q).toEqual([]);
    }
    const all = await admin.get('/api/v1/users?q=acme.test');
    expect(all.body.data.length).toBe(6);
    const audit = await admin.get(`/api/v1/audit-logs?${querystring.stringify({ action: "' OR 1=1 --" })}`);
    expect(audit.status).toBe(200);
    expect(audit.body.data).toEqual([]);
    const lookup = await api.get(`/api/v1/invitations/lookup?${querystring.stringify({ token: "' OR 1=1 -- padding padding" })}`);
    expect(lookup.status).toBe(404);
  });

  it('refuses a path with broken percent-encoding and an unknown route with a JSON 4xx', async () => {
    for (const path of ['/api/v1/users/%E0%A4%A', '/api/v1/users/%', '/api/v1/no-such-route', '/api/v1/users/1/no-such-thing']) {
      const res = await admin.get(path);
      expect(res.status, path).toBeGreaterThanOrEqual(400);
      expect(res.status, path).toBeLessThan(500);
      expect(typeof res.body?.error?.code, path).toBe('string');
    }
    const broken = await admin.request('POST', '/api/v1/no-such-route', undefined, { raw: '{"a":' });
    expect(broken.status).toBe(400);
    expect(broken.body.error.code).toBe('malformed_json');
  });

  it('phase two: input the schemas accept, injection strings included, is stored verbatim and never a 5xx', async () => {
    const phase2 = judged.filter((r) => r.valid && r.route.method !== 'get' && !ATTEMPT_ROUTES.has(key(r.route)));
    expect(phase2.length).toBeGreaterThan(10);
    const problems: string[] = [];
    let stored = 0;
    const before = await fingerprint();
    // One at a time: these are real writes, and the point here is the input, not races.
    for (const r of phase2) {
      const res = await send(r);
      problems.push(...check(r, res));
      const field = r.target?.part === 'body' ? r.target.field : undefined;
      if (field && res.status < 300 && typeof (r.body as any)?.[field] === 'string' && typeof res.body?.[field] === 'string') {
        stored++;
        if (res.body[field] !== (r.body as any)[field]) problems.push(`${r.route.method} ${r.route.path} [${r.label}]: stored ${JSON.stringify(res.body[field]).slice(0, 80)}`);
      }
    }
    if (problems.length) console.log(problems.slice(0, 40).join('\n'));
    expect(problems).toEqual([]);
    expect(stored).toBeGreaterThan(0);
    // These were writes, and the fingerprint sees them (so the barrage's unchanged fingerprint means something).
    const after = await fingerprint();
    expect(['users', 'tenants', 'audit_logs'].filter((t) => before[t] === after[t])).toEqual([]);
    // The SQL-shaped name went in as a name, byte for byte.
    const [row] = await sql(sys, 'select count(*) n from users where name = ? and tenant_id = ?', ["' OR 1=1 --", tenantId]);
    expect(Number(row.n)).toBeGreaterThanOrEqual(1);
    // And the admin is still themselves.
    const me = await admin.get('/api/v1/me');
    expect(me.status).toBe(200);
    expect(me.body.user.id).toBe(adminUserId);
  });
});
