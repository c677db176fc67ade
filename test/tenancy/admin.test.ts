import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSeeded, sql } from '../helpers/seeded.ts';
import type { TestSystem } from '../helpers/system.ts';
import type { Api } from '../helpers/api.ts';
import { DEFAULT_ROLE_PERMISSIONS, PERMISSIONS } from '../../shared/permissions.ts';
import { ROLES } from '../../shared/roles.ts';
import { ForbiddenError, UnauthorizedError } from '../../server/http/errors.ts';
import { allPages, auditRows, dbTime, expectError, tenantId } from './util.ts';

/** Permissions, API keys, settings and the audit trail of a tenant. */

let sys: TestSystem;
let api: Api;
let admin: { api: Api; user: any };
let acmeId: number;
let globexId: number;

beforeAll(async () => {
  ({ sys, api } = await startSeeded('tenantadmin'));
  [acmeId, globexId] = await Promise.all([tenantId(sys, 'Acme Support'), tenantId(sys, 'Globex Sales')]);
  admin = await api.login('admin@acme.test');
});
afterAll(async () => {
  await sys?.stop();
});

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const sorted = <T>(a: readonly T[]) => [...a].sort();

describe('permissions', () => {
  const P = '/api/v1/permissions';

  it('GET /permissions shows the tenant\'s matrix, the defaults on a fresh tenant', async () => {
    const res = await admin.api.get(P);
    expect(res.status).toBe(200);
    expect(res.body.permissions).toEqual([...PERMISSIONS]);
    for (const role of ROLES) expect(sorted(res.body.roles[role]), role).toEqual(sorted(DEFAULT_ROLE_PERMISSIONS[role]));
  });

  it('an admin\'s edit takes effect at once on a live token, and is audited with the change', async () => {
    const viewer = await api.login('viewer@acme.test');
    expectError(await viewer.api.get('/api/v1/users'), 403, 'forbidden');

    const widened = [...DEFAULT_ROLE_PERMISSIONS.read_only, 'users.view'];
    const put = await admin.api.put(`${P}/read_only`, { permissions: widened });
    expect(put.status).toBe(200);
    expect(put.body).toEqual({ role: 'read_only', permissions: sorted(widened) });
    const granted = await viewer.api.get('/api/v1/users');
    expect(granted.status).toBe(200);
    expect(granted.body.data.length).toBeGreaterThan(0);
    expect((await viewer.api.get('/api/v1/me')).body.permissions).toContain('users.view');
    // Still nothing more than was granted.
    expectError(await viewer.api.post('/api/v1/users', { name: 'V', email: 'v2@acme.test', role: 'read_only', password: 'viewer-made-pw' }), 403);

    const [row] = await auditRows(sys, acmeId, 'permissions.updated');
    expect(row).toMatchObject({ user_id: admin.user.id, entity_type: 'role' });
    expect(row.changes).toEqual({ role: 'read_only', from: sorted(DEFAULT_ROLE_PERMISSIONS.read_only), to: sorted(widened) });
    expect(row.ip_address).toBeTruthy();
    expect(row.user_agent).toBeTruthy();

    const back = await admin.api.put(`${P}/read_only`, { permissions: DEFAULT_ROLE_PERMISSIONS.read_only });
    expect(back.status).toBe(200);
    expectError(await viewer.api.get('/api/v1/users'), 403, 'forbidden');
    const [undo] = await auditRows(sys, acmeId, 'permissions.updated');
    expect(undo.changes).toEqual({ role: 'read_only', from: sorted(widened), to: sorted(DEFAULT_ROLE_PERMISSIONS.read_only) });
  });

  it('a role can be emptied and refilled; the table holds exactly what was set', async () => {
    expect((await admin.api.put(`${P}/support_agent`, { permissions: [] })).status).toBe(200);
    expect(await sql(sys, "select permission from permissions where tenant_id = ? and role = 'support_agent'", [acmeId])).toEqual([]);
    const support = await api.login('support@acme.test');
    expectError(await support.api.get('/api/v1/users'), 403);
    expect((await support.api.get('/api/v1/me')).body.permissions).toEqual([]);
    expect((await admin.api.put(`${P}/support_agent`, { permissions: DEFAULT_ROLE_PERMISSIONS.support_agent })).status).toBe(200);
    const rows = await sql(sys, "select permission from permissions where tenant_id = ? and role = 'support_agent'", [acmeId]);
    expect(sorted(rows.map((r) => r.permission))).toEqual(sorted(DEFAULT_ROLE_PERMISSIONS.support_agent));
  });

  it('tenant_admin cannot drop users.manage or settings.manage (422), and nothing changes', async () => {
    const before = await sql(sys, "select permission from permissions where tenant_id = ? and role = 'tenant_admin' order by permission", [acmeId]);
    for (const locked of ['users.manage', 'settings.manage']) {
      const res = await admin.api.put(`${P}/tenant_admin`, { permissions: PERMISSIONS.filter((p) => p !== locked) });
      expectError(res, 422, 'locked_permission');
      expect(res.body.error.details).toEqual({ missing: [locked] });
    }
    expectError(await admin.api.put(`${P}/tenant_admin`, { permissions: [] }), 422, 'locked_permission');
    expect(await sql(sys, "select permission from permissions where tenant_id = ? and role = 'tenant_admin' order by permission", [acmeId])).toEqual(before);
    // Dropping something else from tenant_admin is allowed.
    const trimmed = PERMISSIONS.filter((p) => p !== 'calls.make');
    expect((await admin.api.put(`${P}/tenant_admin`, { permissions: trimmed })).status).toBe(200);
    expect((await admin.api.put(`${P}/tenant_admin`, { permissions: [...PERMISSIONS] })).status).toBe(200);
  });

  it('unknown permissions, repeated ones and unknown roles are 400', async () => {
    expectError(await admin.api.put(`${P}/read_only`, { permissions: ['users.view', 'root.everything'] }), 400, 'validation_failed');
    expectError(await admin.api.put(`${P}/read_only`, { permissions: ['users.view', 'users.view'] }), 400, 'validation_failed');
    expectError(await admin.api.put(`${P}/owner`, { permissions: [] }), 400, 'validation_failed');
  });

  it('a non-admin cannot edit permissions (403), even to grant themself', async () => {
    for (const email of ['supervisor@acme.test', 'agent1@acme.test', 'viewer@acme.test']) {
      const s = await api.login(email);
      expectError(await s.api.put(`${P}/${s.user.role}`, { permissions: [...PERMISSIONS] }), 403, 'forbidden');
      expectError(await s.api.get(P), 403, 'forbidden');
    }
    const [n] = await sql(sys, "select count(*) n from permissions where tenant_id = ? and role = 'supervisor'", [acmeId]);
    expect(Number(n.n)).toBe(DEFAULT_ROLE_PERMISSIONS.supervisor.length);
  });

  it('an edit in one tenant leaves the other tenant\'s matrix alone', async () => {
    const before = await sql(sys, 'select role, permission from permissions where tenant_id = ? order by role, permission', [globexId]);
    expect((await admin.api.put(`${P}/read_only`, { permissions: [...DEFAULT_ROLE_PERMISSIONS.read_only, 'audit.view'] })).status).toBe(200);
    expect(await sql(sys, 'select role, permission from permissions where tenant_id = ? order by role, permission', [globexId])).toEqual(before);
    const gx = await api.login('admin@globex.test');
    expect(sorted((await gx.api.get(P)).body.roles.read_only)).toEqual(sorted(DEFAULT_ROLE_PERMISSIONS.read_only));
    expect((await admin.api.put(`${P}/read_only`, { permissions: DEFAULT_ROLE_PERMISSIONS.read_only })).status).toBe(200);
  });
});

describe('API keys', () => {
  const K = '/api/v1/api-keys';

  async function createKey(name: string, scopes: string[], extra: Record<string, unknown> = {}) {
    const res = await admin.api.post(K, { name, scopes, ...extra });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body as { id: number; key: string; name: string; prefix: string; scopes: string[] };
  }

  it('POST returns the key once; the row holds only its sha256; lists never show it', async () => {
    const created = await createKey('Asterisk main', ['pbx']);
    expect(created).toMatchObject({ id: expect.any(Number), key: expect.any(String), name: 'Asterisk main', scopes: ['pbx'] });
    expect(created.key.length).toBeGreaterThanOrEqual(40);
    expect(created.key).toContain(created.prefix);

    const [row] = await sql(sys, 'select * from api_keys where id = ?', [created.id]);
    expect(Number(row.tenant_id)).toBe(acmeId);
    expect(row.key_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(row.key_hash).toBe(sha256(created.key));
    // The key is cck_<prefix>_<secret>; the prefix may itself hold '_', so cut by length.
    expect(created.key.startsWith(`cck_${created.prefix}_`)).toBe(true);
    const secretPart = created.key.slice(`cck_${created.prefix}_`.length);
    expect(secretPart.length).toBeGreaterThanOrEqual(40);
    for (const [col, v] of Object.entries(row)) {
      expect(String(v), col).not.toContain(created.key);
      expect(String(v), col).not.toContain(secretPart);
    }

    const list = await allPages(admin.api, K);
    const mine = list.find((k) => k.id === created.id);
    expect(mine).toMatchObject({ name: 'Asterisk main', prefix: created.prefix, scopes: ['pbx'], revokedAt: null, lastUsedAt: null });
    for (const k of list) {
      expect(k).not.toHaveProperty('key');
      expect(k).not.toHaveProperty('keyHash');
    }
    const text = JSON.stringify(list);
    expect(text).not.toContain(created.key);
    expect(text).not.toContain(secretPart);
    expect(text).not.toContain(row.key_hash);
    // Nor is it in any log line.
    expect(sys.logs.text()).not.toContain(secretPart);

    const [a] = await auditRows(sys, acmeId, 'api_key.created');
    expect(Number(a.entity_id)).toBe(created.id);
    expect(a.changes).toEqual({ name: 'Asterisk main', scopes: ['pbx'] });
    expect(JSON.stringify(a)).not.toContain(secretPart);
  });

  it('authenticates a key holding the scope and records when it was last used', async () => {
    const { id, key } = await createKey('PBX for auth', ['pbx']);
    const [before] = await sql(sys, 'select last_used_at from api_keys where id = ?', [id]);
    expect(before.last_used_at).toBeNull();
    const p = await sys.services.apiKeys.authenticate(sys.orm.em.fork(), key, 'pbx');
    expect(p).toMatchObject({ kind: 'apiKey', tenantId: acmeId, apiKeyId: id, userId: null, scopes: ['pbx'] });
    const [after] = await sql(sys, 'select last_used_at from api_keys where id = ?', [id]);
    expect(after.last_used_at).not.toBeNull();
    expect(Math.abs(dbTime(after.last_used_at) - Date.now())).toBeLessThan(10_000);
    const listed = (await allPages(admin.api, K)).find((k) => k.id === id);
    expect(listed.lastUsedAt).toEqual(expect.any(String));
  });

  it('a key without the scope is refused with 403 api_key_scope', async () => {
    const { key } = await createKey('Read only key', ['read']);
    const err = await sys.services.apiKeys.authenticate(sys.orm.em.fork(), key, 'pbx').catch((e) => e);
    expect(err).toBeInstanceOf(ForbiddenError);
    expect(err).toMatchObject({ status: 403, code: 'api_key_scope' });
  });

  it('revoked, expired, unknown and missing keys are refused with 401', async () => {
    const { id, key } = await createKey('Soon revoked', ['pbx']);
    const del = await admin.api.delete(`${K}/${id}`);
    expect(del.status).toBe(200);
    expect(del.body).toMatchObject({ id, revokedAt: expect.any(String) });
    expect(del.body).not.toHaveProperty('key');
    // Revoking again is harmless and not audited twice.
    expect((await admin.api.delete(`${K}/${id}`)).status).toBe(200);
    expect((await auditRows(sys, acmeId, 'api_key.revoked')).filter((r) => Number(r.entity_id) === id)).toHaveLength(1);

    const expiring = await createKey('Expiring', ['pbx'], { expiresAt: new Date(Date.now() + 3_600_000).toISOString() });
    await sql(sys, 'update api_keys set expires_at = ? where id = ?', [new Date(Date.now() - 1000), expiring.id]);

    const em = () => sys.orm.em.fork();
    for (const [k, code] of [[key, 'api_key_invalid'], [expiring.key, 'api_key_invalid'], [`cck_nothing_${'z'.repeat(43)}`, 'api_key_invalid'], [undefined, 'api_key_missing']] as const) {
      const err = await sys.services.apiKeys.authenticate(em(), k, 'pbx').catch((e) => e);
      expect(err, String(k)).toBeInstanceOf(UnauthorizedError);
      expect(err).toMatchObject({ status: 401, code });
    }
  });

  it('every route that takes an API key applies the same rules over HTTP', async () => {
    const routes = sys.routes.filter((r) => r.auth.kind === 'apiKey');
    for (const r of routes) {
      const auth = r.auth;
      if (auth.kind !== 'apiKey') continue;
      const url = (r.absolute ? '' : '/api/v1') + r.path.replace(/:(\w+)/g, '999999');
      const other = ['pbx', 'read', 'write'].filter((s) => s !== auth.scope);
      const wrong = await createKey(`Wrong scope for ${r.path}`, other);
      const revoked = await createKey(`Revoked for ${r.path}`, [auth.scope]);
      await admin.api.delete(`${K}/${revoked.id}`);
      const send = (key?: string) => api.as(key).request(r.method.toUpperCase(), url, {});
      expectError(await send(), 401);
      expectError(await send(revoked.key), 401);
      expectError(await send(wrong.key), 403, 'api_key_scope');
      // A user's access token is not an API key.
      expectError(await send(admin.api.token), 401);
    }
  });

  it('validates the body and only api_keys.manage may use these routes', async () => {
    expectError(await admin.api.post(K, { name: 'x', scopes: ['root'] }), 400, 'validation_failed');
    expectError(await admin.api.post(K, { name: 'x', scopes: [] }), 400, 'validation_failed');
    expectError(await admin.api.post(K, { name: 'x', scopes: ['pbx'], expiresAt: new Date(Date.now() - 60_000).toISOString() }), 422);
    expectError(await admin.api.delete(`${K}/99999999`), 404, 'not_found');
    const sup = await api.login('supervisor@acme.test');
    expectError(await sup.api.post(K, { name: 'sneaky', scopes: ['pbx'] }), 403, 'forbidden');
    expectError(await sup.api.get(K), 403, 'forbidden');
    expect(await sql(sys, "select id from api_keys where name = 'sneaky'")).toEqual([]);
  });
});

describe('settings', () => {
  const S = '/api/v1/settings';

  it('GET shows the tenant\'s settings; PATCH changes them, audited with the change', async () => {
    const get = await admin.api.get(S);
    expect(get.status).toBe(200);
    expect(get.body).toEqual({ id: acmeId, name: 'Acme Support', timezone: 'America/New_York', defaultCountry: 'US', status: 'active', wrapupTimeoutSeconds: 0, iceServers: [] });

    const patch = await admin.api.patch(S, { timezone: 'Europe/Paris', defaultCountry: 'FR' });
    expect(patch.status).toBe(200);
    expect(patch.body).toMatchObject({ id: acmeId, name: 'Acme Support', timezone: 'Europe/Paris', defaultCountry: 'FR' });
    const [row] = await sql(sys, 'select timezone, default_country from tenants where id = ?', [acmeId]);
    expect(row).toEqual({ timezone: 'Europe/Paris', default_country: 'FR' });
    expect((await admin.api.get('/api/v1/me')).body.tenant).toMatchObject({ timezone: 'Europe/Paris', defaultCountry: 'FR' });

    const [a] = await auditRows(sys, acmeId, 'settings.updated');
    expect(a).toMatchObject({ user_id: admin.user.id, entity_type: 'tenant' });
    expect(Number(a.entity_id)).toBe(acmeId);
    expect(a.changes).toEqual({ timezone: { from: 'America/New_York', to: 'Europe/Paris' }, defaultCountry: { from: 'US', to: 'FR' } });

    // Globex is untouched.
    const [gx] = await sql(sys, 'select timezone, default_country from tenants where id = ?', [globexId]);
    expect(gx).toEqual({ timezone: 'Europe/London', default_country: 'GB' });

    expect((await admin.api.patch(S, { timezone: 'America/New_York', defaultCountry: 'US' })).status).toBe(200);
  });

  it('an invalid timezone is a 400 naming body.timezone, and changes nothing', async () => {
    const res = await admin.api.patch(S, { timezone: 'Mars/Olympus_Mons' });
    expectError(res, 400, 'validation_failed');
    expect(res.body.error.details).toEqual([expect.objectContaining({ path: 'body.timezone' })]);
    const bad = await admin.api.patch(S, { defaultCountry: 'usa', status: 'suspended' });
    expectError(bad, 400, 'validation_failed');
    expect(bad.body.error.details.map((d: any) => d.path)).toContain('body.defaultCountry');
    expectError(await admin.api.patch(S, {}), 400, 'validation_failed');
    const [row] = await sql(sys, 'select timezone, status from tenants where id = ?', [acmeId]);
    expect(row).toEqual({ timezone: 'America/New_York', status: 'active' });
  });

  it('only settings.manage may read or change settings', async () => {
    for (const email of ['supervisor@acme.test', 'support@acme.test', 'viewer@acme.test']) {
      const s = await api.login(email);
      expectError(await s.api.get(S), 403, 'forbidden');
      expectError(await s.api.patch(S, { name: 'Pwned' }), 403, 'forbidden');
    }
    const [row] = await sql(sys, 'select name from tenants where id = ?', [acmeId]);
    expect(row.name).toBe('Acme Support');
  });
});

describe('audit trail', () => {
  const UA = 'tenancy-audit-test/1.0';
  const IP = '198.51.100.77';

  it('writes a row with ip_address and user_agent for every administrative act', async () => {
    const client = api.as(undefined, { 'user-agent': UA, 'x-forwarded-for': IP });
    const s = await client.login('admin@acme.test');
    const a = s.api;
    const u = await a.post('/api/v1/users', { name: 'Audited User', email: 'audited@acme.test', role: 'sales_agent', password: 'audited-password' });
    expect(u.status).toBe(201);
    expect((await a.patch(`/api/v1/users/${u.body.id}`, { role: 'support_agent' })).status).toBe(200);
    expect((await a.post(`/api/v1/users/${u.body.id}/deactivate`)).status).toBe(200);
    expect((await a.put('/api/v1/permissions/read_only', { permissions: DEFAULT_ROLE_PERMISSIONS.read_only })).status).toBe(200);
    const k = await a.post('/api/v1/api-keys', { name: 'Audited key', scopes: ['pbx'] });
    expect(k.status).toBe(201);
    expect((await a.delete(`/api/v1/api-keys/${k.body.id}`)).status).toBe(200);
    expect((await a.patch('/api/v1/settings', { name: 'Acme Support Ltd' })).status).toBe(200);
    expect((await a.patch('/api/v1/settings', { name: 'Acme Support' })).status).toBe(200);
    const inv = await a.post('/api/v1/invitations', { email: 'audited-invitee@acme.test', role: 'read_only' });
    expect(inv.status).toBe(201);
    expect((await client.post('/api/v1/invitations/accept', { token: inv.body.token, name: 'Invitee', password: 'invitee-password' })).status).toBe(201);
    expect((await a.post('/api/v1/auth/logout', { refreshToken: s.refreshToken })).status).toBe(204);

    const rows = await sql(sys, 'select * from audit_logs where user_agent = ? order by id', [UA]);
    const actions = rows.map((r) => r.action);
    for (const action of [
      'auth.login', 'user.created', 'user.updated', 'user.deactivated', 'permissions.updated', 'api_key.created',
      'api_key.revoked', 'settings.updated', 'invitation.created', 'invitation.accepted', 'auth.logout',
    ]) expect(actions, action).toContain(action);
    for (const r of rows) {
      expect(r.ip_address, r.action).toBe(IP);
      expect(r.user_agent, r.action).toBe(UA);
      expect(Number(r.tenant_id), r.action).toBe(acmeId);
      expect(Math.abs(dbTime(r.created_at) - Date.now()), r.action).toBeLessThan(60_000);
    }
    const updated = rows.find((r) => r.action === 'user.updated');
    const changes = typeof updated.changes === 'string' ? JSON.parse(updated.changes) : updated.changes;
    expect(changes).toEqual({ role: { from: 'sales_agent', to: 'support_agent' } });
  });

  it('GET /audit-logs returns the rows newest first, with who, what, where from', async () => {
    const first = await admin.api.get('/api/v1/audit-logs?limit=5');
    expect(first.status).toBe(200);
    expect(first.body.data).toHaveLength(5);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await admin.api.get(`/api/v1/audit-logs?limit=5&cursor=${first.body.nextCursor}`);
    const rows = [...first.body.data, ...second.body.data];
    const ids = rows.map((r: any) => r.id);
    expect(ids).toEqual([...ids].sort((x, y) => y - x));
    expect(new Set(ids).size).toBe(ids.length);
    for (let i = 1; i < rows.length; i++) expect(Date.parse(rows[i - 1].createdAt)).toBeGreaterThanOrEqual(Date.parse(rows[i].createdAt));
    const [newest] = await sql(sys, 'select id, action from audit_logs where tenant_id = ? order by id desc limit 1', [acmeId]);
    expect(rows[0]).toMatchObject({ id: Number(newest.id), action: newest.action });
    expect(rows[0]).toMatchObject({ ipAddress: expect.any(String), userAgent: expect.any(String), createdAt: expect.any(String) });

    const logout = (await admin.api.get('/api/v1/audit-logs?action=auth.logout')).body.data;
    expect(logout.length).toBeGreaterThan(0);
    for (const r of logout) expect(r.action).toBe('auth.logout');
    const settings = (await admin.api.get('/api/v1/audit-logs?action=settings.updated')).body.data;
    expect(settings[0].changes).toEqual({ name: { from: 'Acme Support Ltd', to: 'Acme Support' } });
    expect(settings[0]).toMatchObject({ ipAddress: '198.51.100.77', userAgent: 'tenancy-audit-test/1.0', entityType: 'tenant', entityId: acmeId });
  });

  it('a supervisor may read it (audit.view); agents and read-only users get 403', async () => {
    const sup = await api.login('supervisor@acme.test');
    expect((await sup.api.get('/api/v1/audit-logs')).status).toBe(200);
    for (const email of ['agent1@acme.test', 'support@acme.test', 'viewer@acme.test']) {
      const s = await api.login(email);
      expectError(await s.api.get('/api/v1/audit-logs'), 403, 'forbidden');
    }
  });
});
