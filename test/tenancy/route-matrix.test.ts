import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSeeded } from '../helpers/seeded.ts';
import type { TestSystem } from '../helpers/system.ts';
import type { Api } from '../helpers/api.ts';
import type { RouteSpec } from '../../server/http/route.ts';
import { DEFAULT_ROLE_PERMISSIONS, PERMISSIONS } from '../../shared/permissions.ts';
import { ROLES, type Role } from '../../shared/roles.ts';
import { ROLE_USERS, expectError } from './util.ts';

/**
 * Walks every route the system mounts (sys.routes) and proves the access rules
 * generically, so a route added later is covered without touching this file:
 * no token → 401, a role without the route's permission → 403, a role with it
 * → never 401/403.
 */

let sys: TestSystem;
let api: Api;
const as = {} as Record<Role, Api>;

beforeAll(async () => {
  ({ sys, api } = await startSeeded('routematrix'));
  const sessions = await Promise.all(ROLES.map((r) => api.login(ROLE_USERS[r])));
  ROLES.forEach((r, i) => {
    expect(sessions[i].user.role).toBe(r);
    as[r] = sessions[i].api;
  });
});
afterAll(async () => {
  await sys?.stop();
});

const key = (r: RouteSpec) => `${r.method.toUpperCase()} ${r.path}`;

/** A harmless URL for a route: ids that exist nowhere, a role that exists. */
function urlOf(r: RouteSpec): string {
  const p = r.path.replace(/:(\w+)/g, (_m, name: string) => (name === 'role' ? 'read_only' : '999999'));
  return r.absolute ? p : `/api/v1${p}`;
}

/** Sends the route with placeholder params and, when it takes one, an empty body (which validation refuses). */
function call(client: Api, r: RouteSpec) {
  return client.request(r.method.toUpperCase(), urlOf(r), r.body ? {} : undefined);
}

const userRoutes = () => sys.routes.filter((r) => r.auth.kind === 'user');
const permissionRoutes = () => sys.routes.filter((r): r is RouteSpec & { auth: { kind: 'user'; permission: (typeof PERMISSIONS)[number] } } => r.auth.kind === 'user' && r.auth.permission !== null);

/** Answers that show the caller got past authentication and authorisation without changing anything. */
const ALLOWED = [200, 201, 204, 400, 404, 409, 422];

describe('the route list', () => {
  it('is not empty and holds the routes this suite is about', () => {
    const keys = sys.routes.map(key);
    expect(keys.length).toBeGreaterThanOrEqual(20);
    for (const k of [
      'POST /auth/login', 'POST /auth/refresh', 'POST /auth/logout', 'GET /me',
      'GET /users', 'POST /users', 'GET /users/:id', 'PATCH /users/:id', 'POST /users/:id/deactivate',
      'GET /invitations', 'POST /invitations', 'DELETE /invitations/:id', 'GET /invitations/lookup', 'POST /invitations/accept',
      'GET /permissions', 'PUT /permissions/:role',
      'GET /api-keys', 'POST /api-keys', 'DELETE /api-keys/:id',
      'GET /settings', 'PATCH /settings', 'GET /audit-logs',
    ]) expect(keys, k).toContain(k);
    expect(new Set(keys).size, 'no route is declared twice').toBe(keys.length);
    expect(permissionRoutes().length).toBeGreaterThanOrEqual(16);
  });

  it('declares, for every route, who may call it: a known permission, or deliberately none', () => {
    const known = new Set<string>(PERMISSIONS);
    for (const r of sys.routes) {
      expect(['public', 'user', 'apiKey'], key(r)).toContain(r.auth.kind);
      if (r.auth.kind === 'user' && r.auth.permission !== null) expect(known.has(r.auth.permission), key(r)).toBe(true);
      if (r.auth.kind === 'apiKey') expect(r.auth.scope, key(r)).toMatch(/^\w+$/);
    }
    // Opening a route to everyone, or to every signed-in user, is a decision to review here.
    const publicApi = sys.routes.filter((r) => r.auth.kind === 'public' && !r.absolute).map(key).sort();
    expect(publicApi).toEqual(['GET /invitations/lookup', 'POST /auth/login', 'POST /auth/refresh', 'POST /invitations/accept']);
    const anyUser = sys.routes.filter((r) => r.auth.kind === 'user' && r.auth.permission === null).map(key).sort();
    expect(anyUser).toEqual(['GET /me', 'GET /notifications', 'GET /presence-reasons', 'GET /presence/time-in-state', 'POST /auth/logout', 'POST /notifications/:id/read', 'POST /notifications/read-all']);
  });
});

describe('no token', () => {
  it('gets 401 with a JSON error on every user route', async () => {
    const routes = userRoutes();
    expect(routes.length).toBeGreaterThan(0);
    for (const r of routes) {
      const res = await call(api, r);
      expectError(res, 401, 'token_missing');
    }
  });

  it('gets 401 on every route, user or API key, with a malformed Authorization header', async () => {
    for (const r of sys.routes.filter((x) => x.auth.kind !== 'public')) {
      const res = await call(api.as(undefined, { authorization: 'Bearer not-a-valid-token' }), r);
      expect(res.status, key(r)).toBe(401);
      expect(res.body.error.code, key(r)).toEqual(expect.any(String));
    }
  });

  it('gets 401 on every API-key route without a key', async () => {
    for (const r of sys.routes.filter((x) => x.auth.kind === 'apiKey')) expectError(await call(api, r), 401);
  });
});

describe('each demo role', () => {
  it('gets 403 exactly where DEFAULT_ROLE_PERMISSIONS lacks the route\'s permission', async () => {
    let denied = 0;
    let allowed = 0;
    const routes = permissionRoutes();
    for (const r of routes) {
      for (const role of ROLES) {
        const res = await call(as[role], r);
        const label = `${role} ${key(r)} (${r.auth.permission}) → ${res.status} ${JSON.stringify(res.body)}`;
        if (DEFAULT_ROLE_PERMISSIONS[role].includes(r.auth.permission)) {
          expect(ALLOWED, label).toContain(res.status);
          allowed++;
        } else {
          expect(res.status, label).toBe(403);
          expect(res.body.error, label).toMatchObject({ code: 'forbidden', message: expect.any(String), details: { permission: r.auth.permission } });
          denied++;
        }
      }
    }
    // Both branches ran: the matrix is not vacuous in either direction.
    // (tenant_admin holds every permission; read_only holds none of the admin routes.)
    expect(allowed).toBeGreaterThanOrEqual(routes.length);
    expect(denied).toBeGreaterThanOrEqual(routes.length);
  });

  it('reaches every route that needs no particular permission', async () => {
    for (const r of userRoutes().filter((x) => x.auth.kind === 'user' && x.auth.permission === null)) {
      for (const role of ROLES) {
        const res = await call(as[role], r);
        expect(ALLOWED, `${role} ${key(r)} → ${res.status}`).toContain(res.status);
      }
    }
  });

  it('is refused by permission, not by what the row is: a real id gets the same 403', async () => {
    const [self] = (await as.tenant_admin.get('/api/v1/users?limit=1')).body.data;
    for (const role of ROLES.filter((x) => !DEFAULT_ROLE_PERMISSIONS[x].includes('users.manage'))) {
      const res = await as[role].patch(`/api/v1/users/${self.id}`, { name: 'Changed by someone without users.manage' });
      expectError(res, 403, 'forbidden');
    }
    const after = await as.tenant_admin.get(`/api/v1/users/${self.id}`);
    expect(after.body.name).toBe(self.name);
  });
});
