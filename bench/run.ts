/**
 * `npm run bench [scenario...]`: runs the benchmark scenarios, each next to a
 * bare baseline in the same run, and prints both and the ratio.
 */
const scenarios: Record<string, () => Promise<{ run: () => Promise<void> }>> = {
  'auth-request': () => import('./auth-request.ts'),
  fanout: () => import('./fanout.ts'),
  'idle-memory': () => import('./idle-memory.ts'),
  'leads-1m': () => import('./leads-1m.ts'),
  'pbx-webhook': () => import('./pbx-webhook.ts'),
};

const wanted = process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(scenarios);
for (const name of wanted) {
  const load = scenarios[name];
  if (!load) {
    console.error(`unknown scenario ${name}; known: ${Object.keys(scenarios).join(', ')}`);
    process.exit(2);
  }
  await (await load()).run();
}
process.exit(0);
