import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { sql, startSeeded } from '../helpers/seeded.ts';
import type { Api } from '../helpers/api.ts';
import type { TestSystem } from '../helpers/system.ts';
import { BrowserSession, assertClientBuilt, launchChromium, signInPage } from '../helpers/browser.ts';
import { tenantDay } from '../../server/common/tenant-day.ts';
import { signInForCalls, send } from '../telephony/calls-util.ts';

// The Calls page in a real Chromium against the real server: a supervisor filters the history by agent (one agent,
// their own, no agent) and by a range of days read in the browser's time zone (the one every time is shown in), the
// filters live in the address, a call opens on a page of its own (wrap-up, recording, ids), and calls that arrive
// while the list is open join it only when they match. The browsers here are in New York (the server runs in UTC).

const ZONE = 'America/New_York';
let sys: TestSystem;
let api: Api;
let browser: Browser;
let pbx: Api;
let agent1: Api;
let users: Record<string, number>;
const session = new BrowserSession();

/** The instant of a local time in New York: `day` (YYYY-MM-DD) at `hh:mm`. */
const local = (day: string, hh: number, mm: number) => new Date(tenantDay(ZONE, day).from.getTime() + (hh * 60 + mm) * 60_000);

/** A whole PBX call (ringing, answered after 5 s, ended after a minute with 58 s of talk) starting at `start`. */
async function pbxCall(id: string, extension: string, start: Date, from = '+12025550123'): Promise<number> {
  const base = { call_id: id, direction: 'inbound', from, to: '+12025550100', extension };
  const t = (s: number) => new Date(start.getTime() + s * 1000).toISOString();
  const callId = await send(pbx, { ...base, event: 'call.ringing', timestamp: t(0) });
  await send(pbx, { ...base, event: 'call.answered', timestamp: t(5) });
  await send(pbx, { ...base, event: 'call.ended', timestamp: t(65), duration_seconds: 58 });
  return callId;
}

const calls: Record<'a' | 'b' | 'c' | 'd', number> = { a: 0, b: 0, c: 0, d: 0 };

beforeAll(async () => {
  assertClientBuilt();
  ({ sys, api } = await startSeeded('browser_call_history'));
  let apis: Api[];
  ({ apis, pbx, users } = await signInForCalls(sys, api, ['admin@acme.test', 'agent1@acme.test']));
  agent1 = apis[1];
  // Far from the demo calls (which are recent): 10 and 11 March 2025, New York time (UTC-4 that week).
  calls.a = await pbxCall('hist-a', '1001', local('2025-03-10', 9, 0));
  // 23:30 in New York on the 10th is 03:30 UTC on the 11th: a day read in UTC would put it on the wrong day.
  calls.b = await pbxCall('hist-b', '1001', local('2025-03-10', 23, 30));
  calls.c = await pbxCall('hist-c', '1002', local('2025-03-11', 0, 30));
  calls.d = await pbxCall('hist-d', '9999', local('2025-03-10', 12, 0));
  // Call A: wrapped up by its agent, and recorded.
  const [disp] = await sql(sys, "select id, name from call_dispositions where tenant_id = (select id from tenants where name = 'Acme Support') and requires_note = 0 and is_active = 1 order by sort_order limit 1");
  const closed = await agent1.post(`/api/v1/calls/${calls.a}/close`, { dispositionId: Number(disp.id), notes: 'Asked for the brochure.\nCall back in spring.' });
  expect(closed.status, JSON.stringify(closed.body)).toBe(200);
  (calls as any).dispositionName = disp.name;
  await send(pbx, { call_id: 'hist-a', direction: 'inbound', from: '+12025550123', to: '+12025550100', extension: '1001', event: 'call.recording_ready', timestamp: local('2025-03-10', 9, 2).toISOString(), recording_url: 'https://pbx.example/rec/hist-a.wav' });
  browser = await launchChromium();
});
afterAll(async () => {
  await session.closeAll();
  await browser?.close();
  await sys?.stop();
});

const shownIds = async (page: Page) =>
  (await page.getByTestId('history-row').evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-call-id'))))).sort((x, y) => x - y);
const sorted = (...ids: number[]) => [...ids].sort((x, y) => x - y);

describe('the Calls page', () => {
  it('a supervisor filters by agent and by days in their own zone; the filters live in the address; a call opens on its own page', async () => {
    const page = await signInPage(browser, sys.baseUrl, 'supervisor@acme.test', { to: '/calls?from=2025-03-10&to=2025-03-11', track: session, contextOptions: { timezoneId: ZONE } });
    const list = page.getByTestId('call-history');
    await list.waitFor();
    expect(await page.getByTestId('history-from').inputValue()).toBe('2025-03-10');
    expect(await page.getByTestId('history-to').inputValue()).toBe('2025-03-11');
    await expect.poll(() => shownIds(page)).toEqual(sorted(calls.a, calls.b, calls.c, calls.d));
    expect(await page.getByText(`Days in your time zone (${ZONE}), as every time here.`).count()).toBe(1);

    // One agent: the picker lists those with SIP credentials or calls.
    // Times shown in the same zone as the days: call B reads 23:30 on the 10th.
    expect(await page.locator(`[data-testid="history-row"][data-call-id="${calls.b}"] td`).first().innerText()).toBe('Mar 10, 2025, 11:30 PM');
    const picker = page.getByTestId('history-agent');
    const names = await picker.locator('option').allTextContents();
    expect(names.slice(0, 3)).toEqual(['Everyone', 'My calls', 'No agent (unknown extension)']);
    await picker.selectOption(String(users['agent1@acme.test']));
    await expect.poll(() => shownIds(page)).toEqual(sorted(calls.a, calls.b));
    await expect.poll(() => new URL(page.url()).searchParams.get('agent')).toBe(String(users['agent1@acme.test']));

    // One day, the 10th in New York: call B (03:30 UTC on the 11th) is in it.
    await page.getByTestId('history-to').fill('2025-03-10');
    await expect.poll(() => new URL(page.url()).searchParams.get('to')).toBe('2025-03-10');
    await expect.poll(() => shownIds(page)).toEqual(sorted(calls.a, calls.b));
    await picker.selectOption(String(users['agent2@acme.test']));
    await expect.poll(() => page.getByTestId('history-empty').count()).toBe(1);
    expect(await shownIds(page)).toEqual([]);
    // The 11th: agent 2's call at half past midnight, New York time.
    await page.getByTestId('history-from').fill('2025-03-11');
    await page.getByTestId('history-to').fill('2025-03-11');
    await expect.poll(() => shownIds(page)).toEqual([calls.c]);

    // No agent: the call to an extension that is nobody's.
    await page.getByTestId('history-from').fill('2025-03-10');
    await picker.selectOption('unassigned');
    await expect.poll(() => shownIds(page)).toEqual([calls.d]);
    expect(new URL(page.url()).searchParams.get('agent')).toBe('unassigned');

    // A first day after the last: said so, nothing listed, nothing asked.
    await page.getByTestId('history-from').fill('2025-03-12');
    await expect.poll(() => page.getByTestId('history-range-error').innerText()).toBe('The first day is after the last one.');
    expect(await shownIds(page)).toEqual([]);
    expect(await page.getByTestId('history-empty').count()).toBe(0);
    expect(await page.getByTestId('history-range-blocked').innerText()).toBe('Correct the dates to see calls.');
    expect(await page.locator('.history-table').count()).toBe(0);

    // Back to agent 1 on the 10th, from an address as a colleague would share it.
    await page.goto(`${sys.baseUrl}/calls?agent=${users['agent1@acme.test']}&from=2025-03-10&to=2025-03-10`);
    await expect.poll(() => shownIds(page)).toEqual(sorted(calls.a, calls.b));
    expect(await page.getByTestId('history-agent').inputValue()).toBe(String(users['agent1@acme.test']));

    // Call A on its own page: who, when, how long, the wrap-up, the recording (supervisors hold recordings.view).
    await page.locator(`[data-testid="history-row"][data-call-id="${calls.a}"]`).getByTestId('history-open').click();
    const detail = page.getByTestId('call-detail');
    await detail.waitFor();
    expect(new URL(page.url()).pathname).toBe(`/calls/${calls.a}`);
    expect(await page.getByTestId('call-detail-title').innerText()).toBe('Inbound call · +12025550123');
    expect(await detail.getAttribute('data-status')).toBe('closed');
    expect(await page.getByTestId('call-detail-outcome').innerText()).toBe('Answered after 0:05; talk 0:58');
    expect(await page.getByTestId('call-detail-duration').innerText()).toBe('0:58');
    expect(await page.getByTestId('call-detail-disposition').innerText()).toContain((calls as any).dispositionName);
    expect(await page.getByTestId('call-detail-notes').innerText()).toBe('Asked for the brochure.\nCall back in spring.');
    expect(await page.getByTestId('call-detail-recording').getAttribute('src')).toBe('https://pbx.example/rec/hist-a.wav');
    expect(await page.getByTestId('call-detail-facts').innerText()).toContain('extension 1001');
    await detail.locator('details.ids summary').click();
    expect(await page.getByTestId('call-detail-ids').innerText()).toContain('hist-a');
    // What the PBX reported about it, in the order it happened.
    await expect.poll(() => page.getByTestId('pbx-event').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-event'))))
      .toEqual(['call.ringing', 'call.answered', 'call.ended', 'call.recording_ready']);
    // Each as the PBX sent it (the supervisor holds recordings.view: the URL is in it).
    const recorded = page.locator('[data-testid="pbx-event"][data-event="call.recording_ready"]');
    await recorded.locator('summary').click();
    expect(JSON.parse(await recorded.getByTestId('pbx-event-payload').innerText())).toMatchObject({ event: 'call.recording_ready', call_id: 'hist-a', recording_url: 'https://pbx.example/rec/hist-a.wav' });

    // Back to the list: the same filters.
    await page.getByTestId('call-detail-back').click();
    await page.getByTestId('call-history').waitFor();
    await expect.poll(() => shownIds(page)).toEqual(sorted(calls.a, calls.b));
    const q = new URL(page.url()).searchParams;
    expect([q.get('agent'), q.get('from'), q.get('to')]).toEqual([String(users['agent1@acme.test']), '2025-03-10', '2025-03-10']);

    // Live: with today's date in the range, a new call of agent 1 joins the list; one of agent 2 does not.
    const today = tenantDay(ZONE).date;
    await page.getByTestId('history-from').fill(today);
    await page.getByTestId('history-to').fill(today);
    // (The demo data may have calls of agent 1 today already: exactly those, from the server.)
    const todays = (await agent1.get(`/api/v1/calls?limit=200&from=${tenantDay(ZONE, today).from.toISOString()}&to=${tenantDay(ZONE, today).to.toISOString()}`)).body.data.map((c: any) => c.id);
    await expect.poll(() => shownIds(page)).toEqual(sorted(...todays));
    const theirs = await send(pbx, { call_id: 'hist-live-2', direction: 'inbound', from: '+12025550124', to: '+12025550100', extension: '1002', event: 'call.ringing', timestamp: new Date().toISOString() });
    const mine = await send(pbx, { call_id: 'hist-live-1', direction: 'inbound', from: '+12025550125', to: '+12025550100', extension: '1001', event: 'call.ringing', timestamp: new Date().toISOString() });
    await expect.poll(() => shownIds(page), { timeout: 5000 }).toEqual(sorted(...todays, mine));
    expect(await shownIds(page)).not.toContain(theirs);

    // The Calls link in the menu: the address without filters, and the filters follow it.
    await page.getByTestId('nav-calls').click();
    await expect.poll(() => page.getByTestId('history-agent').inputValue()).toBe('all');
    expect([await page.getByTestId('history-from').inputValue(), await page.getByTestId('history-to').inputValue()]).toEqual(['', '']);
    expect(new URL(page.url()).search).toBe('');
    await expect.poll(async () => (await shownIds(page)).includes(theirs)).toBe(true);

    // A call's page follows the call as the PBX reports it: ringing, then answered, then ended. Opened from the
    // dashboard's live calls, where it rings.
    await page.getByTestId('nav-dashboard').click();
    await page.locator(`[data-testid="live-call-row"][data-call-id="${mine}"]`).getByTestId('live-call-open').click();
    const live = page.getByTestId('call-detail');
    await expect.poll(() => live.getAttribute('data-status')).toBe('ringing');
    expect(await page.getByTestId('call-detail-outcome').innerText()).toBe('Ringing');
    const liveBase = { call_id: 'hist-live-1', direction: 'inbound', from: '+12025550125', to: '+12025550100', extension: '1001' };
    await send(pbx, { ...liveBase, event: 'call.answered', timestamp: new Date().toISOString() });
    await expect.poll(() => live.getAttribute('data-status'), { timeout: 5000 }).toBe('in_progress');
    await send(pbx, { ...liveBase, event: 'call.ended', timestamp: new Date(Date.now() + 1000).toISOString(), duration_seconds: 12 });
    await expect.poll(() => live.getAttribute('data-status'), { timeout: 5000 }).toBe('ended');
    expect(await page.getByTestId('call-detail-duration').innerText()).toBe('0:12');
    expect(await live.innerText()).toContain('Waiting for the agent’s wrap-up.');
  });

  it('an agent sees only their own calls: no agent picker, another agent’s call is not found, their own has no recording link without the permission', async () => {
    const page = await signInPage(browser, sys.baseUrl, 'agent1@acme.test', { to: '/calls?from=2025-03-10&to=2025-03-11&agent=unassigned', track: session, contextOptions: { timezoneId: ZONE } });
    await page.getByTestId('call-history').waitFor();
    expect(await page.getByTestId('history-agent').count()).toBe(0);
    // The address asked for unassigned calls; an agent gets their own, as the server would answer anyway.
    await expect.poll(() => shownIds(page)).toEqual(sorted(calls.a, calls.b));

    await page.goto(`${sys.baseUrl}/calls/${calls.c}`);
    await page.getByTestId('call-detail-missing').waitFor();
    expect(await page.getByTestId('call-detail-missing').innerText()).toContain(`There is no call #${calls.c} that you may see.`);

    await page.goto(`${sys.baseUrl}/calls/${calls.a}`);
    await page.getByTestId('call-detail-title').waitFor();
    expect(await page.getByTestId('call-detail-recording').count()).toBe(0);
    expect(await page.getByTestId('call-detail-recording-locked').innerText()).toContain('calls.recordings.view');
    await page.getByTestId('call-detail-ids-panel').locator('summary').click();
    await expect.poll(() => page.getByTestId('pbx-event').count()).toBe(4);
    expect(await page.content()).not.toContain('https://pbx.example/rec/hist-a.wav');
  });

  it('the day report: a supervisor walks from the dashboard to any day of the workspace (New York) and sees each agent\'s calls and time', async () => {
    const page = await signInPage(browser, sys.baseUrl, 'supervisor@acme.test', { to: '/dashboard', track: session, contextOptions: { timezoneId: ZONE } });
    await page.getByTestId('figures-other-days').click();
    const report = page.getByTestId('day-report');
    // Today by default, named by the server (the workspace's day).
    await expect.poll(() => report.getAttribute('data-date')).toBe(tenantDay(ZONE).date);
    expect(await report.innerText()).toContain(`(${ZONE}, midnight to midnight)`);
    const row = (email: string) => page.locator(`[data-testid="day-row"][data-user-id="${users[email]}"]`);

    // 10 March 2025: agent 1's calls A and B (B at 23:30, New York time), both answered, 58 s each; agent 2 none.
    await page.getByTestId('day-date').fill('2025-03-10');
    await expect.poll(() => report.getAttribute('data-date')).toBe('2025-03-10');
    expect(new URL(page.url()).searchParams.get('date')).toBe('2025-03-10');
    expect(await row('agent1@acme.test').getAttribute('data-calls')).toBe('2');
    expect(await row('agent1@acme.test').getByTestId('day-talk').innerText()).toBe('1:56');
    expect(await row('agent2@acme.test').getAttribute('data-calls')).toBe('0');
    // The unassigned call (extension 9999) is nobody's: the totals count the agents' calls.
    expect(await page.getByTestId('day-totals').locator('td').first().innerText()).toBe('2');

    // The next day: agent 2's call at half past midnight.
    await page.getByTestId('day-next').click();
    await expect.poll(() => report.getAttribute('data-date')).toBe('2025-03-11');
    expect(await row('agent2@acme.test').getAttribute('data-calls')).toBe('1');
    expect(await row('agent1@acme.test').getAttribute('data-calls')).toBe('0');
    // Two days back: nothing.
    await page.getByTestId('day-previous').click();
    await expect.poll(() => report.getAttribute('data-date')).toBe('2025-03-10');
    await page.getByTestId('day-previous').click();
    await expect.poll(() => report.getAttribute('data-date')).toBe('2025-03-09');
    expect(await page.getByTestId('day-totals').locator('td').first().innerText()).toBe('0');
    // An address as a colleague would share it.
    await page.goto(`${sys.baseUrl}/dashboard/day?date=2025-03-11`);
    await expect.poll(() => page.getByTestId('day-report').getAttribute('data-date')).toBe('2025-03-11');
  });
});
