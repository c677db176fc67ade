import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSeeded, sql } from '../helpers/seeded.ts';
import type { TestSystem } from '../helpers/system.ts';
import type { Api } from '../helpers/api.ts';
import { connectSocket, sleep, until, type ClientSocket } from '../helpers/sockets.ts';
import { SecretBox, sipPasswordAad } from '../../server/security/secret-box.ts';
import { auditRows } from '../tenancy/util.ts';

/**
 * Agents' SIP credentials (seed 003 agent_sip_credentials, DESIGN §2: "SIP passwords are
 * encrypted at rest and only ever returned to their own agent"): the admin routes, the
 * agent's own route, the encryption at rest (ciphertext in the column, a fresh IV, the
 * tenant and user bound as AAD) and, above all, that a password appears in no answer but
 * its agent's own /me, in no socket event, in no audit row and in no log line, including
 * the answers to bad requests.
 *
 * The system logs at trace, so "never logged" holds at every level an operator can pick.
 */

let sys: TestSystem;
let api: Api;
let admin: Api;
let agent1: Api;
let agent2: Api;
let support: Api;
let supervisor: Api;
let viewer: Api;
let globexAdmin: Api;
let box: SecretBox;
const ids = {} as Record<'acme' | 'globex' | 'admin' | 'agent1' | 'agent2' | 'support' | 'supervisor' | 'viewer' | 'globexAgent', number>;

/** Every password this file sends or the seed stored: none may leak. */
const secrets: string[] = ['sip-1001-demo', 'sip-1002-demo', 'sip-2001-demo'];
const secret = (label: string) => {
  const s = `${label}-${randomBytes(9).toString('hex')}`;
  secrets.push(s);
  return s;
};

/** Every HTTP answer this file receives, whatever client made it. */
const answers: { method: string; url: string; status: number; text: string }[] = [];
const realFetch = globalThis.fetch;

/** Every socket event any connected console receives (session:ready included), verbatim. */
const heard: { who: string; event: string; raw: string }[] = [];
const sockets: Record<string, ClientSocket & { received: any[] }> = {};

const base = '/api/v1';
const putBody = (over: Record<string, unknown> = {}) => ({ wsUrl: 'wss://pbx.example.test:8089/ws', username: '3001', domain: 'pbx.example.test', displayName: 'Casey Support', autoRegister: true, ...over });

async function row(userId: number) {
  const [r] = await sql(sys, 'select * from agent_sip_credentials where user_id = ?', [userId]);
  return r as Record<string, any> | undefined;
}
const auditOf = (action: string) => auditRows(sys, ids.acme, action);

beforeAll(async () => {
  globalThis.fetch = async (input: any, init?: any) => {
    const res = await realFetch(input, init);
    const text = await res.clone().text();
    answers.push({ method: String(init?.method ?? 'GET'), url: String(input), status: res.status, text });
    return res;
  };
  ({ sys, api } = await startSeeded('sip_creds', { LOG_LEVEL: 'trace' }));
  box = new SecretBox(sys.config.SECRETS_KEYS);
  const emails = { admin: 'admin@acme.test', agent1: 'agent1@acme.test', agent2: 'agent2@acme.test', support: 'support@acme.test', supervisor: 'supervisor@acme.test', viewer: 'viewer@acme.test', globexAgent: 'agent1@globex.test' } as const;
  for (const [k, email] of Object.entries(emails)) {
    const [u] = await sql(sys, 'select id, tenant_id from users where email = ?', [email]);
    ids[k as keyof typeof emails] = Number(u.id);
  }
  ids.acme = Number((await sql(sys, "select id from tenants where name = 'Acme Support'"))[0].id);
  ids.globex = Number((await sql(sys, "select id from tenants where name = 'Globex Sales'"))[0].id);
  const sessions = await Promise.all(['admin@acme.test', 'agent1@acme.test', 'agent2@acme.test', 'support@acme.test', 'supervisor@acme.test', 'viewer@acme.test', 'admin@globex.test'].map((e) => api.login(e)));
  [admin, agent1, agent2, support, supervisor, viewer, globexAdmin] = sessions.map((s) => s.api);
  const who = ['admin', 'agent1', 'agent2', 'support', 'supervisor', 'viewer', 'globexAdmin'];
  for (const [i, s] of sessions.entries()) {
    const socket = await connectSocket(sys.baseUrl, s.accessToken);
    socket.onAny((event: string, ...args: unknown[]) => heard.push({ who: who[i], event, raw: JSON.stringify(args) }));
    sockets[who[i]] = socket;
  }
});
afterAll(async () => {
  globalThis.fetch = realFetch;
  for (const s of Object.values(sockets)) s.close();
  await sys?.stop();
});

describe('GET /sip-credentials/me', () => {
  it('gives an agent their own credentials, password included, to register the softphone', async () => {
    const res = await agent1.get(`${base}/sip-credentials/me`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ wsUrl: 'wss://pbx.example.test:8089/ws', username: '1001', password: 'sip-1001-demo', domain: 'pbx.example.test', displayName: 'Alex Agent', autoRegister: true, iceServers: [] });
    expect((await agent2.get(`${base}/sip-credentials/me`)).body).toMatchObject({ username: '1002', password: 'sip-1002-demo' });
  });

  it('carries the tenant\'s STUN/TURN servers (settings iceServers), and only its own tenant\'s', async () => {
    const ice = [{ urls: 'stun:stun.acme.test:3478' }, { urls: ['turn:turn.acme.test:3478?transport=udp', 'turns:turn.acme.test:5349'], username: 'webrtc', credential: 'turn-secret-acme' }];
    const bad = await admin.patch(`${base}/settings`, { iceServers: [{ urls: 'https://stun.acme.test' }] });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('stun:, turn: or turns:');
    const set = await admin.patch(`${base}/settings`, { iceServers: ice });
    try {
      expect(set.status).toBe(200);
      expect(set.body.iceServers).toEqual(ice);
      expect((await agent1.get(`${base}/sip-credentials/me`)).body.iceServers).toEqual(ice);
      // The TURN credential is not written to the audit log.
      const [row] = await sql(sys, "select changes from audit_logs where tenant_id = ? and action = 'settings.updated' order by id desc limit 1", [ids.acme]);
      expect(JSON.stringify(row.changes)).not.toContain('turn-secret-acme');
      expect(JSON.stringify(row.changes)).toContain('stun:stun.acme.test:3478');
      // Another tenant's agents get their own (none).
      const globexAgent = (await api.login('agent1@globex.test')).api;
      const theirs = await globexAgent.get(`${base}/sip-credentials/me`);
      expect(JSON.stringify(theirs.body)).not.toContain('acme.test');
    } finally {
      await admin.patch(`${base}/settings`, { iceServers: [] });
    }
  });

  it('refuses a TURN server without both a username and a credential (the browser would throw on every call), naming it by its URLs', async () => {
    for (const [i, turn] of [{ urls: 'turn:turn.acme.test:3478', username: 'only-user' }, { urls: ['stun:s.acme.test', 'turns:turn.acme.test:5349'] }, { urls: 'turn:turn.acme.test:3478', username: ' ', credential: 'x' }].entries()) {
      const res = await admin.patch(`${base}/settings`, { iceServers: [{ urls: 'stun:stun.acme.test:3478' }, turn] });
      expect(res.status, `case ${i}: ${JSON.stringify(res.body)}`).toBe(422);
      // A credential with a blank username is the more specific error.
      if (i === 2) {
        expect(res.body.error.code).toBe('ice_username_required');
        continue;
      }
      expect(res.body.error).toEqual({
        code: 'ice_turn_auth_required',
        message: 'A TURN server needs a username and a credential.',
        details: [{ path: 'body.iceServers.1', message: `${[turn.urls].flat().join(',')} is a TURN server: it needs a username and a credential` }],
      });
    }
    const [t] = await sql(sys, 'select settings from tenants where id = ?', [ids.acme]);
    expect(JSON.stringify(t.settings ?? {})).not.toContain('turn.acme.test');
    // STUN servers need neither.
    const stunOnly = await admin.patch(`${base}/settings`, { iceServers: [{ urls: ['stun:a.acme.test', 'stun:b.acme.test:3478'] }] });
    expect(stunOnly.status).toBe(200);
    await admin.patch(`${base}/settings`, { iceServers: [] });
  });

  it('answers 404 with a message saying what to do when the caller has none', async () => {
    const res = await supervisor.get(`${base}/sip-credentials/me`);
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('not_found');
    expect(res.body.error.message).toMatch(/no SIP credentials.*administrator/i);
  });

  it('needs calls.make: read_only gets 403', async () => {
    const res = await viewer.get(`${base}/sip-credentials/me`);
    expect(res.status).toBe(403);
    expect(res.body.error).toMatchObject({ code: 'forbidden', details: { permission: 'calls.make' } });
  });
});

describe('GET /sip-credentials (admin)', () => {
  it('lists the tenant\'s agents\' credentials without any password', async () => {
    const res = await admin.get(`${base}/sip-credentials`);
    expect(res.status).toBe(200);
    const byName = Object.fromEntries(res.body.data.map((c: any) => [c.userName, c]));
    expect(Object.keys(byName).sort()).toEqual(['Alex Agent', 'Blair Agent']);
    expect(byName['Alex Agent']).toEqual({
      userId: ids.agent1, userName: 'Alex Agent', wsUrl: 'wss://pbx.example.test:8089/ws', username: '1001', domain: 'pbx.example.test', displayName: 'Alex Agent',
      autoRegister: true, hasPassword: true, updatedAt: expect.any(String),
    });
    for (const c of res.body.data) expect(Object.keys(c)).not.toContain('password');
  });

  it('needs settings.manage: an agent and read_only get 403', async () => {
    for (const who of [agent1, viewer, supervisor]) {
      const res = await who.get(`${base}/sip-credentials`);
      expect(res.status).toBe(403);
      expect(res.body.error.details).toEqual({ permission: 'settings.manage' });
    }
  });
});

describe('PUT /users/:id/sip-credentials', () => {
  it('creates credentials with the password encrypted at rest, and the agent can read them', async () => {
    const password = secret('create');
    const res = await admin.put(`${base}/users/${ids.support}/sip-credentials`, { ...putBody(), password });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toEqual({
      userId: ids.support, userName: 'Casey Support', wsUrl: 'wss://pbx.example.test:8089/ws', username: '3001', domain: 'pbx.example.test', displayName: 'Casey Support',
      autoRegister: true, hasPassword: true, updatedAt: expect.any(String),
    });
    const r = (await row(ids.support))!;
    // The column holds base64(iv ‖ tag ‖ ciphertext) under the current key, not the password.
    expect(r.password_ciphertext).not.toContain(password);
    expect(Buffer.from(r.password_ciphertext, 'base64').toString('latin1')).not.toContain(password);
    expect(Buffer.from(r.password_ciphertext, 'base64').length).toBe(12 + 16 + Buffer.byteLength(password));
    expect(r.password_key_id).toBe(box.currentKeyId);
    expect(box.decrypt(r.password_ciphertext, r.password_key_id, sipPasswordAad(ids.acme, ids.support))).toBe(password);
    expect((await support.get(`${base}/sip-credentials/me`)).body).toEqual({ ...putBody(), password, iceServers: [] });
    const [a] = await auditOf('sip_credentials.created');
    expect(a).toMatchObject({ user_id: ids.admin, entity_type: 'agent_sip_credential', entity_id: Number(r.id) });
    expect(a.changes).toMatchObject({ agentId: ids.support, sipUsername: '3001', passwordChanged: true });
    expect(JSON.stringify(a.changes)).not.toContain(r.password_ciphertext);
  });

  it('requires the password the first time: 422 naming the field', async () => {
    const res = await admin.put(`${base}/users/${ids.supervisor}/sip-credentials`, putBody({ username: '4001' }));
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('password_required');
    expect(res.body.error.details).toEqual([{ path: 'body.password', message: expect.stringMatching(/required/) }]);
    expect(await row(ids.supervisor)).toBeUndefined();
  });

  it('replaces them; an omitted password, display name or auto-register keeps the stored value', async () => {
    const before = (await row(ids.support))!;
    const { password } = (await support.get(`${base}/sip-credentials/me`)).body;
    const res = await admin.put(`${base}/users/${ids.support}/sip-credentials`, { wsUrl: 'wss://other-pbx.example.test/ws', username: '3002', domain: 'other-pbx.example.test' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ wsUrl: 'wss://other-pbx.example.test/ws', username: '3002', domain: 'other-pbx.example.test', displayName: 'Casey Support', autoRegister: true });
    const after = (await row(ids.support))!;
    expect(after.password_ciphertext).toBe(before.password_ciphertext);
    expect((await support.get(`${base}/sip-credentials/me`)).body).toMatchObject({ username: '3002', password });
    const [a] = await auditOf('sip_credentials.updated');
    expect(a.changes).toMatchObject({ agentId: ids.support, passwordChanged: false, sipUsername: { from: '3001', to: '3002' } });
    // displayName null clears it; autoRegister false is kept as false.
    const cleared = await admin.put(`${base}/users/${ids.support}/sip-credentials`, { wsUrl: 'wss://other-pbx.example.test/ws', username: '3002', domain: 'other-pbx.example.test', displayName: null, autoRegister: false });
    expect(cleared.body).toMatchObject({ displayName: null, autoRegister: false });
  });

  it('a new password is encrypted with a fresh IV each time, even when it is the same password', async () => {
    const password = secret('same-twice');
    const cts: string[] = [];
    for (let i = 0; i < 2; i++) {
      expect((await admin.put(`${base}/users/${ids.support}/sip-credentials`, { ...putBody({ username: '3002' }), password })).status).toBe(200);
      cts.push((await row(ids.support))!.password_ciphertext);
    }
    expect(cts[0]).not.toBe(cts[1]);
    expect(Buffer.from(cts[0], 'base64').subarray(0, 12)).not.toEqual(Buffer.from(cts[1], 'base64').subarray(0, 12));
    expect((await support.get(`${base}/sip-credentials/me`)).body.password).toBe(password);
    const [a] = await auditOf('sip_credentials.updated');
    expect(a.changes.passwordChanged).toBe(true);
  });

  it('keeps SIP usernames unique per tenant (409), but another tenant may use the same extension', async () => {
    const res = await admin.put(`${base}/users/${ids.support}/sip-credentials`, { ...putBody({ username: '1001' }), password: secret('conflict') });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('username_taken');
    expect(res.body.error.details).toEqual([{ path: 'body.username', message: expect.any(String) }]);
    expect((await row(ids.support))!.sip_username).toBe('3002');
    // Globex's agent takes 1001 too: unique per tenant, not globally.
    const theirs = await globexAdmin.put(`${base}/users/${ids.globexAgent}/sip-credentials`, { wsUrl: 'wss://pbx.globex.test/ws', username: '1001', domain: 'pbx.globex.test' });
    expect(theirs.status, JSON.stringify(theirs.body)).toBe(200);
    expect(theirs.body.username).toBe('1001');
    // Setting an agent's own username again is not a clash with themself.
    expect((await admin.put(`${base}/users/${ids.agent1}/sip-credentials`, putBody({ username: '1001', displayName: 'Alex Agent' }))).status).toBe(200);
  });

  it('refuses bad input with 400 naming the field, and unknown users with 404', async () => {
    const pw = secret('badinput');
    const cases: [string, Record<string, unknown>, string][] = [
      ['http URL', { ...putBody({ wsUrl: 'http://pbx.example.test/ws' }), password: pw }, 'body.wsUrl'],
      ['username with a space', { ...putBody({ username: '10 01' }), password: pw }, 'body.username'],
      ['empty username', { ...putBody({ username: '' }), password: pw }, 'body.username'],
      ['domain with a path', { ...putBody({ domain: 'pbx.example.test/x' }), password: pw }, 'body.domain'],
      ['empty password', { ...putBody(), password: '' }, 'body.password'],
      ['too long password', { ...putBody(), password: `${pw}${'x'.repeat(300)}` }, 'body.password'],
      ['password not a string', { ...putBody(), password: 12345 }, 'body.password'],
      ['unknown field', { ...putBody(), password: pw, sipPassword: pw }, 'body.sipPassword'],
      ['autoRegister not a boolean', { ...putBody({ autoRegister: 'yes' }), password: pw }, 'body.autoRegister'],
    ];
    for (const [label, body, path] of cases) {
      const res = await admin.put(`${base}/users/${ids.supervisor}/sip-credentials`, body);
      expect(res.status, label).toBe(400);
      expect(res.body.error.code, label).toBe('validation_failed');
      expect(res.body.error.details.map((d: any) => d.path), label).toContain(path);
    }
    const notId = await admin.put(`${base}/users/abc/sip-credentials`, { ...putBody(), password: pw });
    expect(notId.status).toBe(400);
    expect((await admin.put(`${base}/users/987654321/sip-credentials`, { ...putBody(), password: pw })).status).toBe(404);
    expect(await row(ids.supervisor)).toBeUndefined();
  });

  it('is 404 for another tenant\'s user, both ways, and changes nothing', async () => {
    const before = await row(ids.agent1);
    const pw = secret('cross-tenant');
    const res = await globexAdmin.put(`${base}/users/${ids.agent1}/sip-credentials`, { ...putBody({ username: '9999' }), password: pw });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('not_found');
    expect((await globexAdmin.delete(`${base}/users/${ids.agent1}/sip-credentials`)).status).toBe(404);
    expect(await row(ids.agent1)).toEqual(before);
    const globexRow = await row(ids.globexAgent);
    expect((await admin.put(`${base}/users/${ids.globexAgent}/sip-credentials`, { ...putBody({ username: '9998' }), password: pw })).status).toBe(404);
    expect((await admin.delete(`${base}/users/${ids.globexAgent}/sip-credentials`)).status).toBe(404);
    expect(await row(ids.globexAgent)).toEqual(globexRow);
  });

  it('needs settings.manage: agents, supervisors and read_only get 403 and change nothing', async () => {
    const before = await row(ids.agent1);
    for (const who of [agent1, supervisor, viewer]) {
      const res = await who.put(`${base}/users/${ids.agent1}/sip-credentials`, { ...putBody({ username: '1001' }), password: secret('forbidden') });
      expect(res.status).toBe(403);
      expect((await who.delete(`${base}/users/${ids.agent1}/sip-credentials`)).status).toBe(403);
    }
    expect(await row(ids.agent1)).toEqual(before);
  });
});

describe('events', () => {
  it('sip-credentials:changed goes to the agent\'s own consoles only, with no secret', async () => {
    const mark = heard.length;
    const password = secret('event');
    expect((await admin.put(`${base}/users/${ids.agent2}/sip-credentials`, { ...putBody({ username: '1002', displayName: 'Blair Agent' }), password })).status).toBe(200);
    await until(() => sockets.agent2.received.some((e) => e.type === 'sip-credentials:changed' && e.data.configured === true));
    const ev = sockets.agent2.received.find((e) => e.type === 'sip-credentials:changed');
    expect(ev.data).toEqual({ userId: ids.agent2, configured: true });
    await sleep(150);
    const others = heard.slice(mark).filter((h) => h.event === 'sip-credentials:changed' && h.who !== 'agent2');
    expect(others).toEqual([]);
    expect((await agent2.get(`${base}/sip-credentials/me`)).body.password).toBe(password);
  });
});

describe('DELETE /users/:id/sip-credentials', () => {
  it('removes them (audited, announced to the agent); the agent then gets 404; a second delete is 404', async () => {
    const r = (await row(ids.agent2))!;
    sockets.agent2.received.length = 0;
    const res = await admin.delete(`${base}/users/${ids.agent2}/sip-credentials`);
    expect(res.status).toBe(204);
    expect(await row(ids.agent2)).toBeUndefined();
    const [a] = await auditOf('sip_credentials.deleted');
    expect(a).toMatchObject({ user_id: ids.admin, entity_id: Number(r.id) });
    expect(a.changes).toEqual({ agentId: ids.agent2, sipUsername: '1002' });
    await until(() => sockets.agent2.received.some((e) => e.type === 'sip-credentials:changed'));
    expect(sockets.agent2.received.find((e) => e.type === 'sip-credentials:changed').data).toEqual({ userId: ids.agent2, configured: false });
    expectNotFound(await agent2.get(`${base}/sip-credentials/me`));
    expectNotFound(await admin.delete(`${base}/users/${ids.agent2}/sip-credentials`));
    expect((await admin.get(`${base}/sip-credentials`)).body.data.map((c: any) => c.userId)).not.toContain(ids.agent2);
  });
});

function expectNotFound(res: { status: number; body: any }) {
  expect(res.status, JSON.stringify(res.body)).toBe(404);
  expect(res.body.error.code).toBe('not_found');
}

describe('the ciphertext is bound to its row', () => {
  it('one flipped bit makes /me answer a clear 409, not a 500, and logs why without the password', async () => {
    const password = secret('tamper');
    expect((await admin.put(`${base}/users/${ids.agent2}/sip-credentials`, { ...putBody({ username: '1002' }), password })).status).toBe(200);
    const r = (await row(ids.agent2))!;
    const raw = Buffer.from(r.password_ciphertext, 'base64');
    for (const at of [0, 13, raw.length - 1]) {
      const bad = Buffer.from(raw);
      bad[at] ^= 0x01;
      await sql(sys, 'update agent_sip_credentials set password_ciphertext = ? where id = ?', [bad.toString('base64'), r.id]);
      const mark = sys.logs.lines.length;
      const res = await agent2.get(`${base}/sip-credentials/me`);
      expect(res.status, `bit flipped in byte ${at}`).toBe(409);
      expect(res.body.error.code).toBe('sip_password_unreadable');
      expect(res.body.error.message).toMatch(/administrator/);
      const lines = sys.logs.lines.slice(mark).map((l) => JSON.parse(l));
      expect(lines.some((l) => l.msg === 'a SIP password could not be decrypted' && l.credentialId === Number(r.id))).toBe(true);
      expect(lines.some((l) => l.level >= 50)).toBe(false);
    }
    // Setting it again repairs it.
    expect((await admin.put(`${base}/users/${ids.agent2}/sip-credentials`, { ...putBody({ username: '1002' }), password })).status).toBe(200);
    expect((await agent2.get(`${base}/sip-credentials/me`)).body.password).toBe(password);
  });

  it('a ciphertext copied to another agent\'s row (same or other tenant) does not decrypt there', async () => {
    const [a1] = await sql(sys, 'select password_ciphertext c, password_key_id k from agent_sip_credentials where user_id = ?', [ids.agent1]);
    const before2 = (await row(ids.agent2))!;
    await sql(sys, 'update agent_sip_credentials set password_ciphertext = ?, password_key_id = ? where user_id = ?', [a1.c, a1.k, ids.agent2]);
    const res = await agent2.get(`${base}/sip-credentials/me`);
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('sip_password_unreadable');
    expect(JSON.stringify(res.body)).not.toContain('sip-1001-demo');
    // The original owner still reads theirs.
    expect((await agent1.get(`${base}/sip-credentials/me`)).body.password).toBe('sip-1001-demo');
    // And the same bytes under the other tenant's user id fail too.
    expect(() => box.decrypt(a1.c, a1.k, sipPasswordAad(ids.globex, ids.agent1))).toThrow();
    expect(() => box.decrypt(a1.c, a1.k, sipPasswordAad(ids.acme, ids.agent2))).toThrow();
    await sql(sys, 'update agent_sip_credentials set password_ciphertext = ?, password_key_id = ? where user_id = ?', [before2.password_ciphertext, before2.password_key_id, ids.agent2]);
    expect((await agent2.get(`${base}/sip-credentials/me`)).status).toBe(200);
  });

  it('a key id no configured key has is a clear 409 too', async () => {
    const r = (await row(ids.agent2))!;
    await sql(sys, "update agent_sip_credentials set password_key_id = 'retired-key' where id = ?", [r.id]);
    const res = await agent2.get(`${base}/sip-credentials/me`);
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('sip_password_unreadable');
    await sql(sys, 'update agent_sip_credentials set password_key_id = ? where id = ?', [r.password_key_id, r.id]);
  });
});

describe('a password never leaks', () => {
  it('not in any answer but the agent\'s own /me: admin list, PUT answers, errors, lists, audit trail, API reference', async () => {
    // A few more places a careless implementation could echo it.
    await admin.get(`${base}/audit-logs?limit=200`);
    await admin.get(`${base}/sip-credentials`);
    await globexAdmin.get(`${base}/sip-credentials`);
    await admin.get(`${base}/openapi.json`);
    expect(answers.length).toBeGreaterThan(40);
    const own = (a: (typeof answers)[number]) => a.url.endsWith('/api/v1/sip-credentials/me') && a.status === 200;
    let ownCount = 0;
    for (const a of answers) {
      if (own(a)) {
        ownCount++;
        continue;
      }
      for (const s of secrets) expect(a.text.includes(s), `${a.method} ${a.url} → ${a.status} carried a password`).toBe(false);
    }
    expect(ownCount).toBeGreaterThanOrEqual(8);
  });

  it('not in any socket event any console received (nor in the replay log they catch up from)', async () => {
    expect(heard.length).toBeGreaterThan(5);
    expect(heard.some((h) => h.event === 'sip-credentials:changed')).toBe(true);
    for (const h of heard) for (const s of secrets) expect(h.raw.includes(s), `${h.who} got ${h.event} with a password`).toBe(false);
    for (const tenant of [ids.acme, ids.globex]) {
      const log = JSON.stringify(await sys.redis.xrange(sys.publisher.logKey(tenant), '-', '+'));
      expect(log).toContain('sip-credentials:changed');
      for (const s of secrets) expect(log.includes(s)).toBe(false);
    }
  });

  it('not in any log line, at trace level', async () => {
    const text = sys.logs.text();
    expect(sys.logs.lines.length).toBeGreaterThan(50);
    for (const s of secrets) expect(text.includes(s), `logged ${s}`).toBe(false);
  });

  it('not in the database outside its ciphertext column: not in the audit trail, not as plain text anywhere in the row', async () => {
    const audit = JSON.stringify(await sql(sys, 'select * from audit_logs'));
    const creds = JSON.stringify(await sql(sys, 'select * from agent_sip_credentials'));
    for (const s of secrets) {
      expect(audit.includes(s)).toBe(false);
      expect(creds.includes(s)).toBe(false);
    }
  });
});
