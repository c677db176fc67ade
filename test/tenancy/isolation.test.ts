import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSeeded, sql } from '../helpers/seeded.ts';
import type { TestSystem } from '../helpers/system.ts';
import type { Api } from '../helpers/api.ts';
import type { RouteSpec } from '../../server/http/route.ts';
import { User } from '../../server/tenancy/user.entity.ts';
import { Lead } from '../../server/crm/lead.entity.ts';
import { ApiKey } from '../../server/tenancy/api-key.entity.ts';
import { Invitation } from '../../server/tenancy/invitation.entity.ts';
import { AuditLog } from '../../server/audit/audit-log.entity.ts';
import { allPages, tenantId, expectError } from './util.ts';

/**
 * One tenant can never see or touch another's rows: another tenant's id is a
 * 404 (never a 403, never the row) and the row stays as it was.
 */

let sys: TestSystem;
let api: Api;
let acme: Api;
let globex: Api;
let acmeId: number;
let globexId: number;

/** Rows Globex owns, made through Globex's own admin. */
const g = { user: {} as any, invitation: {} as any, apiKey: {} as any, reason: {} as any, lead: {} as any, status: {} as any, notification: {} as any, sipAgent: {} as any, disposition: {} as any, call: {} as any, contact: {} as any };

beforeAll(async () => {
  ({ sys, api } = await startSeeded('isolation'));
  [acmeId, globexId] = await Promise.all([tenantId(sys, 'Acme Support'), tenantId(sys, 'Globex Sales')]);
  const [a, gx] = await Promise.all([api.login('admin@acme.test'), api.login('admin@globex.test')]);
  acme = a.api;
  globex = gx.api;

  const u = await globex.post('/api/v1/users', { name: 'Greta Globexonly', email: 'greta.only@globex.test', role: 'supervisor', password: 'globex-secret-pw' });
  const i = await globex.post('/api/v1/invitations', { email: 'invitee.only@globex.test', role: 'sales_agent' });
  const k = await globex.post('/api/v1/api-keys', { name: 'Globex-only PBX key', scopes: ['pbx'] });
  const r = await globex.post('/api/v1/presence-reasons', { name: 'Globex-only lunch' });
  expect([u.status, i.status, k.status, r.status]).toEqual([201, 201, 201, 201]);
  g.reason = r.body;
  const st = await globex.post('/api/v1/lead-statuses', { name: 'Globex-only stage' });
  const ld = await globex.post('/api/v1/leads', { name: 'Globex-only lead', companyName: 'Globex Corp' });
  expect([st.status, ld.status]).toEqual([201, 201]);
  g.status = st.body;
  g.lead = ld.body;
  const [n] = await sql(sys, "insert into notifications (tenant_id, user_id, type, title, created_at) select tenant_id, id, 'test', 'Globex-only note', utc_timestamp() from users where email = 'admin@globex.test' returning id");
  g.notification = { id: Number(n.id) };
  // Telephony: Globex's seeded agent (SIP extension 2001) and a Globex-only disposition.
  const [sipAgent] = await sql(sys, "select u.id from users u join agent_sip_credentials c on c.user_id = u.id where u.email = 'agent1@globex.test'");
  g.sipAgent = { id: Number(sipAgent.id) };
  const disp = await globex.post('/api/v1/call-dispositions', { name: 'Globex-only outcome' });
  expect(disp.status).toBe(201);
  g.disposition = disp.body;
  // A Globex call, ended (so that only the tenant check can stop a close), reported by Globex's own console.
  const call = await globex.post('/api/v1/calls', { consoleCallId: '5f0c1e0a-94f4-4c3e-9d6a-0c1d2e3f4a5b', direction: 'outbound', fromNumber: '2001', toNumber: '+442079460958' });
  expect(call.status).toBe(201);
  expect((await globex.post(`/api/v1/calls/${call.body.id}/ended`, {})).status).toBe(200);
  g.call = call.body;
  const contact = await globex.post('/api/v1/contacts', { firstName: 'Globex-only', lastName: 'Contact', phone: '020 7946 0960' });
  expect(contact.status).toBe(201);
  g.contact = contact.body;
  g.user = u.body;
  g.invitation = i.body;
  g.apiKey = k.body;

  // Acme gets rows of each kind too, so that its lists are not trivially empty.
  expect((await acme.post('/api/v1/invitations', { email: 'invitee@acme.test', role: 'read_only' })).status).toBe(201);
  expect((await acme.post('/api/v1/api-keys', { name: 'Acme PBX', scopes: ['pbx'] })).status).toBe(201);
});
afterAll(async () => {
  await sys?.stop();
});

const globexRows = async () => ({
  user: (await sql(sys, 'select * from users where id = ?', [g.user.id]))[0],
  invitation: (await sql(sys, 'select * from invitations where id = ?', [g.invitation.id]))[0],
  apiKey: (await sql(sys, 'select * from api_keys where id = ?', [g.apiKey.id]))[0],
  reason: (await sql(sys, 'select * from presence_reasons where id = ?', [g.reason.id]))[0],
  lead: (await sql(sys, 'select * from leads where id = ?', [g.lead.id]))[0],
  status: (await sql(sys, 'select * from lead_statuses where id = ?', [g.status.id]))[0],
  notification: (await sql(sys, 'select * from notifications where id = ?', [g.notification.id]))[0],
  sipCredentials: (await sql(sys, 'select * from agent_sip_credentials where user_id = ?', [g.sipAgent.id]))[0],
  disposition: (await sql(sys, 'select * from call_dispositions where id = ?', [g.disposition.id]))[0],
  call: (await sql(sys, 'select * from calls where id = ?', [g.call.id]))[0],
  contact: (await sql(sys, 'select * from contacts where id = ?', [g.contact.id]))[0],
  pbxEvents: await sql(sys, 'select id, call_id from pbx_events where tenant_id = ? order by id', [globexId]),
  leadActivities: await sql(sys, 'select id from lead_activities where lead_id = ? order by id', [g.lead.id]),
  refreshTokens: await sql(sys, 'select id, revoked_at from refresh_tokens where user_id = ? order by id', [g.user.id]),
  audit: await sql(sys, 'select id from audit_logs where tenant_id = ? order by id', [globexId]),
});

/** Words of Globex's rows that must never show up in an answer to Acme. */
const globexSecrets = () => [g.user.email, g.user.name, g.invitation.email, g.apiKey.name, g.apiKey.prefix, g.reason.name, g.lead.name, g.status.name, g.disposition.name, g.contact.name, g.contact.phone, '2001', 'Globex', 'globex.test'];

/**
 * Per `:id` route, which Globex row to aim at and a body that passes
 * validation, so the request really reaches the tenant-scoped lookup.
 */
const TARGETS: Record<string, { row: () => any; body?: Record<string, unknown> }> = {
  'GET /users/:id': { row: () => g.user },
  'PATCH /users/:id': { row: () => g.user, body: { name: 'Hijacked', role: 'tenant_admin', isActive: false, password: 'hijacked-password' } },
  'POST /users/:id/deactivate': { row: () => g.user },
  'DELETE /invitations/:id': { row: () => g.invitation },
  'DELETE /api-keys/:id': { row: () => g.apiKey },
  'PATCH /presence-reasons/:id': { row: () => g.reason, body: { name: 'Hijacked reason', isActive: false } },
  'PATCH /lead-statuses/:id': { row: () => g.status, body: { name: 'Hijacked stage', isDefault: true } },
  'DELETE /lead-statuses/:id': { row: () => g.status },
  'GET /leads/:id': { row: () => g.lead },
  'PATCH /leads/:id': { row: () => g.lead, body: { name: 'Hijacked lead' } },
  'POST /leads/:id/assign': { row: () => g.lead, body: { userId: null } },
  'POST /leads/:id/move': { row: () => g.lead, body: { statusId: 1, version: 1 } },
  'DELETE /leads/:id': { row: () => g.lead },
  'GET /leads/:id/activities': { row: () => g.lead },
  'POST /leads/:id/notes': { row: () => g.lead, body: { note: 'Hijacked note' } },
  'POST /notifications/:id/read': { row: () => g.notification },
  'PUT /users/:id/sip-credentials': { row: () => g.sipAgent, body: { wsUrl: 'wss://hijack.example/ws', username: '6666', password: 'hijacked-sip-password', domain: 'hijack.example', autoRegister: false } },
  'DELETE /users/:id/sip-credentials': { row: () => g.sipAgent },
  'PATCH /call-dispositions/:id': { row: () => g.disposition, body: { name: 'Hijacked outcome', isDefault: true, requiresNote: true } },
  'DELETE /call-dispositions/:id': { row: () => g.disposition },
  'GET /calls/:id': { row: () => g.call },
  'GET /calls/:id/pbx-events': { row: () => g.call },
  'POST /calls/:id/answered': { row: () => g.call, body: { sipCallId: 'hijack@sip.test' } },
  'POST /calls/:id/ended': { row: () => g.call, body: {} },
  'POST /calls/:id/close': { row: () => g.call, body: { dispositionId: 1, notes: 'Hijacked wrap-up' } },
  'GET /contacts/:id': { row: () => g.contact },
  'PATCH /contacts/:id': { row: () => g.contact, body: { firstName: 'Hijacked', phone: '+12025550199' } },
};
const key = (r: RouteSpec) => `${r.method.toUpperCase()} ${r.path}`;

describe('another tenant\'s id', () => {
  it('is a real id: Globex\'s own admin sees its rows', async () => {
    const u = await globex.get(`/api/v1/users/${g.user.id}`);
    expect(u.status).toBe(200);
    expect(u.body).toMatchObject({ email: 'greta.only@globex.test', tenantId: globexId });
    expect((await allPages(globex, '/api/v1/invitations')).map((x) => x.id)).toContain(g.invitation.id);
    expect((await allPages(globex, '/api/v1/api-keys')).map((x) => x.id)).toContain(g.apiKey.id);
  });

  it('gets 404 on every :id route, the answer holds none of the row, and the row is unchanged', async () => {
    const idRoutes = sys.routes.filter((r) => r.auth.kind === 'user' && r.path.includes(':id'));
    expect(idRoutes.map(key).sort()).toEqual(expect.arrayContaining(Object.keys(TARGETS).sort()));
    const before = await globexRows();
    for (const r of idRoutes) {
      const target = TARGETS[key(r)];
      expect(target, `${key(r)} takes an id: add a Globex row for it to TARGETS so its isolation is tested`).toBeDefined();
      const url = `/api/v1${r.path.replace(':id', String(target.row().id))}`;
      const res = await acme.request(r.method.toUpperCase(), url, target.body);
      expectError(res, 404, 'not_found');
      const text = JSON.stringify(res.body);
      for (const s of globexSecrets()) expect(text, `${key(r)} leaked ${s}`).not.toContain(s);
    }
    // Nothing moved: not the rows, not their sessions, and no audit row was written.
    expect(await globexRows()).toEqual(before);
    expect(before.user).toMatchObject({ name: 'Greta Globexonly', role: 'supervisor', is_active: 1 });
    expect(before.invitation.revoked_at).toBeNull();
    expect(before.apiKey.revoked_at).toBeNull();
  });

  it('is a 404 exactly like an id that exists nowhere (no existence oracle)', async () => {
    const theirs = await acme.get(`/api/v1/users/${g.user.id}`);
    const nobody = await acme.get('/api/v1/users/987654321');
    expect(theirs.status).toBe(404);
    expect(theirs.body).toEqual(nobody.body);
  });

  it('works the other way round too: Globex cannot reach Acme\'s users', async () => {
    const [acmeAdmin] = await sql(sys, "select id, name from users where email = 'admin@acme.test'");
    expectError(await globex.get(`/api/v1/users/${acmeAdmin.id}`), 404);
    expectError(await globex.patch(`/api/v1/users/${acmeAdmin.id}`, { name: 'Owned' }), 404);
    expectError(await globex.post(`/api/v1/users/${acmeAdmin.id}/deactivate`), 404);
    const [after] = await sql(sys, 'select name, is_active from users where id = ?', [acmeAdmin.id]);
    expect(after).toEqual({ name: acmeAdmin.name, is_active: 1 });
  });
});

describe('lists', () => {
  it('GET /users holds exactly the caller\'s tenant', async () => {
    const rows = await allPages(acme, '/api/v1/users');
    const expected = await sql(sys, 'select id from users where tenant_id = ? order by id desc', [acmeId]);
    expect(rows.map((r) => r.id)).toEqual(expected.map((r) => Number(r.id)));
    expect(rows.length).toBeGreaterThanOrEqual(6);
    for (const r of rows) expect(r.tenantId).toBe(acmeId);
    expect(JSON.stringify(rows)).not.toContain('globex');
    // Searching for the other tenant's user finds nothing.
    expect((await acme.get('/api/v1/users?q=globex')).body.data).toEqual([]);
  });

  it('GET /invitations, /api-keys and /audit-logs hold exactly the caller\'s tenant', async () => {
    for (const [path, table] of [['/api/v1/invitations', 'invitations'], ['/api/v1/api-keys', 'api_keys'], ['/api/v1/audit-logs', 'audit_logs']] as const) {
      const rows = await allPages(acme, path);
      const own = await sql(sys, `select id from ${table} where tenant_id = ? order by id desc`, [acmeId]);
      const theirs = await sql(sys, `select id from ${table} where tenant_id = ?`, [globexId]);
      expect(own.length, table).toBeGreaterThan(0);
      expect(theirs.length, table).toBeGreaterThan(0);
      expect(rows.map((r) => r.id), table).toEqual(own.map((r) => Number(r.id)));
      const ids = new Set(rows.map((r) => r.id));
      for (const t of theirs) expect(ids.has(Number(t.id)), `${table} ${t.id}`).toBe(false);
      const text = JSON.stringify(rows);
      for (const s of [g.invitation.email, g.apiKey.name, g.apiKey.prefix, g.user.email]) expect(text, `${path} leaked ${s}`).not.toContain(s);
    }
  });

  it('Globex\'s lists hold none of Acme\'s rows either', async () => {
    for (const r of await allPages(globex, '/api/v1/users')) expect(r.tenantId).toBe(globexId);
    const text = JSON.stringify([
      ...(await allPages(globex, '/api/v1/invitations')),
      ...(await allPages(globex, '/api/v1/api-keys')),
      ...(await allPages(globex, '/api/v1/audit-logs')),
    ]);
    expect(text).not.toContain('acme');
    expect(text).not.toContain('Acme');
  });
});

describe('telephony lists', () => {
  it('GET /sip-credentials and /call-dispositions hold exactly the caller\'s tenant, and /sip-credentials/me only the caller', async () => {
    const own = await sql(sys, 'select user_id from agent_sip_credentials where tenant_id = ? order by user_id', [acmeId]);
    const creds = await acme.get('/api/v1/sip-credentials');
    expect(creds.status).toBe(200);
    expect(creds.body.data.map((c: any) => c.userId).sort((x: number, y: number) => x - y)).toEqual(own.map((r) => Number(r.user_id)));
    expect(JSON.stringify(creds.body)).not.toContain('2001');
    const dispositions = await acme.get('/api/v1/call-dispositions?all=true');
    const ownDispositions = await sql(sys, 'select id from call_dispositions where tenant_id = ? order by sort_order, id', [acmeId]);
    expect(dispositions.body.data.map((d: any) => d.id)).toEqual(ownDispositions.map((r) => Number(r.id)));
    expect(JSON.stringify(dispositions.body)).not.toContain(g.disposition.name);
    // Globex sees its own, and none of Acme's extensions.
    const theirs = await globex.get('/api/v1/sip-credentials');
    expect(theirs.body.data.map((c: any) => c.username)).toEqual(['2001']);
    expect((await globex.get('/api/v1/call-dispositions')).body.data.map((d: any) => d.name)).toContain(g.disposition.name);
  });

  it('GET /calls/agents names only the caller\'s tenant\'s people', async () => {
    const acmeAgents = await acme.get('/api/v1/calls/agents');
    expect(acmeAgents.status).toBe(200);
    const acmeUsers = new Set((await sql(sys, 'select id from users where tenant_id = ?', [acmeId])).map((r) => Number(r.id)));
    expect(acmeAgents.body.data.length).toBeGreaterThan(0);
    for (const a of acmeAgents.body.data) expect(acmeUsers.has(a.id), JSON.stringify(a)).toBe(true);
    expect(acmeAgents.body.data.map((a: any) => a.id)).not.toContain(g.sipAgent.id);
    const globexAgents = await globex.get('/api/v1/calls/agents');
    expect(globexAgents.body.data.map((a: any) => a.id)).toContain(g.sipAgent.id);
    for (const a of globexAgents.body.data) expect(acmeUsers.has(a.id), JSON.stringify(a)).toBe(false);
  });
});

describe('calls and the PBX webhook', () => {
  it('GET /calls holds exactly the caller\'s tenant; a tenant\'s PBX key reaches only that tenant\'s calls', async () => {
    const rows = await allPages(acme, '/api/v1/calls');
    const own = await sql(sys, 'select id from calls where tenant_id = ? order by started_at desc, id desc', [acmeId]);
    expect(rows.map((r) => r.id)).toEqual(own.map((r) => Number(r.id)));
    expect(rows.map((r) => r.id)).not.toContain(g.call.id);
    expect((await allPages(globex, '/api/v1/calls')).map((r) => r.id)).toContain(g.call.id);
    // Acme's PBX key sends events naming Globex's call by every id it has: they make Acme calls, Globex's stays as it was.
    const key = await acme.post('/api/v1/api-keys', { name: 'Acme PBX (isolation)', scopes: ['pbx'] });
    const before = await globexRows();
    const event = { event: 'call.answered', call_id: 'globex-call-1', direction: 'outbound', from: '2001', to: '+442079460958', extension: '2001', timestamp: new Date(Date.now() - 5000).toISOString(), console_call_id: g.call.consoleCallId };
    const res = await api.as(key.body.key).post('/webhooks/pbx', event);
    expect(res.status).toBe(200);
    expect(res.body.callId).not.toBe(g.call.id);
    const [mine] = await sql(sys, 'select tenant_id from calls where id = ?', [res.body.callId]);
    expect(Number(mine.tenant_id)).toBe(acmeId);
    expect(await globexRows()).toEqual(before);
    expect(JSON.stringify(res.body)).not.toContain('Globex');
  });
});

describe('the tenant filter cannot be forgotten', () => {
  it('a fork without the tenant set refuses to query any tenant-owned entity', async () => {
    const em = sys.orm.em.fork();
    const refused = /No arguments provided for filter 'tenant'/;
    await expect(em.find(User, {})).rejects.toThrow(refused);
    await expect(em.findOne(User, { email: 'admin@acme.test' })).rejects.toThrow(refused);
    await expect(em.count(User, {})).rejects.toThrow(refused);
    await expect(em.find(Lead, {})).rejects.toThrow(refused);
    await expect(em.count(Lead, {})).rejects.toThrow(refused);
    await expect(em.find(ApiKey, {})).rejects.toThrow(refused);
    await expect(em.find(Invitation, {})).rejects.toThrow(refused);
    await expect(em.find(AuditLog, {})).rejects.toThrow(refused);
  });

  it('with setFilterParams only that tenant\'s rows come back', async () => {
    for (const tid of [acmeId, globexId]) {
      const em = sys.orm.em.fork();
      em.setFilterParams('tenant', { tenantId: tid });
      const users = await em.find(User, {});
      const leads = await em.find(Lead, {});
      const [uc] = await sql(sys, 'select count(*) n from users where tenant_id = ?', [tid]);
      const [lc] = await sql(sys, 'select count(*) n from leads where tenant_id = ?', [tid]);
      expect(users.length).toBe(Number(uc.n));
      expect(leads.length).toBe(Number(lc.n));
      expect(leads.length).toBeGreaterThan(0);
      for (const u of users) expect(u.tenant.id).toBe(tid);
      for (const l of leads) expect(l.tenant.id).toBe(tid);
      // An explicit condition naming the other tenant still finds nothing.
      const other = tid === acmeId ? globexId : acmeId;
      expect(await em.count(User, { tenant: other })).toBe(0);
      const greta = await em.findOne(User, { id: g.user.id });
      if (tid === globexId) expect(greta?.email).toBe(g.user.email);
      else expect(greta).toBeNull();
    }
  });
});
