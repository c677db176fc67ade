import http from 'node:http';
import { createHash, timingSafeEqual } from 'node:crypto';
import express from 'express';
import mysql from 'mysql2/promise';
import { Redis } from 'ioredis';
import { startSeeded, sql } from '../test/helpers/seeded.ts';
import { Api } from '../test/helpers/api.ts';
import { connectSocket } from '../test/helpers/sockets.ts';
import { percentile, fmt, reportWarnings } from './lib.ts';

/**
 * PBX webhook throughput: call events per second stored AND pushed, through the
 * whole stack (API-key check, validation, the per-call locks and merge, pbx_events
 * and calls written in one transaction, the screen-pop lookup on ringing, the
 * agent's presence on answered/ended, the live event to a supervisor's socket that
 * listens and counts them), against a bare Express handler that only checks the
 * key (JSON parsed, SHA-256 of the bearer compared with the stored hash, 200), in
 * the same run, same client, same concurrency.
 *
 * Load: CALLS calls from CONCURRENCY "lines" at once, each line sending one call's
 * events in order (ringing, answered, ended with duration), like a PBX with that
 * many calls in flight; each line is one agent (its own extension), so presence
 * moves as in a real contact center. Inbound callers are the demo leads' numbers,
 * so every ringing matches a lead for the screen pop. Everything in one process
 * (2 cores shared by the server, MariaDB, Redis and the client).
 *
 * BENCH_CALLS (600), BENCH_CONCURRENCY (32); BENCH_UNASSIGNED=1 sends every event for
 * an extension that is nobody's, which leaves presence out (to see its share).
 */
export async function run(): Promise<void> {
  const calls = Number(process.env.BENCH_CALLS ?? 600);
  const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 32);
  const { sys } = await startSeeded('bench_pbx', { LOG_LEVEL: 'warn' });
  try {
    const api = new Api(sys.baseUrl);
    const admin = await api.login('admin@acme.test');
    const supervisor = await api.login('supervisor@acme.test');
    const created = await admin.api.post('/api/v1/api-keys', { name: 'bench pbx', scopes: ['pbx'] });
    const key: string = created.body.key;
    const [{ id: tenantId }] = await sql(sys, "select id from tenants where name = 'Acme Support'");
    // One agent per line, each with a SIP extension (bench data only).
    const [{ password }] = await sql(sys, "select password from users where email = 'agent1@acme.test'");
    for (let i = 0; i < concurrency; i++) {
      const [{ id }] = await sql(sys, "insert into users (tenant_id, name, email, password, role, is_active, token_version, created_at, updated_at) values (?, ?, ?, ?, 'sales_agent', 1, 0, utc_timestamp(), utc_timestamp()) returning id", [tenantId, `Line Agent ${i}`, `line${i}@acme.test`, password]);
      await sql(sys, "insert into agent_sip_credentials (tenant_id, user_id, sip_ws_url, sip_username, password_ciphertext, password_key_id, sip_domain, auto_register) values (?, ?, 'wss://pbx.bench/ws', ?, 'x', 'k', 'pbx.bench', 0)", [tenantId, id, String(3000 + i)]);
    }

    // The listening socket: a supervisor receives every call event of the tenant.
    const socket = await connectSocket(sys.baseUrl, supervisor.accessToken);
    let pushed = 0;
    let onPush: () => void = () => undefined;
    for (const t of ['call:ringing', 'call:answered', 'call:ended'] as const) socket.on(t, () => { pushed++; onPush(); });

    const baseStart = Date.now() - 3600_000;
    let run = 0;
    const eventsOf = (line: number, n: number) => {
      const id = `bench-${run}-${n}`;
      const t0 = baseStart + n * 1000;
      const base = { call_id: id, direction: 'inbound', from: `+1202555${1000 + (n % 60)}`, to: '+12025550100', extension: process.env.BENCH_UNASSIGNED ? '9999' : String(3000 + line) };
      return [
        { ...base, event: 'call.ringing', timestamp: new Date(t0).toISOString() },
        { ...base, event: 'call.answered', timestamp: new Date(t0 + 4000).toISOString() },
        { ...base, event: 'call.ended', timestamp: new Date(t0 + 64_000).toISOString(), duration_seconds: 60 },
      ];
    };
    const post = (url: string) => async (body: unknown) => {
      const res = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      await res.arrayBuffer();
      return res.ok;
    };

    /** CONCURRENCY lines, each sending its calls' events in order; returns per-event latencies and errors. */
    async function drive(total: number, send: (body: unknown) => Promise<boolean>) {
      run++;
      const latencies: number[] = [];
      let errors = 0;
      let next = 0;
      const started = performance.now();
      await Promise.all(Array.from({ length: concurrency }, async (_, line) => {
        while (next < total) {
          const n = next++;
          for (const ev of eventsOf(line, n)) {
            const t = performance.now();
            const ok = await send(ev).catch(() => false);
            latencies.push(performance.now() - t);
            if (!ok) errors++;
          }
        }
      }));
      const sent = performance.now();
      latencies.sort((a, b) => a - b);
      return { started, sent, latencies, errors, events: total * 3 };
    }

    async function project(total: number) {
      const before = pushed;
      const r = await drive(total, post(`${sys.baseUrl}/webhooks/pbx`));
      const want = before + r.events;
      // Stored and pushed: the clock stops when the socket has every event.
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`pushed ${pushed - before} of ${r.events}`)), 30_000);
        onPush = () => { if (pushed >= want) { clearTimeout(timer); resolve(); } };
        onPush();
      });
      const done = performance.now();
      return { ...r, seconds: (done - r.started) / 1000, lastPushAfterLastAnswerMs: done - r.sent };
    }

    // The baseline: bare Express, JSON parsed, the key's SHA-256 compared with the stored one, 200.
    const [{ key_hash: keyHash }] = await sql(sys, 'select key_hash from api_keys where id = ?', [created.body.id]);
    const stored = Buffer.from(keyHash, 'hex');
    const bare = express();
    bare.post('/webhooks/pbx', express.json(), (req, res) => {
      const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
      const given = m ? createHash('sha256').update(m[1]).digest() : Buffer.alloc(stored.length);
      if (given.length !== stored.length || !timingSafeEqual(given, stored)) {
        res.status(401).json({ error: { code: 'api_key_invalid', message: 'The API key is not valid.' } });
        return;
      }
      res.json({ ok: true, duplicate: false, callId: null });
    });
    const bareServer = http.createServer(bare);
    await new Promise<void>((r) => bareServer.listen(0, r));
    const bareUrl = `http://127.0.0.1:${(bareServer.address() as { port: number }).port}/webhooks/pbx`;
    async function baseline(total: number, url = bareUrl) {
      const r = await drive(total, post(url));
      return { ...r, seconds: (r.sent - r.started) / 1000 };
    }

    // A second reference (not the goal's): the least any "store and push" handler does, one INSERT IGNORE of the
    // event (a bare mysql2 pool, autocommit) and one Redis PUBLISH, after the same key check.
    const pool = mysql.createPool({ uri: sys.dbUrl, connectionLimit: 10 });
    const pub = new Redis(sys.config.REDIS_URL);
    const floor = express();
    floor.post('/webhooks/pbx', express.json(), async (req, res) => {
      const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
      const given = m ? createHash('sha256').update(m[1]).digest() : Buffer.alloc(stored.length);
      if (given.length !== stored.length || !timingSafeEqual(given, stored)) {
        res.status(401).json({ error: { code: 'api_key_invalid', message: 'The API key is not valid.' } });
        return;
      }
      const b = req.body;
      await pool.execute('insert ignore into pbx_events (tenant_id, pbx_call_id, event, payload, occurred_at, received_at) values (?, ?, ?, ?, ?, utc_timestamp())', [tenantId, `floor-${b.call_id}`, b.event, JSON.stringify(b), new Date(b.timestamp)]);
      await pub.publish(`bench-floor-${tenantId}`, JSON.stringify(b));
      res.json({ ok: true, duplicate: false, callId: null });
    });
    const floorServer = http.createServer(floor);
    await new Promise<void>((r) => floorServer.listen(0, r));
    const floorUrl = `http://127.0.0.1:${(floorServer.address() as { port: number }).port}/webhooks/pbx`;

    // Warm up all three, then measure each in turn.
    await project(60);
    await baseline(60);
    await baseline(60, floorUrl);
    const p = await project(calls);
    const b = await baseline(calls);
    const f = await baseline(calls, floorUrl);
    bareServer.close();
    floorServer.close();
    await pool.end();
    pub.disconnect();
    socket.close();

    const [{ n: storedEvents }] = await sql(sys, "select count(*) n from pbx_events where pbx_call_id like 'bench-%'");
    const [{ n: rows }] = await sql(sys, "select count(*) n from calls where pbx_call_id like 'bench-%'");
    const eps = (x: { events: number; seconds: number }) => x.events / x.seconds;
    console.log(`\nPOST /webhooks/pbx, ${calls} calls × 3 events (ringing, answered, ended), ${concurrency} calls in flight`);
    console.log(`  project : ${fmt(eps(p), 0)} events/s stored and pushed  p50 ${fmt(percentile(p.latencies, 50))} ms  p99 ${fmt(percentile(p.latencies, 99))} ms  errors ${p.errors}  (last push ${fmt(p.lastPushAfterLastAnswerMs)} ms after the last answer)`);
    console.log(`  baseline: ${fmt(eps(b), 0)} events/s  p50 ${fmt(percentile(b.latencies, 50))} ms  p99 ${fmt(percentile(b.latencies, 99))} ms  errors ${b.errors}  (bare Express, key checked)`);
    console.log(`  floor   : ${fmt(eps(f), 0)} events/s  p50 ${fmt(percentile(f.latencies, 50))} ms  p99 ${fmt(percentile(f.latencies, 99))} ms  errors ${f.errors}  (bare Express, key checked, 1 INSERT + 1 Redis PUBLISH)`);
    console.log(`  ratio   : throughput ${fmt(eps(p) / eps(b), 2)}x of baseline (goal ≥ 0.7x), p99 ${fmt(percentile(p.latencies, 99) / percentile(b.latencies, 99), 2)}x; ${fmt(eps(p) / eps(f), 2)}x of the store-and-push floor`);
    console.log(`  check   : ${storedEvents} events stored in pbx_events, ${rows} call rows (expected ${(calls + 60) * 3} and ${calls + 60})`);
    reportWarnings('project', sys.logs.records());
  } finally {
    await sys.stop();
  }
}
