import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { startSeeded, sql } from '../helpers/seeded.ts';
import { Api } from '../helpers/api.ts';
import { command, connectSocket } from '../helpers/sockets.ts';
import type { TestSystem } from '../helpers/system.ts';
import { BrowserSession, assertClientBuilt, launchChromium, signInPage } from '../helpers/browser.ts';

// The server keeps only the last 10 events per tenant here: a console that misses more than that cannot be
// replayed to and must reload its state over REST ("resync"), and still end up showing the truth.

let sys: TestSystem;
let browser: Browser;
const ids: Record<string, number> = {};
const session = new BrowserSession();

beforeAll(async () => {
  assertClientBuilt();
  ({ sys } = await startSeeded('browser_rt_resync', { REALTIME_LOG_MAXLEN: 10, PRESENCE_GRACE_MS: 1500, PRESENCE_SWEEP_MS: 300, PRESENCE_HEARTBEAT_MS: 300 }));
  for (const row of await sql(sys, 'select id, email from users')) ids[row.email] = Number(row.id);
  browser = await launchChromium();
});
afterAll(async () => {
  await session.closeAll();
  await browser?.close();
  await sys?.stop();
});

describe('resync after missing more than the server kept', () => {
  it('reloads the agent list over REST and shows the final state', async () => {
    const context = await session.newContext(browser);
    const supervisor = await signInPage(context, sys.baseUrl, 'supervisor@acme.test', { to: '/dashboard', track: session });
    const row = supervisor.getByTestId(`agent-row-${ids['agent1@acme.test']}`);
    const live = () => supervisor.getByTestId('agents-panel').getAttribute('data-live');
    await expect.poll(live).toBe('true');
    expect(await row.getAttribute('data-state')).toBe('offline');

    const frames: string[] = [];
    const presenceLoads: string[] = [];
    supervisor.on('websocket', (ws) => ws.on('framereceived', (frame) => frames.push(String(frame.payload))));
    supervisor.on('request', (request) => {
      if (new URL(request.url()).pathname === '/api/v1/presence') presenceLoads.push(request.url());
    });

    await context.setOffline(true);
    await expect.poll(() => supervisor.getByTestId('connection-banner').textContent({ timeout: 200 }).catch(() => null), { timeout: 5000 }).toContain('Reconnecting');

    // Meanwhile agent1 comes online and changes state a dozen times (a socket of the test's own, like a console).
    const agent = await new Api(sys.baseUrl).login('agent1@acme.test');
    const socket = await connectSocket(sys.baseUrl, agent.accessToken);
    const states = ['away', 'available'] as const;
    for (let i = 0; i < 12; i += 1) expect(await command(socket, 'presence:set', { state: states[i % 2] })).toMatchObject({ ok: true });
    expect(await command(socket, 'presence:set', { state: 'not_ready' })).toMatchObject({ ok: true });

    await context.setOffline(false);
    await expect.poll(live, { timeout: 10_000 }).toBe('true');
    expect(await supervisor.getByTestId('connection-banner').count()).toBe(0);
    expect(await row.getAttribute('data-state')).toBe('not_ready');
    expect(frames.some((frame) => frame.includes('"mode":"resync"'))).toBe(true);
    expect(presenceLoads.length).toBeGreaterThan(0);

    // Live again: the next change arrives as an event.
    expect(await command(socket, 'presence:set', { state: 'available' })).toMatchObject({ ok: true });
    await expect.poll(() => row.getAttribute('data-state'), { timeout: 2000 }).toBe('available');
    socket.close();
  });
});
