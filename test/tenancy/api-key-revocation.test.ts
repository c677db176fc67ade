import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { startSeeded, sql } from '../helpers/seeded.ts';
import { LogCapture, REDIS_URL, type TestSystem } from '../helpers/system.ts';
import { Api } from '../helpers/api.ts';
import { sleep, until } from '../helpers/sockets.ts';
import { createSystem, type System } from '../../server/app.ts';
import { createLogger } from '../../server/logger.ts';
import { API_KEY_CACHE_MS, ApiKeyService, apiKeyInvalidationChannel } from '../../server/tenancy/api-keys.service.ts';
import { UnauthorizedError } from '../../server/http/errors.ts';

/**
 * API-key revocation across nodes: two systems on one database and one Redis prefix. A key that node B
 * has checked (and caches for API_KEY_CACHE_MS) is refused by B right after node A revokes it, not up
 * to 5 s later; other keys, of the same tenant or another, stay valid. The cache is still the safety
 * net for a change no message announces (SQL), and a node whose subscription drops stops trusting it.
 */

let A: TestSystem;
let B: System;
let apiA: Api;
let apiB: Api;
let acmeAdmin: Api;
let globexAdmin: Api;

beforeAll(async () => {
  ({ sys: A, api: apiA } = await startSeeded('keyrevoke'));
  // Node B: the same configuration (database, Redis), the same Redis prefix, its own ORM, port and node id.
  B = await createSystem({ config: A.config, logger: createLogger('info', new LogCapture()), redisPrefix: `t:${A.dbName}` });
  apiB = new Api(`http://127.0.0.1:${await B.listen(0)}`);
  expect(B.nodeId).not.toBe(A.nodeId);
  acmeAdmin = (await apiA.login('admin@acme.test')).api;
  globexAdmin = (await apiA.login('admin@globex.test')).api;
  // Both nodes have subscribed to the invalidation channel (until then a node caches nothing).
  await until(() => A.services.apiKeys.listening && B.services.apiKeys.listening, 5000);
});

afterAll(async () => {
  await B?.close();
  await A?.stop();
});

async function createKey(admin: Api, name: string): Promise<{ id: number; key: string }> {
  const res = await admin.post('/api/v1/api-keys', { name, scopes: ['pbx'] });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

/**
 * What a node answers the PBX webhook for `key`, with an empty body: authentication runs before
 * validation, so an accepted key gets 400 validation_failed (nothing is stored) and a refused one 401.
 */
async function probe(node: Api, key: string): Promise<{ status: number; code: string }> {
  const res = await node.as(key).post('/webhooks/pbx', {});
  return { status: res.status, code: res.body?.error?.code };
}
const ACCEPTED = { status: 400, code: 'validation_failed' };
const REVOKED = { status: 401, code: 'api_key_invalid' };

describe('API key revocation across nodes', () => {
  it('a key node B has cached is refused by B right after node A revokes it; other keys stay valid', async () => {
    const revoked = await createKey(acmeAdmin, 'PBX revoked on A');
    const sibling = await createKey(acmeAdmin, 'PBX sibling');
    const control = await createKey(acmeAdmin, 'PBX revoked in SQL');
    const globex = await createKey(globexAdmin, 'Globex PBX');

    // B checks every key once and caches it.
    for (const k of [revoked, sibling, control, globex]) expect(await probe(apiB, k.key), k.key.slice(0, 12)).toEqual(ACCEPTED);

    // A change no message announces: B keeps trusting its cached entry (this is the 5 s window the
    // invalidation closes for revokes, and proves B answers the keys above from its cache).
    await sql(A, 'update api_keys set revoked_at = now() where id = ?', [control.id]);
    expect(await probe(apiB, control.key)).toEqual(ACCEPTED);

    const del = await acmeAdmin.delete(`/api/v1/api-keys/${revoked.id}`);
    expect(del.status).toBe(200);
    const revokedAt = Date.now();
    // Refused by B well within the cache time: poll for at most 1 s (the cache would keep it for 5 s).
    let onB = await probe(apiB, revoked.key);
    while (onB.status !== 401 && Date.now() - revokedAt < 1000) {
      await sleep(10);
      onB = await probe(apiB, revoked.key);
    }
    expect(onB).toEqual(REVOKED);
    expect(Date.now() - revokedAt).toBeLessThan(1000);
    expect(API_KEY_CACHE_MS).toBeGreaterThanOrEqual(5000);
    expect(await probe(apiA, revoked.key)).toEqual(REVOKED);

    // Only that key was dropped: B still holds its other entries (the SQL-revoked control is still
    // answered from B's cache), and the other keys of the tenant and of another tenant still work on both.
    expect(await probe(apiB, control.key)).toEqual(ACCEPTED);
    for (const k of [sibling, globex]) {
      expect(await probe(apiB, k.key)).toEqual(ACCEPTED);
      expect(await probe(apiA, k.key)).toEqual(ACCEPTED);
    }

    // The cache stays the safety net: the SQL revoke reaches B once the entry expires.
    await until(async () => (await probe(apiB, control.key)).status === 401, API_KEY_CACHE_MS + 2000, 100);
    expect(await probe(apiB, control.key)).toEqual(REVOKED);
  });

  it('a revoke made on B reaches A the same way, and revoking again is harmless', async () => {
    const k = await createKey(acmeAdmin, 'PBX revoked on B');
    expect(await probe(apiA, k.key)).toEqual(ACCEPTED);
    const adminOnB = apiB.as(acmeAdmin.token);
    expect((await adminOnB.delete(`/api/v1/api-keys/${k.id}`)).status).toBe(200);
    const t0 = Date.now();
    await until(async () => (await probe(apiA, k.key)).status === 401, 1000, 10);
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(await probe(apiB, k.key)).toEqual(REVOKED);
    expect((await adminOnB.delete(`/api/v1/api-keys/${k.id}`)).status).toBe(200);
    expect(await probe(apiA, k.key)).toEqual(REVOKED);
  });

  it('a node whose subscription drops trusts no cached key until it has subscribed again', async () => {
    // A third "node": an ApiKeyService on a subscriber connection this test owns, reading A's database.
    const publisher = new Redis(REDIS_URL);
    const sub = new Redis(REDIS_URL, { autoResubscribe: false });
    const node = new ApiKeyService({ redis: publisher, channel: apiKeyInvalidationChannel(`t:${A.dbName}`), logger: createLogger('silent') });
    try {
      node.listen(sub);
      await until(() => node.listening, 5000);
      const check = (key: string) => node.authenticate(A.orm.em.fork(), key, 'pbx').then(() => 'ok', (e) => (e instanceof UnauthorizedError ? e.code : String(e)));

      const k = await createKey(acmeAdmin, 'PBX on a flaky node');
      expect(await check(k.key)).toBe('ok');
      await sql(A, 'update api_keys set revoked_at = now() where id = ?', [k.id]);
      expect(await check(k.key)).toBe('ok'); // cached

      // The connection drops: a revoke published now would be lost, so the cache is dropped and not refilled.
      const closed = new Promise<boolean>((resolve) => sub.once('close', () => resolve(node.listening)));
      sub.disconnect(true);
      expect(await closed).toBe(false);
      expect(await check(k.key)).toBe('api_key_invalid');

      // Subscribed again after the reconnect: it caches again and hears revokes made on A.
      await until(() => node.listening, 5000);
      const k2 = await createKey(acmeAdmin, 'PBX after reconnect');
      expect(await check(k2.key)).toBe('ok');
      expect((await acmeAdmin.delete(`/api/v1/api-keys/${k2.id}`)).status).toBe(200);
      await until(async () => (await check(k2.key)) === 'api_key_invalid', 1000, 10);
    } finally {
      await node.stop();
      publisher.disconnect();
    }
    // stop() closed the subscriber for good (no reconnect) and left nothing cached.
    expect(node.listening).toBe(false);
    await until(() => sub.status === 'end', 2000);
  });
});
