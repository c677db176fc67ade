import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSeeded, sql } from '../helpers/seeded.ts';
import { command, connectSocket, sleep, until, type ClientSocket } from '../helpers/sockets.ts';
import type { TestSystem } from '../helpers/system.ts';
import type { Api } from '../helpers/api.ts';
import { DEFAULT_ROLE_PERMISSIONS } from '../../shared/permissions.ts';
import { allPages, auditRows, expectError, tenantId } from '../tenancy/util.ts';

/**
 * Contacts through the API against the real database: keyset-paged lists (newest first, by first name),
 * search by name, email and phone in any format, detail, create and edit with E.164 phones, permissions
 * and tenant isolation; and their live events (contact:created, contact:updated) over real sockets.
 */

let sys: TestSystem;
let api: Api;
let admin: Api;
let agent: Api;
let viewer: Api;
let globexAdmin: Api;
let acme: number;
let globex: number;
let agentId: number;

const C = '/api/v1/contacts';
const ids = (rows: { id: number }[]) => rows.map((r) => r.id);

async function create(body: Record<string, unknown>, as: Api = agent): Promise<any> {
  const res = await as.post(C, body);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

async function tenantContactIds(tenant: number, order: string): Promise<number[]> {
  return (await sql(sys, `select id from contacts where tenant_id = ? order by ${order}`, [tenant])).map((r) => Number(r.id));
}

beforeAll(async () => {
  ({ sys, api } = await startSeeded('contacts'));
  acme = await tenantId(sys, 'Acme Support');
  globex = await tenantId(sys, 'Globex Sales');
  const sessions = await Promise.all(['admin@acme.test', 'agent1@acme.test', 'viewer@acme.test', 'admin@globex.test'].map((e) => api.login(e)));
  [admin, agent, viewer, globexAdmin] = sessions.map((s) => s.api);
  agentId = sessions[1].user.id;
});
afterAll(async () => {
  await sys?.stop();
});

describe('create and read', () => {
  it('creates a contact with its phone in E.164 (tenant country), lower-cased email, creator and audit row', async () => {
    const c = await create({ firstName: ' Grace ', lastName: 'Hopper', phone: '(202) 555-0143', email: 'Grace@Navy.Example', address: '1 Harbor Way' });
    expect(c).toMatchObject({
      id: expect.any(Number), firstName: 'Grace', lastName: 'Hopper', name: 'Grace Hopper', phone: '+12025550143', email: 'grace@navy.example',
      address: '1 Harbor Way', isFavorite: false, createdById: agentId, createdAt: expect.any(String), updatedAt: expect.any(String),
    });
    const [row] = await sql(sys, 'select tenant_id, phone, email, created_by_id from contacts where id = ?', [c.id]);
    expect([Number(row.tenant_id), row.phone, row.email, Number(row.created_by_id)]).toEqual([acme, '+12025550143', 'grace@navy.example', agentId]);
    const [a] = await auditRows(sys, acme, 'contact.created');
    expect(a).toMatchObject({ entity_type: 'contact', changes: { firstName: 'Grace', lastName: 'Hopper', phone: '+12025550143' } });
    expect(Number(a.entity_id)).toBe(c.id);

    const detail = await agent.get(`${C}/${c.id}`);
    expect(detail.status).toBe(200);
    expect(detail.body).toEqual(c);
    // Only a first name and a phone are required.
    expect(await create({ firstName: 'Mononym', phone: '+1 202 555 0144' })).toMatchObject({ lastName: null, name: 'Mononym', email: null, address: null, phone: '+12025550144' });
  });

  it('reads a national number with the tenant\'s own default country', async () => {
    const uk = '020 7946 0958';
    expectError(await agent.post(C, { firstName: 'UK in US', phone: uk }), 422, 'invalid_phone');
    expect((await create({ firstName: 'Brit', phone: uk }, globexAdmin)).phone).toBe('+442079460958');
    expect((await create({ firstName: 'Intl', phone: '+1 (202) 555-0188' }, globexAdmin)).phone).toBe('+12025550188');
  });

  it('refuses bad input with a JSON 400 naming the field, an invalid phone with a 422, and never a 5xx', async () => {
    const before = (await sql(sys, 'select count(*) n from contacts'))[0].n;
    const cases: [unknown, string][] = [
      [{ phone: '+12025550150' }, 'body.firstName'],
      [{ firstName: '   ', phone: '+12025550150' }, 'body.firstName'],
      [{ firstName: 'No Phone' }, 'body.phone'],
      [{ firstName: 'Short', phone: '1' }, 'body.phone'],
      [{ firstName: 'Long', phone: '1'.repeat(41) }, 'body.phone'],
      [{ firstName: 'Typed', phone: 12025550150 }, 'body.phone'],
      [{ firstName: 'Mail', phone: '+12025550150', email: 'not-an-email' }, 'body.email'],
      [{ firstName: 'Fav', phone: '+12025550150', isFavorite: 'yes' }, 'body.isFavorite'],
      [{ firstName: 'x'.repeat(256), phone: '+12025550150' }, 'body.firstName'],
      [{ firstName: 'Extra', phone: '+12025550150', tenantId: globex }, 'body.tenantId'],
    ];
    for (const [body, path] of cases) {
      const res = await agent.post(C, body);
      expectError(res, 400, 'validation_failed');
      expect(res.body.error.details.map((d: any) => d.path), JSON.stringify(body)).toContain(path);
    }
    for (const phone of ['nope nope', '+1 999', '555']) {
      const res = await agent.post(C, { firstName: 'Bad Phone', phone });
      expectError(res, 422, 'invalid_phone');
      expect(res.body.error.details).toEqual([expect.objectContaining({ path: 'body.phone' })]);
    }
    const malformed = await agent.request('POST', C, undefined, { raw: '{"firstName":' });
    expectError(malformed, 400, 'malformed_json');
    expect((await sql(sys, 'select count(*) n from contacts'))[0].n).toBe(before);
  });

  it('answers 404 for an id that does not exist and 400 for one that is not an id', async () => {
    expectError(await agent.get(`${C}/999999999`), 404, 'not_found');
    expectError(await agent.get(`${C}/abc`), 400, 'validation_failed');
    expectError(await agent.get(`${C}/-1`), 400, 'validation_failed');
  });
});

describe('edit', () => {
  it('changes only the fields sent, stores a new phone in E.164 and audits the difference', async () => {
    const c = await create({ firstName: 'Edit', lastName: 'Me', phone: '2025550160', email: 'edit@example.test' });
    const res = await agent.patch(`${C}/${c.id}`, { lastName: 'Changed', phone: '+1 202-555-0161', isFavorite: true });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ id: c.id, firstName: 'Edit', lastName: 'Changed', name: 'Edit Changed', phone: '+12025550161', email: 'edit@example.test', isFavorite: true });
    expect((await agent.get(`${C}/${c.id}`)).body).toEqual(res.body);
    const [row] = await sql(sys, 'select last_name, phone, is_favorite from contacts where id = ?', [c.id]);
    expect([row.last_name, row.phone, Number(row.is_favorite)]).toEqual(['Changed', '+12025550161', 1]);
    const [a] = await auditRows(sys, acme, 'contact.updated');
    expect(Number(a.entity_id)).toBe(c.id);
    expect(a.changes).toEqual({ lastName: { from: 'Me', to: 'Changed' }, phone: { from: '+12025550160', to: '+12025550161' }, isFavorite: { from: false, to: true } });

    // Clearing an optional field; a patch that changes nothing writes nothing.
    expect((await agent.patch(`${C}/${c.id}`, { email: null })).body.email).toBeNull();
    const audits = (await auditRows(sys, acme, 'contact.updated')).length;
    const same = await agent.patch(`${C}/${c.id}`, { lastName: 'Changed' });
    expect(same.status).toBe(200);
    expect((await auditRows(sys, acme, 'contact.updated')).length).toBe(audits);
  });

  it('refuses an invalid phone (422), an empty or unknown change (400), a required field cleared (400)', async () => {
    const c = await create({ firstName: 'Strict', phone: '+12025550162' });
    expectError(await agent.patch(`${C}/${c.id}`, { phone: 'not a phone' }), 422, 'invalid_phone');
    expectError(await agent.patch(`${C}/${c.id}`, {}), 400, 'validation_failed');
    expectError(await agent.patch(`${C}/${c.id}`, { firstName: null }), 400, 'validation_failed');
    expectError(await agent.patch(`${C}/${c.id}`, { phone: null }), 400, 'validation_failed');
    expectError(await agent.patch(`${C}/${c.id}`, { createdById: 1 }), 400, 'validation_failed');
    expectError(await agent.patch(`${C}/999999999`, { firstName: 'Ghost' }), 404, 'not_found');
    expect((await agent.get(`${C}/${c.id}`)).body).toMatchObject({ firstName: 'Strict', phone: '+12025550162' });
  });
});

describe('list and paging', () => {
  it('lists the tenant\'s contacts newest first, page by page, each exactly once', async () => {
    const first = await agent.get(`${C}?limit=5`);
    expect(first.status).toBe(200);
    expect(first.body.data).toHaveLength(5);
    expect(typeof first.body.nextCursor).toBe('string');
    const all = await allPages(agent, C, 7);
    expect(ids(all)).toEqual(await tenantContactIds(acme, 'id desc'));
    expect(all.length).toBeGreaterThanOrEqual(60);
    expect(all[0]).toEqual(expect.objectContaining({ id: expect.any(Number), name: expect.any(String), phone: expect.stringMatching(/^\+\d+$/) }));
  });

  it('sorts by first name (ties by id), page by page', async () => {
    const all = await allPages(agent, `${C}?sort=name`, 7);
    expect(ids(all)).toEqual(await tenantContactIds(acme, 'first_name, id'));
    for (let i = 1; i < all.length; i++) expect(all[i - 1].firstName.localeCompare(all[i].firstName, 'en', { sensitivity: 'base' })).toBeLessThanOrEqual(0);
  });

  it('keeps its place while contacts are added between pages', async () => {
    const page1 = await agent.get(`${C}?limit=10`);
    await create({ firstName: 'Added', lastName: 'Between Pages', phone: '+12025550163' });
    const page2 = await agent.get(`${C}?limit=10&cursor=${page1.body.nextCursor}`);
    expect(page2.status).toBe(200);
    const last = page1.body.data[9].id;
    expect(page2.body.data.every((c: any) => c.id < last)).toBe(true);
    expect(new Set([...ids(page1.body.data), ...ids(page2.body.data)]).size).toBe(20);
  });

  it('refuses a cursor it did not issue, or one of the other sort', async () => {
    const byName = (await agent.get(`${C}?sort=name&limit=2`)).body.nextCursor;
    const newest = (await agent.get(`${C}?limit=2`)).body.nextCursor;
    expectError(await agent.get(`${C}?sort=name&cursor=${newest}`), 400, 'validation_failed');
    expect((await agent.get(`${C}?cursor=${byName}`)).status).toBe(200); // carries an id too: a position in the newest order
    const forged = Buffer.from(JSON.stringify({ id: '1) OR (1=1' })).toString('base64url');
    for (const cursor of [forged, 'not-base64-json']) expectError(await agent.get(`${C}?cursor=${cursor}`), 400, 'validation_failed');
    for (const q of ['limit=0', 'limit=201', 'sort=phone', 'unknown=1', `q=${'x'.repeat(101)}`]) expectError(await agent.get(`${C}?${q}`), 400, 'validation_failed');
  });
});

describe('search', () => {
  let target: any;
  let other: any;
  beforeAll(async () => {
    target = await create({ firstName: 'Zephyrine', lastName: 'Quasar', email: 'zq@quillfeather.example', phone: '(202) 555-0177' });
    other = await create({ firstName: 'Zephyrine', lastName: 'Other', phone: '2025550178' });
    await create({ firstName: 'Zephyrine', lastName: 'Globex', phone: '+44 20 7946 0177' }, globexAdmin);
  });
  const search = async (q: string, as: Api = agent) => {
    const res = await as.get(`${C}?${new URLSearchParams({ q, limit: '200' })}`);
    expect(res.status, `${q}: ${JSON.stringify(res.body)}`).toBe(200);
    return ids(res.body.data);
  };

  it('finds by the start of the first name, last name, "first last" and email, in this tenant only', async () => {
    expect((await search('zephy')).sort()).toEqual([target.id, other.id].sort());
    expect(await search('Quas')).toEqual([target.id]);
    expect(await search('Zephyrine Qu')).toEqual([target.id]);
    expect(await search('ZQ@Quill')).toEqual([target.id]);
    expect(await search('Quasar Zephyrine')).toEqual([]);
    expect(await search('ephyrine')).toEqual([]);
  });

  it('finds a phone number written in several formats (compared in E.164), and a partial number', async () => {
    for (const q of ['(202) 555-0177', '202-555-0177', '2025550177', '+1 202 555 0177', '+12025550177']) expect(await search(q), q).toEqual([target.id]);
    // An E.164 prefix, and digits that are not a whole number, match part of the number.
    expect((await search('+1202555017')).sort()).toEqual(expect.arrayContaining([target.id, other.id]));
    expect(await search('555-0177')).toEqual([target.id]);
  });

  it('pages through a search like through the whole list', async () => {
    const matching = (await sql(sys, "select id from contacts where tenant_id = ? and phone like '+1202555%' order by id desc", [acme])).map((r) => Number(r.id));
    expect(matching.length).toBeGreaterThan(60);
    expect(ids(await allPages(agent, `${C}?q=${encodeURIComponent('+1202555')}`, 9))).toEqual(matching);
    const byName = (await sql(sys, "select id from contacts where tenant_id = ? and phone like '+1202555%' order by first_name, id", [acme])).map((r) => Number(r.id));
    expect(ids(await allPages(agent, `${C}?sort=name&q=${encodeURIComponent('+1202555')}`, 9))).toEqual(byName);
  });

  it('treats wildcards and SQL as text', async () => {
    for (const q of ['%', '_', '\\', "' OR 1=1 --", 'Zephyrine%']) expect(await search(q), q).toEqual([]);
  });
});

describe('permissions', () => {
  it('needs a token', async () => {
    expectError(await api.get(C), 401, 'token_missing');
    expectError(await api.post(C, { firstName: 'Anon', phone: '+12025550190' }), 401, 'token_missing');
  });

  it('lets read_only read but not write (contacts.manage)', async () => {
    const c = await create({ firstName: 'Readable', phone: '+12025550191' });
    expect((await viewer.get(C)).status).toBe(200);
    expect((await viewer.get(`${C}/${c.id}`)).status).toBe(200);
    const post = await viewer.post(C, { firstName: 'Nope', phone: '+12025550192' });
    expectError(post, 403, 'forbidden');
    expect(post.body.error.details).toEqual({ permission: 'contacts.manage' });
    expectError(await viewer.patch(`${C}/${c.id}`, { firstName: 'Nope' }), 403, 'forbidden');
    expect((await agent.get(`${C}/${c.id}`)).body.firstName).toBe('Readable');
  });

  it('answers 403 to a role whose contacts.view the tenant took away, and serves it again once given back', async () => {
    const c = await create({ firstName: 'Hidden', phone: '+12025550193' });
    const without = DEFAULT_ROLE_PERMISSIONS.read_only.filter((p) => p !== 'contacts.view');
    expect((await admin.put('/api/v1/permissions/read_only', { permissions: without })).status).toBe(200);
    try {
      for (const path of [C, `${C}/${c.id}`, `${C}?q=Hidden`]) {
        const res = await viewer.get(path);
        expectError(res, 403, 'forbidden');
        expect(res.body.error.details).toEqual({ permission: 'contacts.view' });
      }
    } finally {
      expect((await admin.put('/api/v1/permissions/read_only', { permissions: DEFAULT_ROLE_PERMISSIONS.read_only })).status).toBe(200);
    }
    expect((await viewer.get(`${C}/${c.id}`)).status).toBe(200);
  });
});

describe('tenant isolation', () => {
  it('never shows a Globex user an Acme contact, in the list or a search', async () => {
    const secret = await create({ firstName: 'Acmeonly', lastName: 'Secret', phone: '+12025550194', email: 'acmeonly@example.test' });
    const globexList = await allPages(globexAdmin, C, 50);
    expect(ids(globexList)).toEqual(await tenantContactIds(globex, 'id desc'));
    expect(ids(globexList)).not.toContain(secret.id);
    for (const q of ['Acmeonly', 'Secret', 'acmeonly@', '+12025550194', '(202) 555-0194']) {
      const res = await globexAdmin.get(`${C}?${new URLSearchParams({ q })}`);
      expect(res.status).toBe(200);
      expect(res.body.data, q).toEqual([]);
    }
    // And the other way round.
    const acmeList = await allPages(agent, C, 200);
    const globexIds = new Set(await tenantContactIds(globex, 'id'));
    expect(acmeList.filter((c) => globexIds.has(c.id))).toEqual([]);
  });

  it('answers 404, as for an id that does not exist, when a Globex user reads or edits an Acme contact', async () => {
    const secret = await create({ firstName: 'Acme', lastName: 'Private', phone: '+12025550195' });
    const read = await globexAdmin.get(`${C}/${secret.id}`);
    expectError(read, 404, 'not_found');
    expect(read.body).toEqual((await globexAdmin.get(`${C}/999999999`)).body);
    expectError(await globexAdmin.patch(`${C}/${secret.id}`, { firstName: 'Stolen' }), 404, 'not_found');
    const [row] = await sql(sys, 'select first_name, tenant_id from contacts where id = ?', [secret.id]);
    expect([row.first_name, Number(row.tenant_id)]).toEqual(['Acme', acme]);
    // A contact created by Globex belongs to Globex, whatever the caller sends.
    const mine = await create({ firstName: 'Globex', lastName: 'Own', phone: '020 7946 0959' }, globexAdmin);
    expect(Number((await sql(sys, 'select tenant_id from contacts where id = ?', [mine.id]))[0].tenant_id)).toBe(globex);
    expectError(await agent.get(`${C}/${mine.id}`), 404, 'not_found');
  });
});

describe('live events', () => {
  type Sock = ClientSocket & { received: any[]; ready: any };
  const CONTACT_EVENTS = ['contact:created', 'contact:updated'];
  const open: Sock[] = [];
  let holder: Sock;
  let noView: Sock;
  let otherTenant: Sock;

  async function socketFor(email: string): Promise<Sock> {
    const s = (await connectSocket(sys.baseUrl, (await api.login(email)).accessToken)) as Sock;
    open.push(s);
    return s;
  }
  const contactEvents = (s: Sock) => s.received.filter((e) => CONTACT_EVENTS.includes(e.type));
  const clear = () => { for (const s of open) s.received.length = 0; };
  /** Waits for a contact event on `s`, then lets stray deliveries arrive before the caller asserts on the others. */
  async function seen(s: Sock, type: string, id: number): Promise<any> {
    await until(() => s.received.some((e) => e.type === type && e.data.id === id));
    await sleep(150);
    return s.received.find((e) => e.type === type && e.data.id === id);
  }

  beforeAll(async () => {
    // support_agent loses contacts.view for this block: a user of the tenant who may not see contacts.
    const without = DEFAULT_ROLE_PERMISSIONS.support_agent.filter((p) => p !== 'contacts.view' && p !== 'contacts.manage');
    const put = await admin.put('/api/v1/permissions/support_agent', { permissions: without });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    holder = await socketFor('viewer@acme.test');
    noView = await socketFor('support@acme.test');
    otherTenant = await socketFor('admin@globex.test');
    expect(holder.ready.permissions).toContain('contacts.view');
    expect(noView.ready.permissions).not.toContain('contacts.view');
    expect(noView.ready.tenantId).toBe(acme);
    // Globex's admin holds contacts.view in Globex: only the tenant keeps Acme's events away.
    expect(otherTenant.ready.permissions).toContain('contacts.view');
    expect(otherTenant.ready.tenantId).toBe(globex);
  });
  afterAll(async () => {
    for (const s of open) s.close();
    await admin.put('/api/v1/permissions/support_agent', { permissions: DEFAULT_ROLE_PERMISSIONS.support_agent });
  });

  it('POST and PATCH publish contact:created and contact:updated, with the API\'s view, to holders of contacts.view of the tenant only', async () => {
    clear();
    const seqBefore = await sys.publisher.currentSeq(acme);
    // What the database holds when each event arrives: the event follows the commit.
    const atArrival: Record<string, any> = {};
    for (const type of CONTACT_EVENTS) {
      holder.once(type as any, (e: any) => {
        void sql(sys, 'select first_name, phone from contacts where id = ?', [e.data.id]).then(([row]) => (atArrival[type] = row ?? null));
      });
    }

    const created = await agent.post(C, { firstName: 'Live', lastName: 'Contact', phone: '(202) 555-0170', email: 'Live@Contact.Example' });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const c = await seen(holder, 'contact:created', created.body.id);
    expect(c).toEqual({ id: expect.any(String), tenantId: acme, seq: expect.any(Number), type: 'contact:created', at: expect.any(String), data: created.body });
    expect(c.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(Date.parse(c.at)).not.toBeNaN();
    expect(c.seq).toBeGreaterThan(seqBefore);
    expect(c.data).toMatchObject({ firstName: 'Live', lastName: 'Contact', name: 'Live Contact', phone: '+12025550170', email: 'live@contact.example', createdById: agentId });
    // The same shape the REST API answers with (GET included).
    expect(c.data).toEqual((await viewer.get(`${C}/${created.body.id}`)).body);

    const updated = await agent.patch(`${C}/${created.body.id}`, { firstName: 'Livelier', phone: '+1 202 555 0171' });
    expect(updated.status, JSON.stringify(updated.body)).toBe(200);
    const u = await seen(holder, 'contact:updated', created.body.id);
    expect(u).toEqual({ id: expect.any(String), tenantId: acme, seq: expect.any(Number), type: 'contact:updated', at: expect.any(String), data: updated.body });
    expect(u.data).toMatchObject({ id: created.body.id, firstName: 'Livelier', name: 'Livelier Contact', phone: '+12025550171' });
    expect(u.seq).toBeGreaterThan(c.seq);
    expect(u.id).not.toBe(c.id);

    await until(() => Object.keys(atArrival).length === 2);
    expect(atArrival['contact:created']).toEqual({ first_name: 'Live', phone: '+12025550170' });
    expect(atArrival['contact:updated']).toEqual({ first_name: 'Livelier', phone: '+12025550171' });

    expect(contactEvents(holder).map((e) => e.type)).toEqual(['contact:created', 'contact:updated']);
    expect(contactEvents(noView)).toEqual([]);
    expect(contactEvents(otherTenant)).toEqual([]);
  });

  it('a Globex contact reaches Globex\'s holders and not Acme\'s', async () => {
    clear();
    const created = await globexAdmin.post(C, { firstName: 'Globex', lastName: 'Live', phone: '020 7946 0170' });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const c = await seen(otherTenant, 'contact:created', created.body.id);
    expect(c).toMatchObject({ tenantId: globex, data: created.body });
    expect(contactEvents(holder)).toEqual([]);
    expect(contactEvents(noView)).toEqual([]);
  });

  it('a refused request (422, 400, 403, 404) or an edit that changes nothing publishes nothing', async () => {
    const c = await create({ firstName: 'Quiet', phone: '+12025550172' });
    await seen(holder, 'contact:created', c.id);
    clear();
    const seq = await sys.publisher.currentSeq(acme);
    expectError(await agent.post(C, { firstName: 'Bad Phone', phone: 'nope nope' }), 422, 'invalid_phone');
    expectError(await agent.patch(`${C}/${c.id}`, { phone: '+1 999' }), 422, 'invalid_phone');
    expectError(await agent.post(C, { phone: '+12025550173' }), 400, 'validation_failed');
    expectError(await agent.patch(`${C}/${c.id}`, {}), 400, 'validation_failed');
    expectError(await viewer.post(C, { firstName: 'Not Allowed', phone: '+12025550174' }), 403, 'forbidden');
    expectError(await viewer.patch(`${C}/${c.id}`, { firstName: 'Not Allowed' }), 403, 'forbidden');
    expectError(await globexAdmin.patch(`${C}/${c.id}`, { firstName: 'Stolen' }), 404, 'not_found');
    expect((await agent.patch(`${C}/${c.id}`, { firstName: 'Quiet' })).status).toBe(200);
    await sleep(300);
    for (const s of open) expect(contactEvents(s)).toEqual([]);
    // Nothing went into the tenant's log either (so no catch-up can replay it).
    expect(await sys.publisher.currentSeq(acme)).toBe(seq);

    // The next real change does publish: the silence above was not a dead socket.
    const ok = await agent.patch(`${C}/${c.id}`, { lastName: 'Now Loud' });
    expect((await seen(holder, 'contact:updated', c.id)).data).toEqual(ok.body);
  });

  it('the catch-up after a reconnect replays contact events to a holder, and not to a user without contacts.view', async () => {
    const from = await sys.publisher.currentSeq(acme);
    const c = await create({ firstName: 'Missed', lastName: 'While Away', phone: '+12025550175' });
    const u = (await agent.patch(`${C}/${c.id}`, { isFavorite: true })).body;
    const replayed = async (s: Sock) => {
      const res = await command<any>(s, 'sync:catchup', { lastSeq: from });
      expect(res).toMatchObject({ ok: true, data: { mode: 'replay' } });
      return res.data.events.filter((e: any) => CONTACT_EVENTS.includes(e.type));
    };
    const events = await replayed(holder);
    expect(events.map((e: any) => [e.type, e.data])).toEqual([['contact:created', c], ['contact:updated', u]]);
    expect(events.every((e: any) => e.tenantId === acme && e.seq > from)).toBe(true);
    expect(await replayed(noView)).toEqual([]);
  });
});

describe('API reference', () => {
  it('documents every contacts route in /api/v1/openapi.json', async () => {
    const doc: any = await (await fetch(`${sys.baseUrl}/api/v1/openapi.json`)).json();
    for (const [path, method] of [['/api/v1/contacts', 'get'], ['/api/v1/contacts', 'post'], ['/api/v1/contacts/{id}', 'get'], ['/api/v1/contacts/{id}', 'patch']] as const) {
      const op = doc.paths[path]?.[method];
      expect(op, `${method} ${path}`).toBeDefined();
      expect(op.summary).toEqual(expect.any(String));
      expect(op.description).toEqual(expect.any(String));
      expect(op.tags).toEqual(['Contacts']);
    }
    expect(doc.paths['/api/v1/contacts'].get.parameters.map((p: any) => p.name)).toEqual(expect.arrayContaining(['q', 'sort', 'cursor', 'limit']));
  });
});
