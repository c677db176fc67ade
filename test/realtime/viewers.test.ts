import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSeeded, sql } from '../helpers/seeded.ts';
import type { TestSystem } from '../helpers/system.ts';
import type { Api } from '../helpers/api.ts';
import { command, connectSocket, sleep, until, type ClientSocket } from '../helpers/sockets.ts';
import { DEFAULT_ROLE_PERMISSIONS } from '../../shared/permissions.ts';
import type { AnyEnvelope, Viewer } from '../../shared/realtime.ts';

/** "Who else is viewing this lead or conversation": live lists, clean-up on navigation and disconnect, tenancy. */

type Sock = ClientSocket & { ready: { seq: number; userId: number; tenantId: number; permissions: string[] }; received: AnyEnvelope[] };
type ViewersChanged = { entityType: string; entityId: number; viewers: Viewer[] };

let sys: TestSystem;
let api: Api;
const open: Sock[] = [];
const ids: Record<string, number> = {};
const names: Record<string, string> = {};
let acme: number;
let globex: number;
let leads: number[];
let globexLead: number;

async function socketFor(email: string): Promise<Sock> {
  const s = (await connectSocket(sys.baseUrl, (await api.login(email)).accessToken)) as Sock;
  open.push(s);
  return s;
}

const viewer = (email: string): Viewer => ({ userId: ids[email], name: names[email] });
const byName = (vs: Viewer[]) => [...vs].sort((a, b) => a.name.localeCompare(b.name));
const changes = (s: Sock, entityId: number) =>
  s.received.filter((e) => e.type === 'viewers:changed' && (e.data as ViewersChanged).entityId === entityId).map((e) => e.data as ViewersChanged);
const lastList = (s: Sock, entityId: number) => changes(s, entityId).at(-1)?.viewers;
const sameList = (a: Viewer[] | undefined, b: Viewer[]) => JSON.stringify(a) === JSON.stringify(byName(b));
const trackingOf = (socketId: string) => sql(sys, 'select entity_type, entity_id, user_id, node_id, tenant_id from presence_tracking where socket_id = ? order by id', [socketId]);

async function view(s: Sock, entityType: string, entityId: number) {
  const ack = await command<{ viewers: Viewer[] }>(s, 'viewing:set', { entityType, entityId });
  expect(ack, JSON.stringify(ack)).toMatchObject({ ok: true });
  return ack.ok ? ack.data.viewers : [];
}

beforeAll(async () => {
  ({ sys, api } = await startSeeded('rt_viewers', { PRESENCE_GRACE_MS: 1500, PRESENCE_SWEEP_MS: 300, PRESENCE_HEARTBEAT_MS: 300, SOCKET_REVALIDATE_MS: 500 }));
  for (const r of await sql(sys, 'select id, email, name from users')) {
    ids[r.email] = Number(r.id);
    names[r.email] = r.name;
  }
  [acme, globex] = (await sql(sys, "select id from tenants order by name = 'Globex Sales', id")).map((r) => Number(r.id));
  leads = (await sql(sys, 'select id from leads where tenant_id = ? order by id limit 6', [acme])).map((r) => Number(r.id));
  globexLead = Number((await sql(sys, 'select id from leads where tenant_id = ? order by id limit 1', [globex]))[0].id);
});
afterAll(async () => {
  for (const s of open) s.close();
  await sys?.stop();
});

describe('viewers', () => {
  it('two agents on one lead see each other; navigating away and viewing nothing drop them from the list', async () => {
    const [L, M] = leads;
    const a = await socketFor('agent1@acme.test');
    const b = await socketFor('agent2@acme.test');
    // A supervisor who watches the lead's room (without viewing it) hears the list too.
    const watcher = await socketFor('supervisor@acme.test');
    expect((await command(watcher, 'room:join', { type: 'lead', id: L })).ok).toBe(true);

    expect(await view(a, 'lead', L)).toEqual([viewer('agent1@acme.test')]);
    const both = byName([viewer('agent1@acme.test'), viewer('agent2@acme.test')]);
    expect(await view(b, 'lead', L)).toEqual(both);
    await until(() => sameList(lastList(a, L), both) && sameList(lastList(b, L), both) && sameList(lastList(watcher, L), both));
    expect(changes(a, L).every((c) => c.entityType === 'lead')).toBe(true);
    expect(await trackingOf(a.id!)).toEqual([{ entity_type: 'lead', entity_id: L, user_id: ids['agent1@acme.test'], node_id: sys.nodeId, tenant_id: acme }]);

    // b navigates to another lead: L's list drops b, and b's tracking row follows.
    expect(await view(b, 'lead', M)).toEqual([viewer('agent2@acme.test')]);
    await until(() => sameList(lastList(a, L), [viewer('agent1@acme.test')]) && sameList(lastList(watcher, L), [viewer('agent1@acme.test')]));
    expect((await trackingOf(b.id!)).map((r) => [r.entity_type, r.entity_id])).toEqual([['lead', M]]);
    expect(await sys.services.presence.viewers(acme, 'lead', L)).toEqual([viewer('agent1@acme.test')]);

    // a views nothing (left the lead page).
    const none = await command<{ viewers: Viewer[] }>(a, 'viewing:set', null);
    expect(none).toEqual({ ok: true, data: { viewers: [] } });
    await until(() => sameList(lastList(watcher, L), []));
    expect(await trackingOf(a.id!)).toEqual([]);
    expect(await sys.services.presence.viewers(acme, 'lead', L)).toEqual([]);
    expect((await trackingOf(b.id!)).map((r) => r.entity_id)).toEqual([M]);
    b.close();
    a.close();
  });

  it('a user with two tabs on the lead is listed once, and stays listed while either tab views it', async () => {
    const L = leads[2];
    const tab1 = await socketFor('support@acme.test');
    const tab2 = await socketFor('support@acme.test');
    const other = await socketFor('agent1@acme.test');
    await view(other, 'lead', L);
    await view(tab1, 'lead', L);
    const both = byName([viewer('support@acme.test'), viewer('agent1@acme.test')]);
    expect(await view(tab2, 'lead', L)).toEqual(both);
    expect(await sql(sys, 'select id from presence_tracking where entity_id = ? and entity_type = ?', [L, 'lead'])).toHaveLength(3);
    expect(await command(tab1, 'viewing:set', null)).toMatchObject({ ok: true });
    await sleep(150);
    expect(lastList(other, L)).toEqual(both);
    expect(await command(tab2, 'viewing:set', null)).toMatchObject({ ok: true });
    await until(() => sameList(lastList(other, L), [viewer('agent1@acme.test')]));
    other.close();
  });

  it('a disconnect removes the socket from what it viewed', async () => {
    const L = leads[3];
    const a = await socketFor('agent1@acme.test');
    const b = await socketFor('agent2@acme.test');
    await view(a, 'lead', L);
    await view(b, 'lead', L);
    const aId = a.id!;
    expect(await trackingOf(aId)).toHaveLength(1);
    a.close();
    // Well within the grace period: viewing ends with the socket, not with the user's presence.
    await until(() => sameList(lastList(b, L), [viewer('agent2@acme.test')]), 1000);
    await until(async () => (await trackingOf(aId)).length === 0, 1000);
    expect(await sys.services.presence.viewers(acme, 'lead', L)).toEqual([viewer('agent2@acme.test')]);
    b.close();
  });

  it('fast navigation (acks not awaited) leaves the socket on one entity only, the last one asked', async () => {
    const a = await socketFor('agent2@acme.test');
    const watcher = await socketFor('agent1@acme.test');
    const path = [leads[0], leads[1], leads[4], leads[5], leads[0], leads[4], leads[4]];
    const acks = await Promise.all(path.map((id) => command(a, 'viewing:set', { entityType: 'lead', entityId: id })));
    expect(acks.every((x) => x.ok), JSON.stringify(acks)).toBe(true);
    // Over the socket the gateway authorizes each command before it reaches the presence
    // service, so the order of arrival is not guaranteed: one entity, whichever it is.
    const rows = await trackingOf(a.id!);
    expect(rows).toHaveLength(1);
    const onNow = rows[0].entity_id;
    for (const id of new Set(path)) {
      expect(await sys.services.presence.viewers(acme, 'lead', id), `lead ${id}`).toEqual(id === onNow ? [viewer('agent2@acme.test')] : []);
    }
    // Straight to the service, in order: the last one wins.
    const order = [leads[5], leads[1], leads[0], leads[1], leads[5], leads[0]];
    const results = await Promise.all(order.map((id) => sys.services.presence.setViewing(a.id!, { entityType: 'lead', entityId: id })));
    expect(results.at(-1)).toEqual([viewer('agent2@acme.test')]);
    expect((await trackingOf(a.id!)).map((r) => r.entity_id)).toEqual([leads[0]]);
    for (const id of [...new Set([...path, ...order])]) {
      expect(await sys.services.presence.viewers(acme, 'lead', id), `lead ${id}`).toEqual(id === leads[0] ? [viewer('agent2@acme.test')] : []);
    }
    // Someone arriving on a lead a left sees nobody else there.
    expect(await view(watcher, 'lead', leads[1])).toEqual([viewer('agent1@acme.test')]);
    a.close();
    watcher.close();
  });

  it('refuses another tenant\'s lead, an entity without its permission and malformed payloads', async () => {
    const a = await socketFor('agent1@acme.test');
    expect(await command(a, 'viewing:set', { entityType: 'lead', entityId: globexLead })).toMatchObject({ ok: false, code: 'not_found' });
    expect(await command(a, 'viewing:set', { entityType: 'conversation', entityId: 987_654 })).toMatchObject({ ok: false, code: 'not_found' });
    for (const bad of [{ entityType: 'campaign', entityId: 1 }, { entityType: 'lead', entityId: 0 }, { entityType: 'lead', entityId: '5' }, { entityType: 'lead' }, { entityType: 'lead', entityId: 1, x: 1 }, 'lead', 42]) {
      expect(await command(a, 'viewing:set', bad), JSON.stringify(bad)).toMatchObject({ ok: false, code: 'validation_failed' });
    }
    expect(await trackingOf(a.id!)).toEqual([]);

    // support_agent without chats.view and leads.view may view neither.
    const admin = await api.login('admin@acme.test');
    const without = DEFAULT_ROLE_PERMISSIONS.support_agent.filter((p) => p !== 'chats.view' && p !== 'leads.view');
    expect((await admin.api.put('/api/v1/permissions/support_agent', { permissions: without })).status).toBe(200);
    try {
      const s = await socketFor('support@acme.test');
      expect(await command(s, 'viewing:set', { entityType: 'conversation', entityId: 1 })).toMatchObject({ ok: false, code: 'forbidden' });
      expect(await command(s, 'viewing:set', { entityType: 'lead', entityId: leads[0] })).toMatchObject({ ok: false, code: 'forbidden' });
      expect(await trackingOf(s.id!)).toEqual([]);
      s.close();
    } finally {
      await admin.api.put('/api/v1/permissions/support_agent', { permissions: DEFAULT_ROLE_PERMISSIONS.support_agent });
    }
  });

  it('tenants never see each other\'s viewers', async () => {
    const acmeA = await socketFor('agent1@acme.test');
    const g1 = await socketFor('admin@globex.test');
    const g2 = await socketFor('agent1@globex.test');
    const L = leads[1];
    await view(acmeA, 'lead', L);
    // Globex viewing its own lead: its list holds only Globex users.
    expect(await view(g1, 'lead', globexLead)).toEqual([viewer('admin@globex.test')]);
    expect(await view(g2, 'lead', globexLead)).toEqual(byName([viewer('admin@globex.test'), viewer('agent1@globex.test')]));
    // Globex cannot look at Acme's lead, nor join its room to listen.
    expect(await command(g1, 'viewing:set', { entityType: 'lead', entityId: L })).toMatchObject({ ok: false, code: 'not_found' });
    expect(await command(g1, 'room:join', { type: 'lead', id: L })).toMatchObject({ ok: false, code: 'not_found' });
    await view(acmeA, 'lead', leads[2]);
    await sleep(250);
    for (const g of [g1, g2]) {
      expect(g.received.every((e) => e.tenantId === globex)).toBe(true);
      expect(g.received.filter((e) => e.type === 'viewers:changed').every((e) => (e.data as ViewersChanged).entityId === globexLead)).toBe(true);
    }
    expect(acmeA.received.filter((e) => e.type === 'viewers:changed').every((e) => e.tenantId === acme && (e.data as ViewersChanged).entityId !== globexLead)).toBe(true);
    expect(await sys.services.presence.viewers(acme, 'lead', globexLead)).toEqual([]);
    expect(await sys.services.presence.viewers(globex, 'lead', L)).toEqual([]);
    for (const s of [acmeA, g1, g2]) s.close();
  });
});
