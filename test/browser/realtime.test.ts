import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startSeeded, sql } from '../helpers/seeded.ts';
import type { TestSystem } from '../helpers/system.ts';
import { ARTIFACTS, BrowserSession, assertClientBuilt, launchChromium, signInPage } from '../helpers/browser.ts';

// The console's realtime side, end to end: real server (short presence grace), real Chromium, one browser
// context per person so that each has storage and a socket of their own.

let sys: TestSystem;
let browser: Browser;
const ids: Record<string, number> = {};
let leadId: number;
const session = new BrowserSession();

beforeAll(async () => {
  assertClientBuilt();
  ({ sys } = await startSeeded('browser_realtime', { PRESENCE_GRACE_MS: 1500, PRESENCE_SWEEP_MS: 300, PRESENCE_HEARTBEAT_MS: 300 }));
  for (const row of await sql(sys, 'select id, email from users')) ids[row.email] = Number(row.id);
  const [acme] = await sql(sys, "select id from tenants where name = 'Acme Support'");
  const [lead] = await sql(sys, 'select id from leads where tenant_id = ? order by id limit 1', [acme.id]);
  leadId = Number(lead.id);
  browser = await launchChromium();
});
afterAll(async () => {
  await session.closeAll();
  await browser?.close();
  await sys?.stop();
});

const newContext = (): Promise<BrowserContext> => session.newContext(browser, { viewport: { width: 1280, height: 800 } });

/** Signs in through the login form, then opens `path` inside the app. */
const signIn = (context: BrowserContext, email: string, path = '/'): Promise<Page> =>
  signInPage(context, sys.baseUrl, email, { to: path === '/' ? undefined : path, track: session });

const row = (page: Page, email: string) => page.getByTestId(`agent-row-${ids[email]}`);
const stateOf = (page: Page, email: string) => row(page, email).getAttribute('data-state', { timeout: 2000 }).catch(() => null);
const bannerText = (page: Page) => page.getByTestId('connection-banner').textContent({ timeout: 200 }).catch(() => null);

describe('presence on the supervisor dashboard', () => {
  let supervisor: Page;
  let supervisorContext: BrowserContext;

  it('shows an agent available when they sign in, away within a second of picking it, offline after the grace period', async () => {
    supervisorContext = await newContext();
    supervisor = await signIn(supervisorContext, 'supervisor@acme.test', '/dashboard');
    await supervisor.getByTestId('agents-panel').waitFor();
    // Every active user of the tenant is listed; agent1 has not signed in yet.
    await expect.poll(() => stateOf(supervisor, 'agent1@acme.test')).toBe('offline');
    await expect.poll(() => stateOf(supervisor, 'supervisor@acme.test')).toBe('available');
    await expect.poll(() => supervisor.getByTestId('agents-panel').getAttribute('data-live')).toBe('true');
    expect(await supervisor.getByTestId('connection-banner').count()).toBe(0);

    const agentContext = await newContext();
    const agent = await signIn(agentContext, 'agent1@acme.test');
    await expect.poll(() => stateOf(supervisor, 'agent1@acme.test'), { timeout: 5000 }).toBe('available');
    // The agent's own selector shows what the server says.
    await expect.poll(() => agent.getByTestId('presence-select').getAttribute('data-state')).toBe('available');
    await expect.poll(() => agent.getByTestId('presence-select').isEnabled()).toBe(true);

    const picked = Date.now();
    await agent.getByTestId('presence-select').selectOption('away');
    await supervisor.locator(`[data-testid="agent-row-${ids['agent1@acme.test']}"][data-state="away"]`).waitFor({ timeout: 1000 });
    expect(Date.now() - picked).toBeLessThan(1000);
    expect(await agent.getByTestId('presence-select').getAttribute('data-state')).toBe('away');
    // Time in state ticks.
    const inState = row(supervisor, 'agent1@acme.test').getByTestId('agent-in-state');
    const first = await inState.textContent();
    await expect.poll(() => inState.textContent(), { timeout: 3000 }).not.toBe(first);

    await supervisor.screenshot({ path: path.join(ARTIFACTS, 'dashboard-presence.png') });

    // Closing the page is not going offline at once (a reload must not flap), but after the grace period it is.
    const closed = Date.now();
    await agent.close();
    await supervisor.waitForTimeout(300);
    expect(await stateOf(supervisor, 'agent1@acme.test')).toBe('away');
    await supervisor.locator(`[data-testid="agent-row-${ids['agent1@acme.test']}"][data-state="offline"]`).waitFor({ timeout: 6000 });
    expect(Date.now() - closed).toBeGreaterThanOrEqual(1400);
  });

  it('a repeated or refused change shows the server state; an unknown reason shows the server message', async () => {
    const agent = await signIn(await newContext(), 'agent1@acme.test');
    await expect.poll(() => stateOf(supervisor, 'agent1@acme.test'), { timeout: 5000 }).toBe('available');
    await expect.poll(() => agent.getByTestId('presence-select').isEnabled()).toBe(true);

    // An administrator adds a reason while the agent is signed in; the selector offers it when opened.
    const admin = await signIn(await newContext(), 'admin@acme.test', '/settings');
    await admin.getByTestId('reason-new-name').fill('Lunch break');
    await admin.getByTestId('reason-add').click();
    const added = admin.locator('[data-testid^="reason-row-"]', { hasText: 'Lunch break' });
    await added.waitFor();
    const reasonId = Number((await added.getAttribute('data-testid'))!.replace('reason-row-', ''));
    const reasonRow = admin.getByTestId(`reason-row-${reasonId}`);

    await agent.reload();
    await expect.poll(() => agent.getByTestId('presence-select').isEnabled()).toBe(true);
    await agent.getByTestId('presence-select').selectOption(`not_ready:${reasonId}`);
    await expect.poll(() => stateOf(supervisor, 'agent1@acme.test')).toBe('not_ready');
    await expect.poll(() => row(supervisor, 'agent1@acme.test').textContent()).toContain('Not ready – Lunch break');

    // The admin renames, then retires the reason. The agent keeps the retired reason, shown but not offered.
    await reasonRow.getByTestId('reason-rename').click();
    await admin.getByTestId('reason-edit-name').fill('Lunch');
    await admin.getByTestId('reason-save').click();
    await expect.poll(() => reasonRow.getByTestId('reason-name').textContent()).toBe('Lunch');
    await reasonRow.getByTestId('reason-retire').click();
    await expect.poll(() => reasonRow.getAttribute('data-active')).toBe('false');

    // Picking the retired reason (a stale list) is refused: the server's message shows, the selector stays put.
    await agent.getByTestId('presence-select').selectOption('available');
    await expect.poll(() => stateOf(supervisor, 'agent1@acme.test')).toBe('available');
    // A selector opened before the reason was retired still offers it. (A string: the tests have no DOM types.)
    await agent.evaluate(`(() => {
      const option = document.createElement('option');
      option.value = 'not_ready:${reasonId}';
      option.textContent = 'Not ready – Lunch (stale)';
      document.querySelector('[data-testid="presence-select"]').append(option);
    })()`);
    await agent.getByTestId('presence-select').selectOption(`not_ready:${reasonId}`);
    await expect.poll(() => agent.getByTestId('presence-error').textContent()).toContain('reason does not exist');
    await expect.poll(() => agent.getByTestId('presence-select').inputValue()).toBe('available');
    expect(await stateOf(supervisor, 'agent1@acme.test')).toBe('available');
    await admin.close();
    await agent.close();
  });

  it('the banner says Reconnecting while offline, and an event published meanwhile shows after the catch-up', async () => {
    const agent = await signIn(await newContext(), 'agent1@acme.test');
    await expect.poll(() => stateOf(supervisor, 'agent1@acme.test'), { timeout: 5000 }).toBe('available');
    await expect.poll(() => agent.getByTestId('presence-select').isEnabled()).toBe(true);

    // Watch the supervisor's socket frames: after reconnecting it must ask for a catch-up and get a replay.
    const sent: string[] = [];
    const received: string[] = [];
    supervisor.on('websocket', (ws) => {
      ws.on('framesent', (frame) => sent.push(String(frame.payload)));
      ws.on('framereceived', (frame) => received.push(String(frame.payload)));
    });

    await supervisorContext.setOffline(true);
    await expect.poll(() => bannerText(supervisor), { timeout: 5000 }).toContain('Reconnecting');
    // What is on screen is marked as not live.
    expect(await supervisor.getByTestId('agents-panel').getAttribute('data-live')).toBe('false');
    await supervisor.screenshot({ path: path.join(ARTIFACTS, 'dashboard-reconnecting.png') });

    await agent.getByTestId('presence-select').selectOption('away');
    await expect.poll(() => agent.getByTestId('presence-select').getAttribute('data-state')).toBe('away');
    await supervisor.waitForTimeout(300);
    expect(await stateOf(supervisor, 'agent1@acme.test')).toBe('available'); // it cannot know yet

    await supervisorContext.setOffline(false);
    await expect.poll(() => supervisor.getByTestId('agents-panel').getAttribute('data-live'), { timeout: 10_000 }).toBe('true');
    expect(await supervisor.getByTestId('connection-banner').count()).toBe(0);
    expect(await stateOf(supervisor, 'agent1@acme.test')).toBe('away');
    expect(sent.some((frame) => /"sync:catchup",\{"lastSeq":[1-9]\d*\}/.test(frame))).toBe(true);
    expect(received.some((frame) => frame.includes('"mode":"replay"') && frame.includes('"presence:changed"'))).toBe(true);

    // A reload within the grace period: the agent stays away (no flap on the dashboard), and the reloaded page
    // knows its own state again from what the tab kept (last seq and own state) plus the catch-up.
    await agent.reload();
    await agent.getByTestId('user-name').waitFor();
    await expect.poll(() => agent.getByTestId('presence-select').isEnabled()).toBe(true);
    expect(await agent.getByTestId('presence-select').getAttribute('data-state')).toBe('away');
    expect(await stateOf(supervisor, 'agent1@acme.test')).toBe('away');
    await agent.close();
  });
});

describe('who else is viewing a lead', () => {
  it('two agents on the same lead see each other; leaving the page takes one off the other’s list', async () => {
    const one = await signIn(await newContext(), 'agent1@acme.test', `/leads/${leadId}`);
    const two = await signIn(await newContext(), 'agent2@acme.test', `/leads/${leadId}`);
    expect(await one.getByTestId('lead-id').textContent()).toContain(String(leadId));

    await one.getByTestId('viewers').getByTestId(`viewer-${ids['agent2@acme.test']}`).waitFor({ timeout: 5000 });
    await two.getByTestId('viewers').getByTestId(`viewer-${ids['agent1@acme.test']}`).waitFor({ timeout: 5000 });
    // Nobody sees themselves in "also viewing".
    expect(await one.getByTestId('viewers').getByTestId(`viewer-${ids['agent1@acme.test']}`).count()).toBe(0);
    await one.screenshot({ path: path.join(ARTIFACTS, 'lead-viewers.png') });

    // Navigating inside the app (not closing) withdraws the announcement at once.
    await two.getByTestId('nav-home').click();
    await expect.poll(() => one.getByTestId('viewers').getByTestId(`viewer-${ids['agent2@acme.test']}`).count(), { timeout: 3000 }).toBe(0);

    // Back on the lead: seen again.
    await two.goBack();
    await one.getByTestId('viewers').getByTestId(`viewer-${ids['agent2@acme.test']}`).waitFor({ timeout: 5000 });
    await one.close();
    await two.close();
  });
});
