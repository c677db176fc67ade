import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSeeded, sql } from '../helpers/seeded.ts';
import type { TestSystem } from '../helpers/system.ts';
import type { Api, ApiResponse } from '../helpers/api.ts';
import type { RouteSpec } from '../../server/http/route.ts';
import { DEFAULT_ROLE_PERMISSIONS, type Permission } from '../../shared/permissions.ts';
import { ROLES, type Role } from '../../shared/roles.ts';
import { ROLE_USERS, expectError, pipelineFingerprint, statusesOf, tenantIds, userIds } from './util.ts';

/**
 * Every lead, status and notification route (as mounted: sys.routes) walked
 * with each demo role: 403 exactly when the role lacks the route's permission
 * (nothing changed), the real answer otherwise; and with another tenant's ids:
 * 404 everywhere, nothing changed there.
 */

let sys: TestSystem;
let api: Api;
const as = {} as Record<Role, Api>;
let globexAdmin: Api;
let acme: number;
let globex: number;
let users: Record<string, number>;
let st: Record<string, { id: number }>;
let gst: Record<string, { id: number }>;
let seq = 0;

const key = (r: { method: string; path: string }) => `${r.method.toUpperCase()} ${r.path}`;
const inScope = (r: RouteSpec) => !r.absolute && /^\/(leads|lead-statuses|notifications)(\/|$)/.test(r.path);

/** A real request for a route, with fresh fixtures made by the admin, and the answer it gets when allowed. */
interface Call { path: string; body?: unknown; ok: number }
type Prepare = (role: Role) => Promise<Call>;

async function freshLead(extra: Record<string, unknown> = {}): Promise<any> {
  const res = await as.tenant_admin.post('/api/v1/leads', { name: `Perm Lead ${++seq}`, ...extra });
  expect(res.status).toBe(201);
  return res.body;
}
async function freshStatus(): Promise<any> {
  const res = await as.tenant_admin.post('/api/v1/lead-statuses', { name: `Perm Status ${++seq}` });
  expect(res.status).toBe(201);
  return res.body;
}
async function notificationFor(userId: number, tenantId = acme): Promise<number> {
  await sql(sys, "insert into notifications (tenant_id, user_id, type, title, created_at) values (?, ?, 'test', 'hello', utc_timestamp())", [tenantId, userId]);
  return Number((await sql(sys, 'select max(id) id from notifications where user_id = ?', [userId]))[0].id);
}

/** Every in-scope route: the permission the issue gives it, and how to call it for real. */
const ROUTES: Record<string, { permission: Permission | null; prepare: Prepare }> = {
  'GET /lead-statuses': { permission: 'leads.view', prepare: async () => ({ path: '/lead-statuses?counts=true', ok: 200 }) },
  'POST /lead-statuses': { permission: 'settings.manage', prepare: async () => ({ path: '/lead-statuses', body: { name: `New Col ${++seq}` }, ok: 201 }) },
  'PUT /lead-statuses/order': {
    permission: 'settings.manage',
    prepare: async () => ({ path: '/lead-statuses/order', body: { ids: (await sql(sys, 'select id from lead_statuses where tenant_id = ? order by sort_order, id', [acme])).map((r) => Number(r.id)) }, ok: 200 }),
  },
  'PATCH /lead-statuses/:id': { permission: 'settings.manage', prepare: async () => ({ path: `/lead-statuses/${(await freshStatus()).id}`, body: { color: '#123456' }, ok: 200 }) },
  'DELETE /lead-statuses/:id': { permission: 'settings.manage', prepare: async () => ({ path: `/lead-statuses/${(await freshStatus()).id}`, ok: 204 }) },
  'GET /leads/board': { permission: 'leads.view', prepare: async () => ({ path: '/leads/board?perColumn=2', ok: 200 }) },
  'GET /leads/board/:statusId': { permission: 'leads.view', prepare: async () => ({ path: `/leads/board/${st.New.id}?limit=2`, ok: 200 }) },
  'GET /leads/my-followups': { permission: 'leads.view', prepare: async () => ({ path: '/leads/my-followups', ok: 200 }) },
  'GET /leads/assignees': { permission: 'leads.manage', prepare: async () => ({ path: '/leads/assignees', ok: 200 }) },
  'GET /leads': { permission: 'leads.view', prepare: async () => ({ path: '/leads?q=Perm&limit=5', ok: 200 }) },
  'POST /leads': { permission: 'leads.manage', prepare: async () => ({ path: '/leads', body: { name: `Made ${++seq}`, phone: '2025550111' }, ok: 201 }) },
  'GET /leads/:id': { permission: 'leads.view', prepare: async () => ({ path: `/leads/${(await freshLead()).id}`, ok: 200 }) },
  'PATCH /leads/:id': { permission: 'leads.manage', prepare: async () => ({ path: `/leads/${(await freshLead()).id}`, body: { score: 'hot', version: 1 }, ok: 200 }) },
  'POST /leads/:id/assign': { permission: 'leads.manage', prepare: async () => ({ path: `/leads/${(await freshLead()).id}/assign`, body: { userId: users['agent2@acme.test'] }, ok: 200 }) },
  'POST /leads/:id/move': { permission: 'leads.manage', prepare: async () => ({ path: `/leads/${(await freshLead()).id}/move`, body: { statusId: st.Contacted.id, version: 1 }, ok: 200 }) },
  'DELETE /leads/:id': { permission: 'leads.delete', prepare: async () => ({ path: `/leads/${(await freshLead()).id}`, ok: 204 }) },
  'GET /leads/:id/activities': { permission: 'leads.view', prepare: async () => ({ path: `/leads/${(await freshLead({ assignedToId: users['agent1@acme.test'] })).id}/activities`, ok: 200 }) },
  'POST /leads/:id/notes': { permission: 'leads.manage', prepare: async () => ({ path: `/leads/${(await freshLead()).id}/notes`, body: { note: 'hello' }, ok: 201 }) },
  'GET /notifications': { permission: null, prepare: async () => ({ path: '/notifications', ok: 200 }) },
  'POST /notifications/:id/read': { permission: null, prepare: async (role) => ({ path: `/notifications/${await notificationFor(users[ROLE_USERS[role]])}/read`, ok: 200 }) },
  'POST /notifications/read-all': { permission: null, prepare: async () => ({ path: '/notifications/read-all', ok: 200 }) },
};

function send(client: Api, r: RouteSpec, c: Call): Promise<ApiResponse> {
  return client.request(r.method.toUpperCase(), `/api/v1${c.path}`, c.body);
}

beforeAll(async () => {
  ({ sys, api } = await startSeeded('crm_perms'));
  ({ acme, globex } = await tenantIds(sys));
  users = await userIds(sys);
  st = await statusesOf(sys, acme);
  gst = await statusesOf(sys, globex);
  const sessions = await Promise.all(ROLES.map((r) => api.login(ROLE_USERS[r])));
  ROLES.forEach((r, i) => {
    expect(sessions[i].user.role).toBe(r);
    as[r] = sessions[i].api;
  });
  globexAdmin = (await api.login('admin@globex.test')).api;
});
afterAll(async () => {
  await sys?.stop();
});

describe('the routes', () => {
  it('are exactly the ones this matrix knows, each with the permission the issue gives it', () => {
    const mounted = sys.routes.filter(inScope);
    expect(mounted.map(key).sort()).toEqual(Object.keys(ROUTES).sort());
    for (const r of mounted) {
      expect(r.auth.kind, key(r)).toBe('user');
      expect(r.auth.kind === 'user' ? r.auth.permission : undefined, key(r)).toBe(ROUTES[key(r)].permission);
    }
  });

  it('the tenant holds the default permissions the matrix expects', async () => {
    const rows = await sql(sys, 'select role, permission from permissions where tenant_id = ?', [acme]);
    for (const role of ROLES) {
      expect(rows.filter((r) => r.role === role).map((r) => r.permission).sort(), role).toEqual([...DEFAULT_ROLE_PERMISSIONS[role]].sort());
    }
  });

  it('answer 401 without a token', async () => {
    for (const r of sys.routes.filter(inScope)) {
      const c = await ROUTES[key(r)].prepare('tenant_admin');
      expectError(await send(api, r, c), 401);
    }
  });
});

describe('each role', () => {
  for (const role of ROLES) {
    it(`${role}: 403 exactly on the routes whose permission it lacks (nothing changes), the real answer on the others`, async () => {
      const held = new Set<string>(DEFAULT_ROLE_PERMISSIONS[role]);
      let denied = 0;
      for (const r of sys.routes.filter(inScope)) {
        const spec = ROUTES[key(r)];
        const c = await spec.prepare(role);
        const allowed = spec.permission === null || held.has(spec.permission);
        const before = allowed ? '' : await pipelineFingerprint(sys, acme);
        const res = await send(as[role], r, c);
        if (allowed) {
          expect(res.status, `${role} ${key(r)}: ${JSON.stringify(res.body)}`).toBe(c.ok);
        } else {
          denied++;
          expectError(res, 403, 'forbidden');
          expect(res.body.error.details, `${role} ${key(r)}`).toEqual({ permission: spec.permission });
          expect(await pipelineFingerprint(sys, acme), `${role} ${key(r)} changed something`).toBe(before);
        }
      }
      const expectedDenied = Object.values(ROUTES).filter((s) => s.permission !== null && !held.has(s.permission)).length;
      expect(denied).toBe(expectedDenied);
      if (role === 'tenant_admin') expect(denied).toBe(0);
    });
  }

  it('read_only sees every lead route but gets 403 on every leads.manage one', async () => {
    const manage = sys.routes.filter((r) => inScope(r) && r.auth.kind === 'user' && r.auth.permission === 'leads.manage');
    expect(manage.length).toBe(6);
    for (const r of manage) {
      const c = await ROUTES[key(r)].prepare('read_only');
      expectError(await send(as.read_only, r, c), 403, 'forbidden');
    }
    for (const r of sys.routes.filter((x) => inScope(x) && x.method === 'get' && !(x.auth.kind === 'user' && x.auth.permission === 'leads.manage'))) {
      const c = await ROUTES[key(r)].prepare('read_only');
      expect((await send(as.read_only, r, c)).status, key(r)).toBe(200);
    }
  });
});

describe('another tenant\'s ids', () => {
  it('every route with an id answers 404 for a Globex lead, status or notification, and nothing changes there', async () => {
    const [gLead] = await sql(sys, 'select id, version from leads where tenant_id = ? order by id limit 1', [globex]);
    const gStatus = (await sql(sys, 'select id from lead_statuses where tenant_id = ? and is_default = 0 order by id limit 1', [globex]))[0].id;
    const gNote = await notificationFor(users['admin@globex.test'], globex);
    const before = await pipelineFingerprint(sys, globex);
    const withIds = sys.routes.filter((r) => inScope(r) && r.path.includes(':'));
    expect(withIds.length).toBe(11);
    const bodies: Record<string, unknown> = {
      'PATCH /lead-statuses/:id': { name: 'Hijacked' },
      'PATCH /leads/:id': { name: 'Hijacked' },
      'POST /leads/:id/assign': { userId: users['agent1@acme.test'] },
      'POST /leads/:id/move': { statusId: st.Contacted.id, version: Number(gLead.version) },
      'POST /leads/:id/notes': { note: 'hijack' },
    };
    for (const r of withIds) {
      const path = r.path.replace(/:(\w+)/, (_m, name: string) => String(r.path.startsWith('/notifications') ? gNote : r.path.startsWith('/lead-statuses') || name === 'statusId' ? gStatus : gLead.id));
      // The admin holds every permission: only the tenant boundary can refuse.
      const res = await as.tenant_admin.request(r.method.toUpperCase(), `/api/v1${path}`, bodies[key(r)]);
      expectError(res, 404, 'not_found');
    }
    // Ids in bodies and queries: refused or matching nothing.
    expectError(await as.tenant_admin.post('/api/v1/leads', { name: 'Foreign Status', statusId: gst.New.id }), 422, 'unknown_status');
    expectError(await as.tenant_admin.post('/api/v1/leads', { name: 'Foreign User', assignedToId: users['agent1@globex.test'] }), 422, 'unknown_user');
    const mine = await freshLead();
    expectError(await as.tenant_admin.post(`/api/v1/leads/${mine.id}/move`, { statusId: gst.Contacted.id, version: 1 }), 422, 'unknown_status');
    expectError(await as.tenant_admin.post(`/api/v1/leads/${mine.id}/assign`, { userId: users['admin@globex.test'] }), 422, 'unknown_user');
    const order = (await sql(sys, 'select id from lead_statuses where tenant_id = ? order by sort_order, id', [acme])).map((r) => Number(r.id));
    expectError(await as.tenant_admin.put('/api/v1/lead-statuses/order', { ids: [...order.slice(1), gStatus] }), 422);
    const s = await freshStatus();
    expectError(await as.tenant_admin.delete(`/api/v1/lead-statuses/${s.id}?moveTo=${gStatus}`), 422, 'unknown_status');
    expect((await as.tenant_admin.get(`/api/v1/leads?statusId=${gst.New.id}`)).body.data).toEqual([]);
    expect((await as.tenant_admin.get(`/api/v1/leads?assignedToId=${users['agent1@globex.test']}`)).body.data).toEqual([]);
    const board = await as.tenant_admin.get(`/api/v1/leads/board?assignedToId=${users['agent1@globex.test']}`);
    expect(board.body.columns.every((c: any) => c.count === 0 && c.cards.length === 0)).toBe(true);
    expect((await as.tenant_admin.get('/api/v1/notifications')).body.data.map((n: any) => n.id)).not.toContain(gNote);
    expect((await as.tenant_admin.post('/api/v1/notifications/read-all')).status).toBe(200);
    expect(await pipelineFingerprint(sys, globex)).toBe(before);
  });

  it('and the other way round: Acme ids are 404 for the Globex admin', async () => {
    const lead = await freshLead();
    const status = await freshStatus();
    const note = await notificationFor(users['admin@acme.test']);
    const before = await pipelineFingerprint(sys, acme);
    const cases: [string, string, unknown?][] = [
      ['GET', `/leads/${lead.id}`], ['PATCH', `/leads/${lead.id}`, { name: 'x' }], ['DELETE', `/leads/${lead.id}`],
      ['POST', `/leads/${lead.id}/assign`, { userId: null }], ['POST', `/leads/${lead.id}/move`, { statusId: gst.Contacted.id, version: 1 }],
      ['GET', `/leads/${lead.id}/activities`], ['POST', `/leads/${lead.id}/notes`, { note: 'x' }], ['GET', `/leads/board/${status.id}`],
      ['PATCH', `/lead-statuses/${status.id}`, { name: 'x' }], ['DELETE', `/lead-statuses/${status.id}`], ['POST', `/notifications/${note}/read`],
    ];
    for (const [method, path, body] of cases) expectError(await globexAdmin.request(method, `/api/v1${path}`, body), 404, 'not_found');
    expect(await pipelineFingerprint(sys, acme)).toBe(before);
  });
});
