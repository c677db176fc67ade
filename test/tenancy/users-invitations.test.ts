import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSeeded, sql } from '../helpers/seeded.ts';
import type { TestSystem } from '../helpers/system.ts';
import type { Api, ApiResponse } from '../helpers/api.ts';
import { allPages, auditRows, expectError, tenantId } from './util.ts';

let sys: TestSystem;
let api: Api;
let admin: { api: Api; user: any };
let acmeId: number;
let globexId: number;

beforeAll(async () => {
  ({ sys, api } = await startSeeded('usersinv'));
  [acmeId, globexId] = await Promise.all([tenantId(sys, 'Acme Support'), tenantId(sys, 'Globex Sales')]);
  admin = await api.login('admin@acme.test');
});
afterAll(async () => {
  await sys?.stop();
});

const U = '/api/v1/users';
const I = '/api/v1/invitations';

async function createUser(email: string, role = 'sales_agent', password = 'first-password-1') {
  const res = await admin.api.post(U, { name: `User ${email}`, email, role, password });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

describe('users', () => {
  it('lists with cursor pagination: limit=2 pages through every user once, newest first', async () => {
    const expected = (await sql(sys, 'select id from users where tenant_id = ? order by id desc', [acmeId])).map((r) => Number(r.id));
    expect(expected.length).toBeGreaterThanOrEqual(6);
    const seen: number[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res: ApiResponse = await admin.api.get(`${U}?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      expect(res.body.data.length).toBeLessThanOrEqual(2);
      expect(res.body.data.length).toBeGreaterThan(0);
      for (const u of res.body.data) {
        expect(seen).not.toContain(u.id);
        expect(u).not.toHaveProperty('password');
        seen.push(u.id);
      }
      pages++;
      cursor = res.body.nextCursor;
      if (pages === 1) expect(cursor).toEqual(expect.any(String));
    } while (cursor);
    expect(pages).toBe(Math.ceil(expected.length / 2));
    expect(seen).toEqual(expected);
    // A cursor this API never issued is a 400 naming the field.
    const bad = await admin.api.get(`${U}?cursor=bm90LWpzb24`);
    expectError(bad, 400, 'validation_failed');
    expect(bad.body.error.details[0].path).toBe('query.cursor');
  });

  it('filters by role and active flag', async () => {
    const agents = await admin.api.get(`${U}?role=sales_agent`);
    expect(agents.status).toBe(200);
    expect(agents.body.data.map((u: any) => u.email).sort()).toEqual(['agent1@acme.test', 'agent2@acme.test']);
    const active = await admin.api.get(`${U}?active=true&limit=200`);
    expect(active.body.data.length).toBeGreaterThanOrEqual(6);
    for (const u of active.body.data) expect(u.isActive).toBe(true);
    expect((await admin.api.get(`${U}?q=viewer`)).body.data.map((u: any) => u.email)).toEqual(['viewer@acme.test']);
  });

  it('creates a user (201, audited); a taken email, even in another tenant, is a 409', async () => {
    const res = await admin.api.post(U, { name: 'Nora New', email: 'Nora.New@Acme.test', role: 'support_agent', password: 'nora-password-1' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ name: 'Nora New', email: 'nora.new@acme.test', role: 'support_agent', tenantId: acmeId, isActive: true });
    expect(res.body).not.toHaveProperty('password');
    const nora = await api.login('nora.new@acme.test', 'nora-password-1');
    expect(nora.user).toMatchObject({ id: res.body.id, tenantId: acmeId, role: 'support_agent' });

    const [row] = await auditRows(sys, acmeId, 'user.created');
    expect(row).toMatchObject({ entity_type: 'user', user_id: admin.user.id });
    expect(Number(row.entity_id)).toBe(res.body.id);
    expect(row.changes).toEqual({ name: 'Nora New', email: 'nora.new@acme.test', role: 'support_agent' });

    for (const email of ['nora.new@acme.test', 'NORA.NEW@acme.test', 'agent1@globex.test', 'admin@globex.test']) {
      const dup = await admin.api.post(U, { name: 'Dup', email, role: 'read_only', password: 'dup-password-1' });
      expectError(dup, 409, 'email_taken');
    }
    const [n] = await sql(sys, "select count(*) n from users where email in ('nora.new@acme.test', 'agent1@globex.test', 'admin@globex.test')");
    expect(Number(n.n)).toBe(3);
  });

  it('refuses an invalid body with 400 naming each field', async () => {
    const res = await admin.api.post(U, { name: '', email: 'not-an-email', role: 'owner', password: 'short' });
    expectError(res, 400, 'validation_failed');
    const paths = res.body.error.details.map((d: any) => d.path);
    expect(paths).toEqual(expect.arrayContaining(['body.name', 'body.email', 'body.role', 'body.password']));
  });

  it('updates name and role; the role change is audited from/to and takes effect on the user\'s live token', async () => {
    const u = await createUser('rolechange@acme.test', 'sales_agent');
    const s = await api.login('rolechange@acme.test', 'first-password-1');
    expect((await s.api.get('/api/v1/me')).body.permissions).not.toContain('tickets.manage');

    const res = await admin.api.patch(`${U}/${u.id}`, { name: 'Renamed Person', role: 'support_agent' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: u.id, name: 'Renamed Person', role: 'support_agent', isActive: true });
    const [row] = await sql(sys, 'select name, role from users where id = ?', [u.id]);
    expect(row).toEqual({ name: 'Renamed Person', role: 'support_agent' });
    expect((await admin.api.get(`${U}/${u.id}`)).body).toMatchObject({ name: 'Renamed Person', role: 'support_agent' });

    const [a] = await auditRows(sys, acmeId, 'user.updated');
    expect(Number(a.entity_id)).toBe(u.id);
    expect(a.user_id).toBe(admin.user.id);
    expect(a.changes).toEqual({ name: { from: 'User rolechange@acme.test', to: 'Renamed Person' }, role: { from: 'sales_agent', to: 'support_agent' } });

    const me = await s.api.get('/api/v1/me');
    expect(me.body.user.role).toBe('support_agent');
    expect(me.body.permissions).toContain('tickets.manage');
    expect(me.body.permissions).not.toContain('leads.manage');
  });

  it('deactivates: the user\'s access token gets 401 user_inactive at once, the refresh token and login fail', async () => {
    const u = await createUser('leaver@acme.test');
    const s = await api.login('leaver@acme.test', 'first-password-1');
    expect((await s.api.get('/api/v1/me')).status).toBe(200);

    const res = await admin.api.post(`${U}/${u.id}/deactivate`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: u.id, isActive: false });
    const [row] = await sql(sys, 'select is_active from users where id = ?', [u.id]);
    expect(row.is_active).toBe(0);

    expectError(await s.api.get('/api/v1/me'), 401, 'user_inactive');
    expectError(await s.api.get(`${U}/${u.id}`), 401, 'user_inactive');
    expectError(await api.post('/api/v1/auth/refresh', { refreshToken: s.refreshToken }), 401, 'user_inactive');
    expectError(await api.post('/api/v1/auth/login', { email: 'leaver@acme.test', password: 'first-password-1' }), 403, 'user_inactive');
    const open = await sql(sys, 'select id from refresh_tokens where user_id = ? and revoked_at is null and used_at is null', [u.id]);
    expect(open).toEqual([]);

    const [a] = await auditRows(sys, acmeId, 'user.deactivated');
    expect(Number(a.entity_id)).toBe(u.id);
    expect(a.changes).toEqual({ isActive: { from: true, to: false } });
  });

  it('an admin cannot deactivate themself or change their own role (422), and stays as they were', async () => {
    const id = admin.user.id;
    expectError(await admin.api.post(`${U}/${id}/deactivate`), 422, 'self_change');
    expectError(await admin.api.patch(`${U}/${id}`, { isActive: false }), 422, 'self_change');
    expectError(await admin.api.patch(`${U}/${id}`, { role: 'read_only' }), 422, 'self_change');
    const [row] = await sql(sys, 'select is_active, role from users where id = ?', [id]);
    expect(row).toEqual({ is_active: 1, role: 'tenant_admin' });
    expect((await admin.api.get('/api/v1/me')).status).toBe(200);
  });

  it('an unknown id is 404, an empty PATCH is 400, a non-numeric id is 400', async () => {
    expectError(await admin.api.get(`${U}/99999999`), 404, 'not_found');
    expectError(await admin.api.patch(`${U}/99999999`, { name: 'x' }), 404, 'not_found');
    expectError(await admin.api.patch(`${U}/${admin.user.id}`, {}), 400);
    expectError(await admin.api.get(`${U}/abc`), 400, 'validation_failed');
  });

  it('a supervisor can view users but not manage them', async () => {
    const sup = await api.login('supervisor@acme.test');
    expect((await sup.api.get(U)).status).toBe(200);
    expectError(await sup.api.post(U, { name: 'X', email: 'x@acme.test', role: 'tenant_admin', password: 'supervisor-made' }), 403, 'forbidden');
    expectError(await sup.api.patch(`${U}/${sup.user.id}`, { role: 'tenant_admin' }), 403, 'forbidden');
    const [row] = await sql(sys, 'select role from users where id = ?', [sup.user.id]);
    expect(row.role).toBe('supervisor');
  });
});

describe('invitations', () => {
  async function invite(email: string, role = 'sales_agent') {
    const res = await admin.api.post(I, { email, role });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body;
  }

  it('create → lookup → accept: the new user has the role, the tenant and the password they chose', async () => {
    const inv = await invite('Newbie@Acme.test', 'supervisor');
    expect(inv).toMatchObject({ id: expect.any(Number), email: 'newbie@acme.test', role: 'supervisor', acceptedAt: null, revokedAt: null });
    expect(inv.token).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    expect(inv.acceptUrl).toBe(`${sys.config.PUBLIC_URL.replace(/\/$/, '')}/accept-invitation?token=${inv.token}`);
    expect(Date.parse(inv.expiresAt)).toBeGreaterThan(Date.now());

    // Only the hash is stored.
    const [row] = await sql(sys, 'select * from invitations where id = ?', [inv.id]);
    expect(row.token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(row)).not.toContain(inv.token);
    expect(JSON.stringify((await admin.api.get(I)).body)).not.toContain(inv.token);

    const look = await api.get(`${I}/lookup?token=${inv.token}`);
    expect(look.status).toBe(200);
    expect(look.body).toEqual({ email: 'newbie@acme.test', role: 'supervisor', tenantName: 'Acme Support', expiresAt: expect.any(String) });
    // The column keeps whole seconds; the create answer carries the unrounded instant.
    expect(Math.abs(Date.parse(look.body.expiresAt) - Date.parse(inv.expiresAt))).toBeLessThan(1000);

    const acc = await api.post(`${I}/accept`, { token: inv.token, name: 'Newbie Person', password: 'newbie-chosen-pw' });
    expect(acc.status).toBe(201);
    expect(acc.body).toMatchObject({ email: 'newbie@acme.test', name: 'Newbie Person', role: 'supervisor', tenantId: acmeId, isActive: true });

    const s = await api.login('newbie@acme.test', 'newbie-chosen-pw');
    expect(s.user).toMatchObject({ tenantId: acmeId, role: 'supervisor' });
    expect((await s.api.get('/api/v1/me')).body.tenant.name).toBe('Acme Support');

    // The token travels in a query string; it never reaches the logs.
    expect(sys.logs.text()).not.toContain(inv.token);

    const listed = (await allPages(admin.api, I)).find((x) => x.id === inv.id);
    expect(listed.acceptedAt).toEqual(expect.any(String));

    const [created] = await auditRows(sys, acmeId, 'invitation.created');
    expect(Number(created.entity_id)).toBe(inv.id);
    expect(created.changes).toEqual({ email: 'newbie@acme.test', role: 'supervisor' });
    const [accepted] = await auditRows(sys, acmeId, 'invitation.accepted');
    expect(accepted.user_id).toBe(acc.body.id);
    expect(accepted.changes).toMatchObject({ invitationId: inv.id, role: 'supervisor' });
  });

  it('accepting twice is a 409, and creates no second user', async () => {
    const inv = await invite('twice@acme.test');
    expect((await api.post(`${I}/accept`, { token: inv.token, name: 'Once', password: 'twice-password' })).status).toBe(201);
    expectError(await api.post(`${I}/accept`, { token: inv.token, name: 'Twice', password: 'twice-password' }), 409, 'invitation_accepted');
    expectError(await api.get(`${I}/lookup?token=${inv.token}`), 409, 'invitation_accepted');
    const rows = await sql(sys, "select name from users where email = 'twice@acme.test'");
    expect(rows).toEqual([{ name: 'Once' }]);
    // An accepted invitation cannot be revoked any more.
    expectError(await admin.api.delete(`${I}/${inv.id}`), 409, 'invitation_accepted');
  });

  it('two concurrent accepts of one token create one user', async () => {
    const inv = await invite('race@acme.test');
    const results = await Promise.all([1, 2, 3].map((n) => api.post(`${I}/accept`, { token: inv.token, name: `Racer ${n}`, password: 'race-password' })));
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    for (const r of results.filter((x) => x.status !== 201)) expect([409]).toContain(r.status);
    const [n] = await sql(sys, "select count(*) n from users where email = 'race@acme.test'");
    expect(Number(n.n)).toBe(1);
  });

  it('an expired invitation is a 422 for lookup and accept', async () => {
    const inv = await invite('late@acme.test');
    await sql(sys, 'update invitations set expires_at = ? where id = ?', [new Date(Date.now() - 60_000), inv.id]);
    expectError(await api.get(`${I}/lookup?token=${inv.token}`), 422, 'invitation_expired');
    expectError(await api.post(`${I}/accept`, { token: inv.token, name: 'Late', password: 'late-password' }), 422, 'invitation_expired');
    expect(await sql(sys, "select id from users where email = 'late@acme.test'")).toEqual([]);
    // Once expired it no longer blocks a fresh invitation.
    expect((await admin.api.post(I, { email: 'late@acme.test', role: 'read_only' })).status).toBe(201);
  });

  it('a revoked invitation is a 422; revoking is audited and repeatable', async () => {
    const inv = await invite('revoked@acme.test');
    const del = await admin.api.delete(`${I}/${inv.id}`);
    expect(del.status).toBe(200);
    expect(del.body.revokedAt).toEqual(expect.any(String));
    expect((await admin.api.delete(`${I}/${inv.id}`)).status).toBe(200);
    expectError(await api.get(`${I}/lookup?token=${inv.token}`), 422, 'invitation_revoked');
    expectError(await api.post(`${I}/accept`, { token: inv.token, name: 'Revoked', password: 'revoked-password' }), 422, 'invitation_revoked');
    expect(await sql(sys, "select id from users where email = 'revoked@acme.test'")).toEqual([]);
    const rows = (await auditRows(sys, acmeId, 'invitation.revoked')).filter((r) => Number(r.entity_id) === inv.id);
    expect(rows).toHaveLength(1);
  });

  it('an unknown token is a 404; a malformed one a 400', async () => {
    expectError(await api.get(`${I}/lookup?token=${'x'.repeat(43)}`), 404, 'not_found');
    expectError(await api.post(`${I}/accept`, { token: 'y'.repeat(43), name: 'Nobody', password: 'nobody-password' }), 404, 'not_found');
    expectError(await api.get(`${I}/lookup?token=short`), 400, 'validation_failed');
    expectError(await api.get(`${I}/lookup`), 400, 'validation_failed');
  });

  it('an open invitation for the same email is a 409; so is an existing user\'s email, in any tenant', async () => {
    await invite('pending@acme.test');
    const again = await admin.api.post(I, { email: 'pending@acme.test', role: 'read_only' });
    expectError(again, 409, 'invitation_open');
    for (const email of ['agent1@acme.test', 'admin@globex.test']) expectError(await admin.api.post(I, { email, role: 'read_only' }), 409, 'email_taken');
    const [n] = await sql(sys, "select count(*) n from invitations where email in ('pending@acme.test', 'agent1@acme.test', 'admin@globex.test')");
    expect(Number(n.n)).toBe(1);
  });

  it('an invitation whose email was taken meanwhile cannot be accepted (409)', async () => {
    const inv = await invite('sniped@acme.test');
    await createUser('sniped@acme.test');
    expectError(await api.post(`${I}/accept`, { token: inv.token, name: 'Sniped', password: 'sniped-password' }), 409, 'email_taken');
  });

  it('only users.manage may invite or list invitations', async () => {
    const agent = await api.login('agent2@acme.test');
    expectError(await agent.api.post(I, { email: 'agent-invite@acme.test', role: 'tenant_admin' }), 403, 'forbidden');
    expectError(await agent.api.get(I), 403, 'forbidden');
    expect(await sql(sys, "select id from invitations where email = 'agent-invite@acme.test'")).toEqual([]);
  });

  it('an invitation accepted into Globex makes a Globex user', async () => {
    const gx = await api.login('admin@globex.test');
    const inv = (await gx.api.post(I, { email: 'joiner@globex.test', role: 'read_only' })).body;
    expect((await api.get(`${I}/lookup?token=${inv.token}`)).body.tenantName).toBe('Globex Sales');
    const acc = await api.post(`${I}/accept`, { token: inv.token, name: 'Joiner', password: 'joiner-password' });
    expect(acc.status).toBe(201);
    expect(acc.body.tenantId).toBe(globexId);
    expectError(await admin.api.get(`${U}/${acc.body.id}`), 404);
  });
});
