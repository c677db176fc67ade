import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startSeeded, sql } from '../helpers/seeded.ts';
import type { Api } from '../helpers/api.ts';
import type { TestSystem } from '../helpers/system.ts';
import { ARTIFACTS, BrowserSession, assertClientBuilt, launchChromium, signInPage } from '../helpers/browser.ts';
import { freePort, startKamailio, type KamailioServer } from '../helpers/kamailio.ts';

// The softphone against a real SIP server: Kamailio on loopback as the SIP-over-WebSocket registrar and proxy
// (test/sip/kamailio.cfg, started and stopped here), two headless Chromium agents with fake audio devices, the
// real server, and a supervisor watching the dashboard. "Established" proves no media, so the call is only
// taken as connected once WebRTC's stats show audio packets received on both sides.

let sys: TestSystem;
let kamailio: KamailioServer;
let browser: Browser;
let admin: Api;
let agent1: Api;
const userId: Record<string, number> = {};
const session = new BrowserSession();

/** The lead agent 1 calls: its number routes (Kamailio's dial plan: last four digits) to agent 2's extension. */
const LEAD_PHONE = '+12125551002';

beforeAll(async () => {
  assertClientBuilt();
  kamailio = await startKamailio();
  let api;
  ({ sys, api } = await startSeeded('browser_softphone'));
  admin = (await api.login('admin@acme.test')).api;
  agent1 = (await api.login('agent1@acme.test')).api;
  for (const row of await sql(sys, 'select id, email from users')) userId[row.email] = Number(row.id);
  // The demo extensions 1001 and 1002, pointed at the local Kamailio (which takes any password: see its config).
  for (const [email, extension] of [['agent1@acme.test', '1001'], ['agent2@acme.test', '1002']] as const) {
    const res = await admin.put(`/api/v1/users/${userId[email]}/sip-credentials`, {
      wsUrl: kamailio.wsUrl, username: extension, password: `sip-${extension}-test`, domain: kamailio.domain, autoRegister: true,
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
  }
  browser = await launchChromium([
    '--use-fake-device-for-media-stream',
    '--use-fake-ui-for-media-stream',
    // Without it, ICE gathers no candidate on 127.0.0.1 and the call never gets media.
    '--allow-loopback-in-peer-connection',
    '--autoplay-policy=no-user-gesture-required',
  ]);
});

afterAll(async () => {
  await session.closeAll();
  await browser?.close();
  await sys?.stop();
  await kamailio?.close();
});

/** Each agent in a context of their own, allowed the (fake) microphone. */
const signIn = (email: string, to: string): Promise<Page> =>
  signInPage(browser, sys.baseUrl, email, { to, contextOptions: { permissions: ['microphone'] }, track: session });

const softphone = (page: Page) => page.getByTestId('softphone');
const registration = (page: Page) => softphone(page).getAttribute('data-registration');

async function registered(page: Page, timeout = 10_000): Promise<void> {
  await page.locator('[data-testid="softphone"][data-registration="registered"]').waitFor({ timeout });
}

async function openDock(page: Page): Promise<void> {
  if (!(await page.getByTestId('softphone-registration').isVisible())) await page.getByTestId('softphone-toggle').click();
}

/** Audio packets this side has received on its call, from WebRTC's inbound-rtp stats (the softphone polls them every second). */
async function packetsReceived(page: Page): Promise<number> {
  const value = await page.getByTestId('call-media').getAttribute('data-packets-received').catch(() => null);
  return Number(value ?? 0);
}

describe('the softphone, two agents on a real SIP server', () => {
  let one: Page;
  let two: Page;
  let supervisor: Page;
  let leadId: number;

  beforeAll(async () => {
    const lead = await agent1.post('/api/v1/leads', { name: 'Harbor Logistics', companyName: 'Harbor Logistics LLC', phone: LEAD_PHONE, assignedToId: userId['agent1@acme.test'] });
    expect(lead.status, JSON.stringify(lead.body)).toBe(201);
    leadId = lead.body.id;
    [one, two, supervisor] = await Promise.all([
      signIn('agent1@acme.test', `/leads/${leadId}`),
      signIn('agent2@acme.test', '/'),
      signIn('supervisor@acme.test', '/dashboard'),
    ]);
    // Auto-register: both softphones register with their own credentials, no click needed.
    await Promise.all([registered(one), registered(two)]);
    await one.getByTestId('lead-timeline').waitFor();
    await supervisor.locator('[data-testid="supervisor-calls"][data-live="true"]').waitFor();
  });

  it('agent 1 calls agent 2 from a lead; audio flows both ways; hold, resume and DTMF work; both wrap up; the lead and the supervisor see it all', async () => {
    const started = Date.now();
    // Today's figures on the supervisor's dashboard, before the call (the demo data has calls of its own).
    const figuresRow = (who: string) => supervisor.getByTestId(`figures-row-${userId[who]}`);
    const callsToday = async (who: string) => ((await figuresRow(who).count()) ? Number(await figuresRow(who).getAttribute('data-calls')) : 0);
    const before = { one: await callsToday('agent1@acme.test'), two: await callsToday('agent2@acme.test') };

    // Click-to-call from the lead page.
    await one.getByTestId('lead-call').click();
    await one.locator('[data-testid="softphone-call"][data-direction="outbound"]').waitFor();
    expect(await one.getByTestId('softphone-call-related').textContent()).toContain('Harbor Logistics');

    // Agent 2 gets the incoming-call popup, with the screen pop of who calls (extension 1001: no lead has it).
    const incoming = two.getByTestId('incoming-call');
    await incoming.waitFor({ timeout: 10_000 });
    expect(await incoming.getAttribute('data-number')).toBe('1001');
    await two.locator('[data-testid="screen-pop-none"], [data-testid="screen-pop"]').first().waitFor();
    await two.getByTestId('incoming-answer').click();
    await incoming.waitFor({ state: 'detached' });

    // Established on both sides, and real audio: inbound RTP packets counted by WebRTC on each side.
    await one.locator('[data-testid="softphone-call"][data-call-state="active"]').waitFor({ timeout: 10_000 });
    await two.locator('[data-testid="softphone-call"][data-call-state="active"]').waitFor({ timeout: 10_000 });
    await expect.poll(() => packetsReceived(one), { timeout: 10_000 }).toBeGreaterThan(0);
    await expect.poll(() => packetsReceived(two), { timeout: 10_000 }).toBeGreaterThan(0);
    const connectedMs = Date.now() - started;

    // The supervisor sees both agents on a call (one row per agent's leg), live.
    const liveRow = (who: string, status: string) => supervisor.locator(`[data-testid="live-call-row"][data-user-id="${userId[who]}"][data-status="${status}"]`);
    await liveRow('agent1@acme.test', 'in_progress').waitFor({ timeout: 5000 });
    await liveRow('agent2@acme.test', 'in_progress').waitFor({ timeout: 5000 });
    await supervisor.screenshot({ path: path.join(ARTIFACTS, 'softphone-supervisor-on-call.png'), fullPage: true });

    // The timer runs.
    const timer = one.getByTestId('call-timer');
    const firstTick = await timer.textContent();
    await expect.poll(() => timer.textContent(), { timeout: 3000 }).not.toBe(firstTick);
    await one.screenshot({ path: path.join(ARTIFACTS, 'softphone-in-call.png') });

    // Hold: a re-INVITE through Kamailio (agent 1 sendonly, agent 2 answers recvonly), so agent 2 stops sending
    // and agent 1 stops receiving. Resume: audio flows again.
    await one.getByTestId('softphone-hold').click();
    await one.locator('[data-testid="softphone-call"][data-held="true"]').waitFor({ timeout: 5000 });
    expect(await one.getByTestId('softphone-call-state').textContent()).toContain('On hold');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const heldAt = await packetsReceived(one);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await packetsReceived(one)).toBeLessThanOrEqual(heldAt + 5);
    await one.getByTestId('softphone-hold').click();
    await one.locator('[data-testid="softphone-call"][data-held="false"]').waitFor({ timeout: 5000 });
    const resumedAt = await packetsReceived(one);
    await expect.poll(() => packetsReceived(one), { timeout: 5000 }).toBeGreaterThan(resumedAt + 10);

    // DTMF: played into the call as RFC 4733 events (each tone confirmed by the browser's DTMF sender).
    await one.getByTestId('softphone-keypad').click();
    for (const key of ['1', '2', 'hash']) await one.getByTestId(`dtmf-key-${key}`).click();
    await expect.poll(() => one.getByTestId('dtmf-sent').textContent(), { timeout: 5000 }).toContain('12#');

    // Mute and unmute: the microphone's track itself is switched off and on (WebRTC's sender, not only the button).
    const media = one.getByTestId('call-media');
    await expect.poll(() => media.getAttribute('data-input-enabled')).toBe('true');
    await one.getByTestId('softphone-mute').click();
    await one.locator('[data-testid="softphone-call"][data-muted="true"]').waitFor();
    await expect.poll(() => media.getAttribute('data-input-enabled'), { timeout: 5000 }).toBe('false');
    await one.getByTestId('softphone-mute').click();
    await one.locator('[data-testid="softphone-call"][data-muted="false"]').waitFor();
    await expect.poll(() => media.getAttribute('data-input-enabled'), { timeout: 5000 }).toBe('true');
    // Another microphone (Chromium's fake ones), picked during the call: the call sends from it, and audio goes on.
    await one.getByTestId('softphone-devices').click();
    const inputs = one.getByTestId('device-input').locator('option');
    await expect.poll(() => inputs.count()).toBeGreaterThan(1);
    const options = await inputs.evaluateAll((els) => els.map((e) => ({ value: e.getAttribute('value') ?? '', label: e.textContent?.trim() ?? '' })));
    const from = await media.getAttribute('data-input-label');
    const other = options.find((o) => o.value && o.label && o.label !== from)!;
    await one.getByTestId('device-input').selectOption(other.value);
    await expect.poll(() => media.getAttribute('data-input-label'), { timeout: 5000 }).toBe(other.label);
    const sentAt = Number(await media.getAttribute('data-packets-sent'));
    await expect.poll(async () => Number(await media.getAttribute('data-packets-sent')), { timeout: 5000 }).toBeGreaterThan(sentAt + 10);
    await expect.poll(() => packetsReceived(two), { timeout: 5000 }).toBeGreaterThan(0);
    // Another speaker (Chromium's fake outputs), picked during the call: the call's audio element plays into it (its
    // sinkId), and the choice is kept for the next calls.
    const output = one.getByTestId('device-output');
    expect(await output.isDisabled()).toBe(false);
    const speakers = await output.locator('option').evaluateAll((els) => els.map((e) => ({ value: e.getAttribute('value') ?? '', label: e.textContent?.trim() ?? '' })));
    const sinkOf = () => one.locator('audio[data-softphone-audio]').evaluate((el) => (el as unknown as { sinkId: string }).sinkId);
    const playingInto = await sinkOf();
    const speaker = speakers.find((o) => o.value && o.value !== 'default' && o.value !== playingInto);
    expect(speaker, JSON.stringify(speakers)).toBeDefined();
    await output.selectOption(speaker!.value);
    await expect.poll(sinkOf, { timeout: 5000 }).toBe(speaker!.value);
    expect(await output.inputValue()).toBe(speaker!.value);
    expect(await one.evaluate(() => JSON.parse(localStorage.getItem('cc.softphone.devices') ?? '{}').outputId)).toBe(speaker!.value);

    // Agent 1 hangs up: both calls end, both agents get the wrap-up panel (it has no way to skip it).
    await one.getByTestId('softphone-hangup').last().click();
    await one.getByTestId('wrapup-panel').waitFor({ timeout: 10_000 });
    await two.getByTestId('wrapup-panel').waitFor({ timeout: 10_000 });
    const callMs = Date.now() - started;
    expect(await one.getByTestId('wrapup-panel').getByRole('button', { name: /close|skip|cancel/i }).count()).toBe(0);
    // No new call before the wrap-up.
    await openDock(one);
    expect(await one.getByTestId('dial-blocked-wrapup').count()).toBe(1);
    expect(await one.getByTestId('dial-call').isDisabled()).toBe(true);
    await one.getByTestId('softphone-toggle').click();

    // The supervisor sees them in wrap-up, and no longer on a call.
    const wrapRow = (who: string) => supervisor.locator(`[data-testid="wrapup-agent-row"][data-user-id="${userId[who]}"]`);
    await wrapRow('agent1@acme.test').waitFor({ timeout: 5000 });
    await wrapRow('agent2@acme.test').waitFor({ timeout: 5000 });
    expect(await supervisor.locator('[data-testid="live-call-row"]').count()).toBe(0);
    await supervisor.screenshot({ path: path.join(ARTIFACTS, 'softphone-supervisor-wrap-up.png'), fullPage: true });

    // Agent 1's wrap-up: the default disposition is preselected; one that requires a note is refused without it.
    const dispositions = await sql<{ id: number; name: string; is_default: number; requires_note: number }>(
      sys, "select d.id, d.name, d.is_default, d.requires_note from call_dispositions d join tenants t on t.id = d.tenant_id where t.name = 'Acme Support' and d.is_active = 1",
    );
    const preselected = dispositions.find((d) => Number(d.is_default) === 1)!;
    const needsNote = dispositions.find((d) => Number(d.requires_note) === 1)!;
    const panel = one.getByTestId('wrapup-panel');
    expect(await panel.getByTestId('wrapup-disposition').inputValue()).toBe(String(preselected.id));
    expect(await panel.getByTestId('wrapup-lead').getAttribute('data-lead-id')).toBe(String(leadId));
    await panel.screenshot({ path: path.join(ARTIFACTS, 'softphone-wrap-up.png') });
    await one.screenshot({ path: path.join(ARTIFACTS, 'softphone-wrap-up-page.png') });
    await panel.getByTestId('wrapup-disposition').selectOption(String(needsNote.id));
    await panel.getByTestId('wrapup-save').click();
    await expect.poll(() => panel.getByTestId('wrapup-error').textContent()).toContain('needs a note');
    await panel.getByTestId('wrapup-notes').fill('Wants a quote for two warehouses; call back Thursday.');
    // The lead moves on with the call: Proposal, whose rule asks for a follow-up date (the panel says so first).
    await panel.getByTestId('wrapup-lead-status').selectOption({ label: 'Proposal *' });
    await panel.getByTestId('wrapup-save').click();
    await expect.poll(() => panel.getByTestId('wrapup-error').textContent()).toContain('needs a follow-up date');
    const followupLocal = '2031-03-06T10:30';
    await panel.getByTestId('wrapup-followup').fill(followupLocal);
    const followupAt = await one.evaluate((v) => new Date(v).toISOString(), followupLocal);
    await panel.getByTestId('wrapup-save').click();
    await panel.waitFor({ state: 'detached', timeout: 5000 });
    const movedLead = (await agent1.get(`/api/v1/leads/${leadId}`)).body;
    expect(movedLead).toMatchObject({ statusName: 'Proposal', nextFollowupAt: followupAt });
    expect(movedLead.lastContactedAt).not.toBeNull();

    // The lead's timeline shows the call, live, with its outcome and notes.
    const callEntry = one.getByTestId('lead-timeline').locator('[data-type="call"]').first();
    await callEntry.waitFor({ timeout: 5000 });
    expect(await callEntry.textContent()).toContain(needsNote.name);
    expect(await callEntry.textContent()).toContain('Wants a quote for two warehouses');

    // Agent 2 wraps up with the default disposition; the supervisor sees both leave wrap-up.
    await two.getByTestId('wrapup-save').click();
    await two.getByTestId('wrapup-panel').waitFor({ state: 'detached', timeout: 5000 });
    await wrapRow('agent1@acme.test').waitFor({ state: 'detached', timeout: 5000 });
    await wrapRow('agent2@acme.test').waitFor({ state: 'detached', timeout: 5000 });
    // Today's figures count the call for each agent, live, without a reload.
    await expect.poll(() => callsToday('agent1@acme.test'), { timeout: 5000 }).toBe(before.one + 1);
    await expect.poll(() => callsToday('agent2@acme.test'), { timeout: 5000 }).toBe(before.two + 1);

    // What the server recorded: one call per agent, each with its SIP Call-ID and the console's id.
    const own = (await agent1.get('/api/v1/calls?limit=5')).body.data as Record<string, unknown>[];
    const outbound = own.find((c) => c.relatedId === leadId)!;
    expect(outbound).toMatchObject({
      direction: 'outbound', status: 'closed', fromNumber: '1001', toNumber: LEAD_PHONE, relatedType: 'lead', dispositionId: needsNote.id,
      wrapupNotes: 'Wants a quote for two warehouses; call back Thursday.',
    });
    expect(outbound.sipCallId).toEqual(expect.any(String));
    expect(outbound.consoleCallId).toMatch(/^[0-9a-f-]{36}$/);
    expect(outbound.answeredAt).not.toBeNull();
    const [inbound] = await sql(sys, 'select direction, status, from_number, sip_call_id, user_id from calls where user_id = ? order by id desc limit 1', [userId['agent2@acme.test']]);
    expect(inbound).toMatchObject({ direction: 'inbound', status: 'closed', from_number: '1001', sip_call_id: outbound.sipCallId });

    // The agent's call history lists it.
    await one.goto(`${sys.baseUrl}/calls`);
    await one.locator(`[data-testid="history-row"][data-call-id="${outbound.id}"][data-status="closed"]`).waitFor();

    console.info(`softphone: connected with audio in ${connectedMs} ms; whole call to both wrap-ups in ${callMs} ms`);
  });

  it('re-registers by itself after the SIP server restarts, without a reload; follows new credentials at once', async () => {
    await registered(one);
    await kamailio.stop();
    await expect.poll(() => registration(one), { timeout: 10_000 }).not.toBe('registered');
    await kamailio.start();
    await registered(one, 20_000);
    await registered(two, 20_000);

    // An admin points agent 2 at another server (nobody listens there): the console drops the old registration
    // (sip-credentials:changed) and tries the new one; pointed back, it registers again. No reload.
    const put = (wsUrl: string) =>
      admin.put(`/api/v1/users/${userId['agent2@acme.test']}/sip-credentials`, { wsUrl, username: '1002', domain: kamailio.domain, autoRegister: true });
    expect((await put(`ws://127.0.0.1:${await freePort()}`)).status).toBe(200);
    await expect.poll(() => registration(two), { timeout: 10_000 }).not.toBe('registered');
    expect((await put(kamailio.wsUrl)).status).toBe(200);
    await registered(two, 10_000);
  });

  it('a second tab of the same agent shares the one registration and can act through it; it takes over when the first tab closes', async () => {
    const context = one.context();
    await one.goto(`${sys.baseUrl}/leads/${leadId}`);
    await registered(one);
    const second = await context.newPage();
    await second.goto(`${sys.baseUrl}/leads/${leadId}`);
    await second.getByTestId('user-name').waitFor();
    // The second tab shows the leader's state instead of registering again.
    await registered(second);
    expect(await softphone(second).getAttribute('data-leader')).toBe('false');
    expect(await softphone(one).getAttribute('data-leader')).toBe('true');
    await openDock(second);
    await second.getByTestId('softphone-elsewhere').waitFor();

    // A call placed from the second tab rings agent 2 through the first tab's registration.
    await second.getByTestId('lead-call').click();
    await two.getByTestId('incoming-call').waitFor({ timeout: 10_000 });
    await second.locator('[data-testid="softphone-call"][data-direction="outbound"]').waitFor();
    await two.getByTestId('incoming-reject').click();
    await second.getByTestId('wrapup-panel').waitFor({ timeout: 10_000 });
    await one.getByTestId('wrapup-panel').waitFor({ timeout: 10_000 });
    await second.getByTestId('wrapup-save').click();
    await one.getByTestId('wrapup-panel').waitFor({ state: 'detached', timeout: 5000 });
    await two.getByTestId('wrapup-save').click();

    // Closing the tab that holds the phone hands it to the other one, which registers.
    await one.close();
    await expect.poll(() => softphone(second).getAttribute('data-leader'), { timeout: 10_000 }).toBe('true');
    await registered(second, 15_000);

    // Closing it in the middle of a call hangs up and still tells the server (a request that outlives the page).
    await two.getByTestId('wrapup-panel').waitFor({ state: 'detached', timeout: 5000 });
    await second.getByTestId('lead-call').click();
    await two.getByTestId('incoming-answer').click();
    await second.locator('[data-testid="softphone-call"][data-call-state="active"]').waitFor({ timeout: 10_000 });
    const inProgress = async () => (await sql(sys, "select id from calls where user_id = ? and status = 'in_progress' order by id desc limit 1", [userId['agent1@acme.test']]))[0];
    await expect.poll(inProgress, { timeout: 5000 }).toBeTruthy();
    const live = await inProgress();
    await second.close();
    await expect
      .poll(async () => (await sql(sys, 'select status from calls where id = ?', [live.id]))[0].status, { timeout: 5000 })
      .toBe('ended');
    // Agent 2 got the BYE: their call ends and their wrap-up opens.
    await two.getByTestId('wrapup-panel').waitFor({ timeout: 10_000 });
  });
});

describe('transfers through the real SIP server', () => {
  let one: Page;
  let two: Page;
  let three: Page;

  /** Saves every wrap-up waiting on this page (default disposition). */
  async function wrapUpAll(page: Page): Promise<void> {
    const panel = page.getByTestId('wrapup-panel');
    for (let i = 0; i < 5 && (await panel.count()); i += 1) {
      const id = await panel.getAttribute('data-call-id');
      await panel.getByTestId('wrapup-save').click();
      await page.locator(`[data-testid="wrapup-panel"][data-call-id="${id}"]`).waitFor({ state: 'detached', timeout: 5000 });
    }
  }

  async function dial(page: Page, number: string): Promise<void> {
    await openDock(page);
    await page.getByTestId('dial-input').fill(number);
    await page.getByTestId('dial-call').click();
  }

  const active = (page: Page) => page.locator('[data-testid="softphone-call"][data-call-state="active"]');

  async function connected(a: Page, b: Page): Promise<void> {
    await active(a).waitFor({ timeout: 10_000 });
    await active(b).waitFor({ timeout: 10_000 });
    await expect.poll(() => packetsReceived(a), { timeout: 10_000 }).toBeGreaterThan(0);
    await expect.poll(() => packetsReceived(b), { timeout: 10_000 }).toBeGreaterThan(0);
  }

  beforeAll(async () => {
    // A third extension for the supervisor, the transfer target.
    const res = await admin.put(`/api/v1/users/${userId['supervisor@acme.test']}/sip-credentials`, {
      wsUrl: kamailio.wsUrl, username: '1003', password: 'sip-1003-test', domain: kamailio.domain, autoRegister: true,
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    [one, two, three] = await Promise.all([
      signIn('agent1@acme.test', '/'),
      signIn('agent2@acme.test', '/'),
      signIn('supervisor@acme.test', '/'),
    ]);
    await Promise.all([registered(one), registered(two), registered(three)]);
    // Earlier tests may have left wrap-ups behind.
    await Promise.all([wrapUpAll(one), wrapUpAll(two), wrapUpAll(three)]);
  });

  it('blind transfer: agent 2 sends agent 1 on to 1003 and drops out; agent 1 and the supervisor talk', async () => {
    await dial(one, '1002');
    await two.getByTestId('incoming-answer').click();
    await connected(one, two);

    await two.getByTestId('softphone-transfer-open').click();
    await two.getByTestId('transfer-blind').click();
    await two.getByTestId('transfer-target').fill('1003');
    await two.getByTestId('transfer-submit').click();

    await three.getByTestId('incoming-answer').click({ timeout: 10_000 });
    await connected(one, three);
    expect(await one.getByTestId('softphone-call-party').textContent()).toContain('1003');
    // Agent 2 is out of it, in wrap-up.
    await two.getByTestId('wrapup-panel').waitFor({ timeout: 10_000 });
    expect(await active(two).count()).toBe(0);

    await one.getByTestId('softphone-hangup').click();
    await three.getByTestId('wrapup-panel').waitFor({ timeout: 10_000 });
    await Promise.all([wrapUpAll(one), wrapUpAll(two), wrapUpAll(three)]);
  });

  it('click-to-call from a contact: the Contacts page dials it (Kamailio routes the last four digits to agent 2) and the call record is the contact\'s', async () => {
    const contact = await agent1.post('/api/v1/contacts', { firstName: 'Quinn', lastName: 'Caller', phone: '+13105551002' });
    expect(contact.status, JSON.stringify(contact.body)).toBe(201);
    await one.goto(`${sys.baseUrl}/contacts`);
    await registered(one);
    const button = one.getByTestId(`contact-call-${contact.body.id}`);
    await expect.poll(() => button.isEnabled()).toBe(true);
    await button.click();
    await one.locator('[data-testid="softphone-call"][data-direction="outbound"]').waitFor();
    await two.getByTestId('incoming-answer').click({ timeout: 10_000 });
    await connected(one, two);
    await one.getByTestId('softphone-hangup').click();
    await one.getByTestId('wrapup-panel').waitFor({ timeout: 10_000 });
    // The console reported the call with the contact it was placed from.
    const mine = await agent1.get('/api/v1/calls?limit=20');
    const call = mine.body.data.find((c: any) => c.toNumber === '+13105551002');
    expect(call).toMatchObject({ direction: 'outbound', relatedType: 'contact', relatedId: contact.body.id, relatedName: 'Quinn Caller', status: 'ended' });
    await Promise.all([wrapUpAll(one), wrapUpAll(two)]);
  });

  it('the incoming popup shows the screen pop: the caller\'s number matched to a lead, with its latest activity; it goes when the caller gives up', async () => {
    // A caller whose SIP user is a phone number (a desk phone or a trunk presenting the customer's number).
    const adminId = (await sql(sys, "select id from users where email = 'admin@acme.test'"))[0].id;
    const creds = await admin.put(`/api/v1/users/${adminId}/sip-credentials`, { wsUrl: kamailio.wsUrl, username: '2125559001', password: 'sip-9001-test', domain: kamailio.domain, autoRegister: true });
    expect(creds.status, JSON.stringify(creds.body)).toBe(200);
    const lead = await agent1.post('/api/v1/leads', { name: 'Screen Pop Co', companyName: 'Screen Pop Holdings', phone: '(212) 555-9001' });
    expect(lead.status, JSON.stringify(lead.body)).toBe(201);
    expect((await agent1.post(`/api/v1/leads/${lead.body.id}/notes`, { note: 'Asked about pricing tiers' })).status).toBe(201);
    const caller = await signIn('admin@acme.test', '/');
    await registered(caller);

    await dial(caller, '1002');
    const incoming = two.getByTestId('incoming-call');
    await incoming.waitFor({ timeout: 10_000 });
    expect(await incoming.getAttribute('data-number')).toBe('2125559001');
    const pop = incoming.getByTestId('screen-pop');
    await pop.waitFor({ timeout: 5000 });
    expect(await pop.getAttribute('data-match-type')).toBe('lead');
    expect(await pop.getAttribute('data-match-id')).toBe(String(lead.body.id));
    expect(await incoming.getByTestId('incoming-party').textContent()).toContain('Screen Pop Co');
    expect(await incoming.getByTestId('screen-pop-activity').textContent()).toContain('Asked about pricing tiers');

    // The caller gives up before an answer (a CANCEL to every phone of 1002): the popup goes away.
    await caller.getByTestId('softphone-hangup').click();
    await incoming.waitFor({ state: 'detached', timeout: 10_000 });
    await Promise.all([wrapUpAll(caller), wrapUpAll(two)]);
  });

  it('attended transfer: agent 2 holds agent 1, talks to 1003 first, then joins them', async () => {
    await dial(one, '1002');
    await two.getByTestId('incoming-answer').click();
    await connected(one, two);

    await two.getByTestId('softphone-transfer-open').click();
    await two.getByTestId('transfer-attended').click();
    await two.getByTestId('transfer-target').fill('1003');
    await two.getByTestId('transfer-submit').click();
    // Agent 1 waits on hold while agent 2 and the supervisor talk.
    await two.locator('[data-testid="softphone-other-call"]').waitFor();
    await three.getByTestId('incoming-answer').click({ timeout: 10_000 });
    await connected(two, three);

    await two.getByTestId('softphone-transfer-complete').click();
    // The supervisor's console takes the INVITE with Replaces by itself: agent 1 and the supervisor are connected.
    await expect.poll(() => one.getByTestId('softphone-call-party').textContent(), { timeout: 10_000 }).toContain('1003');
    await connected(one, three);
    await two.getByTestId('wrapup-panel').waitFor({ timeout: 10_000 });
    expect(await active(two).count()).toBe(0);

    await three.getByTestId('softphone-hangup').click();
    await one.getByTestId('wrapup-panel').waitFor({ timeout: 10_000 });
    await Promise.all([wrapUpAll(one), wrapUpAll(two), wrapUpAll(three)]);
  });
});

describe('registering by hand', () => {
  let page: Page;

  it('with auto_register off the softphone stays offline until the agent clicks Go online; Go offline unregisters', async () => {
    const res = await admin.put(`/api/v1/users/${userId['support@acme.test']}/sip-credentials`, {
      wsUrl: kamailio.wsUrl, username: '1004', password: 'sip-1004-test', domain: kamailio.domain, autoRegister: false,
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    page = await signIn('support@acme.test', '/');
    await openDock(page);
    // The credentials are loaded (the extension shows), and nothing registers by itself.
    await expect.poll(() => page.getByTestId('softphone-registration').textContent()).toContain('1004');
    await page.waitForTimeout(1500);
    expect(await registration(page)).toBe('unregistered');
    expect(await page.getByTestId('softphone-registration').textContent()).toContain('Offline');

    await page.getByTestId('softphone-register').click();
    await registered(page);
    await page.getByTestId('softphone-unregister').click();
    await expect.poll(() => registration(page)).toBe('unregistered');
    await page.getByTestId('softphone-register').waitFor();
  });

  it('the browser losing its network: the phone says so and waits; it re-registers as soon as the network is back, without a reload', async () => {
    await openDock(page);
    await page.getByTestId('softphone-register').click();
    await registered(page);
    const hint = page.getByTestId('softphone-registration-hint');
    // The network goes, and the SIP server with it (a real loss: the WebSocket is gone, not only the browser's flag).
    await page.context().setOffline(true);
    await kamailio.stop();
    await expect.poll(() => registration(page), { timeout: 10_000 }).toBe('connecting');
    await expect.poll(() => hint.textContent(), { timeout: 5000 }).toContain('No network connection');
    // While offline, retries back off (1, 2, 4, 8 s…: attempts about 1, 3 and 7 s after the loss, the next about
    // 15 s); the server comes back meanwhile, and still nothing gets through.
    await kamailio.start();
    await page.waitForTimeout(8500);
    expect(await registration(page)).not.toBe('registered');
    // Back online about 9 s after the loss: it tries at once instead of at the back-off's next turn.
    const back = Date.now();
    await page.context().setOffline(false);
    await registered(page, 10_000);
    expect(Date.now() - back).toBeLessThan(3000);
    expect(page.url()).not.toContain('/login');
  });
});
