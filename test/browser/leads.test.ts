import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Locator, Page } from 'playwright-core';
import { startSeeded, sql } from '../helpers/seeded.ts';
import type { Api } from '../helpers/api.ts';
import type { TestSystem } from '../helpers/system.ts';
import { ARTIFACTS, BrowserSession, assertClientBuilt, dragByMouse, launchChromium, signInPage } from '../helpers/browser.ts';
import { processFollowup } from '../../server/crm/followups.ts';

// The lead pipeline console, end to end: real server, real Chromium, one browser context per person. Leads the
// scenarios move are created over the API first, so each test knows its lead (and it is the newest of its column,
// on top of the board's first page).

let sys: TestSystem;
let browser: Browser;
let agent1: Api;
let agent2: Api;
let admin: Api;
let acmeId: number;
const status: Record<string, number> = {};
const userId: Record<string, number> = {};
const session = new BrowserSession();

beforeAll(async () => {
  assertClientBuilt();
  let api;
  ({ sys, api } = await startSeeded('browser_leads'));
  agent1 = (await api.login('agent1@acme.test')).api;
  agent2 = (await api.login('agent2@acme.test')).api;
  admin = (await api.login('admin@acme.test')).api;
  for (const s of (await agent1.get('/api/v1/lead-statuses')).body.data) status[s.name] = s.id;
  for (const row of await sql(sys, 'select id, email from users')) userId[row.email] = Number(row.id);
  acmeId = Number((await sql(sys, "select id from tenants where name = 'Acme Support'"))[0].id);
  browser = await launchChromium();
});
afterAll(async () => {
  await session.closeAll();
  await browser?.close();
  await sys?.stop();
});

const signIn = (email: string, to = '/leads'): Promise<Page> =>
  signInPage(browser, sys.baseUrl, email, { to, viewport: { width: 1920, height: 1000 }, track: session });

/** The board is loaded and its socket caught up: what happens from now on reaches it live. */
async function boardReady(page: Page): Promise<void> {
  await page.locator('[data-testid="leads-board"][data-loaded="true"]').waitFor();
  await page.getByTestId('board-live').waitFor();
}

const column = (page: Page, name: string) => page.getByTestId(`column-${status[name]}`);
const cardIn = (page: Page, name: string, leadId: number) => column(page, name).getByTestId(`lead-card-${leadId}`);
const countOf = async (page: Page, name: string) => Number(await column(page, name).getAttribute('data-count'));

async function createLead(api: Api, body: Record<string, unknown>) {
  const res = await api.post('/api/v1/leads', body);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: number; name: string; version: number; statusId: number };
}

/** Drags with the mouse in small steps; `midway` runs while the card is held. */

describe('the kanban board, two agents side by side', () => {
  let one: Page;
  let two: Page;

  beforeAll(async () => {
    [one, two] = await Promise.all([signIn('agent1@acme.test'), signIn('agent2@acme.test')]);
    await Promise.all([boardReady(one), boardReady(two)]);
  });

  it('agent 1 drags a lead into Negotiation, gives the note it asks for; agent 2 sees it there within a second; the timeline shows the move and the note', async () => {
    const lead = await createLead(agent1, { name: 'Dragon Freight', companyName: 'Dragon Freight Ltd', score: 'hot', estimatedValue: 48000, assignedToId: userId['agent1@acme.test'] });
    expect(lead.statusId).toBe(status.New);
    // A new lead appears live on both boards (nobody reloads).
    await cardIn(one, 'New', lead.id).waitFor({ timeout: 2000 });
    await cardIn(two, 'New', lead.id).waitFor({ timeout: 2000 });
    expect(await cardIn(two, 'New', lead.id).textContent()).toContain('Dragon Freight Ltd');
    const before = { fresh: await countOf(two, 'New'), negotiation: await countOf(two, 'Negotiation') };

    await cardIn(one, 'New', lead.id).dragTo(column(one, 'Negotiation'));
    const dialog = one.getByTestId('move-dialog');
    await dialog.waitFor();
    expect(await dialog.getAttribute('data-status-name')).toBe('Negotiation');
    expect(await one.getByTestId('move-followup').count()).toBe(0);
    // Optimistic: the card already sits in Negotiation on agent 1's board, marked as pending; agent 2 sees nothing yet.
    expect(await cardIn(one, 'Negotiation', lead.id).getAttribute('data-pending')).toBe('true');
    expect(await cardIn(two, 'New', lead.id).count()).toBe(1);

    // Confirming without the note is refused on the spot.
    await one.getByTestId('move-confirm').click();
    await expect.poll(() => one.getByTestId('move-dialog-error').textContent()).toContain('needs a note');

    await one.getByTestId('move-note').fill('Sent the contract; they want 5% off for two years.');
    const confirmed = Date.now();
    await one.getByTestId('move-confirm').click();
    await cardIn(two, 'Negotiation', lead.id).waitFor({ timeout: 1000 });
    expect(Date.now() - confirmed).toBeLessThan(1000);
    expect(await cardIn(two, 'New', lead.id).count()).toBe(0);
    expect(await countOf(two, 'New')).toBe(before.fresh - 1);
    expect(await countOf(two, 'Negotiation')).toBe(before.negotiation + 1);

    await one.getByTestId('move-dialog').waitFor({ state: 'detached' });
    await expect.poll(() => cardIn(one, 'Negotiation', lead.id).getAttribute('data-pending')).toBe('false');
    expect((await agent1.get(`/api/v1/leads/${lead.id}`)).body.statusId).toBe(status.Negotiation);
    await one.screenshot({ path: path.join(ARTIFACTS, 'leads-board.png') });

    // Agent 2 opens the lead from the board: the timeline has the move and the note.
    await cardIn(two, 'Negotiation', lead.id).click();
    await two.waitForURL(`**/leads/${lead.id}`);
    const timeline = two.getByTestId('lead-timeline');
    await timeline.locator('[data-type="status_change"]', { hasText: 'New → Negotiation' }).waitFor();
    await timeline.locator('[data-type="note"]', { hasText: 'Sent the contract; they want 5% off for two years.' }).waitFor();
    expect(await two.getByTestId('lead-status-select').getAttribute('data-status-name')).toBe('Negotiation');
    await two.getByTestId('viewers').waitFor();
    await two.screenshot({ path: path.join(ARTIFACTS, 'lead-detail.png'), fullPage: true });
    await two.getByTestId('back-to-board').click();
    await boardReady(two);
  });

  it('dragging into Proposal asks for a follow-up date; cancelling snaps the card back; a future date moves it', async () => {
    const lead = await createLead(agent2, { name: 'Proposal Pending Inc' });
    await cardIn(one, 'New', lead.id).waitFor({ timeout: 2000 });

    await cardIn(one, 'New', lead.id).dragTo(column(one, 'Proposal'));
    await one.getByTestId('move-dialog').waitFor();
    expect(await one.getByTestId('move-note').count()).toBe(0);
    await one.getByTestId('move-followup').waitFor();
    await cardIn(one, 'Proposal', lead.id).waitFor();
    await one.getByTestId('move-cancel').click();
    await one.getByTestId('move-dialog').waitFor({ state: 'detached' });
    // Back where it was, on both boards and on the server.
    await cardIn(one, 'New', lead.id).waitFor();
    expect(await cardIn(one, 'Proposal', lead.id).count()).toBe(0);
    expect(await cardIn(one, 'New', lead.id).getAttribute('data-pending')).toBe('false');
    expect(await cardIn(two, 'New', lead.id).count()).toBe(1);
    expect((await agent1.get(`/api/v1/leads/${lead.id}`)).body.statusId).toBe(status.New);

    // Again, with a date: the lead moves and carries the follow-up.
    await cardIn(one, 'New', lead.id).dragTo(column(one, 'Proposal'));
    await one.getByTestId('move-followup').fill('2031-03-04T10:30');
    await one.getByTestId('move-confirm').click();
    await cardIn(two, 'Proposal', lead.id).waitFor({ timeout: 2000 });
    await cardIn(two, 'Proposal', lead.id).getByTestId('lead-card-followup').waitFor();
    const moved = (await agent1.get(`/api/v1/leads/${lead.id}`)).body;
    expect(moved.statusId).toBe(status.Proposal);
    expect(new Date(moved.nextFollowupAt).getTime()).toBe(new Date(2031, 2, 4, 10, 30).getTime());
  });

  it('a held card is not yanked away by live updates; its own update waits for the drop; a 409 snaps it back, refreshed, with the reason', async () => {
    const lead = await createLead(agent1, { name: 'Held Card Co' });
    await cardIn(one, 'New', lead.id).waitFor({ timeout: 2000 });
    let other: { id: number } | null = null;

    await dragByMouse(one, cardIn(one, 'New', lead.id), column(one, 'Contacted'), { midway: async () => {
      await one.getByTestId('drag-ghost').waitFor();
      // Agent 2 renames the held lead, then adds a lead to the same column (events arrive in that order).
      expect((await agent2.patch(`/api/v1/leads/${lead.id}`, { name: 'Held Card Co (renamed)', version: lead.version })).status).toBe(200);
      other = await createLead(agent2, { name: 'Arrived Mid-Drag' });
      // The new card shows while the drag goes on (so the rename has arrived too)…
      await cardIn(one, 'New', other.id).waitFor({ timeout: 2000 });
      expect(await one.getByTestId('drag-ghost').count()).toBe(1);
      // …but the held card is still the lead as it was picked up.
      expect(await one.getByTestId(`lead-card-${lead.id}`).getByTestId('lead-card-name').textContent()).toBe('Held Card Co');
      expect(await one.getByTestId('drag-ghost').getByTestId('lead-card-name').textContent()).toBe('Held Card Co');
    } });

    // The move was sent with the version agent 1 saw: the server refuses it (someone else changed the lead first).
    const error = one.getByTestId('move-error');
    await error.waitFor();
    expect(await error.getAttribute('data-kind')).toBe('conflict');
    expect(await error.textContent()).toContain('Someone else changed');
    await cardIn(one, 'New', lead.id).waitFor();
    expect(await cardIn(one, 'Contacted', lead.id).count()).toBe(0);
    await expect.poll(() => cardIn(one, 'New', lead.id).getByTestId('lead-card-name').textContent()).toBe('Held Card Co (renamed)');
    expect((await agent1.get(`/api/v1/leads/${lead.id}`)).body.statusId).toBe(status.New);
    expect(other).not.toBeNull();

    // Now current, the same drag goes through.
    await cardIn(one, 'New', lead.id).dragTo(column(one, 'Contacted'));
    await cardIn(two, 'Contacted', lead.id).waitFor({ timeout: 2000 });
    expect((await agent1.get(`/api/v1/leads/${lead.id}`)).body.statusId).toBe(status.Contacted);
  });

  it('a bell badge counts a follow-up reminder as it fires; opening it marks it read and opens the lead; the other tab\'s bell follows', async () => {
    const dueAt = new Date(Date.now() + 3_600_000).toISOString().replace(/\.\d+Z$/, '.000Z');
    const lead = await createLead(agent1, { name: 'Reminder Ltd', assignedToId: userId['agent1@acme.test'], nextFollowupAt: dueAt });
    // A second tab of the same agent (a session of its own), its bell never opened.
    const otherTab = await signIn('agent1@acme.test');
    const bell = one.getByTestId('notifications-bell');
    const unread = async () => Number(await bell.getAttribute('data-unread'));
    const otherUnread = async () => Number(await otherTab.getByTestId('notifications-bell').getAttribute('data-unread'));
    const before = await unread();
    await expect.poll(otherUnread, { timeout: 2000 }).toBe(before);
    expect(await processFollowup(sys.orm, sys.publisher, { data: { tenantId: acmeId, leadId: lead.id, dueAt } })).toBe('fired');
    await expect.poll(unread, { timeout: 2000 }).toBe(before + 1);
    await expect.poll(otherUnread, { timeout: 2000 }).toBe(before + 1);
    await sys.services.followups.reschedule(acmeId, lead.id, new Date(dueAt), null);

    await bell.click();
    const item = one.getByTestId('notifications-menu').locator('[data-read="false"]', { hasText: 'Follow up with Reminder Ltd' });
    await item.click();
    await one.waitForURL(`**/leads/${lead.id}`);
    await expect.poll(unread).toBe(before);
    // Read in one tab, read in the other: its badge drops without opening anything (notification:read).
    await expect.poll(otherUnread, { timeout: 2000 }).toBe(before);
    await otherTab.close();
    const [row] = await sql(sys, 'select read_at from notifications where user_id = ? order by id desc limit 1', [userId['agent1@acme.test']]);
    expect(row.read_at).not.toBeNull();
    await one.getByTestId('back-to-board').click();
    await boardReady(one);
  });
});

describe('read-only users', () => {
  it('a viewer sees the board live but cannot drag: no move happens', async () => {
    const viewer = await signIn('viewer@acme.test');
    await boardReady(viewer);
    const lead = await createLead(agent1, { name: 'Look But Do Not Touch' });
    await cardIn(viewer, 'New', lead.id).waitFor({ timeout: 2000 });
    expect(await cardIn(viewer, 'New', lead.id).getAttribute('data-draggable')).toBe('false');
    expect(await viewer.getByTestId('lead-create').count()).toBe(0);

    await dragByMouse(viewer, cardIn(viewer, 'New', lead.id), column(viewer, 'Contacted'));
    await viewer.waitForTimeout(300);
    expect(await viewer.getByTestId('drag-ghost').count()).toBe(0);
    expect(await viewer.getByTestId('move-dialog').count()).toBe(0);
    expect(await cardIn(viewer, 'New', lead.id).count()).toBe(1);
    expect(await cardIn(viewer, 'Contacted', lead.id).count()).toBe(0);
    expect((await agent1.get(`/api/v1/leads/${lead.id}`)).body).toMatchObject({ statusId: status.New, version: lead.version });

    // The lead's page shows everything and offers no change.
    await viewer.goto(`${sys.baseUrl}/leads/${lead.id}`);
    await viewer.getByTestId('lead-name').waitFor();
    expect(await viewer.getByTestId('lead-status-select').isDisabled()).toBe(true);
    expect(await viewer.getByTestId('note-input').count()).toBe(0);
    expect(await viewer.getByTestId('assign-me').count()).toBe(0);
    expect(await viewer.getByTestId('field-name-edit').count()).toBe(0);
  });
});

describe('lead page, list and follow-ups', () => {
  it('edits in place with the version, assigns, notes live to another viewer, and a stale edit says so', async () => {
    const lead = await createLead(agent1, { name: 'Inline Edit GmbH', source: 'Website' });
    const one = await signIn('agent1@acme.test', `/leads/${lead.id}`);
    const two = await signIn('agent2@acme.test', `/leads/${lead.id}`);
    await one.getByTestId('lead-name').waitFor();
    await two.getByTestId('lead-name').waitFor();
    await one.getByTestId('viewers').getByTestId(`viewer-${userId['agent2@acme.test']}`).waitFor({ timeout: 5000 });

    // Agent 1 renames the lead in place; agent 2's page follows.
    await one.getByTestId('field-name-edit').click();
    await one.getByTestId('field-name-input').fill('Inline Edit AG');
    await one.getByTestId('field-name-save').click();
    await expect.poll(() => two.getByTestId('lead-name').textContent(), { timeout: 2000 }).toBe('Inline Edit AG');

    // Agent 2 starts editing the source, agent 1 changes the score meanwhile: agent 2's save is refused (409).
    await two.getByTestId('field-source-edit').click();
    await one.getByTestId('field-score-edit').click();
    await one.getByTestId('field-score-input').selectOption('hot');
    await one.getByTestId('field-score-save').click();
    await expect.poll(() => two.getByTestId('field-score-value').textContent(), { timeout: 2000 }).toBe('Hot');
    await two.getByTestId('field-source-input').fill('Referral');
    await two.getByTestId('field-source-save').click();
    await expect.poll(() => two.getByTestId('field-source-error').textContent()).toContain('someone else changed');
    await two.getByTestId('lead-conflict').waitFor();
    expect((await agent1.get(`/api/v1/leads/${lead.id}`)).body.source).toBe('Website');

    // A note and an assignment show on both timelines (lead:activity to the viewers of the lead).
    await two.getByTestId('note-input').fill('Called back, interested in the annual plan.');
    await two.getByTestId('note-submit').click();
    await one.getByTestId('lead-timeline').locator('[data-type="note"]', { hasText: 'interested in the annual plan' }).waitFor({ timeout: 2000 });
    await one.getByTestId('assign-me').click();
    await expect.poll(() => two.getByTestId('lead-assignee').textContent(), { timeout: 2000 }).toBe('Alex Agent');
    await two.getByTestId('lead-timeline').locator('[data-type="assignment"]').waitFor({ timeout: 2000 });

    // A follow-up set in place shows up in agent 1's follow-ups; cleared, it leaves them.
    await one.getByTestId('field-followup-edit').click();
    await one.getByTestId('field-followup-input').fill('2031-05-06T09:15');
    await one.getByTestId('field-followup-save').click();
    await expect.poll(async () => (await agent1.get(`/api/v1/leads/${lead.id}`)).body.nextFollowupAt).not.toBeNull();
    await one.goto(`${sys.baseUrl}/leads/followups`);
    await one.getByTestId(`followup-row-${lead.id}`).waitFor();
    await agent1.patch(`/api/v1/leads/${lead.id}`, { nextFollowupAt: null });
    await one.getByTestId(`followup-row-${lead.id}`).waitFor({ state: 'detached', timeout: 2000 });
  });

  it('the list searches and filters, and its rows stay live', async () => {
    const lead = await createLead(agent1, { name: 'Zeppelin Searchable', score: 'cold', source: 'Trade show' });
    const page = await signIn('agent2@acme.test', '/leads/list');
    await page.locator('[data-testid="leads-table"][data-loading="false"]').waitFor();
    await page.getByTestId('list-search').fill('Zeppelin');
    await page.getByTestId(`list-row-${lead.id}`).waitFor();
    await expect.poll(() => page.locator('[data-testid^="list-row-"]').count()).toBe(1);
    await page.getByTestId('list-score').selectOption('hot');
    await page.getByTestId('list-empty').waitFor();
    await page.getByTestId('list-score').selectOption('cold');
    await page.getByTestId(`list-row-${lead.id}`).waitFor();
    expect(page.url()).toContain('q=Zeppelin');
    await agent1.patch(`/api/v1/leads/${lead.id}`, { companyName: 'Zeppelin Airships' });
    await expect.poll(() => page.getByTestId(`list-row-${lead.id}`).textContent(), { timeout: 2000 }).toContain('Zeppelin Airships');
    await page.getByTestId('list-assignee').selectOption('none');
    await page.getByTestId(`list-row-${lead.id}`).waitFor();
  });
});

describe('pipeline settings', () => {
  it('an admin reorders by drag, sees the server’s rules, and deletes a status that holds leads by moving them', async () => {
    const page = await signIn('admin@acme.test', '/settings');
    const section = page.getByTestId('lead-statuses');
    const row = (name: string) => section.getByTestId(`status-row-${status[name]}`);
    await row('Lost').waitFor();
    const order = async () => (await section.locator('[data-status-row]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-status-name'))));

    // Lost above Won, by its handle.
    await dragByMouse(page, row('Lost').getByTestId('status-handle'), row('Won').getByTestId('status-name'));
    await expect.poll(async () => (await admin.get('/api/v1/lead-statuses')).body.data.map((s: { name: string }) => s.name).slice(-2)).toEqual(['Lost', 'Won']);
    expect((await order()).slice(-2)).toEqual(['Lost', 'Won']);

    // A rule of the server, in its words.
    await row('Won').getByTestId('status-flag-isClosed').click();
    await expect.poll(() => section.getByTestId('statuses-error').textContent()).toContain('always closed');
    expect(await row('Won').getByTestId('status-flag-isClosed').isChecked()).toBe(true);

    // Qualified holds leads: deleting it asks where they go.
    const held = Number(await row('Qualified').getByTestId('status-count').textContent());
    expect(held).toBeGreaterThan(0);
    await row('Qualified').getByTestId('status-delete').click();
    await row('Qualified').getByTestId('status-move-to').selectOption(String(status.Contacted));
    await row('Qualified').getByTestId('status-delete-confirm').click();
    await row('Qualified').waitFor({ state: 'detached' });
    const [{ n }] = await sql(sys, 'select count(*) n from leads where lead_status_id = ?', [status.Contacted]);
    await expect.poll(async () => Number(await row('Contacted').getByTestId('status-count').textContent())).toBe(Number(n));
  });
});
