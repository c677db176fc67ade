import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSeeded, sql } from '../helpers/seeded.ts';
import type { TestSystem } from '../helpers/system.ts';
import type { Api } from '../helpers/api.ts';
import { connectSocket, sleep, until, type ClientSocket } from '../helpers/sockets.ts';
import { auditRows, expectError, statusesOf, tenantIds } from './util.ts';

/**
 * Seed 003's lead_statuses rules, through the API and down to the database:
 * one default per tenant, won/lost exclusive, won or lost implies closed,
 * a status with leads is not deleted (unless its leads are moved), reordering,
 * unique names per tenant, and the live lead-statuses:changed event.
 */

let sys: TestSystem;
let api: Api;
let admin: Api;
let agent: Api;
let globexAdmin: Api;
let acme: number;
let globex: number;
const open: ClientSocket[] = [];

const base = '/api/v1/lead-statuses';

async function defaultsOf(tenantId: number): Promise<number[]> {
  return (await sql(sys, 'select id from lead_statuses where tenant_id = ? and is_default = 1', [tenantId])).map((r) => Number(r.id));
}
async function leadCount(statusId: number): Promise<number> {
  return Number((await sql(sys, 'select count(*) n from leads where lead_status_id = ?', [statusId]))[0].n);
}
async function makeStatus(name: string, extra: Record<string, unknown> = {}): Promise<any> {
  const res = await admin.post(base, { name, ...extra });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}
async function restoreDefault(): Promise<void> {
  const s = await statusesOf(sys, acme);
  if (!s.New.isDefault) expect((await admin.patch(`${base}/${s.New.id}`, { isDefault: true })).status).toBe(200);
}

beforeAll(async () => {
  ({ sys, api } = await startSeeded('crm_statuses'));
  ({ acme, globex } = await tenantIds(sys));
  [admin, agent, globexAdmin] = (await Promise.all(['admin@acme.test', 'agent1@acme.test', 'admin@globex.test'].map((e) => api.login(e)))).map((s) => s.api);
});
afterAll(async () => {
  for (const s of open) s.close();
  await sys?.stop();
});

describe('listing', () => {
  it('lists the tenant\'s statuses in sort order, with lead counts equal to the database\'s when asked', async () => {
    const res = await agent.get(`${base}?counts=true`);
    expect(res.status).toBe(200);
    expect(res.body.data.map((s: any) => s.name)).toEqual(['New', 'Contacted', 'Qualified', 'Proposal', 'Negotiation', 'Won', 'Lost']);
    for (const s of res.body.data) expect(s.leadCount, s.name).toBe(await leadCount(s.id));
    expect(res.body.data.find((s: any) => s.name === 'Won')).toMatchObject({ isWon: true, isLost: false, isClosed: true });
    expect(res.body.data.find((s: any) => s.name === 'Proposal')).toMatchObject({ requiresFollowupDate: true, requiresNote: false });
    const plain = await agent.get(base);
    expect(plain.body.data[0]).not.toHaveProperty('leadCount');
    const globexIds = Object.values(await statusesOf(sys, globex)).map((s) => s.id);
    expect(res.body.data.some((s: any) => globexIds.includes(s.id))).toBe(false);
  });
});

describe('create, rename, recolour', () => {
  it('adds a status at the end with the default colour and writes an audit row', async () => {
    const before = await statusesOf(sys, acme);
    const maxOrder = Math.max(...Object.values(before).map((s) => s.sortOrder));
    const s = await makeStatus('Demo booked');
    expect(s).toMatchObject({ name: 'Demo booked', color: '#3B82F6', sortOrder: maxOrder + 1, isDefault: false, isClosed: false, isWon: false, isLost: false });
    const [row] = await auditRows(sys, acme, 'lead_status.created', s.id);
    expect(row).toBeTruthy();
    const renamed = await admin.patch(`${base}/${s.id}`, { name: 'Demo scheduled', color: '#112233' });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ id: s.id, name: 'Demo scheduled', color: '#112233' });
    const [db] = await sql(sys, 'select name, color from lead_statuses where id = ?', [s.id]);
    expect(db).toEqual({ name: 'Demo scheduled', color: '#112233' });
    const [upd] = await auditRows(sys, acme, 'lead_status.updated', s.id);
    expect(upd.changes).toMatchObject({ name: { from: 'Demo booked', to: 'Demo scheduled' }, color: { from: '#3B82F6', to: '#112233' } });
    expectError(await admin.patch(`${base}/${s.id}`, { color: 'red' }), 400);
    expectError(await admin.post(base, { name: '' }), 400);
  });

  it('names are unique per tenant (409, also by rename and regardless of case), but another tenant may use the same name', async () => {
    expectError(await admin.post(base, { name: 'Contacted' }), 409, 'name_taken');
    expectError(await admin.post(base, { name: 'contacted' }), 409, 'name_taken');
    const s = await statusesOf(sys, acme);
    expectError(await admin.patch(`${base}/${s.Qualified.id}`, { name: 'Contacted' }), 409, 'name_taken');
    // Renaming a status to its own name is no clash.
    expect((await admin.patch(`${base}/${s.Qualified.id}`, { name: 'Qualified' })).status).toBe(200);
    const a = await makeStatus('On hold');
    const g = await globexAdmin.post(base, { name: 'On hold' });
    expect(g.status, JSON.stringify(g.body)).toBe(201);
    expect(g.body.id).not.toBe(a.id);
    const [row] = await sql(sys, 'select tenant_id from lead_statuses where id = ?', [g.body.id]);
    expect(Number(row.tenant_id)).toBe(globex);
    // The Globex status is not visible in Acme.
    expect((await admin.get(base)).body.data.filter((x: any) => x.name === 'On hold').map((x: any) => x.id)).toEqual([a.id]);
  });
});

describe('exactly one default', () => {
  it('a new default status replaces the old one in the same tenant only', async () => {
    const globexDefaults = await defaultsOf(globex);
    expect(globexDefaults).toHaveLength(1);
    const s = await makeStatus('Inbound', { isDefault: true });
    expect(s.isDefault).toBe(true);
    expect(await defaultsOf(acme)).toEqual([s.id]);
    expect(await defaultsOf(globex)).toEqual(globexDefaults);
    // A lead created now lands in the new default.
    const lead = await agent.post('/api/v1/leads', { name: 'Default Landing' });
    expect(lead.body).toMatchObject({ statusId: s.id, statusName: 'Inbound' });
    await restoreDefault();
    expect(await defaultsOf(acme)).toEqual([(await statusesOf(sys, acme)).New.id]);
  });

  it('unsetting the only default is a 422; the default is still there', async () => {
    const s = await statusesOf(sys, acme);
    expectError(await admin.patch(`${base}/${s.New.id}`, { isDefault: false }), 422, 'default_required');
    expect(await defaultsOf(acme)).toEqual([s.New.id]);
  });

  it('concurrent "make default" requests on two statuses leave exactly one default, one of the two', async () => {
    const s = await statusesOf(sys, acme);
    const pairs = [[s.Contacted.id, s.Qualified.id], [s.Qualified.id, s.Contacted.id], [s.Proposal.id, s.Negotiation.id], [s.Contacted.id, s.Negotiation.id], [s.Qualified.id, s.Proposal.id]];
    for (const [a, b] of pairs) {
      const res = await Promise.all([admin.patch(`${base}/${a}`, { isDefault: true }), admin.patch(`${base}/${b}`, { isDefault: true })]);
      // Neither request may fail with a server error; a refused one is a conflict the client can retry.
      for (const r of res) expect([200, 409], JSON.stringify(r.body)).toContain(r.status);
      expect(res.some((r) => r.status === 200)).toBe(true);
      const defaults = await defaultsOf(acme);
      expect(defaults).toHaveLength(1);
      expect([a, b]).toContain(defaults[0]);
      await restoreDefault();
    }
  });

  it('the database itself refuses a second default for a tenant', async () => {
    const s = await statusesOf(sys, acme);
    await expect(sql(sys, 'update lead_statuses set is_default = 1 where id = ?', [s.Contacted.id])).rejects.toThrow(/duplicate/i);
    // ...while each tenant keeps its own.
    expect(await defaultsOf(acme)).toEqual([s.New.id]);
    expect(await defaultsOf(globex)).toHaveLength(1);
  });
});

describe('won, lost, closed', () => {
  it('won and lost together are a 422 on create and on update; the database refuses them too', async () => {
    expectError(await admin.post(base, { name: 'Both', isWon: true, isLost: true }), 422, 'won_and_lost');
    const s = await statusesOf(sys, acme);
    expectError(await admin.patch(`${base}/${s.Won.id}`, { isLost: true }), 422, 'won_and_lost');
    expect(Number((await sql(sys, 'select count(*) n from lead_statuses where name = ?', ['Both']))[0].n)).toBe(0);
    const [won] = await sql(sys, 'select is_won, is_lost from lead_statuses where id = ?', [s.Won.id]);
    expect([Number(won.is_won), Number(won.is_lost)]).toEqual([1, 0]);
    await expect(sql(sys, 'update lead_statuses set is_lost = 1 where id = ?', [s.Won.id])).rejects.toThrow(/constraint|check/i);
  });

  it('a won or a lost status is closed: implied when omitted, 422 when contradicted', async () => {
    const w = await makeStatus('Closed won (partner)', { isWon: true });
    expect(w).toMatchObject({ isWon: true, isClosed: true });
    const l = await makeStatus('Closed lost (budget)', { isLost: true });
    expect(l).toMatchObject({ isLost: true, isClosed: true });
    expectError(await admin.post(base, { name: 'Open won', isWon: true, isClosed: false }), 422, 'closed_required');
    const s = await statusesOf(sys, acme);
    expectError(await admin.patch(`${base}/${s.Won.id}`, { isClosed: false }), 422, 'closed_required');
    // Turning an open status into a lost one closes it.
    const o = await makeStatus('Parked');
    const patched = await admin.patch(`${base}/${o.id}`, { isLost: true });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ isLost: true, isClosed: true });
    // Switching Won to lost takes both flags at once.
    const swapped = await admin.patch(`${base}/${w.id}`, { isWon: false, isLost: true });
    expect(swapped.body).toMatchObject({ isWon: false, isLost: true, isClosed: true });
  });
});

describe('delete', () => {
  it('a status with leads answers 409 with the real lead count and deletes nothing', async () => {
    const s = await statusesOf(sys, acme);
    const n = await leadCount(s.Contacted.id);
    expect(n).toBeGreaterThan(0);
    const res = await admin.delete(`${base}/${s.Contacted.id}`);
    expectError(res, 409, 'status_in_use');
    expect(res.body.error.details.leadCount).toBe(n);
    expect(await leadCount(s.Contacted.id)).toBe(n);
    expect((await statusesOf(sys, acme)).Contacted).toBeTruthy();
  });

  it('the default status cannot be deleted (409)', async () => {
    const s = await statusesOf(sys, acme);
    expectError(await admin.delete(`${base}/${s.New.id}`), 409, 'default_status');
    expect((await statusesOf(sys, acme)).New).toBeTruthy();
  });

  it('with moveTo, the leads move (every one, with a new version), the status goes and the audit row says so', async () => {
    const from = await makeStatus('To retire');
    const s = await statusesOf(sys, acme);
    const created = [];
    for (const name of ['Retire A', 'Retire B', 'Retire C']) {
      const r = await agent.post('/api/v1/leads', { name, statusId: from.id });
      expect(r.status).toBe(201);
      created.push(r.body);
    }
    const targetBefore = await leadCount(s.Qualified.id);
    expectError(await admin.delete(`${base}/${from.id}?moveTo=${from.id}`), 422);
    expectError(await admin.delete(`${base}/${from.id}?moveTo=99999999`), 422, 'unknown_status');
    const globexStatus = Object.values(await statusesOf(sys, globex))[0].id;
    expectError(await admin.delete(`${base}/${from.id}?moveTo=${globexStatus}`), 422, 'unknown_status');
    expect(await leadCount(from.id)).toBe(3);

    const res = await admin.delete(`${base}/${from.id}?moveTo=${s.Qualified.id}`);
    expect(res.status, JSON.stringify(res.body)).toBe(204);
    expect(await leadCount(from.id)).toBe(0);
    expect(await leadCount(s.Qualified.id)).toBe(targetBefore + 3);
    expect((await sql(sys, 'select id from lead_statuses where id = ?', [from.id]))).toEqual([]);
    for (const l of created) {
      const [row] = await sql(sys, 'select lead_status_id, version from leads where id = ?', [l.id]);
      expect(Number(row.lead_status_id)).toBe(s.Qualified.id);
      expect(Number(row.version)).toBe(l.version + 1);
    }
    const [a] = await auditRows(sys, acme, 'lead_status.deleted', from.id);
    expect(a.changes).toMatchObject({ name: 'To retire', movedLeads: 3, moveTo: s.Qualified.id });
    expect(Number(a.user_id)).toBeGreaterThan(0);
    // A stale move of one of them is refused: the version moved on.
    expectError(await agent.post(`/api/v1/leads/${created[0].id}/move`, { statusId: s.Contacted.id, version: created[0].version }), 409, 'stale_version');
  });

  it('an empty status is deleted without moveTo; an unknown one is a 404', async () => {
    const e = await makeStatus('Empty one');
    expect((await admin.delete(`${base}/${e.id}`)).status).toBe(204);
    expect((await auditRows(sys, acme, 'lead_status.deleted', e.id)).length).toBe(1);
    expectError(await admin.delete(`${base}/${e.id}`), 404);
  });
});

describe('reorder', () => {
  it('needs every id of the tenant exactly once (422 otherwise), and the board and list follow the new order', async () => {
    const list = (await admin.get(base)).body.data as any[];
    const ids = list.map((s) => s.id);
    expectError(await admin.put(`${base}/order`, { ids: ids.slice(1) }), 422, 'incomplete_order');
    const globexStatus = Object.values(await statusesOf(sys, globex))[0].id;
    expectError(await admin.put(`${base}/order`, { ids: [...ids.slice(1), globexStatus] }), 422, 'incomplete_order');
    expectError(await admin.put(`${base}/order`, { ids: [...ids, 99999999] }), 422, 'incomplete_order');
    // A repeated id is refused by the body's schema (400 naming body.ids).
    const dup = await admin.put(`${base}/order`, { ids: [...ids.slice(1), ids[1]] });
    expectError(dup, 400);
    expect(dup.body.error.details.map((d: any) => d.path)).toContain('body.ids');
    expect((await admin.get(base)).body.data.map((s: any) => s.id)).toEqual(ids);

    const reversed = [...ids].reverse();
    const res = await admin.put(`${base}/order`, { ids: reversed });
    expect(res.status).toBe(200);
    expect(res.body.data.map((s: any) => s.id)).toEqual(reversed);
    expect((await agent.get(base)).body.data.map((s: any) => s.id)).toEqual(reversed);
    const board = await agent.get('/api/v1/leads/board?perColumn=1');
    expect(board.body.columns.map((c: any) => c.status.id)).toEqual(reversed);
    const rows = await sql(sys, 'select id from lead_statuses where tenant_id = ? order by sort_order, id', [acme]);
    expect(rows.map((r) => Number(r.id))).toEqual(reversed);
    expect((await auditRows(sys, acme, 'lead_status.reordered'))[0].changes).toEqual({ order: reversed });
    // Globex's order is untouched.
    const g = (await globexAdmin.get(base)).body.data.map((s: any) => s.name);
    expect(g.slice(0, 7)).toEqual(['New', 'Contacted', 'Qualified', 'Proposal', 'Negotiation', 'Won', 'Lost']);
    expect((await admin.put(`${base}/order`, { ids })).status).toBe(200);
  });
});

describe('live', () => {
  it('lead-statuses:changed reaches a leads.view socket of the tenant with the new list, and no other tenant', async () => {
    const viewer = await connectSocket(sys.baseUrl, (await api.login('viewer@acme.test')).accessToken);
    const other = await connectSocket(sys.baseUrl, (await api.login('admin@globex.test')).accessToken);
    open.push(viewer, other);
    const s = await makeStatus('Live column', { color: '#ABCDEF' });
    await until(() => viewer.received.some((e) => e.type === 'lead-statuses:changed'));
    const ev = viewer.received.find((e) => e.type === 'lead-statuses:changed');
    expect(ev.tenantId).toBe(acme);
    expect(ev.data.statuses.find((x: any) => x.id === s.id)).toMatchObject({ name: 'Live column', color: '#ABCDEF' });
    expect(ev.data.statuses.map((x: any) => x.id)).toEqual((await admin.get(base)).body.data.map((x: any) => x.id));
    viewer.received.length = 0;
    expect((await admin.patch(`${base}/${s.id}`, { name: 'Live col' })).status).toBe(200);
    await until(() => viewer.received.some((e) => e.type === 'lead-statuses:changed' && e.data.statuses.some((x: any) => x.name === 'Live col')));
    viewer.received.length = 0;
    expect((await admin.delete(`${base}/${s.id}`)).status).toBe(204);
    await until(() => viewer.received.some((e) => e.type === 'lead-statuses:changed' && !e.data.statuses.some((x: any) => x.id === s.id)));
    await sleep(150);
    expect(other.received.filter((e) => e.type === 'lead-statuses:changed')).toEqual([]);
  });
});
