import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, REDIS_URL } from '../helpers/system.ts';
import { NODE_BIN } from '../helpers/processes.ts';
import { Api } from '../helpers/api.ts';
import { loadConfig } from '../../server/config.ts';
import { createLogger } from '../../server/logger.ts';
import { createSystem, type System } from '../../server/app.ts';
import { seedDemo } from '../../server/db/seed.ts';
import { SecretBox, SecretBoxError, sipPasswordAad } from '../../server/security/secret-box.ts';
import { rotateSipPasswords } from '../../server/telephony/sip-credentials.service.ts';

/**
 * The encryption of secrets at rest (server/security/secret-box.ts) and key rotation
 * (`npm run secrets:rotate`): round trip, a fresh IV each time, one flipped bit anywhere
 * fails, another row's identity (AAD) fails, and rotation: rows encrypted under key A,
 * configuration [B, A] (B encrypts, both decrypt), rotate, then a configuration with only B
 * reads every row.
 */

const root = path.resolve(import.meta.dirname, '../..');
const keyA = `keyA:${randomBytes(32).toString('base64')}`;
const keyB = `keyB:${randomBytes(32).toString('base64')}`;
const A = new SecretBox(keyA);
const BA = new SecretBox(`${keyB},${keyA}`);
const B = new SecretBox(keyB);

describe('SecretBox', () => {
  const aad = sipPasswordAad(7, 42);

  it('round-trips, with a fresh IV for every encryption and the key id beside the ciphertext', () => {
    for (const plain of ['s3cret', '', 'ünïcødé 🔐 password', 'x'.repeat(255)]) {
      const one = A.encrypt(plain, aad);
      const two = A.encrypt(plain, aad);
      expect(one.keyId).toBe('keyA');
      expect(A.decrypt(one.ciphertext, one.keyId, aad)).toBe(plain);
      expect(one.ciphertext).not.toBe(two.ciphertext);
      expect(Buffer.from(one.ciphertext, 'base64').subarray(0, 12)).not.toEqual(Buffer.from(two.ciphertext, 'base64').subarray(0, 12));
      if (plain) expect(Buffer.from(one.ciphertext, 'base64').toString('utf8')).not.toContain(plain);
    }
  });

  it('fails on any single flipped bit: IV, tag or ciphertext', () => {
    const { ciphertext, keyId } = A.encrypt('tamper-me-please', aad);
    const raw = Buffer.from(ciphertext, 'base64');
    let tried = 0;
    for (let byte = 0; byte < raw.length; byte++) {
      for (let bit = 0; bit < 8; bit++) {
        const bad = Buffer.from(raw);
        bad[byte] ^= 1 << bit;
        expect(() => A.decrypt(bad.toString('base64'), keyId, aad), `byte ${byte} bit ${bit}`).toThrow(SecretBoxError);
        tried++;
      }
    }
    expect(tried).toBe(raw.length * 8);
    expect(() => A.decrypt(raw.subarray(0, 27).toString('base64'), keyId, aad)).toThrow(SecretBoxError);
  });

  it('fails under another row\'s identity (other user, other tenant) and under an unknown key id', () => {
    const { ciphertext, keyId } = A.encrypt('bound-to-its-row', aad);
    expect(() => A.decrypt(ciphertext, keyId, sipPasswordAad(7, 43))).toThrow(SecretBoxError);
    expect(() => A.decrypt(ciphertext, keyId, sipPasswordAad(8, 42))).toThrow(SecretBoxError);
    expect(() => A.decrypt(ciphertext, 'keyB', aad)).toThrow(/no configured key/);
    expect(() => B.decrypt(ciphertext, keyId, aad)).toThrow(SecretBoxError);
  });

  it('with a key list, the first key encrypts and every key decrypts', () => {
    const old = A.encrypt('from-before', aad);
    expect(BA.currentKeyId).toBe('keyB');
    expect(BA.decrypt(old.ciphertext, old.keyId, aad)).toBe('from-before');
    const fresh = BA.encrypt('from-now', aad);
    expect(fresh.keyId).toBe('keyB');
    expect(B.decrypt(fresh.ciphertext, fresh.keyId, aad)).toBe('from-now');
    expect(BA.isStale('keyA')).toBe(true);
    expect(BA.isStale('keyB')).toBe(false);
  });
});

describe('rotation', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  const systems: System[] = [];
  const q = <T = any>(sql: string, params: unknown[] = []) => db.orm.em.getConnection().execute(sql, params) as Promise<T[]>;
  const rows = () => q<{ id: number; tenant_id: number; user_id: number; password_ciphertext: string; password_key_id: string; sip_username: string }>('select * from agent_sip_credentials order by id');

  /** A web node on the shared test database with its own SECRETS_KEYS. */
  async function node(secretsKeys: string): Promise<{ sys: System; api: Api }> {
    const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', REDIS_URL }, { DATABASE_URL: db.url, ROLE: 'web', SECRETS_KEYS: secretsKeys });
    const sys = await createSystem({ config, logger: createLogger('silent'), orm: db.orm, redisPrefix: `t:${db.name}:${systems.length}` });
    systems.push(sys);
    const port = await sys.listen(0);
    return { sys, api: new Api(`http://127.0.0.1:${port}`) };
  }
  async function own(api: Api, email: string) {
    return (await api.login(email)).api.get('/api/v1/sip-credentials/me');
  }

  beforeAll(async () => {
    db = await createTestDatabase('rotation');
    // Everything stored so far is under key A.
    await seedDemo(db.orm, A);
  });
  afterAll(async () => {
    // The nodes' Redis keys (event log, sequence) go with the database.
    const redis = systems[0]?.redis;
    if (redis) {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `t:${db.name}*`, 'COUNT', 500);
        if (keys.length) await redis.del(...keys);
        cursor = next;
      } while (cursor !== '0');
    }
    for (const s of systems) await s.close();
    await db?.drop();
  });

  it('rows under key A: a node configured [B, A] still reads them and writes new ones under B; a node with only B cannot read them yet', async () => {
    expect((await rows()).map((r) => r.password_key_id)).toEqual(['keyA', 'keyA', 'keyA']);
    const { api } = await node(`${keyB},${keyA}`);
    expect((await own(api, 'agent1@acme.test')).body).toMatchObject({ username: '1001', password: 'sip-1001-demo' });
    const admin = (await api.login('admin@acme.test')).api;
    const [support] = await q('select id from users where email = ?', ['support@acme.test']);
    const put = await admin.put(`/api/v1/users/${support.id}/sip-credentials`, { wsUrl: 'wss://pbx.example.test/ws', username: '3001', password: 'set-under-b', domain: 'pbx.example.test' });
    expect(put.status).toBe(200);
    expect((await rows()).map((r) => r.password_key_id)).toEqual(['keyA', 'keyA', 'keyA', 'keyB']);

    const onlyB = await node(keyB);
    const refused = await own(onlyB.api, 'agent1@acme.test');
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('sip_password_unreadable');
    expect((await own(onlyB.api, 'support@acme.test')).body.password).toBe('set-under-b');
  });

  it('re-encrypts every row under the current key, in batches, across tenants; old keys still decrypt during it', async () => {
    // More rows than one batch, in both tenants.
    const before = await rows();
    const batches: number[] = [];
    const report = await rotateSipPasswords(db.orm, BA, { batchSize: 2, onBatch: (done) => batches.push(done) });
    expect(report).toEqual({ rotated: 3, alreadyCurrent: 1, failed: 0, skipped: 0, failedIds: [], currentKeyId: 'keyB' });
    expect(batches).toEqual([2, 3]);
    const after = await rows();
    expect(after.map((r) => r.password_key_id)).toEqual(['keyB', 'keyB', 'keyB', 'keyB']);
    for (const [i, r] of after.entries()) {
      const aad = sipPasswordAad(Number(r.tenant_id), Number(r.user_id));
      if (before[i].password_key_id === 'keyA') expect(r.password_ciphertext).not.toBe(before[i].password_ciphertext);
      else expect(r.password_ciphertext).toBe(before[i].password_ciphertext);
      expect(B.decrypt(r.password_ciphertext, r.password_key_id, aad)).toBe(BA.decrypt(before[i].password_ciphertext, before[i].password_key_id, aad));
      expect(() => A.decrypt(r.password_ciphertext, r.password_key_id, aad)).toThrow();
    }
    expect(new Set(after.map((r) => Number(r.tenant_id))).size).toBe(2);
  });

  it('is idempotent: a second run changes nothing', async () => {
    const before = await rows();
    const report = await rotateSipPasswords(db.orm, BA);
    expect(report).toMatchObject({ rotated: 0, alreadyCurrent: 4, failed: 0 });
    expect(await rows()).toEqual(before);
  });

  it('after rotation, a node configured with only B reads every row', async () => {
    const { api } = await node(keyB);
    expect((await own(api, 'agent1@acme.test')).body).toMatchObject({ username: '1001', password: 'sip-1001-demo' });
    expect((await own(api, 'agent2@acme.test')).body).toMatchObject({ username: '1002', password: 'sip-1002-demo' });
    expect((await own(api, 'agent1@globex.test')).body).toMatchObject({ username: '2001', password: 'sip-2001-demo' });
    expect((await own(api, 'support@acme.test')).body.password).toBe('set-under-b');
  });

  it('the command (npm run secrets:rotate) does it too, reports counts, and exits 1 leaving undecryptable rows as they are', async () => {
    const script = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).scripts['secrets:rotate'];
    expect(script).toBe('tsx server/cli/rotate-secrets.ts');
    const keyC = `keyC:${randomBytes(32).toString('base64')}`;
    // Break one row: a bit flipped in its ciphertext.
    const [victim] = await rows();
    const raw = Buffer.from(victim.password_ciphertext, 'base64');
    raw[raw.length - 1] ^= 0x80;
    await q('update agent_sip_credentials set password_ciphertext = ? where id = ?', [raw.toString('base64'), victim.id]);

    const run = (keys: string) => new Promise<{ code: number | null; out: string }>((resolve, reject) => {
      const child = spawn(NODE_BIN, ['--import', 'tsx', 'server/cli/rotate-secrets.ts'], {
        cwd: root, env: { ...process.env, DATABASE_URL: db.url, REDIS_URL, SECRETS_KEYS: keys, LOG_LEVEL: 'info', NODE_ENV: 'test' }, stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (d) => { out += d; });
      child.stderr.on('data', (d) => { out += d; });
      child.once('error', reject);
      child.once('exit', (code) => resolve({ code, out }));
    });
    const first = await run(`${keyC},${keyB}`);
    expect(first.code, first.out).toBe(1);
    const report = JSON.parse(first.out.trim().split('\n').filter((l) => l.startsWith('{')).pop()!);
    expect(report).toMatchObject({ currentKeyId: 'keyC', sipPasswords: { rotated: 3, alreadyCurrent: 0, failed: 1, failedIds: [Number(victim.id)] } });
    const after = await rows();
    expect(after.find((r) => r.id === victim.id)).toMatchObject({ password_key_id: 'keyB', password_ciphertext: raw.toString('base64') });
    expect(after.filter((r) => r.id !== victim.id).map((r) => r.password_key_id)).toEqual(['keyC', 'keyC', 'keyC']);
    // No password in the command's output.
    for (const s of ['sip-1001-demo', 'sip-1002-demo', 'sip-2001-demo', 'set-under-b']) expect(first.out).not.toContain(s);

    // Once the broken row is set again (here: deleted), the command succeeds and changes nothing more.
    await q('delete from agent_sip_credentials where id = ?', [victim.id]);
    const second = await run(`${keyC},${keyB}`);
    expect(second.code, second.out).toBe(0);
    expect(JSON.parse(second.out.trim().split('\n').filter((l) => l.startsWith('{')).pop()!)).toMatchObject({ sipPasswords: { rotated: 0, alreadyCurrent: 3, failed: 0 } });
  });
});
