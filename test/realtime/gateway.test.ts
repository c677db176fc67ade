import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignJWT, UnsecuredJWT } from 'jose';
import { startSeeded, sql } from '../helpers/seeded.ts';
import type { TestSystem } from '../helpers/system.ts';
import type { Api } from '../helpers/api.ts';
import { command, connectSocket, refusal, sleep, until, type ClientSocket } from '../helpers/sockets.ts';

let sys: TestSystem;
let api: Api;
const open: ClientSocket[] = [];
const ids: Record<string, number> = {};
let acme: number;
let globex: number;

async function socketFor(email: string, transports?: ('websocket' | 'polling')[]) {
  const s = await api.login(email);
  const socket = await connectSocket(sys.baseUrl, s.accessToken, { transports });
  open.push(socket);
  return Object.assign(socket, { session: s });
}

beforeAll(async () => {
  ({ sys, api } = await startSeeded('rt_gateway', { PRESENCE_GRACE_MS: 1500, PRESENCE_SWEEP_MS: 300, PRESENCE_HEARTBEAT_MS: 300, SOCKET_REVALIDATE_MS: 500, REALTIME_LOG_MAXLEN: 200, TRUST_PROXY: 'false' }));
  for (const r of await sql(sys, 'select id, email from users')) ids[r.email] = Number(r.id);
  [acme, globex] = (await sql(sys, "select id from tenants order by name = 'Globex Sales', id")).map((r) => Number(r.id));
});
afterAll(async () => {
  for (const s of open) s.close();
  await sys?.stop();
});

describe('handshake', () => {
  it('refuses each bad credential with a message that says which', async () => {
    const { user } = await api.login('agent2@acme.test');
    const key = new TextEncoder().encode(sys.config.JWT_SECRET);
    const claims = { tid: user.tenantId, role: user.role, ver: 0 };
    const signed = (aud: string, exp: number | string) => new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setSubject(String(user.id)).setIssuer(sys.config.JWT_ISSUER).setAudience(aud).setIssuedAt(Math.floor(Date.now() / 1000) - 7200).setExpirationTime(exp).sign(key);
    const cases: [string | undefined, string][] = [
      [undefined, 'token_missing'],
      [await new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setSubject(String(user.id)).setIssuer(sys.config.JWT_ISSUER).setAudience(sys.config.JWT_AUDIENCE).setIssuedAt().setExpirationTime('5m').sign(new TextEncoder().encode('y'.repeat(40))), 'token_invalid'],
      [await signed(sys.config.JWT_AUDIENCE, Math.floor(Date.now() / 1000) - 60), 'token_expired'],
      [new UnsecuredJWT(claims).setSubject(String(user.id)).setIssuer(sys.config.JWT_ISSUER).setAudience(sys.config.JWT_AUDIENCE).setIssuedAt().setExpirationTime('5m').encode(), 'token_algorithm'],
      [await signed('another-audience', '5m'), 'token_audience'],
    ];
    for (const [token, code] of cases) {
      const r = await refusal(sys.baseUrl, token);
      expect(r.message, code).toMatch(new RegExp(`^${code}: `));
      expect(r.data.code).toBe(code);
    }
  });

  it('refuses an inactive user and a suspended tenant', async () => {
    const s = await api.login('agent1@globex.test');
    await sql(sys, 'update users set is_active = 0 where id = ?', [ids['agent1@globex.test']]);
    expect((await refusal(sys.baseUrl, s.accessToken)).data.code).toBe('user_inactive');
    await sql(sys, 'update users set is_active = 1 where id = ?', [ids['agent1@globex.test']]);
    await sql(sys, "update tenants set status = 'suspended' where id = ?", [globex]);
    expect((await refusal(sys.baseUrl, s.accessToken)).data.code).toBe('tenant_suspended');
    await sql(sys, "update tenants set status = 'active' where id = ?", [globex]);
  });

  it('session:ready tells the user their own presence; a reason added by an admin reaches every agent', async () => {
    const s = await socketFor('agent1@acme.test');
    expect(s.ready.presence).toMatchObject({ userId: ids['agent1@acme.test'], state: expect.any(String) });
    const admin = await api.login('admin@acme.test');
    const got = until(() => s.received.some((e) => e.type === 'presence-reasons:changed' && e.data.reasons.some((r: any) => r.name === 'Coaching')));
    expect((await admin.api.post('/api/v1/presence-reasons', { name: 'Coaching' })).status).toBe(201);
    await got;
  });

  it('accepts long-polling as well as websocket', async () => {
    const s = await socketFor('viewer@acme.test', ['polling']);
    expect(s.ready.userId).toBe(ids['viewer@acme.test']);
    expect(s.io.engine.transport.name).toBe('polling');
    s.close();
  });
});

describe('rooms', () => {
  it('an entity room of the own tenant can be joined; another tenant\'s is not found; a missing permission is forbidden', async () => {
    const agent = await socketFor('agent1@acme.test');
    const support = await socketFor('support@acme.test');
    const [acmeLead] = await sql(sys, 'select id from leads where tenant_id = ? limit 1', [acme]);
    const [globexLead] = await sql(sys, 'select id from leads where tenant_id = ? limit 1', [globex]);
    const ok = await command(agent, 'room:join', { type: 'lead', id: Number(acmeLead.id) });
    expect(ok).toEqual({ ok: true, data: { room: `t:${acme}:lead:${acmeLead.id}` } });
    const other = await command(agent, 'room:join', { type: 'lead', id: Number(globexLead.id) });
    expect(other).toMatchObject({ ok: false, code: 'not_found' });
    // support_agent lacks campaigns.view by default.
    const denied = await command(support, 'room:join', { type: 'campaign', id: 1 });
    expect(denied).toMatchObject({ ok: false, code: 'forbidden' });
  });

  it('conversation and campaign rooms: a real row of the own tenant joins, the same kind of row of another tenant is not found; viewing a conversation lists its viewers', async () => {
    // A WhatsApp thread and a campaign in each tenant (rows as the messaging and campaign services store them).
    const made: Record<number, { conversation: number; campaign: number }> = {};
    for (const t of [acme, globex]) {
      const [ch] = await sql(sys, "insert into whatsapp_channels (tenant_id, phone_number_id, business_account_id, display_phone_number, access_token_ciphertext, access_token_key_id) values (?, ?, 'waba', '+15550001', 'x', 'k') returning id", [t, `pn-rooms-${t}`]);
      const [co] = await sql(sys, "insert into contacts (tenant_id, first_name, phone) values (?, 'Room Contact', ?) returning id", [t, `+1202555${String(t).padStart(4, '0')}`]);
      const [tp] = await sql(sys, "insert into templates (tenant_id, name, category, language, components, status) values (?, 'rooms_tpl', 'UTILITY', 'en', '[]', 'APPROVED') returning id", [t]);
      const [cv] = await sql(sys, 'insert into conversations (tenant_id, channel_id, contact_id) values (?, ?, ?) returning id', [t, ch.id, co.id]);
      const [cp] = await sql(sys, "insert into campaigns (tenant_id, name, channel_id, template_id) values (?, 'Rooms campaign', ?, ?) returning id", [t, ch.id, tp.id]);
      made[t] = { conversation: Number(cv.id), campaign: Number(cp.id) };
    }
    const sup = await socketFor('supervisor@acme.test');
    const agent = await socketFor('agent1@acme.test');
    for (const type of ['conversation', 'campaign'] as const) {
      const own = made[acme][type];
      expect(await command(sup, 'room:join', { type, id: own })).toEqual({ ok: true, data: { room: `t:${acme}:${type}:${own}` } });
      // Globex's row exists, with its own id: to Acme it is not there.
      expect(await command(sup, 'room:join', { type, id: made[globex][type] })).toMatchObject({ ok: false, code: 'not_found' });
    }
    // Two Acme users viewing the same real conversation see each other; a Globex id is refused and lists nobody.
    const first = await command(sup, 'viewing:set', { entityType: 'conversation', entityId: made[acme].conversation });
    expect(first).toMatchObject({ ok: true });
    const second = await command(agent, 'viewing:set', { entityType: 'conversation', entityId: made[acme].conversation });
    expect(second.ok && (second.data as any).viewers.map((v: any) => v.userId).sort()).toEqual([ids['supervisor@acme.test'], ids['agent1@acme.test']].sort());
    expect(await command(agent, 'viewing:set', { entityType: 'conversation', entityId: made[globex].conversation })).toMatchObject({ ok: false, code: 'not_found' });
  });

  it('a socket is in its tenant\'s room, its user\'s room and the room of each permission events are addressed to that it holds; none other', async () => {
    const sup = await socketFor('supervisor@acme.test');
    const agent = await socketFor('agent1@acme.test');
    const roomsOf = (s: { id?: string }) => [...sys.gateway!.io.of('/').sockets.get(s.id!)!.rooms].filter((r) => r !== s.id).sort();
    // The supervisor holds 17 permissions, 6 of which some event is addressed to; agent1 holds 10, 2 of them.
    expect(roomsOf(sup)).toEqual([`t:${acme}`, ...['calls.recordings.view', 'calls.view_all', 'dashboard.view', 'leads.view', 'contacts.view', 'users.view'].map((p) => `t:${acme}:p:${p}`), `t:${acme}:u:${ids['supervisor@acme.test']}`].sort());
    expect(roomsOf(agent)).toEqual([`t:${acme}`, `t:${acme}:p:contacts.view`, `t:${acme}:p:leads.view`, `t:${acme}:u:${ids['agent1@acme.test']}`].sort());
  });

  it('tenant, permission and user rooms are assigned by the server from the token and cannot be asked for', async () => {
    const agent = await socketFor('agent1@acme.test');
    const other = await socketFor('admin@globex.test');
    for (const type of ['tenant', 'permission', 'user']) {
      const r = await command(agent, 'room:join', { type, id: globex });
      expect(r, type).toMatchObject({ ok: false, code: 'validation_failed' });
    }
    // Proof by delivery: a Globex tenant-wide event, a Globex permission event, a Globex user event never reach agent1.
    agent.received.length = 0;
    await sys.publisher.publish(globex, 'system:notice', { message: 'g-tenant' }, { kind: 'tenant' });
    await sys.publisher.publish(globex, 'system:notice', { message: 'g-perm' }, { kind: 'permission', permission: 'leads.view' });
    await sys.publisher.publish(globex, 'system:notice', { message: 'g-user' }, { kind: 'user', userId: ids['agent1@acme.test'] });
    await until(() => other.received.filter((e) => String(e.data.message).startsWith('g-')).length >= 2);
    await sleep(150);
    expect(agent.received).toEqual([]);
    // A permission room the user lacks: agent1 has no users.view.
    await sys.publisher.publish(acme, 'system:notice', { message: 'admins only' }, { kind: 'permission', permission: 'users.view' });
    await sleep(150);
    expect(agent.received).toEqual([]);
  });

  it('a malformed payload gets an error ack and disturbs nobody', async () => {
    const a = await socketFor('agent2@acme.test');
    const b = await socketFor('supervisor@acme.test');
    for (const bad of [null, 'lead', { type: 'lead' }, { type: 'table', id: 1 }, { type: 'lead', id: -1 }, { type: 'lead', id: 1, extra: true }, { type: 'lead', id: 1e300 }]) {
      const r = await command(a, 'room:join', bad);
      expect(r).toMatchObject({ ok: false, code: 'validation_failed' });
    }
    expect((await command(a, 'sync:catchup', { lastSeq: 'x' })).ok).toBe(false);
    expect(a.connected && b.connected).toBe(true);
    const got = until(() => b.received.some((e) => e.type === 'system:notice' && e.data.message === 'still alive'));
    await sys.publisher.publish(acme, 'system:notice', { message: 'still alive' }, { kind: 'tenant' });
    await got;
  });
});

describe('viewing and entity rooms', () => {
  it('navigating to another lead leaves the old lead\'s room, unless the client joined it on purpose', async () => {
    const s = await socketFor('agent2@acme.test');
    const [a, b, c] = (await sql(sys, 'select id from leads where tenant_id = ? order by id limit 3', [acme])).map((r) => Number(r.id));
    expect((await command(s, 'room:join', { type: 'lead', id: c })).ok).toBe(true);
    expect((await command(s, 'viewing:set', { entityType: 'lead', entityId: a })).ok).toBe(true);
    expect((await command(s, 'viewing:set', { entityType: 'lead', entityId: b })).ok).toBe(true);
    expect((await command(s, 'viewing:set', { entityType: 'lead', entityId: c })).ok).toBe(true);
    expect((await command(s, 'viewing:set', null)).ok).toBe(true);
    s.received.length = 0;
    for (const id of [a, b, c]) await sys.publisher.publish(acme, 'system:notice', { message: `lead ${id}` }, { kind: 'entity', entityType: 'lead', id });
    const notices = () => s.received.filter((e) => e.type === 'system:notice').map((e) => e.data.message);
    await until(() => notices().length >= 1);
    await sleep(150);
    expect(notices()).toEqual([`lead ${c}`]);
  });

  it('commands of one socket are handled in the order sent: the last lead clicked is the one viewed', async () => {
    const s = await socketFor('agent1@acme.test');
    const ids = (await sql(sys, 'select id from leads where tenant_id = ? order by id desc limit 5', [acme])).map((r) => Number(r.id));
    const acks = await Promise.all(ids.map((id) => command(s, 'viewing:set', { entityType: 'lead', entityId: id })));
    expect(acks.every((x) => x.ok)).toBe(true);
    const rows = await sql(sys, 'select entity_id from presence_tracking where socket_id = ?', [s.id]);
    expect(rows.map((r) => Number(r.entity_id))).toEqual([ids[ids.length - 1]]);
  });
});

describe('client address', () => {
  it('X-Forwarded-For from an untrusted peer is ignored (TRUST_PROXY=false here)', async () => {
    const { accessToken } = await api.login('viewer@acme.test');
    const s = await connectSocket(sys.baseUrl, accessToken, { transports: ['polling'], headers: { 'x-forwarded-for': '203.0.113.99' } });
    open.push(s);
    // The row is written off the handshake path, within a fraction of a second.
    await until(async () => (await sql(sys, 'select ip_address from user_sessions where socket_id = ?', [s.id])).length === 1, 2000, 25);
    const [row] = await sql(sys, 'select ip_address from user_sessions where socket_id = ?', [s.id]);
    expect(row.ip_address).not.toBe('203.0.113.99');
    expect(row.ip_address).toMatch(/127\.0\.0\.1/);
  });
});

describe('publishing', () => {
  it('reaches exactly the sockets of the audience, never another tenant, with a growing sequence', async () => {
    const admin = await socketFor('admin@acme.test');
    const viewer = await socketFor('viewer@acme.test');
    const agent = await socketFor('agent1@acme.test');
    const other = await socketFor('admin@globex.test');
    const [lead] = await sql(sys, 'select id from leads where tenant_id = ? limit 1', [acme]);
    expect((await command(agent, 'room:join', { type: 'lead', id: Number(lead.id) })).ok).toBe(true);
    for (const s of [admin, viewer, agent, other]) s.received.length = 0;

    const e1 = await sys.publisher.publish(acme, 'system:notice', { message: 'everyone' }, { kind: 'tenant' });
    const e2 = await sys.publisher.publish(acme, 'system:notice', { message: 'recordings' }, { kind: 'permission', permission: 'calls.recordings.view' });
    const e3 = await sys.publisher.publish(acme, 'system:notice', { message: 'for agent1' }, { kind: 'user', userId: ids['agent1@acme.test'] });
    const e4 = await sys.publisher.publish(acme, 'system:notice', { message: 'lead watchers' }, { kind: 'entity', entityType: 'lead', id: Number(lead.id) });
    expect([e1.seq, e2.seq, e3.seq, e4.seq]).toEqual([e1.seq, e1.seq + 1, e1.seq + 2, e1.seq + 3]);
    expect(e1).toMatchObject({ tenantId: acme, type: 'system:notice', data: { message: 'everyone' } });
    expect(e1.id).toMatch(/^[0-9a-f-]{36}$/);

    await until(() => agent.received.length >= 3);
    await sleep(200);
    const msgs = (s: ClientSocket & { received: any[] }) => s.received.map((e) => e.data.message);
    expect(msgs(admin)).toEqual(['everyone', 'recordings']);
    expect(msgs(viewer)).toEqual(['everyone']);
    expect(msgs(agent)).toEqual(['everyone', 'for agent1', 'lead watchers']);
    expect(msgs(other)).toEqual([]);
  });
});

describe('catch-up', () => {
  it('replays exactly the missed events the user may see, in order, and none of the others', async () => {
    const s = await socketFor('agent2@acme.test');
    const [lead] = await sql(sys, 'select id from leads where tenant_id = ? order by id desc limit 1', [acme]);
    expect((await command(s, 'room:join', { type: 'lead', id: Number(lead.id) })).ok).toBe(true);
    const lastSeq = s.ready.seq;
    const token = s.session.accessToken;
    s.close();

    const mine: string[] = [];
    for (let i = 0; i < 80; i++) {
      const n = `e${i}`;
      switch (i % 8) {
        case 0: await sys.publisher.publish(acme, 'system:notice', { message: n }, { kind: 'tenant' }); mine.push(n); break;
        case 1: await sys.publisher.publish(acme, 'system:notice', { message: n }, { kind: 'permission', permission: 'leads.view' }); mine.push(n); break;
        case 2: await sys.publisher.publish(acme, 'system:notice', { message: n }, { kind: 'permission', permission: 'users.view' }); break;
        case 3: await sys.publisher.publish(acme, 'system:notice', { message: n }, { kind: 'user', userId: ids['agent2@acme.test'] }); mine.push(n); break;
        case 4: await sys.publisher.publish(acme, 'system:notice', { message: n }, { kind: 'user', userId: ids['agent1@acme.test'] }); break;
        case 5: await sys.publisher.publish(acme, 'system:notice', { message: n }, { kind: 'entity', entityType: 'lead', id: Number(lead.id) }); mine.push(n); break;
        case 6: await sys.publisher.publish(globex, 'system:notice', { message: n }, { kind: 'tenant' }); break;
        case 7: await sys.publisher.publish(acme, 'system:notice', { message: n }, { kind: 'any', of: [{ kind: 'permission', permission: 'contacts.view' }, { kind: 'user', userId: 999 }] }); mine.push(n); break;
      }
    }
    expect(mine).toHaveLength(50);

    const again = await connectSocket(sys.baseUrl, token);
    open.push(again);
    // The client rejoins its entity rooms first, then asks for what it missed.
    expect((await command(again, 'room:join', { type: 'lead', id: Number(lead.id) })).ok).toBe(true);
    const res = await command<any>(again, 'sync:catchup', { lastSeq });
    expect(res.ok).toBe(true);
    expect(res.data.mode).toBe('replay');
    expect(res.data.events.map((e: any) => e.data.message)).toEqual(mine);
    const seqs = res.data.events.map((e: any) => e.seq);
    expect([...seqs].sort((a: number, b: number) => a - b)).toEqual(seqs);
    expect(res.data.events.every((e: any) => e.tenantId === acme)).toBe(true);
    expect(res.data.seq).toBe(await sys.publisher.currentSeq(acme));
  });

  it('replays an event that was overtaken in flight: published just before the last seq seen, never received', async () => {
    const s = await socketFor('agent2@acme.test');
    const got: string[] = [];
    s.on('system:notice', (e: any) => got.push(e.id));
    // Two publishers at once: A gets its seq first but is still on its way when B, published after it, arrives.
    const a = await sys.publisher.append(acme, 'system:notice', { message: 'in flight' }, { kind: 'tenant' });
    const hidden = await sys.publisher.append(acme, 'system:notice', { message: 'admins only' }, { kind: 'permission', permission: 'users.view' });
    await sys.publisher.append(globex, 'system:notice', { message: 'globex' }, { kind: 'tenant' });
    const b = await sys.publisher.publish(acme, 'system:notice', { message: 'overtook' }, { kind: 'tenant' });
    await until(() => got.includes(b.id));
    expect(got).not.toContain(a.id);
    expect(b.seq).toBeGreaterThan(a.seq);
    // The socket drops before A arrives; the client's highest seq is B's.
    const token = s.session.accessToken;
    s.close();

    const again = await connectSocket(sys.baseUrl, token);
    open.push(again);
    const res = await command<any>(again, 'sync:catchup', { lastSeq: b.seq });
    expect(res.ok).toBe(true);
    expect(res.data.mode).toBe('replay');
    expect(res.data.events).toEqual([]);
    const recent = res.data.recent.map((e: any) => e.id);
    expect(recent).toContain(a.id);
    // Filtered like the rest: not the event of a permission agent2 lacks, nothing of another tenant, not B itself.
    expect(recent).not.toContain(hidden.id);
    expect(recent).not.toContain(b.id);
    expect(res.data.recent.every((e: any) => e.tenantId === acme && e.seq < b.seq)).toBe(true);
    const seqs = res.data.recent.map((e: any) => e.seq);
    expect([...seqs].sort((x: number, y: number) => x - y)).toEqual(seqs);
  });

  it('answers resync when the offset was trimmed away, or is ahead of the server', async () => {
    const s = await socketFor('viewer@acme.test');
    const old = 1;
    for (let i = 0; i < sys.config.REALTIME_LOG_MAXLEN + 5; i++) await sys.publisher.publish(acme, 'system:notice', { message: `fill${i}` }, { kind: 'tenant' });
    expect(await command<any>(s, 'sync:catchup', { lastSeq: old })).toMatchObject({ ok: true, data: { mode: 'resync' } });
    const now = await sys.publisher.currentSeq(acme);
    expect(await command<any>(s, 'sync:catchup', { lastSeq: now + 100 })).toMatchObject({ ok: true, data: { mode: 'resync', seq: now } });
    expect(await command<any>(s, 'sync:catchup', { lastSeq: now })).toMatchObject({ ok: true, data: { mode: 'replay', events: [] } });
  });
});

describe('access changes', () => {
  it('a deactivated user\'s sockets are dropped at once; a role change re-rooms within seconds', async () => {
    const admin = await api.login('admin@acme.test');
    const victim = await socketFor('support@acme.test');
    const dropped = new Promise<void>((r) => victim.once('disconnect', () => r()));
    const t0 = Date.now();
    expect((await admin.api.post(`/api/v1/users/${ids['support@acme.test']}/deactivate`)).status).toBe(200);
    await dropped;
    expect(Date.now() - t0).toBeLessThan(5000);
    await sql(sys, 'update users set is_active = 1 where id = ?', [ids['support@acme.test']]);

    // viewer (read_only) becomes a supervisor: without reconnecting, it starts receiving users.view events.
    const viewer = await socketFor('viewer@acme.test');
    expect((await admin.api.patch(`/api/v1/users/${ids['viewer@acme.test']}`, { role: 'supervisor' })).status).toBe(200);
    await until(async () => {
      viewer.received.length = 0;
      await sys.publisher.publish(acme, 'system:notice', { message: 'for users.view' }, { kind: 'permission', permission: 'users.view' });
      await sleep(100);
      return viewer.received.some((e) => e.data.message === 'for users.view');
    }, 5000, 50);
    await admin.api.patch(`/api/v1/users/${ids['viewer@acme.test']}`, { role: 'read_only' });
  });

  it('a permission granted to a role behind the API\'s back re-rooms that role\'s sockets; other tenants are not re-read', async () => {
    const viewer = await socketFor('viewer@acme.test');
    const hears = async () => {
      viewer.received.length = 0;
      await sys.publisher.publish(acme, 'system:notice', { message: 'for calls.recordings.view' }, { kind: 'permission', permission: 'calls.recordings.view' });
      await sleep(150);
      return viewer.received.some((e) => e.data.message === 'for calls.recordings.view');
    };
    await sleep(1200); // a few revalidation ticks: the socket has been checked once
    expect(await hears()).toBe(false);
    await sql(sys, "insert into permissions (tenant_id, role, permission) values (?, 'read_only', 'calls.recordings.view')", [acme]);
    try {
      await until(hears, 5000, 50);
    } finally {
      await sql(sys, "delete from permissions where tenant_id = ? and role = 'read_only' and permission = 'calls.recordings.view'", [acme]);
    }
    await until(async () => !(await hears()), 5000, 50);
  });

  it('a tenant suspended behind the API\'s back is noticed by revalidation', async () => {
    const s = await socketFor('admin@globex.test');
    const dropped = new Promise<void>((r) => s.once('disconnect', () => r()));
    const t0 = Date.now();
    await sql(sys, "update tenants set status = 'suspended' where id = ?", [globex]);
    try {
      await dropped;
      // Within the issue's 5 seconds (revalidation runs every SOCKET_REVALIDATE_MS, 2 s by default, 0.5 s here).
      expect(Date.now() - t0).toBeLessThan(5000);
    } finally {
      await sql(sys, "update tenants set status = 'active' where id = ?", [globex]);
    }
  });
});
