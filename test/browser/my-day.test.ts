import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { sql, startSeeded } from '../helpers/seeded.ts';
import type { Api } from '../helpers/api.ts';
import type { TestSystem } from '../helpers/system.ts';
import { BrowserSession, assertClientBuilt, launchChromium, signInPage } from '../helpers/browser.ts';
import { send, signInForCalls } from '../telephony/calls-util.ts';

// The home page's "my day" in a real Chromium against the real server: an agent's follow-ups (overdue, due later
// today, the next ones) and their calls since midnight (counts, talk time, wrap-ups waiting, the latest), checked
// against what the API says, then kept live by lead and call events. The browser is in UTC, as the server.

let sys: TestSystem;
let api: Api;
let browser: Browser;
let agent1: Api;
let pbx: Api;
let users: Record<string, number>;
const session = new BrowserSession();

beforeAll(async () => {
  assertClientBuilt();
  ({ sys, api } = await startSeeded('browser_my_day'));
  let apis: Api[];
  ({ apis, pbx, users } = await signInForCalls(sys, api, ['admin@acme.test', 'agent1@acme.test']));
  agent1 = apis[1];
  browser = await launchChromium();
});
afterAll(async () => {
  await session.closeAll();
  await browser?.close();
  await sys?.stop();
});

const text = (page: Page, id: string) => page.getByTestId(id).innerText();
const utcMidnight = () => {
  const d = new Date();
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
};

/** What the server says of agent 1's day: their open follow-ups and their calls since midnight (UTC). */
async function serverDay() {
  const followups = (await agent1.get('/api/v1/leads/my-followups?includeOverdue=true&limit=200')).body.data as { id: number; nextFollowupAt: string }[];
  const calls = (await agent1.get(`/api/v1/calls?limit=200&userId=${users['agent1@acme.test']}&from=${utcMidnight().toISOString()}`)).body.data as any[];
  const now = Date.now();
  const tomorrow = utcMidnight().getTime() + 86_400_000;
  return {
    overdue: followups.filter((l) => Date.parse(l.nextFollowupAt) < now).length,
    dueToday: followups.filter((l) => Date.parse(l.nextFollowupAt) >= now && Date.parse(l.nextFollowupAt) < tomorrow).length,
    next: followups.slice(0, 5).map((l) => l.id),
    total: calls.length,
    answered: calls.filter((c) => c.answeredAt).length,
    missed: calls.filter((c) => c.direction === 'inbound' && !c.answeredAt && ['ended', 'closed'].includes(c.status)).length,
    wrapups: calls.filter((c) => c.status === 'ended').length,
  };
}

describe('the home page: my day', () => {
  it('shows the agent’s follow-ups and calls of today as the server has them, and follows new ones live', async () => {
    // An overdue follow-up of agent 1's, made before the page opens.
    // (The API takes only future dates: the hour has passed since, as far as the row is concerned.)
    const overdueLead = await agent1.post('/api/v1/leads', { name: 'Olive Overdue', companyName: 'Late Ltd', assignedToId: users['agent1@acme.test'], nextFollowupAt: new Date(Date.now() + 3_600_000).toISOString() });
    expect(overdueLead.status, JSON.stringify(overdueLead.body)).toBe(201);
    await sql(sys, 'update leads set next_followup_at = ? where id = ?', [new Date(Date.now() - 3_600_000), overdueLead.body.id]);

    const page = await signInPage(browser, sys.baseUrl, 'agent1@acme.test', { to: '/', track: session, contextOptions: { timezoneId: 'UTC' } });
    await page.getByTestId('my-day').waitFor();
    await page.getByTestId('my-day-calls-total').waitFor();
    const day = await serverDay();
    expect(day.overdue).toBeGreaterThan(0);
    await expect.poll(() => text(page, 'my-day-overdue')).toBe(`${day.overdue} overdue`);
    expect(await text(page, 'my-day-due-today')).toBe(`${day.dueToday} due later today`);
    expect(await page.getByTestId('my-day-followup').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-lead-id'))))).toEqual(day.next);
    expect(await page.getByTestId('my-day-followup').first().innerText()).toContain('ago');
    expect(await text(page, 'my-day-calls-total')).toBe(String(day.total));
    expect(await text(page, 'my-day-calls-answered')).toBe(String(day.answered));
    expect(await text(page, 'my-day-calls-missed')).toBe(String(day.missed));
    expect(await text(page, 'my-day-wrapups')).toBe(String(day.wrapups));

    // A call the PBX reports for agent 1 now: answered, 30 s of talk, ended. It counts at once, waits for its wrap-up.
    const talkBefore = await text(page, 'my-day-talk');
    const base = { call_id: 'day-1', direction: 'inbound', from: '+12025550188', to: '+12025550100', extension: '1001' };
    const t0 = Date.now() - 40_000;
    const callId = await send(pbx, { ...base, event: 'call.ringing', timestamp: new Date(t0).toISOString() });
    await expect.poll(() => text(page, 'my-day-calls-total'), { timeout: 5000 }).toBe(String(day.total + 1));
    expect(await page.getByTestId('my-day-call').first().getAttribute('data-call-id')).toBe(String(callId));
    await send(pbx, { ...base, event: 'call.answered', timestamp: new Date(t0 + 5000).toISOString() });
    await send(pbx, { ...base, event: 'call.ended', timestamp: new Date(t0 + 35_000).toISOString(), duration_seconds: 30 });
    await expect.poll(() => text(page, 'my-day-calls-answered'), { timeout: 5000 }).toBe(String(day.answered + 1));
    await expect.poll(() => text(page, 'my-day-wrapups'), { timeout: 5000 }).toBe(String(day.wrapups + 1));
    expect(await text(page, 'my-day-talk')).not.toBe(talkBefore);
    // Missed: an inbound call that rings and ends unanswered.
    const missed = { ...base, call_id: 'day-2' };
    await send(pbx, { ...missed, event: 'call.ringing', timestamp: new Date(Date.now() - 20_000).toISOString() });
    await send(pbx, { ...missed, event: 'call.ended', timestamp: new Date(Date.now() - 10_000).toISOString() });
    await expect.poll(() => text(page, 'my-day-calls-missed'), { timeout: 5000 }).toBe(String(day.missed + 1));
    expect(await text(page, 'my-day-calls-total')).toBe(String(day.total + 2));
    // The page agrees with the server again.
    const after = await serverDay();
    expect([await text(page, 'my-day-calls-total'), await text(page, 'my-day-calls-answered'), await text(page, 'my-day-calls-missed')])
      .toEqual([String(after.total), String(after.answered), String(after.missed)]);

    // A follow-up set for agent 1 elsewhere (here: over the API), due in a minute: it joins the list and the counts
    // live (later today, unless today ends within the minute: the server's figures decide).
    const soon = await agent1.post('/api/v1/leads', { name: 'Ned Nowdue', assignedToId: users['agent1@acme.test'], nextFollowupAt: new Date(Date.now() + 60_000).toISOString() });
    expect(soon.status, JSON.stringify(soon.body)).toBe(201);
    const withSoon = await serverDay();
    expect(withSoon.overdue + withSoon.dueToday).toBeGreaterThanOrEqual(day.overdue + day.dueToday);
    await expect.poll(() => text(page, 'my-day-due-today'), { timeout: 5000 }).toBe(`${withSoon.dueToday} due later today`);
    await expect.poll(() => page.getByTestId('my-day-followup').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-lead-id')))), { timeout: 5000 }).toEqual(withSoon.next);
    expect(withSoon.next).toContain(soon.body.id);

    // The latest call opens on its own page.
    await page.locator(`[data-testid="my-day-call"][data-call-id="${callId}"] a`).click();
    await page.getByTestId('call-detail').waitFor();
    expect(new URL(page.url()).pathname).toBe(`/calls/${callId}`);
  });

  it('each panel follows its permission: a role without calls.view gets the follow-ups only', async () => {
    const admin = (await api.login('admin@acme.test')).api;
    const current: string[] = (await admin.get('/api/v1/permissions')).body.roles.support_agent;
    expect(current).toContain('calls.view');
    const res = await admin.put('/api/v1/permissions/support_agent', { permissions: current.filter((p) => p !== 'calls.view') });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    try {
      const page = await signInPage(browser, sys.baseUrl, 'support@acme.test', { to: '/', track: session });
      await page.getByTestId('my-day-followups').waitFor();
      expect(await page.getByTestId('my-day-calls').count()).toBe(0);
      expect(await page.getByTestId('home-calls').count()).toBe(0);
    } finally {
      expect((await admin.put('/api/v1/permissions/support_agent', { permissions: current })).status).toBe(200);
    }
  });
});
