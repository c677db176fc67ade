import http from 'node:http';
import express from 'express';
import { startSeeded } from '../test/helpers/seeded.ts';
import { Api } from '../test/helpers/api.ts';
import { load, fmt } from './lib.ts';

/**
 * Foundation overhead: an authenticated GET /api/v1/me through the whole stack
 * (JWT verify, user + tenant + permissions read from MariaDB, tenant-filtered
 * EntityManager, pino request log) against a bare Express handler that answers
 * the same JSON, in the same run, same client, same concurrency.
 */
export async function run(): Promise<void> {
  const total = Number(process.env.BENCH_REQUESTS ?? 4000);
  const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 32);
  const { sys } = await startSeeded('bench_auth', { LOG_LEVEL: 'warn' });
  try {
    const { api } = await new Api(sys.baseUrl).login('agent1@acme.test');
    const body = (await api.get('/api/v1/me')).body;

    const bare = express();
    bare.get('/api/v1/me', (_req, res) => res.json(body));
    const bareServer = http.createServer(bare);
    await new Promise<void>((r) => bareServer.listen(0, r));
    const barePort = (bareServer.address() as { port: number }).port;

    const headers = { authorization: `Bearer ${api.token}` };
    const hit = (url: string) => async () => (await fetch(url, { headers }).then(async (r) => { await r.arrayBuffer(); return r.ok; }));
    // Warm up both, then measure each in turn.
    await load(300, concurrency, hit(`${sys.baseUrl}/api/v1/me`));
    await load(300, concurrency, hit(`http://127.0.0.1:${barePort}/api/v1/me`));
    const project = await load(total, concurrency, hit(`${sys.baseUrl}/api/v1/me`));
    const baseline = await load(total, concurrency, hit(`http://127.0.0.1:${barePort}/api/v1/me`));
    bareServer.close();

    console.log(`\nauthenticated GET /api/v1/me, ${total} requests, ${concurrency} in flight`);
    console.log(`  project : ${fmt(project.rps, 0)} req/s  p50 ${fmt(project.p50)} ms  p99 ${fmt(project.p99)} ms  errors ${project.errors}`);
    console.log(`  baseline: ${fmt(baseline.rps, 0)} req/s  p50 ${fmt(baseline.p50)} ms  p99 ${fmt(baseline.p99)} ms  errors ${baseline.errors}  (bare Express, same JSON)`);
    console.log(`  ratio   : throughput ${fmt(project.rps / baseline.rps, 2)}x, p99 ${fmt(project.p99 / baseline.p99, 2)}x of baseline`);
  } finally {
    await sys.stop();
  }
}
