import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSeeded, sql } from '../helpers/seeded.ts';
import type { TestSystem } from '../helpers/system.ts';
import type { Api } from '../helpers/api.ts';
import { connectSocket, sleep, until, type ClientSocket } from '../helpers/sockets.ts';

/**
 * Reading notifications in one tab reaches the user's other tabs (notification:read, to the user's own room)
 * with the unread count; nobody else hears of it, and a read that changes nothing tells no one.
 */

let sys: TestSystem;
let api: Api;
const open: ClientSocket[] = [];
let ids: Record<string, number> = {};
let tenants: Record<string, number> = {};

beforeAll(async () => {
  ({ sys, api } = await startSeeded('notif_read'));
  for (const r of await sql(sys, 'select id, email from users')) ids[r.email] = Number(r.id);
  for (const r of await sql(sys, 'select id, name from tenants')) tenants[r.name] = Number(r.id);
});
afterAll(async () => {
  for (const s of open) s.close();
  await sys?.stop();
});

async function notify(email: string, tenant: string, title: string): Promise<number> {
  const [row] = await sql(sys, "insert into notifications (tenant_id, user_id, type, title, created_at) values (?, ?, 'test.note', ?, utc_timestamp()) returning id", [tenants[tenant], ids[email], title]);
  return Number(row.id);
}

async function tab(email: string) {
  const s = await api.login(email);
  const socket = await connectSocket(sys.baseUrl, s.accessToken);
  open.push(socket);
  return Object.assign(socket, { api: s.api });
}

const reads = (s: { received: any[] }) => s.received.filter((e) => e.type === 'notification:read');

describe('notification:read', () => {
  it('tells every tab of the user what was read and the unread count; other users and tenants hear nothing', async () => {
    const [a, b, c] = [await notify('agent1@acme.test', 'Acme Support', 'one'), await notify('agent1@acme.test', 'Acme Support', 'two'), await notify('agent1@acme.test', 'Acme Support', 'three')];
    await notify('agent2@acme.test', 'Acme Support', 'not yours');
    const tab1 = await tab('agent1@acme.test');
    const tab2 = await tab('agent1@acme.test');
    const other = await tab('agent2@acme.test');
    const globex = await tab('admin@globex.test');
    const unreadBefore = (await tab1.api.get('/api/v1/notifications')).body.unread;
    expect(unreadBefore).toBeGreaterThanOrEqual(3);

    const read = await tab1.api.post(`/api/v1/notifications/${b}/read`);
    expect(read.status).toBe(200);
    await until(() => reads(tab2).length === 1 && reads(tab1).length === 1);
    expect(reads(tab2)[0].data).toEqual({ ids: [b], upToId: null, readAt: read.body.readAt, unread: unreadBefore - 1 });
    expect(reads(tab2)[0].tenantId).toBe(tenants['Acme Support']);

    // Reading it again changes nothing and tells no one.
    expect((await tab2.api.post(`/api/v1/notifications/${b}/read`)).body.readAt).toBe(read.body.readAt);

    // Mark all read: every one up to the newest, with the count after.
    const all = await tab2.api.post('/api/v1/notifications/read-all');
    expect(all.body.updated).toBe(unreadBefore - 1);
    await until(() => reads(tab1).length === 2);
    const last = reads(tab1)[1].data;
    expect(last).toMatchObject({ ids: null, unread: 0 });
    expect(last.upToId).toBeGreaterThanOrEqual(c);
    expect((await sql(sys, 'select count(*) n from notifications where user_id = ? and read_at is null', [ids['agent1@acme.test']]))[0].n).toBe(0);
    expect((await sql(sys, 'select read_at from notifications where id in (?, ?)', [a, c])).every((r) => r.read_at !== null)).toBe(true);

    // Nothing left to read: no event.
    expect((await tab1.api.post('/api/v1/notifications/read-all')).body.updated).toBe(0);
    await sleep(300);
    expect(reads(tab1)).toHaveLength(2);
    expect(reads(tab2)).toHaveLength(2);
    expect(reads(other)).toEqual([]);
    expect(reads(globex)).toEqual([]);
    // agent2's own notification is untouched.
    expect((await sql(sys, "select read_at from notifications where user_id = ? and title = 'not yours'", [ids['agent2@acme.test']]))[0].read_at).toBeNull();
  });

  it('another user cannot read someone else\'s notification (404) and nobody is told', async () => {
    const n = await notify('agent1@acme.test', 'Acme Support', 'private');
    const owner = await tab('agent1@acme.test');
    const intruder = await tab('agent2@acme.test');
    const before = reads(owner).length;
    expect((await intruder.api.post(`/api/v1/notifications/${n}/read`)).status).toBe(404);
    const globexAdmin = await api.login('admin@globex.test');
    expect((await globexAdmin.api.post(`/api/v1/notifications/${n}/read`)).status).toBe(404);
    await sleep(300);
    expect(reads(owner)).toHaveLength(before);
    expect((await sql(sys, 'select read_at from notifications where id = ?', [n]))[0].read_at).toBeNull();
  });
});
