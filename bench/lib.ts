/** Small load helpers for the benchmarks: bounded in count and time, loopback only. */
export interface LoadResult {
  requests: number;
  seconds: number;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Sends `total` requests with `concurrency` in flight; latencies in ms. */
export async function load(total: number, concurrency: number, send: () => Promise<boolean>): Promise<LoadResult> {
  const latencies: number[] = [];
  let errors = 0;
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total) {
        next++;
        const t = performance.now();
        const ok = await send().catch(() => false);
        latencies.push(performance.now() - t);
        if (!ok) errors++;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { requests: total, seconds, rps: total / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99), errors };
}

export const fmt = (n: number, d = 1) => n.toFixed(d);

/**
 * Prints the warnings and errors the project logged during a run (pino records at level 40 and above), so that
 * a failure the figures would hide (a deadlock, a dropped write) is seen. `label` names the server.
 */
export function reportWarnings(label: string, records: Iterable<{ level?: unknown; msg?: unknown; err?: { message?: unknown } }>): void {
  const seen = new Map<string, number>();
  for (const r of records) {
    if (typeof r.level !== 'number' || r.level < 40) continue;
    const key = `${r.level >= 50 ? 'error' : 'warn'}: ${String(r.msg ?? '')}${r.err?.message ? ` (${String(r.err.message).slice(0, 120)})` : ''}`;
    seen.set(key, (seen.get(key) ?? 0) + 1);
  }
  if (!seen.size) {
    console.log(`  ${label}: no warnings or errors logged`);
    return;
  }
  console.log(`  ${label}: WARNINGS OR ERRORS LOGGED during the run:`);
  for (const [k, n] of seen) console.log(`    ${n} × ${k}`);
}
