import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSeeded, sql } from '../helpers/seeded.ts';
import type { TestSystem } from '../helpers/system.ts';
import type { Api } from '../helpers/api.ts';
import { connectSocket, sleep, until, type ClientSocket } from '../helpers/sockets.ts';
import { seedDemo, DEFAULT_DISPOSITIONS } from '../../server/db/seed.ts';
import { SecretBox } from '../../server/security/secret-box.ts';
import { auditRows } from '../tenancy/util.ts';

/**
 * Seed 003's call_dispositions, per tenant: the seeded defaults, CRUD, order, exactly one
 * default, requires_note, retiring instead of deleting what calls carry, the live
 * call-dispositions:changed event, permissions and isolation, down to the database.
 */

let sys: TestSystem;
let api: Api;
let admin: Api;
let agent: Api;
let viewer: Api;
let supervisor: Api;
let globexAdmin: Api;
let acme: number;
let globex: number;
const sockets: (ClientSocket & { received: any[] })[] = [];
let agentSocket: ClientSocket & { received: any[] };
let globexSocket: ClientSocket & { received: any[] };

const base = '/api/v1/call-dispositions';
const SEEDED = DEFAULT_DISPOSITIONS.map((d) => d.name);

async function dbRows(tenantId: number) {
  const rows = await sql(sys, 'select id, name, sort_order, is_default, requires_note, is_active from call_dispositions where tenant_id = ? order by sort_order, id', [tenantId]);
  return rows.map((r) => ({ id: Number(r.id), name: r.name as string, sortOrder: Number(r.sort_order), isDefault: !!Number(r.is_default), requiresNote: !!Number(r.requires_note), isActive: !!Number(r.is_active) }));
}
const defaultsOf = async (tenantId: number) => (await dbRows(tenantId)).filter((d) => d.isDefault).map((d) => d.name);
const byName = async (name: string, tenantId = acme) => (await dbRows(tenantId)).find((d) => d.name === name)!;
const callsWith = async (id: number) => Number((await sql(sys, 'select count(*) n from calls where disposition_id = ?', [id]))[0].n);
const auditOf = (action: string) => auditRows(sys, acme, action);
async function create(name: string, extra: Record<string, unknown> = {}) {
  const res = await admin.post(base, { name, ...extra });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}
async function restoreAnsweredDefault() {
  const answered = await byName('Answered');
  if (!answered.isDefault) expect((await admin.patch(`${base}/${answered.id}`, { isDefault: true })).status).toBe(200);
}

beforeAll(async () => {
  ({ sys, api } = await startSeeded('dispositions'));
  const tenants = await sql(sys, 'select id, name from tenants');
  acme = Number(tenants.find((t) => t.name === 'Acme Support').id);
  globex = Number(tenants.find((t) => t.name === 'Globex Sales').id);
  const sessions = await Promise.all(['admin@acme.test', 'agent1@acme.test', 'viewer@acme.test', 'supervisor@acme.test', 'admin@globex.test'].map((e) => api.login(e)));
  [admin, agent, viewer, supervisor, globexAdmin] = sessions.map((s) => s.api);
  agentSocket = await connectSocket(sys.baseUrl, sessions[1].accessToken);
  globexSocket = await connectSocket(sys.baseUrl, sessions[4].accessToken);
  sockets.push(agentSocket, globexSocket);
});
afterAll(async () => {
  for (const s of sockets) s.close();
  await sys?.stop();
});

describe('the seeded defaults (seed 003)', () => {
  it('every demo tenant has Answered, No Answer, Voicemail, Busy, Wrong Number, Follow-up Required (needs a note), Answered the default', async () => {
    expect(SEEDED).toEqual(['Answered', 'No Answer', 'Voicemail', 'Busy', 'Wrong Number', 'Follow-up Required']);
    for (const t of [acme, globex]) {
      const rows = await dbRows(t);
      expect(rows.map((d) => d.name)).toEqual(SEEDED);
      expect(rows.filter((d) => d.isDefault).map((d) => d.name)).toEqual(['Answered']);
      expect(rows.filter((d) => d.requiresNote).map((d) => d.name)).toEqual(['Follow-up Required']);
      expect(rows.every((d) => d.isActive)).toBe(true);
    }
  });

  it('seeding again adds nothing', async () => {
    const before = await sql(sys, 'select * from call_dispositions order by id');
    await seedDemo(sys.orm, new SecretBox(sys.config.SECRETS_KEYS));
    expect(await sql(sys, 'select * from call_dispositions order by id')).toEqual(before);
  });
});

describe('GET /call-dispositions', () => {
  it('lists the active ones in order for anyone with calls.view (agents, read_only)', async () => {
    for (const who of [agent, viewer]) {
      const res = await who.get(base);
      expect(res.status).toBe(200);
      expect(res.body.data.map((d: any) => d.name)).toEqual(SEEDED);
      expect(res.body.data[0]).toEqual({ id: expect.any(Number), name: 'Answered', sortOrder: 0, isDefault: true, requiresNote: false, isActive: true });
    }
    const globexIds = (await dbRows(globex)).map((d) => d.id);
    expect((await agent.get(base)).body.data.some((d: any) => globexIds.includes(d.id))).toBe(false);
  });

  it('?all=true (retired ones too) needs settings.manage', async () => {
    const res = await agent.get(`${base}?all=true`);
    expect(res.status).toBe(403);
    expect(res.body.error.details).toEqual({ permission: 'settings.manage' });
    expect((await admin.get(`${base}?all=true`)).status).toBe(200);
    expect((await admin.get(`${base}?all=false`)).body.data.length).toBe(SEEDED.length);
    expect((await admin.get(`${base}?all=yes`)).status).toBe(400);
    expect((await admin.get(`${base}?other=1`)).status).toBe(400);
  });
});

describe('create and update', () => {
  it('adds one at the end (audited, announced to the whole tenant and to no other tenant)', async () => {
    agentSocket.received.length = 0;
    globexSocket.received.length = 0;
    const d = await create('Callback scheduled', { requiresNote: true });
    expect(d).toEqual({ id: expect.any(Number), name: 'Callback scheduled', sortOrder: SEEDED.length, isDefault: false, requiresNote: true, isActive: true });
    const [a] = await auditOf('call_disposition.created');
    expect(a).toMatchObject({ entity_type: 'call_disposition', entity_id: d.id });
    await until(() => agentSocket.received.some((e) => e.type === 'call-dispositions:changed'));
    const ev = agentSocket.received.find((e) => e.type === 'call-dispositions:changed');
    expect(ev.data.dispositions.map((x: any) => x.name)).toEqual([...SEEDED, 'Callback scheduled']);
    expect(ev.tenantId).toBe(acme);
    await sleep(100);
    expect(globexSocket.received.filter((e) => e.type === 'call-dispositions:changed')).toEqual([]);
  });

  it('names are unique per tenant (409), but another tenant may use the same name', async () => {
    const res = await admin.post(base, { name: 'Busy' });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('name_taken');
    expect((await globexAdmin.post(base, { name: 'Callback scheduled' })).status).toBe(201);
    const renamed = await admin.patch(`${base}/${(await byName('Callback scheduled')).id}`, { name: 'Voicemail' });
    expect(renamed.status).toBe(409);
  });

  it('renames, and toggles requiresNote', async () => {
    const d = await byName('Callback scheduled');
    const res = await admin.patch(`${base}/${d.id}`, { name: 'Call back later', requiresNote: false });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: d.id, name: 'Call back later', requiresNote: false });
    expect(await byName('Call back later')).toMatchObject({ id: d.id, requiresNote: false });
    const [a] = await auditOf('call_disposition.updated');
    expect(a.changes).toEqual({ name: { from: 'Callback scheduled', to: 'Call back later' }, requiresNote: { from: true, to: false } });
  });

  it('keeps exactly one default: a new default (created or patched) unsets the old one', async () => {
    const d = await create('Sale made', { isDefault: true });
    expect(d.isDefault).toBe(true);
    expect(await defaultsOf(acme)).toEqual(['Sale made']);
    const voicemail = await byName('Voicemail');
    expect((await admin.patch(`${base}/${voicemail.id}`, { isDefault: true })).body.isDefault).toBe(true);
    expect(await defaultsOf(acme)).toEqual(['Voicemail']);
    expect(await defaultsOf(globex)).toEqual(['Answered']);
    await restoreAnsweredDefault();
    expect(await defaultsOf(acme)).toEqual(['Answered']);
  });

  it('stays one default when two admins make different ones the default at the same time', async () => {
    const [busy, wrong] = [await byName('Busy'), await byName('Wrong Number')];
    for (let i = 0; i < 5; i++) {
      const res = await Promise.all([admin.patch(`${base}/${busy.id}`, { isDefault: true }), admin.patch(`${base}/${wrong.id}`, { isDefault: true })]);
      for (const r of res) expect([200, 409]).toContain(r.status);
      expect((await defaultsOf(acme)).length).toBe(1);
    }
    await restoreAnsweredDefault();
  });

  it('refuses to unset or retire the only default (422), and a retired one cannot become the default unless restored', async () => {
    const answered = await byName('Answered');
    let res = await admin.patch(`${base}/${answered.id}`, { isDefault: false });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('default_required');
    expect(res.body.error.details[0].path).toBe('body.isDefault');
    res = await admin.patch(`${base}/${answered.id}`, { isActive: false });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('default_required');
    expect(await defaultsOf(acme)).toEqual(['Answered']);

    const later = await byName('Call back later');
    expect((await admin.patch(`${base}/${later.id}`, { isActive: false })).body.isActive).toBe(false);
    res = await admin.patch(`${base}/${later.id}`, { isDefault: true });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('retired_default');
    res = await admin.patch(`${base}/${later.id}`, { isDefault: true, isActive: true });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ isDefault: true, isActive: true });
    await restoreAnsweredDefault();
  });

  it('refuses bad input with 400 naming the field', async () => {
    const d = await byName('Busy');
    const cases: [string, string, unknown, string][] = [
      ['POST', base, { name: '' }, 'body.name'],
      ['POST', base, { name: '   ' }, 'body.name'],
      ['POST', base, { name: 'x'.repeat(101) }, 'body.name'],
      ['POST', base, { name: 'Ok', sortOrder: 3 }, 'body.sortOrder'],
      ['POST', base, { name: 'Ok', requiresNote: 'yes' }, 'body.requiresNote'],
      ['PATCH', `${base}/${d.id}`, {}, 'body'],
      ['PATCH', `${base}/${d.id}`, { isActive: 'no' }, 'body.isActive'],
      ['PUT', `${base}/order`, { ids: [] }, 'body.ids'],
      ['PUT', `${base}/order`, { ids: [d.id, d.id] }, 'body.ids'],
      ['PUT', `${base}/order`, { ids: ['1'] }, 'body.ids.0'],
    ];
    for (const [method, url, body, path] of cases) {
      const res = await admin.request(method, url, body);
      expect(res.status, `${method} ${url} ${JSON.stringify(body)}`).toBe(400);
      expect(res.body.error.details.map((x: any) => x.path), `${method} ${JSON.stringify(body)}`).toContain(path);
    }
    expect((await admin.patch(`${base}/abc`, { name: 'x' })).status).toBe(400);
    expect((await admin.patch(`${base}/987654321`, { name: 'x' })).status).toBe(404);
    expect((await admin.delete(`${base}/987654321`)).status).toBe(404);
  });
});

describe('PUT /call-dispositions/order', () => {
  it('reorders: every active id once; retired ones may be left out and then follow', async () => {
    const rows = await dbRows(acme);
    const active = rows.filter((d) => d.isActive).map((d) => d.id);
    const reversed = [...active].reverse();
    agentSocket.received.length = 0;
    const res = await admin.put(`${base}/order`, { ids: reversed });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.data.filter((d: any) => d.isActive).map((d: any) => d.id)).toEqual(reversed);
    expect((await agent.get(base)).body.data.map((d: any) => d.id)).toEqual(reversed);
    expect((await dbRows(acme)).map((d) => d.sortOrder)).toEqual(rows.map((_, i) => i));
    await until(() => agentSocket.received.some((e) => e.type === 'call-dispositions:changed'));
    expect(agentSocket.received.find((e) => e.type === 'call-dispositions:changed').data.dispositions.filter((d: any) => d.isActive).map((d: any) => d.id)).toEqual(reversed);
    expect((await auditOf('call_disposition.reordered'))[0].changes.order.slice(0, reversed.length)).toEqual(reversed);
    // Back to the original order.
    expect((await admin.put(`${base}/order`, { ids: active })).status).toBe(200);
  });

  it('answers 422 when an active id is missing or an id is unknown (another tenant\'s included)', async () => {
    const active = (await dbRows(acme)).filter((d) => d.isActive).map((d) => d.id);
    let res = await admin.put(`${base}/order`, { ids: active.slice(1) });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('incomplete_order');
    const theirs = (await dbRows(globex))[0].id;
    res = await admin.put(`${base}/order`, { ids: [...active, theirs] });
    expect(res.status).toBe(422);
    expect(res.body.error.details[0].message).toContain(String(theirs));
    expect((await dbRows(globex))[0].sortOrder).toBe(0);
  });
});

describe('DELETE /call-dispositions/:id', () => {
  it('deletes one no call carries (204, audited)', async () => {
    const d = await create('Temporary outcome');
    const res = await admin.delete(`${base}/${d.id}`);
    expect(res.status).toBe(204);
    expect((await dbRows(acme)).some((x) => x.id === d.id)).toBe(false);
    expect((await auditOf('call_disposition.deleted'))[0]).toMatchObject({ entity_id: d.id });
    expect((await admin.delete(`${base}/${d.id}`)).status).toBe(404);
  });

  it('retires one that calls carry (200, isActive false): calls keep it, agents no longer see it, admins still do', async () => {
    const noAnswer = await byName('No Answer');
    const carried = await callsWith(noAnswer.id);
    expect(carried, 'the seed closes calls with No Answer').toBeGreaterThan(0);
    agentSocket.received.length = 0;
    const res = await admin.delete(`${base}/${noAnswer.id}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: noAnswer.id, name: 'No Answer', isActive: false });
    expect(await byName('No Answer')).toMatchObject({ isActive: false });
    expect(await callsWith(noAnswer.id)).toBe(carried);
    expect((await agent.get(base)).body.data.map((d: any) => d.name)).not.toContain('No Answer');
    expect((await admin.get(`${base}?all=true`)).body.data.find((d: any) => d.id === noAnswer.id)).toMatchObject({ isActive: false });
    expect((await auditOf('call_disposition.retired'))[0].changes).toEqual({ name: 'No Answer', calls: carried });
    await until(() => agentSocket.received.some((e) => e.type === 'call-dispositions:changed'));
    // Deleting it again keeps it retired; restoring brings it back.
    expect((await admin.delete(`${base}/${noAnswer.id}`)).status).toBe(200);
    expect((await admin.patch(`${base}/${noAnswer.id}`, { isActive: true })).body.isActive).toBe(true);
    expect((await agent.get(base)).body.data.map((d: any) => d.name)).toContain('No Answer');
  });

  it('refuses to delete the default (409 with a message)', async () => {
    const answered = await byName('Answered');
    const res = await admin.delete(`${base}/${answered.id}`);
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('default_disposition');
    expect(res.body.error.message).toMatch(/default/);
    expect(await byName('Answered')).toMatchObject({ isDefault: true, isActive: true });
  });
});

describe('access', () => {
  it('managing needs settings.manage: agents, supervisors and read_only get 403 and nothing changes', async () => {
    const before = await dbRows(acme);
    const busy = before.find((d) => d.name === 'Busy')!;
    for (const who of [agent, supervisor, viewer]) {
      for (const res of [
        await who.post(base, { name: 'Not allowed' }),
        await who.patch(`${base}/${busy.id}`, { name: 'Not allowed' }),
        await who.put(`${base}/order`, { ids: before.map((d) => d.id) }),
        await who.delete(`${base}/${busy.id}`),
      ]) {
        expect(res.status).toBe(403);
        expect(res.body.error.code).toBe('forbidden');
      }
    }
    expect(await dbRows(acme)).toEqual(before);
  });

  it('another tenant\'s disposition is a 404 and stays as it was', async () => {
    const theirs = await byName('Busy', globex);
    const before = await dbRows(globex);
    for (const res of [await admin.patch(`${base}/${theirs.id}`, { name: 'Hijacked', isDefault: true }), await admin.delete(`${base}/${theirs.id}`)]) {
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('not_found');
    }
    expect(await dbRows(globex)).toEqual(before);
  });
});
